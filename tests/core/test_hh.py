"""Hodgkin-Huxley against the catalogue's measured oracles (O6) and a slow, obvious reference."""

import math

import numpy as np
import pytest

from nnlab.core.neuron.fi_model import steady_rate
from nnlab.core.neuron.hh_model import HHModel, gate_curves
from nnlab.core.neuron.params import HHParams


def reference_rates(V, course=False):
    """Rates written out as in the lecture's table (no shared exponentials)."""
    an = 0.1 if abs(V + 55) < 1e-9 else 0.01 * (V + 55) / (1 - math.exp(-(V + 55) / 10))
    am = 1.0 if abs(V + 40) < 1e-9 else 0.1 * (V + 40) / (1 - math.exp(-(V + 40) / 10))
    bn = 0.125 * math.exp(-(V + 65) / 80)
    bm = 4 * math.exp(-0.0556 * (V + 65)) if course else 4 * math.exp(-(V + 65) / 18)
    ah = 0.07 * math.exp(-(V + 65) / 20)
    bh = 1 / (1 + math.exp(-(V + 35) / 10))
    return an, bn, am, bm, ah, bh


def reference_run(p, steps, state):
    """Forward Euler, RK4 or exponential Euler in plain Python for one neuron with constant input."""
    def f(y):
        v, n, m, h = y
        an, bn, am, bm, ah, bh = reference_rates(v, p.rates == "course")
        i_ion = p.g_na * m**3 * h * (v - p.e_na) + p.g_k * n**4 * (v - p.e_k) + p.g_l * (v - p.e_l)
        return np.array([(p.i_ext - i_ion) / p.c_m, an * (1 - n) - bn * n, am * (1 - m) - bm * m,
                         ah * (1 - h) - bh * h])

    y = np.array(state, dtype=float)
    out = [y.copy()]
    dt = p.dt
    for _ in range(steps):
        if p.method == "euler":
            y = y + dt * f(y)
        elif p.method == "rk4":
            k1 = f(y)
            k2 = f(y + dt / 2 * k1)
            k3 = f(y + dt / 2 * k2)
            k4 = f(y + dt * k3)
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        else:
            v, n, m, h = y
            an, bn, am, bm, ah, bh = reference_rates(v)
            new = []
            for a, b, x in ((an, bn, n), (am, bm, m), (ah, bh, h)):
                new.append(a / (a + b) + (x - a / (a + b)) * math.exp(-dt * (a + b)))
            g = p.g_na * m**3 * h + p.g_k * n**4 + p.g_l
            e = (p.g_na * m**3 * h * p.e_na + p.g_k * n**4 * p.e_k + p.g_l * p.e_l + p.i_ext) / g
            y = np.array([e + (v - e) * math.exp(-dt * g / p.c_m), *new])
        out.append(y.copy())
    return np.array(out)


@pytest.mark.parametrize("V", [-100.0, -65.0, -55.0, -55.00001, -40.0, -39.99999, -20.0, 0.0, 30.0, 50.0])
@pytest.mark.parametrize("course", [False, True])
def test_rates_from_one_exponential_equal_the_textbook_formulas(V, course):
    from nnlab.core.neuron.kernels.hh import hh_rates

    assert np.allclose(hh_rates(V, course), reference_rates(V, course), rtol=1e-9, atol=0)


@pytest.mark.parametrize("method", ["euler", "rk4", "exp_euler"])
def test_kernel_matches_the_reference_integrator(method):
    p = HHParams(method=method, i_ext=10.0, dt=0.02)
    m = HHModel(p, 0)
    m.advance(2500)
    ref = reference_run(p, 2500, [m.rec["v"].view()[0, 0], m.rec["n"].view()[0, 0], m.rec["m"].view()[0, 0],
                                  m.rec["h"].view()[0, 0]])
    assert np.allclose(m.rec["v"].view()[:, 0], ref[:, 0], rtol=0, atol=1e-6)
    assert np.allclose(m.rec["h"].view()[:, 0], ref[:, 3], rtol=0, atol=1e-8)


def test_rest_is_within_half_a_millivolt_of_minus_65_o6():
    m = HHModel(HHParams(i_ext=0.0), 0)
    m.advance(50_000)
    assert m.V[0] == pytest.approx(-65.0, abs=0.5)
    assert len(m.spike_t) == 0


def run_rate(i_ext, method="euler"):
    m = HHModel(HHParams(i_ext=i_ext, method=method), 0)
    m.advance(50_000)
    return steady_rate(m.spike_t.view(), 200.0, 1.0)


def test_no_repetitive_firing_at_6_and_repetitive_firing_at_6_5_o6():
    assert run_rate(6.0) == 0.0
    assert run_rate(6.5) == pytest.approx(55.6, rel=0.03)


@pytest.mark.parametrize("i_ext, hz", [(7.0, 58.7), (10.0, 68.7), (20.0, 86.9), (50.0, 117.8)])
def test_rates_match_the_catalogue_o6(i_ext, hz):
    assert run_rate(i_ext) == pytest.approx(hz, rel=0.03)


def test_spike_peaks_near_plus_30_mv_and_gates_stay_in_unit_interval():
    m = HHModel(HHParams(i_ext=10.0), 0)
    m.advance(20_000)
    v = m.rec["v"].view()[:, 0]
    assert 25.0 < v[5000:].max() < 40.0
    for g in ("n", "m", "h"):
        x = m.rec[g].view()
        assert x.min() >= 0.0 and x.max() <= 1.0


