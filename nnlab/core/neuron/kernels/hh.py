"""Hodgkin-Huxley kernels (lecture 1): rate functions and three integrators over N neurons.

    C dV/dt = I - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
    dx/dt   = alpha_x(V) (1 - x) - beta_x(V) x             for x in n, m, h

Rates in ms^-1 with V in mV, rest -65 mV (Hodgkin & Huxley 1952 in the modern convention):
    alpha_n = 0.01 (V+55) / (1 - exp(-(V+55)/10))    beta_n = 0.125 exp(-(V+65)/80)
    alpha_m = 0.1 (V+40) / (1 - exp(-(V+40)/10))     beta_m = 4 exp(-(V+65)/18)
    alpha_h = 0.07 exp(-(V+65)/20)                   beta_h = 1 / (1 + exp(-(V+35)/10))
Every exponential is a power of u = exp(-(V+65)/720), since 720 = 9*80 = 40*18 = 36*20 = 72*10,
so one `exp` per evaluation gives all six rates. The course notebook writes beta_m with
0.0556 instead of 1/18; `course = True` uses that.
"""

from __future__ import annotations

import math

from nnlab.core._jit import njit

E1 = math.exp(1.0)
E25 = math.exp(2.5)
E3 = math.exp(3.0)

OK, FULL, BLOWUP_V, BLOWUP_N, BLOWUP_M, BLOWUP_H = 0, 1, 2, 3, 4, 5
"""Kernel status: finished, spike buffer full, or which state variable left its range."""

V_LIMIT = 1000.0
"""|V| beyond this (mV) is a numerical blow-up, not physiology."""
GATE_SLACK = 1e-3
"""Gates are open fractions; one that leaves [-GATE_SLACK, 1 + GATE_SLACK] shows the step is too large."""


@njit
def hh_rates(V: float, course: bool) -> tuple[float, float, float, float, float, float]:
    """(alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h) at membrane potential V (mV)."""
    u = math.exp(-(V + 65.0) / 720.0)
    u2 = u * u
    u4 = u2 * u2
    u8 = u4 * u4
    u9 = u8 * u
    u18 = u9 * u9
    u36 = u18 * u18
    w = u36 * u36
    xn = (V + 55.0) / 10.0
    if abs(xn) < 1e-4:
        an = 0.1 * (1.0 + xn / 2.0 + xn * xn / 12.0)
    else:
        an = 0.1 * xn / (1.0 - w * E1)
    xm = (V + 40.0) / 10.0
    if abs(xm) < 1e-4:
        am = 1.0 + xm / 2.0 + xm * xm / 12.0
    else:
        am = xm / (1.0 - w * E25)
    bn = 0.125 * u9
    if course:
        bm = 4.0 * math.exp(-0.0556 * (V + 65.0))
    else:
        bm = 4.0 * u36 * u4
    ah = 0.07 * u36
    bh = 1.0 / (1.0 + w * E3)
    return an, bn, am, bm, ah, bh


@njit
def hh_derivs(v, n, m, h, current, c_m, g_na, g_k, g_l, e_na, e_k, e_l, course):
    """(dV/dt, dn/dt, dm/dt, dh/dt) at the state (v, n, m, h) with input `current` (mV/ms and 1/ms)."""
    an, bn, am, bm, ah, bh = hh_rates(v, course)
    i_ion = g_na * m * m * m * h * (v - e_na) + g_k * n * n * n * n * (v - e_k) + g_l * (v - e_l)
    return ((current - i_ion) / c_m, an * (1.0 - n) - bn * n, am * (1.0 - m) - bm * m, ah * (1.0 - h) - bh * h)


@njit
def _status(v, n, m, h):
    if not (abs(v) <= V_LIMIT):
        return BLOWUP_V
    if not (-GATE_SLACK <= n <= 1.0 + GATE_SLACK):
        return BLOWUP_N
    if not (-GATE_SLACK <= m <= 1.0 + GATE_SLACK):
        return BLOWUP_M
    if not (-GATE_SLACK <= h <= 1.0 + GATE_SLACK):
        return BLOWUP_H
    return OK


