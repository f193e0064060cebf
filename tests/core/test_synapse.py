"""PSC kernels and their Euler form against lecture 4's closed forms (O4, O5); the LIF pair (lecture 5)."""

import math

import numpy as np
import pytest

from nnlab.core.neuron.analytic import filtered_train, psc_kernel
from nnlab.core.neuron.params import PairParams, SynapseParams
from nnlab.core.neuron.synapse_model import PairModel, SynapseModel


@pytest.mark.parametrize("n", [0, 1, 2])
@pytest.mark.parametrize("tau_s", [0.01, 0.05, 0.3])
def test_kernel_integrates_to_one_o4(n, tau_s):
    t = np.linspace(0.0, 60.0 * tau_s, 600_001)
    h = psc_kernel(t, n, tau_s)
    area = float(np.sum((h[1:] + h[:-1]) / 2.0 * np.diff(t)))
    assert area == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("n", [1, 2])
def test_kernel_peaks_at_n_tau_s_o4(n):
    t = np.linspace(0.0, 0.2, 200_001)
    h = psc_kernel(t, n, 0.02)
    assert t[np.argmax(h)] == pytest.approx(n * 0.02, abs=2e-6)


def test_kernel_n1_peak_value_and_n0_start_o4():
    assert psc_kernel(np.array([0.02]), 1, 0.02)[0] == pytest.approx(1.0 / (math.e * 0.02))
    assert psc_kernel(np.array([0.0]), 0, 0.02)[0] == pytest.approx(50.0)
    assert psc_kernel(np.array([-0.01]), 0, 0.02)[0] == 0.0


def one_spike(n=0, dt=1e-3, tau_s=5e-3, weight=0.7, steps=400):
    m = SynapseModel(SynapseParams(n=n, dt=dt, tau_s=tau_s, weight=weight, train="times", spike_times=(dt,)), 0)
    m.advance(steps)
    return m


@pytest.mark.parametrize("n", [0, 1, 2])
def test_euler_area_of_one_spike_is_exactly_the_weight_o5(n):
    m = one_spike(n=n)
    assert float(np.sum(m.euler.view())) * 1e-3 == pytest.approx(0.7, rel=1e-9)


def test_euler_decay_is_geometric_o5():
    m = one_spike(dt=1e-3, tau_s=1e-2, weight=1.0, steps=20)
    s = m.euler.view()
    assert s[1] == pytest.approx(100.0)
    assert s[11] / s[1] == pytest.approx(0.9**10, rel=1e-12)
    assert 0.9**10 == pytest.approx(0.3487, abs=1e-4)


def test_euler_form_oscillates_then_diverges_and_pauses_o5():
    osc = one_spike(dt=1.5e-2, tau_s=1e-2, weight=1.0, steps=10).euler.view()
    assert osc[2] < 0 < osc[1]
    m = SynapseModel(SynapseParams(dt=2.5e-2, tau_s=1e-2, train="times", spike_times=(0.025,)), 0)
    taken = m.advance(5000)
    assert taken < 5000 and "diverged" in m.blowup


@pytest.mark.parametrize("n", [0, 1, 2])
def test_euler_form_converges_to_the_convolution(n):
    errs = []
    for dt in (1e-3, 1e-4):
        m = SynapseModel(SynapseParams(n=n, dt=dt, tau_s=0.02, train="times", spike_times=(0.01, 0.05, 0.052)), 0)
        m.advance(int(round(0.2 / dt)))
        errs.append(float(np.max(np.abs(m.euler.view() - m.exact.view()))))
    assert errs[1] < errs[0] / 5


def test_filtering_is_linear_superposition():
    t = np.linspace(0, 0.3, 3001)
    both = filtered_train(t, np.array([0.05, 0.1]), 1, 0.02, 2.0)
    apart = filtered_train(t, np.array([0.05]), 1, 0.02, 2.0) + filtered_train(t, np.array([0.1]), 1, 0.02, 2.0)
    assert np.allclose(both, apart)


def test_poisson_train_has_about_the_asked_rate():
    m = SynapseModel(SynapseParams(train="poisson", rate=40.0, dt=1e-3), 1)
    m.advance(50_000)
    assert len(m.spike_t) / 50.0 == pytest.approx(40.0, rel=0.05)


def test_one_presynaptic_spike_injects_w_into_the_postsynaptic_current():
    p = PairParams(v_in=1.2, weight=0.5, tau_s=0.002, dt=1e-4)
    m = PairModel(p, 0)
    m.step(2)
    assert int(np.sum(m.spike_i.view() == 0)) == 1
    k = len(m.t)
    m.advance(300)
    assert int(np.sum(m.spike_i.view() == 0)) == 1
    s = m.rec.view()[k - 1 :, 2]
    assert float(np.sum(s)) * 1e-4 == pytest.approx(0.5, rel=1e-6)