def test_gate_curves_are_logistic_like():
    V = np.linspace(-100, 50, 151)
    x_inf, tau = gate_curves(V, False)
    assert np.all(np.diff(x_inf[0]) > 0) and np.all(np.diff(x_inf[1]) > 0) and np.all(np.diff(x_inf[2]) < 0)
    assert tau[1].max() < 1.0 < tau[0].max()


def notebook_run(steps, dt, current):
    """The course notebook's algorithm as published: per-mm^2 constants, Euler, state from zeros."""
    v = m = h = n = 0.0
    out = []
    for _ in range(steps):
        an, bn, am, bm, ah, bh = reference_rates(v, course=True)
        i_ion = 0.003 * (v + 54.387) + 0.36 * n**4 * (v + 77) + 1.2 * m**3 * h * (v - 50)
        dv = (-i_ion + current) / 0.02
        dn = (an / (an + bn) - n) * (an + bn)
        dm = (am / (am + bm) - m) * (am + bm)
        dh = (ah / (ah + bh) - h) * (ah + bh)
        v, m, h, n = v + dt * dv, m + dt * dm, h + dt * dh, n + dt * dn
        out.append(v)
    return np.array(out)


def test_course_scenario_reproduces_the_notebook():
    from nnlab.scenario import load

    s = load("neuron_hh_course", ["params.input=\"constant\"", "params.i_ext=10.0"])
    m = HHModel(s.params, 0)
    m.advance(3000)
    ref = notebook_run(3000, 0.01, 0.1)
    assert np.allclose(m.rec["v"].view()[1:, 0], ref, rtol=0, atol=1e-8)


def test_a_too_large_step_pauses_with_a_message_and_keeps_the_last_good_state():
    m = HHModel(HHParams(dt=0.5, i_ext=10.0), 0)
    taken = m.advance(1000)
    assert taken < 1000
    assert "too large" in m.blowup and "dt = 0.5 ms" in m.blowup
    assert np.isfinite(m.V).all() and abs(m.V[0]) < 1000
    assert len(m.t) == taken + 1
    assert np.isfinite(m.rec["v"].view()).all()


def test_snapshot_restore_reproduces_bit_for_bit_with_noisy_input():
    m = HHModel(HHParams(input="noisy", i_ext=7.0), 11)
    m.advance(1000)
    snap = m.snapshot()
    m.advance(3000)
    v1, s1 = m.rec["v"].view().copy(), m.spike_t.view().copy()
    m.restore(snap)
    m.advance(3000)
    assert np.array_equal(v1, m.rec["v"].view()) and np.array_equal(s1, m.spike_t.view())


def test_population_ladder_rates_increase_with_current():
    m = HHModel(HHParams(n_neurons=4, i_ext=8.0, i_ext_max=40.0), 0)
    m.advance(20_000)
    counts = np.bincount(m.spike_i.view(), minlength=4)
    assert np.all(np.diff(counts) > 0)


def test_a_changed_input_shows_at_once_and_the_pane_stays_true():
    from nnlab.core.equation import false_calcs, lines_text

    m = HHModel(HHParams(i_ext=10.0), 0)
    m.advance(100)
    m.set_params(m.params.replace(i_ext=6.0))
    f = m.frame()
    rows = {name: value for name, value, _ in f.values}
    assert rows["I uA/cm2"] == "6.000"
    assert not false_calcs(f.equation)
    assert "from the next step: i_ext = 6" in lines_text(f.equation)
    m.step(0)
    assert m.current.view()[-1] == 6.0
    assert "from the next step" not in "\n".join(lines_text(m.frame().equation))


@pytest.mark.parametrize("method", ["euler", "rk4", "exp_euler"])
def test_the_pane_re_evaluates_to_the_kernels_state(method):
    from nnlab.core.equation import Line, false_calcs

    m = HHModel(HHParams(i_ext=10.0, method=method, input="noisy"), 3)
    for _ in range(40):
        f = m.step(1)
        calcs = [c for line in f.equation if isinstance(line, Line) for c in line.calcs()]
        assert len(calcs) == 2 and not false_calcs(f.equation)
    assert calcs[0].result == m.V[0] and calcs[1].result == m.n[0]


def test_a_calculation_fed_the_wrong_state_is_caught():
    from nnlab.core.equation import false_calcs
    from nnlab.core.neuron.equations import hh_lines

    m = HHModel(HHParams(i_ext=10.0), 0)
    m.advance(50)
    before = tuple(float(m.rec[x].view()[-3, 0]) for x in ("v", "n", "m", "h"))
    after = (float(m.V[0]), float(m.n[0]), float(m.m[0]), float(m.h[0]))
    assert false_calcs(hh_lines(m.params, before, after, 10.0))


def test_a_staircase_with_a_tiny_step_reaches_its_last_level():
    from nnlab.core.neuron.stimulus import staircase

    t = np.array([0.0, 5.0, 10.0, 50.0])
    assert staircase(t, 1.0, (1.0, 2.0, 3.0), 1e-320).tolist() == [0.0, 3.0, 3.0, 3.0]
    assert staircase(t, 1.0, (1.0, 2.0, 3.0), 10.0).tolist() == [0.0, 1.0, 1.0, 3.0]
