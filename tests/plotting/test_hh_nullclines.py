"""The nullclines of the HH phase plane: dV/dt and dn/dt vanish on them, and they cross at rest."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.core.neuron.kernels.hh import hh_rates
from nnlab.core.neuron.params import HHParams
from nnlab.plotting.neuron_figures import hh_nullclines


def _steady(V: float, course: bool) -> tuple[float, float, float]:
    an, bn, am, bm, ah, bh = hh_rates(V, course)
    return an / (an + bn), am / (am + bm), ah / (ah + bh)


@pytest.mark.parametrize("current, h, rates", [(0.0, 0.6, "hh1952"), (10.0, 0.3, "hh1952"), (6.5, 0.45, "course")])
def test_dv_dt_and_dn_dt_vanish_on_the_nullclines(current, h, rates):
    p = HHParams(rates=rates)
    V = np.linspace(-100.0, 50.0, 601)
    n_v, n_inf = hh_nullclines(V, p, h, current)
    on = np.isfinite(n_v)
    assert on.sum() > 20
    for v, n in zip(V[on], n_v[on]):
        _, m, _ = _steady(float(v), rates == "course")
        dv = (current - p.g_na * m**3 * h * (v - p.e_na) - p.g_k * n**4 * (v - p.e_k) - p.g_l * (v - p.e_l)) / p.c_m
        assert abs(dv) < 1e-9
        assert 0.0 <= n <= 1.0
    for v, n in zip(V, n_inf):
        an, bn, *_ = hh_rates(float(v), rates == "course")
        assert abs(an * (1 - n) - bn * n) < 1e-12


def test_the_nullclines_cross_at_the_resting_state():
    p = HHParams()
    n_rest, _, h_rest = _steady(-65.0, False)
    n_v, n_inf = hh_nullclines(np.array([-65.0]), p, h_rest, 0.0)
    assert n_inf[0] == pytest.approx(n_rest)
    assert n_v[0] == pytest.approx(n_rest, abs=2e-3)
