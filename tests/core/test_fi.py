"""F-I sweeps: LIF dots on the analytic curve, HH rheobase between 6 and 6.5 uA/cm^2."""

import numpy as np
import pytest

from nnlab.core.neuron.analytic import lif_euler_rate, lif_rate
from nnlab.core.neuron.fi_model import FIModel
from nnlab.core.neuron.params import HHParams, LIFParams


def test_lif_sweep_sits_within_one_percent_of_g_up_to_v_in_5_and_on_the_discrete_prediction():
    m = FIModel(LIFParams(experiment="fi", fi_min=1.5, fi_max=10.0, fi_points=6), 0, 2.0)
    m.advance(6)
    low = m.inputs <= 5.0
    assert np.allclose(np.array(m.rates)[low], lif_rate(m.inputs[low], 0.02, 0.002), rtol=0.01)
    euler = [lif_euler_rate(x, 1e-4, 0.02, 0.002) for x in m.inputs]
    assert np.allclose(m.rates, euler, rtol=1e-9)


def test_hh_sweep_finds_the_rheobase():
    m = FIModel(HHParams(experiment="fi", fi_min=5.5, fi_max=7.0, fi_points=4), 0, 500.0)
    m.step(1)
    assert m.rates[0] == 0.0 and m.rates[1] == 0.0 and m.rates[2] > 50.0
    assert m.rheobase() == pytest.approx(6.5)


def test_sweep_steps_back():
    m = FIModel(LIFParams(experiment="fi", fi_points=5), 0, 0.5)
    m.step(0)
    snap = m.snapshot()
    m.step(0)
    m.restore(snap)
    assert len(m.rates) == 1 and m.steps_total == 1


def test_a_cell_that_blows_up_stops_the_sweep_with_its_cause():
    m = FIModel(HHParams(experiment="fi", dt=1.0), 0, 500.0)
    taken = m.advance(3)
    assert taken == 0 and m.rates == []
    assert "F-I sweep stopped at input 0" in m.blowup and "dt = 1 ms" in m.blowup
    assert m.frame().message == m.blowup


def test_a_duration_not_longer_than_settle_is_refused_naming_both():
    from nnlab.core.knobs import ParamError

    with pytest.raises(ParamError) as err:
        FIModel(HHParams(experiment="fi", settle=200.0), 0, 150.0)
    assert err.value.name == "settle"
    assert "run.duration = 150 ms" in str(err.value) and "200 ms" in str(err.value)
    m = FIModel(HHParams(experiment="fi", settle=200.0), 0, 500.0)
    with pytest.raises(ParamError):
        m.set_params(m.params.replace(settle=600.0))
    assert m.params.settle == 200.0


def test_the_last_point_shows_its_rate_from_its_spikes():
    from nnlab.core.equation import Line, false_calcs

    m = FIModel(LIFParams(experiment="fi", fi_min=2.0, fi_max=3.0, fi_points=2), 0, 0.5)
    f = m.step(0)
    calcs = [c for line in f.equation if isinstance(line, Line) for c in line.calcs()]
    assert [c.result for c in calcs] == [m.rates[0], pytest.approx(float(lif_rate(2.0, 0.02, 0.002)))]
    assert not false_calcs(f.equation)
