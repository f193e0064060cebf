"""Population encoding (lecture 26): NEF gains and biases give the asked intercepts and maximum rates (O34)."""

import numpy as np
import pytest

from nnlab.core.neuron.analytic import lif_rate, nef_gain_bias
from nnlab.core.neuron.lif_model import PopulationModel
from nnlab.core.neuron.params import PopulationParams


def test_gain_and_bias_give_r_max_at_x_equals_one_and_zero_at_the_intercept():
    x_int = np.array([-0.5, 0.0, 0.7])
    r_max = np.array([100.0, 150.0, 200.0])
    a, b = nef_gain_bias(x_int, r_max, 0.02, 0.002)
    assert np.allclose(lif_rate(a + b, 0.02, 0.002), r_max)
    assert np.allclose(a * x_int + b, 1.0)


def test_tuning_curves_rise_for_positive_encoders_and_fall_for_negative():
    m = PopulationModel(PopulationParams(n_neurons=30), 2)
    x, rates = m.tuning()
    for e, row in zip(m.encoders, rates):
        diffs = np.diff(row)
        assert np.all(diffs >= -1e-9) if e > 0 else np.all(diffs <= 1e-9)
    assert np.all(rates.max(axis=1) <= 200.0 + 1e-6)


def test_simulated_rates_follow_the_tuning_curves():
    p = PopulationParams(n_neurons=10, input="constant", x=0.6, dt=1e-4, method="exact")
    m = PopulationModel(p, 5)
    m.advance(20_000)
    counts = np.bincount(m.spike_i.view(), minlength=10) / 2.0
    expected = lif_rate(m.alpha * m.encoders * 0.6 + m.beta, 0.02, 0.002)
    assert np.allclose(counts, expected, atol=1.0)


def test_same_seed_same_population():
    a = PopulationModel(PopulationParams(), 9)
    b = PopulationModel(PopulationParams(), 9)
    assert np.array_equal(a.alpha, b.alpha) and np.array_equal(a.encoders, b.encoders)


def test_a_changed_x_shows_at_once_and_the_pane_stays_true():
    from nnlab.core.equation import false_calcs

    m = PopulationModel(PopulationParams(input="constant", x=0.5), 1)
    for _ in range(20):
        assert not false_calcs(m.step(0).equation)
    m.set_params(m.params.replace(x=-0.25))
    f = m.frame()
    assert dict((n, v) for n, v, _ in f.values)["x"] == "-0.2500" and f.data["x_now"] == -0.25
    assert not false_calcs(f.equation)


def test_a_tau_m_too_short_for_the_gains_to_be_represented_is_refused_naming_the_knobs():
    """With (1/r_max - tau_ref) / tau_m = z, J_max - 1 = 1 / (exp(z) - 1): tau_m = 1e-300 would need J within
    exp(-1e297) of 1, and gains of 0 made every neuron silent. Up to z = 25 the gains hold and the tuning
    curves still reach max_rate."""
    from nnlab.core.knobs import ParamError

    with pytest.raises(ParamError, match=r"tau_m: expected at least 0\.00032 s with max_rate_lo = 100 Hz and "
                                         r"tau_ref = 0\.002 s.*found 1e-300 s"):
        PopulationParams(tau_m=1e-300)
    with pytest.raises(ParamError, match=r"max_rate_lo: expected at least 1\.99 Hz with tau_m = 0\.02 s.*found "
                                         r"0\.001 Hz"):
        PopulationParams(max_rate_lo=0.001, max_rate_hi=0.002)
    m = PopulationModel(PopulationParams(tau_m=0.008 / 25, method="exact", input="constant", x=1.0), 3)
    assert np.all(m.alpha > 0)
    rates = lif_rate(m.alpha * m.encoders + m.beta, m.params.tau_m, m.params.tau_ref)
    up = m.encoders > 0
    np.testing.assert_allclose(rates[up], m.max_rates[up], rtol=1e-6)
    m.advance(500)
    assert not m.blowup and np.isfinite(m.rec_v.view()).all() and len(m.spike_t) > 0
