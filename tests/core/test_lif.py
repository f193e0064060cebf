"""LIF against the closed forms of lecture 2 (oracles O1-O3) and against its own discrete prediction."""

import numpy as np
import pytest

from nnlab.core.neuron.analytic import lif_euler_rate, lif_rate, lif_voltage
from nnlab.core.neuron.lif_model import LIFModel
from nnlab.core.neuron.params import LIFParams


@pytest.mark.parametrize("v_in, hz", [(1.01, 10.604), (1.1, 20.017), (1.5, 41.715), (2.0, 63.040), (3.0, 98.919),
                                      (5.0, 154.730), (10.0, 243.474), (100.0, 454.338)])
def test_analytic_rate_matches_the_catalogue_o1(v_in, hz):
    assert lif_rate(v_in, 0.02, 0.002) == pytest.approx(hz, abs=1e-3)


def test_analytic_rate_is_zero_at_and_below_threshold_and_tends_to_one_over_tau_ref():
    assert np.all(lif_rate(np.array([-1.0, 0.0, 0.5, 1.0]), 0.02, 0.002) == 0.0)
    assert lif_rate(1e9, 0.02, 0.002) == pytest.approx(500.0, rel=1e-6)


def isi_rate(v_in, dt, method="euler", seconds=2.0):
    m = LIFModel(LIFParams(v_in=v_in, dt=dt, method=method), 0)
    m.advance(int(round(seconds / dt)))
    return m.isi_rate(0)


@pytest.mark.parametrize("v_in", [1.5, 2.0, 5.0])
def test_euler_rate_within_one_percent_at_dt_1e4_o2(v_in):
    assert isi_rate(v_in, 1e-4) == pytest.approx(float(lif_rate(v_in, 0.02, 0.002)), rel=0.01)


@pytest.mark.parametrize("v_in", [1.5, 2.0, 5.0])
def test_euler_rate_within_point_three_percent_at_dt_1e5_o2(v_in):
    assert isi_rate(v_in, 1e-5, seconds=0.5) == pytest.approx(float(lif_rate(v_in, 0.02, 0.002)), rel=0.003)


@pytest.mark.parametrize("v_in, dt", [(1.5, 1e-4), (2.0, 1e-4), (5.0, 1e-3), (2.0, 1e-3)])
def test_euler_rate_equals_the_discrete_prediction_exactly(v_in, dt):
    assert isi_rate(v_in, dt) == pytest.approx(lif_euler_rate(v_in, dt, 0.02, 0.002), rel=1e-9)


def test_catalogue_euler_figures_at_dt_1e4():
    assert isi_rate(2.0, 1e-4) == pytest.approx(62.89, abs=0.01)
    assert isi_rate(5.0, 1e-4) == pytest.approx(153.85, abs=0.01)


@pytest.mark.parametrize("v_in", [1.05, 1.5, 2.0, 5.0, 10.0])
def test_exact_method_lands_on_the_analytic_rate(v_in):
    assert isi_rate(v_in, 1e-3, method="exact", seconds=3.0) == pytest.approx(
        float(lif_rate(v_in, 0.02, 0.002)), rel=1e-6)


def test_subthreshold_voltage_follows_the_closed_form_o3():
    m = LIFModel(LIFParams(v_in=0.8, dt=1e-4, method="exact"), 0)
    m.advance(200)
    t, v = m.t.view(), m.rec_v.view()[:, 0]
    assert np.allclose(v, lif_voltage(t, 0.8, 0.02), atol=1e-12)
    assert v[-1] == pytest.approx(0.6321 * 0.8, abs=1e-4)
    m.advance(100_000)
    assert len(m.spike_t) == 0 and m.v[0] < 0.8


def test_refractory_neuron_is_held_at_zero_for_round_tau_ref_over_dt_steps():
    m = LIFModel(LIFParams(v_in=10.0, dt=1e-4, tau_ref=0.005), 0)
    m.advance(400)
    st = m.spike_t.view()
    k = int(round(st[0] / 1e-4))
    v = m.rec_v.view()[:, 0]
    assert np.all(v[k : k + 51] == 0.0) and v[k + 51] > 0.0


def test_ladder_gives_each_neuron_its_own_input_and_rate():
    m = LIFModel(LIFParams(n_neurons=5, v_in=1.5, v_in_max=5.0, dt=1e-4), 0)
    m.advance(20000)
    st, si = m.spikes()
    counts = np.bincount(si, minlength=5)
    assert np.all(np.diff(counts) > 0)


@pytest.mark.parametrize("method", ["euler", "exact"])
@pytest.mark.parametrize("inp", ["constant", "noisy", "sine", "step"])
def test_stepping_one_at_a_time_equals_one_long_advance(method, inp):
    p = LIFParams(method=method, input=inp, v_in=1.8, t_on=0.01, t_off=0.03)
    a = LIFModel(p, 7)
    b = LIFModel(p, 7)
    a.advance(500)
    for _ in range(500):
        b.advance(1)
    assert np.array_equal(a.rec_v.view(), b.rec_v.view())
    assert np.array_equal(a.spike_t.view(), b.spike_t.view())


def test_snapshot_restore_then_stepping_gives_identical_numbers():
    m = LIFModel(LIFParams(input="noisy", v_in=1.5), 3)
    m.advance(300)
    snap = m.snapshot()
    m.advance(700)
    first = (m.rec_v.view().copy(), m.spike_t.view().copy(), m.v.copy())
    m.restore(snap)
    assert len(m.rec_v) == 301
    m.advance(700)
    assert np.array_equal(first[0], m.rec_v.view())
    assert np.array_equal(first[1], m.spike_t.view())
    assert np.array_equal(first[2], m.v)


