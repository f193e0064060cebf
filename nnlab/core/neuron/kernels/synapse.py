"""Synapse kernels (lecture 4): the Euler form of the PSC filter, and smooth noise for inputs.

Algorithm 1 of the notes (n = 0): s <- s (1 - dt/tau_s), then s <- s + w/tau_s for each
spike arriving in the step. A kernel of order n is n + 1 such first-order filters in cascade,
each stage feeding the next: tau_s ds_k/dt = -s_k + s_(k-1), with the spikes driving stage 0.
"""

from __future__ import annotations

import math

from nnlab.core._jit import njit


@njit
def psc_euler(counts, weight, dt, tau_s, limit, stages, out, last):
    """Filter a spike train with the Euler form of an order-(len(stages)-1) PSC kernel; returns the steps done.

    counts: (k,) float64 spikes arriving in each step; stages: (n+1,) float64 filter state,
    updated in place; out: (k,) float64 receives the last stage (the current) after each step;
    last: (n+2,) float64 receives the stages at the start of the last step, then its spike count.
    Stops after a step that leaves a stage non-finite or beyond `limit` (the Euler form diverging);
    the state is then that of the bad step, and the caller rewinds.
    """
    a = dt / tau_s
    n = stages.shape[0]
    for j in range(counts.shape[0]):
        for q in range(n):
            last[q] = stages[q]
        last[n] = counts[j]
        for q in range(n - 1, 0, -1):
            stages[q] += a * (stages[q - 1] - stages[q])
        stages[0] -= a * stages[0]
        stages[0] += weight * counts[j] / tau_s
        out[j] = stages[n - 1]
        for q in range(n):
            if not (math.isfinite(stages[q]) and abs(stages[q]) <= limit):
                return j
    return counts.shape[0]


@njit
def ou_noise(eta, xi, dt, tau, out):
    """Ornstein-Uhlenbeck noise of unit variance: eta <- eta e^(-dt/tau) + sqrt(1 - e^(-2 dt/tau)) xi.

    xi: (k,) float64 standard normal draws; out: (k,) float64; returns the last eta.
    """
    a = math.exp(-dt / tau)
    b = math.sqrt(1.0 - a * a)
    for j in range(xi.shape[0]):
        eta = a * eta + b * xi[j]
        out[j] = eta
    return eta