def test_excitation_drives_and_inhibition_silences_the_postsynaptic_neuron():
    exc = PairModel(PairParams(weight=0.03), 0)
    exc.advance(5000)
    inh = PairModel(PairParams(weight=-0.03, v_in_post=2.5), 0)
    inh.advance(5000)
    alone = PairModel(PairParams(weight=0.0, v_in_post=2.5), 0)
    alone.advance(5000)
    assert exc.metrics()["post_rate_hz"] > 30.0
    assert inh.metrics()["post_rate_hz"] < 0.2 * alone.metrics()["post_rate_hz"]


def test_psc_kernel_in_log_space_matches_the_formula_and_stays_finite_for_tiny_tau_s():
    t = np.array([0.0, 0.003, 0.02, 0.4, -0.1])
    for n in range(6):
        direct = np.where(t >= 0, np.maximum(t, 0) ** n * np.exp(-np.maximum(t, 0) / 0.02)
                          / (math.factorial(n) * 0.02 ** (n + 1)), 0.0)
        assert np.allclose(psc_kernel(t, n, 0.02), direct, rtol=1e-12, atol=0)
    tiny = psc_kernel(np.array([0.0, 1e-300, 0.5]), 5, 1e-300)
    assert np.isfinite(tiny).all() and tiny[2] == 0.0 and tiny[1] > 0
    assert psc_kernel(np.array([0.0]), 0, 1e-300)[0] == pytest.approx(1e300)


def test_the_order_n_line_is_the_real_update_of_the_last_stage():
    """Issue 16: with n = 1 the line showed s <- 8.5738 * (1 - 0.001/0.02) = 10.1813, leaving out the
    input of the first stage; now it shows both terms and re-evaluates to the kernel's s."""
    from nnlab.core.equation import Line, false_calcs

    m = SynapseModel(SynapseParams(n=1, tau_s=0.02, dt=1e-3, train="poisson", rate=40.0), 4)
    for _ in range(60):
        f = m.step(0)
        assert not false_calcs(f.equation)
    last = [c for line in f.equation if isinstance(line, Line) for c in line.calcs()][-1]
    assert last.lhs == "s = s_1 <-" and last.result == m.euler.view()[-1] == m.stages[1]
    assert last.text().startswith(f"s = s_1 <- {m.last[1]:.4f} * (1 - 0.001/0.02) + 0.001/0.02 * {m.last[0]:.4f} = ")


def test_the_euler_form_stops_with_a_cause_when_tau_s_is_tiny():
    m = SynapseModel(SynapseParams(n=5, dt=0.5, tau_s=1e-300, train="regular", rate=10.0), 0)
    taken = m.advance(5)
    assert taken == 1 and "diverged" in m.blowup and "dt < 2 tau_s" in m.blowup
    assert all(np.isfinite(v).all() for v in m.traces().values())


def test_a_convolution_beyond_float64_stops_with_a_cause():
    m = SynapseModel(SynapseParams(n=0, dt=1e-3, tau_s=1e-310, weight=0.0, train="times", spike_times=(0.002,)), 0)
    m.advance(5)
    assert "beyond float64" in m.blowup and "raise tau_s" in m.blowup
    assert all(np.isfinite(v).all() for v in m.traces().values())


def test_the_pair_line_adds_w_over_tau_s_on_the_step_a_spike_arrives():
    from nnlab.core.equation import Line, false_calcs

    m = PairModel(PairParams(), 0)
    f = m.step(2)
    assert m.spike_i.view()[-1] == 0
    s_line = [c for line in f.equation if isinstance(line, Line) for c in line.calcs()][0]
    assert s_line.lhs == "s <- s (1 - dt/tau_s) + w/tau_s =" and "+ 0.03/0.01 = 3.0000" in s_line.text()
    assert not false_calcs(f.equation)
    f = m.step(0)
    assert "+ w/tau_s" not in f.equation[1].text() and not false_calcs(f.equation)


def test_the_pair_stops_when_the_current_leaves_the_finite_range():
    m = PairModel(PairParams(tau_m=1e-300, tau_s=1e-300), 0)
    taken = m.advance(5000)
    assert taken < 5000 and "synaptic current s" in m.blowup and "dt < 2 tau_s" in m.blowup
    assert all(np.isfinite(v).all() for v in m.traces().values())


def test_the_pair_shows_a_changed_input_at_once():
    m = PairModel(PairParams(v_in_post=0.0), 0)
    m.advance(100)
    s = m.state[2]
    m.set_params(m.params.replace(v_in_post=1.5, v_in=3.0))
    rows = {name: value for name, value, _ in m.frame().values}
    assert rows["J pre"] == "3" and rows["J post"] == f"{1.5 + s:.4f}"