@njit
def hh_advance(V, n, m, h, amp, shape, noise, method, dt, c_m, g_na, g_k, g_l, e_na, e_k, e_l, course,
               v_th, step0, rec_v, rec_n, rec_m, rec_h, spike_t, spike_i, n_spk):
    """Advance N neurons by len(shape) steps of dt (ms); returns (steps done, spikes stored, status).

    V, n, m, h: (N,) float64 state, updated in place. Neuron i gets the current
    amp[i] * shape[j] + noise[j] (uA/cm^2) during step j. method: 0 Euler, 1 RK4,
    2 exponential Euler. rec_*: (steps, R) float64, the state of neurons 0..R-1 after each step.
    spike_t/spike_i: spike buffer, filled from n_spk; a spike is an upward crossing of v_th,
    timed by linear interpolation inside the step. Stops early (status FULL) before a step that
    could overflow the buffer, or (status BLOWUP_*) after a step that left the valid range; the
    state is then that of the bad step, and the caller rewinds.
    """
    N = V.shape[0]
    R = rec_v.shape[1]
    cap = spike_t.shape[0]
    half = 0.5 * dt
    for j in range(shape.shape[0]):
        if n_spk + N > cap:
            return j, n_spk, FULL
        t_end = (step0 + j + 1) * dt
        for i in range(N):
            current = amp[i] * shape[j] + noise[j]
            v0 = V[i]
            n0 = n[i]
            m0 = m[i]
            h0 = h[i]
            if method == 0:
                dv, dn, dm, dh = hh_derivs(v0, n0, m0, h0, current, c_m, g_na, g_k, g_l, e_na, e_k, e_l, course)
                v1 = v0 + dt * dv
                n1 = n0 + dt * dn
                m1 = m0 + dt * dm
                h1 = h0 + dt * dh
            elif method == 1:
                k1v, k1n, k1m, k1h = hh_derivs(v0, n0, m0, h0, current, c_m, g_na, g_k, g_l, e_na, e_k, e_l, course)
                k2v, k2n, k2m, k2h = hh_derivs(v0 + half * k1v, n0 + half * k1n, m0 + half * k1m, h0 + half * k1h,
                                               current, c_m, g_na, g_k, g_l, e_na, e_k, e_l, course)
                k3v, k3n, k3m, k3h = hh_derivs(v0 + half * k2v, n0 + half * k2n, m0 + half * k2m, h0 + half * k2h,
                                               current, c_m, g_na, g_k, g_l, e_na, e_k, e_l, course)
                k4v, k4n, k4m, k4h = hh_derivs(v0 + dt * k3v, n0 + dt * k3n, m0 + dt * k3m, h0 + dt * k3h,
                                               current, c_m, g_na, g_k, g_l, e_na, e_k, e_l, course)
                sixth = dt / 6.0
                v1 = v0 + sixth * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
                n1 = n0 + sixth * (k1n + 2.0 * k2n + 2.0 * k3n + k4n)
                m1 = m0 + sixth * (k1m + 2.0 * k2m + 2.0 * k3m + k4m)
                h1 = h0 + sixth * (k1h + 2.0 * k2h + 2.0 * k3h + k4h)
            else:
                an, bn, am, bm, ah, bh = hh_rates(v0, course)
                sn = an + bn
                sm = am + bm
                sh = ah + bh
                n1 = an / sn + (n0 - an / sn) * math.exp(-dt * sn)
                m1 = am / sm + (m0 - am / sm) * math.exp(-dt * sm)
                h1 = ah / sh + (h0 - ah / sh) * math.exp(-dt * sh)
                gna = g_na * m0 * m0 * m0 * h0
                gk = g_k * n0 * n0 * n0 * n0
                g = gna + gk + g_l
                e = (gna * e_na + gk * e_k + g_l * e_l + current) / g
                v1 = e + (v0 - e) * math.exp(-dt * g / c_m)
            V[i] = v1
            n[i] = n1
            m[i] = m1
            h[i] = h1
            status = _status(v1, n1, m1, h1)
            if status != OK:
                return j, n_spk, status
            if v0 < v_th <= v1:
                spike_t[n_spk] = t_end - dt + dt * (v_th - v0) / (v1 - v0)
                spike_i[n_spk] = i
                n_spk += 1
        for r in range(R):
            rec_v[j, r] = V[r]
            rec_n[j, r] = n[r]
            rec_m[j, r] = m[r]
            rec_h[j, r] = h[r]
    return shape.shape[0], n_spk, OK


@njit
def hh_curves(V, course, x_inf, tau):
    """Steady states x_inf = alpha/(alpha+beta) and time constants tau = 1/(alpha+beta) (ms) for n, m, h.

    V: (P,) float64; x_inf, tau: (3, P) float64 written in place, rows n, m, h.
    """
    for p in range(V.shape[0]):
        an, bn, am, bm, ah, bh = hh_rates(V[p], course)
        x_inf[0, p] = an / (an + bn)
        x_inf[1, p] = am / (am + bm)
        x_inf[2, p] = ah / (ah + bh)
        tau[0, p] = 1.0 / (an + bn)
        tau[1, p] = 1.0 / (am + bm)
        tau[2, p] = 1.0 / (ah + bh)