def test_spike_step_level_stops_right_at_the_next_spike():
    m = LIFModel(LIFParams(v_in=2.0, dt=1e-4), 0)
    m.step(2)
    assert len(m.spike_t) == 1
    assert m.spike_t.view()[0] == pytest.approx(m.time())
    m.step(2)
    assert len(m.spike_t) == 2


def test_spike_level_reports_when_no_spike_comes():
    m = LIFModel(LIFParams(v_in=0.5, dt=1e-3), 0)
    f = m.step(2)
    assert "no spike" in f.message


@pytest.mark.parametrize("inp", ["constant", "step", "noisy"])
def test_a_changed_v_in_shows_at_once(inp):
    m = LIFModel(LIFParams(v_in=2.0, input=inp, t_on=0.0, t_off=1.0, noise_sigma=0.0), 0)
    m.advance(50)
    m.set_params(m.params.replace(v_in=3.0))
    rows = {name: value for name, value, _ in m.frame().values}
    assert rows["J"] == "3.0000"


def test_exact_spike_times_stay_exact_when_exp_dt_over_tau_m_is_negligible():
    """dt = 0.01 s, tau_m = 0.1 ms: the potential sits at J by the end of a step and several spikes
    fall in one step; every crossing is tau_m ln(J/(J-1)) after the refractory period ends."""
    p = LIFParams(method="exact", dt=0.01, tau_m=1e-4, tau_ref=0.002, v_in=2.0)
    m = LIFModel(p, 0)
    m.advance(50)
    st = m.spike_t.view()
    assert np.isfinite(st).all() and len(st) > 200
    assert st[0] == pytest.approx(1e-4 * np.log(2.0), rel=1e-12)
    assert np.allclose(np.diff(st), 0.002 + 1e-4 * np.log(2.0), rtol=1e-9)
    assert m.isi_rate(0) == pytest.approx(float(lif_rate(2.0, 1e-4, 0.002)), rel=1e-9)


def test_exact_method_with_several_spikes_per_step_matches_a_fine_step():
    coarse = isi_rate(3.0, 1e-2, method="exact", seconds=2.0)
    fine = isi_rate(3.0, 1e-5, method="exact", seconds=0.5)
    assert coarse == pytest.approx(fine, rel=1e-6)


def test_exact_method_refuses_more_spikes_per_step_than_the_buffer_holds():
    m = LIFModel(LIFParams(method="exact", dt=0.01, tau_m=1e-300, tau_ref=0.0), 0)
    assert m.advance(10) == 0
    assert "spikes in one step" in m.blowup and "smaller dt or a longer tau_ref" in m.blowup
    assert np.isfinite(m.rec_v.view()).all()


@pytest.mark.parametrize("method, shown", [
    ("euler", {"v <-", "spike at t", "held at 0"}),
    ("exact", {"v <-", "spike at t =", "refractory until t + r, then v <- J (1 - exp(-(dt - r)/tau_m)) ="}),
])
def test_the_pane_re_evaluates_to_the_kernels_potential(method, shown):
    """Every kind of step (free, spiking, held, leaving the refractory period inside the step) shows a true line."""
    from nnlab.core.equation import Line, false_calcs, lines_text

    m = LIFModel(LIFParams(method=method, input="noisy", v_in=1.8, tau_ref=0.00015), 2)
    seen = set()
    for _ in range(400):
        f = m.step(0)
        assert not false_calcs(f.equation)
        last = f.equation[-1]
        calcs = last.calcs() if isinstance(last, Line) else ()
        seen |= {c.lhs for c in calcs} | {k for k in ("spike at t", "held at 0") if k in lines_text(f.equation)[-1]}
        if calcs and calcs[0].lhs != "spike at t =":
            assert calcs[0].result == m.v[0]
    assert shown <= seen


def test_exact_method_at_threshold_input_with_a_vanishing_tau_m_never_spikes():
    """J = 1 exactly and tau_m = 1e-300: exp(-dt/tau_m) is 0, so v reaches J = 1 in one step, where it would
    cross only after infinite time (tau_m ln((J - v)/(J - 1)), J - 1 = 0): no spike, no division by 0, also
    for a neuron leaving its refractory period inside a step; J just above 1 still fires at once."""
    from nnlab.core.neuron.kernels.lif import OK, lif_exact_advance

    v, ref = np.zeros(3), np.array([0.0, 0.0004, 0.0])
    gain, bias = np.zeros(3), np.array([1.0, 1.0, 0.5])
    rec = np.empty((4, 3))
    st, si, last = np.empty(40), np.empty(40, np.int64), np.zeros(3)
    done, n, status = lif_exact_advance(v, ref, gain, bias, np.zeros(4), 1e-3, 1e-300, 0.002, 3, 0, rec, st, si,
                                        0, last)
    assert (done, n, status) == (4, 0, OK) and np.array_equal(rec[-1], [1.0, 1.0, 0.5])
    m = LIFModel(LIFParams(method="exact", dt=1e-3, tau_m=1e-300, tau_ref=0.002, v_in=1.0 + 2 ** -52), 0)
    assert m.advance(100) == 100 and not m.blowup
    assert m.isi_rate(0) == pytest.approx(500.0) and np.isfinite(m.spike_t.view()).all()
    m = LIFModel(LIFParams(method="exact", dt=1e-3, tau_m=1e-300, v_in=1.0), 0)
    assert m.advance(100) == 100 and not m.blowup and len(m.spike_t) == 0 and m.v[0] == 1.0
