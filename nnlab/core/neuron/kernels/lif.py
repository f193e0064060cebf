"""Leaky integrate-and-fire kernels (lecture 2) over N neurons, and the LIF pair joined by a synapse.

    tau_m dv/dt = J - v     (v < 1);  at v = 1: spike, v = 0, hold for tau_ref

Neuron i gets J = gain[i] * drive[j] + bias[i] in step j.
Euler (the course method): v += dt (J - v) / tau_m; a neuron that reaches 1 spikes at the end
of the step and is held at 0 for round(tau_ref/dt) steps. The steady rate is then exactly
1 / ((K + R) dt), with K = ceil(ln(1 - 1/J) / ln(1 - dt/tau_m)) and R = round(tau_ref/dt).
Exact: from the time t_f at which the neuron is free (the step's start, or the end of its
refractory period inside the step) v = J + (v_f - J) exp(-(t - t_f)/tau_m); it reaches 1 at
t_f + tau_m ln((J - v_f)/(J - 1)), computed from v_f rather than from the end of the step, so
the time stays exact when exp(-dt/tau_m) is negligible. With J <= 1 it never does: v tends to J, and
reaches it (1 at J = 1) where exp(-dt/tau_m) underflows to 0, without a spike. After a spike the neuron is held for
tau_ref and may fire again within the same step, so the rate is G(J) of lecture 2 at any dt.
"""

from __future__ import annotations

import math

from nnlab.core._jit import njit

OK, FULL, CROWDED, BLOWUP_S, BLOWUP_V = 0, 1, 2, 3, 4
"""Kernel status: finished; spike buffer full; more spikes in one step than the room given per
neuron; the synaptic current s or a potential v of the pair left the finite range."""


@njit
def lif_euler_advance(v, ref, gain, bias, drive, dt, tau_m, ref_steps, step0, rec_v, spike_t, spike_i, n_spk, fired,
                      last):
    """Advance N Euler LIF neurons by len(drive) steps; returns (steps done, spikes stored, status).

    v: (N,) float64; ref: (N,) float64 whole steps of refractory period left; fired: (N,)
    float64 scratch; rec_v: (steps, R) float64 potentials of neurons 0..R-1; spike_t/spike_i
    filled from n_spk (times in s); last: (3,) float64 receives v, ref and J of neuron 0 at the
    start of the last step. The neuron loop is branch-free, with an integer spike count, so that
    LLVM vectorises it (a float reduction would not be reordered without fastmath).
    """
    N = v.shape[0]
    R = rec_v.shape[1]
    cap = spike_t.shape[0]
    a = dt / tau_m
    for j in range(drive.shape[0]):
        if n_spk + N > cap:
            return j, n_spk, FULL
        x = drive[j]
        last[0] = v[0]
        last[1] = ref[0]
        last[2] = gain[0] * x + bias[0]
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
def lif_exact_advance(v, ref, gain, bias, drive, dt, tau_m, tau_ref, most, step0, rec_v, spike_t, spike_i, n_spk,
                      last):
    """Advance N exactly integrated LIF neurons; as `lif_euler_advance` but ref holds seconds left.

    most: the spikes one neuron may fire in one step (the caller's bound; the buffer keeps room
    for N * most per step). A neuron that would fire more stops the kernel with status CROWDED.
    """
    N = v.shape[0]
    R = rec_v.shape[1]
    cap = spike_t.shape[0]
    decay = math.exp(-dt / tau_m)
    for j in range(drive.shape[0]):
        if n_spk + N * most > cap:
            return j, n_spk, FULL
        x = drive[j]
        t_start = (step0 + j) * dt
        last[0] = v[0]
        last[1] = ref[0]
        last[2] = gain[0] * x + bias[0]
        for i in range(N):
            J = gain[i] * x + bias[i]
            free = ref[i]
            if free <= 0.0:
                end = J + (v[i] - J) * decay
                if end < 1.0 or J <= 1.0:
                    v[i] = end
                    ref[i] = 0.0
                    continue
                free = 0.0
                u = v[i]
            elif free >= dt:
                v[i] = 0.0
                ref[i] = free - dt
                continue
            else:
                u = 0.0
            # from u at time `free` into the step: spike, rest tau_ref, and again while the step lasts
            fired = 0
            while True:
                end = J + (u - J) * (decay if free == 0.0 else math.exp(-(dt - free) / tau_m))
                if end < 1.0 or J <= 1.0:
                    v[i] = end
                    ref[i] = 0.0
                    break
                if fired == most:
                    return j, n_spk, CROWDED
                cross = min(free + tau_m * math.log1p((1.0 - u) / (J - 1.0)), dt)
                spike_t[n_spk] = t_start + cross
                spike_i[n_spk] = i
                n_spk += 1
                fired += 1
                u = 0.0
                free = cross + tau_ref
                if free >= dt:
                    v[i] = 0.0
                    ref[i] = free - dt
                    break
        for r in range(R):
            rec_v[j, r] = v[r]
    return drive.shape[0], n_spk, OK


@njit
def pair_advance(state, v_in, v_in_post, weight, dt, tau_m, tau_s, ref_steps, step0, rec, spike_t, spike_i, n_spk,
                 last):
    """Two Euler LIF neurons joined by a synapse (lecture 5); returns (steps done, spikes stored, status).

    state: [v_pre, v_post, s, ref_pre, ref_post] float64, updated in place. Each step: the
    presynaptic neuron integrates v_in; the current decays, s += dt (-s / tau_s), and gains
    weight / tau_s when the presynaptic neuron spiked; the postsynaptic neuron integrates
    J_post = v_in_post + s. rec: (steps, 3) float64 rows (v_pre, v_post, s). Spike index 0 is
    pre, 1 post. last: (6,) float64 receives the state at the start of the last step and the
    J_post it used. A current s that is no longer finite, or beyond 1e6 (|w|/tau_s + 1) (the
    Euler form diverging, dt > 2 tau_s), or a potential that is not finite stops the kernel
    with status BLOWUP_S or BLOWUP_V after that step; the caller rewinds.
    """
    cap = spike_t.shape[0]
    a = dt / tau_m
    limit = 1e6 * (abs(weight) / tau_s + 1.0)
    for j in range(rec.shape[0]):
        if n_spk + 2 > cap:
            return j, n_spk, FULL
        for q in range(5):
            last[q] = state[q]
        t = (step0 + j + 1) * dt
        pre_spiked = False
        for i in range(2):
            J = v_in if i == 0 else v_in_post + state[2]
            if i == 1:
                last[5] = J
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
        if not (math.isfinite(state[2]) and abs(state[2]) <= limit):
            return j, n_spk, BLOWUP_S
        if not (math.isfinite(state[0]) and math.isfinite(state[1])):
            return j, n_spk, BLOWUP_V
    return rec.shape[0], n_spk, OK
