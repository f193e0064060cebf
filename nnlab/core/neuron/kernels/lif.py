"""Leaky integrate-and-fire kernels (lecture 2) over N neurons, and the LIF pair joined by a synapse.

    tau_m dv/dt = J - v     (v < 1);  at v = 1: spike, v = 0, hold for tau_ref

Neuron i gets J = gain[i] * drive[j] + bias[i] in step j.
Euler (the course method): v += dt (J - v) / tau_m; a neuron that reaches 1 spikes at the end
of the step and is held at 0 for round(tau_ref/dt) steps. The steady rate is then exactly
1 / ((K + R) dt), with K = ceil(ln(1 - 1/J) / ln(1 - dt/tau_m)) and R = round(tau_ref/dt).
Exact: v = J + (v - J) exp(-dt_e/tau_m) over the part dt_e of the step outside the refractory
period; the threshold crossing is placed inside the step (t_over = -tau_m ln(1 + (1 - v)/(J - 1))
before its end) and the refractory period is counted from it, so the rate is G(J) of lecture 2.
"""

from __future__ import annotations

import math

from nnlab.core._jit import njit

OK, FULL = 0, 1


@njit
def lif_euler_advance(v, ref, gain, bias, drive, dt, tau_m, ref_steps, step0, rec_v, spike_t, spike_i, n_spk, fired):
    """Advance N Euler LIF neurons by len(drive) steps; returns (steps done, spikes stored, status).

    v: (N,) float64; ref: (N,) float64 whole steps of refractory period left; fired: (N,)
    float64 scratch; rec_v: (steps, R) float64 potentials of neurons 0..R-1; spike_t/spike_i
    filled from n_spk (times in s). The neuron loop is branch-free, with an integer spike count,
    so that LLVM vectorises it (a float reduction would not be reordered without fastmath).
    """
    N = v.shape[0]
    R = rec_v.shape[1]
    cap = spike_t.shape[0]
    a = dt / tau_m
    for j in range(drive.shape[0]):
        if n_spk + N > cap:
            return j, n_spk, FULL
        x = drive[j]
        count = 0
        for i in range(N):
            held = ref[i] > 0.0
            vi = v[i] + a * (gain[i] * x + bias[i] - v[i])
            vi = 0.0 if held else vi
            spiked = vi >= 1.0
            ref[i] = ref_steps if spiked else (ref[i] - 1.0 if held else 0.0)
            v[i] = 0.0 if spiked else vi
            fired[i] = 1.0 if spiked else 0.0
            count += spiked
        if count > 0:
            t = (step0 + j + 1) * dt
            for i in range(N):
                if fired[i] > 0.0:
                    spike_t[n_spk] = t
                    spike_i[n_spk] = i
                    n_spk += 1
        for r in range(R):
            rec_v[j, r] = v[r]
    return drive.shape[0], n_spk, OK


@njit
def lif_exact_advance(v, ref, gain, bias, drive, dt, tau_m, tau_ref, step0, rec_v, spike_t, spike_i, n_spk):
    """Advance N exactly integrated LIF neurons; as `lif_euler_advance` but ref holds seconds left."""
    N = v.shape[0]
    R = rec_v.shape[1]
    cap = spike_t.shape[0]
    decay = math.exp(-dt / tau_m)
    for j in range(drive.shape[0]):
        if n_spk + N > cap:
            return j, n_spk, FULL
        x = drive[j]
        t_end = (step0 + j + 1) * dt
        for i in range(N):
            J = gain[i] * x + bias[i]
            r = ref[i]
            if r <= 0.0:
                vi = J + (v[i] - J) * decay
            elif r >= dt:
                vi = 0.0
            else:
                vi = J - J * math.exp(-(dt - r) / tau_m)
            ref[i] = r - dt if r > dt else 0.0
            if vi >= 1.0:
                over = -tau_m * math.log1p((1.0 - vi) / (J - 1.0))
                spike_t[n_spk] = t_end - over
                spike_i[n_spk] = i
                n_spk += 1
                vi = 0.0
                ref[i] = tau_ref - over
            v[i] = vi
        for r in range(R):
            rec_v[j, r] = v[r]
    return drive.shape[0], n_spk, OK


@njit
def pair_advance(state, v_in, v_in_post, weight, dt, tau_m, tau_s, ref_steps, step0, rec, spike_t, spike_i, n_spk):
    """Two Euler LIF neurons joined by a synapse (lecture 5); returns (steps done, spikes stored, status).

    state: [v_pre, v_post, s, ref_pre, ref_post] float64, updated in place. Each step: the
    presynaptic neuron integrates v_in; the current decays, s += dt (-s / tau_s), and gains
    weight / tau_s when the presynaptic neuron spiked; the postsynaptic neuron integrates
    v_in_post + s. rec: (steps, 3) float64 rows (v_pre, v_post, s). Spike index 0 is pre, 1 post.
    """
    cap = spike_t.shape[0]
    a = dt / tau_m
    for j in range(rec.shape[0]):
        if n_spk + 2 > cap:
            return j, n_spk, FULL
        t = (step0 + j + 1) * dt
        pre_spiked = False
        for i in range(2):
            J = v_in if i == 0 else v_in_post + state[2]
            if state[3 + i] > 0.0:
                state[3 + i] -= 1.0
                state[i] = 0.0
            else:
                state[i] += a * (J - state[i])
                if state[i] >= 1.0:
                    state[i] = 0.0
                    state[3 + i] = ref_steps
                    spike_t[n_spk] = t
                    spike_i[n_spk] = i
                    n_spk += 1
                    if i == 0:
                        pre_spiked = True
            if i == 0:
                state[2] -= dt * state[2] / tau_s
                if pre_spiked:
                    state[2] += weight / tau_s
        rec[j, 0] = state[0]
        rec[j, 1] = state[1]
        rec[j, 2] = state[2]
    return rec.shape[0], n_spk, OK
