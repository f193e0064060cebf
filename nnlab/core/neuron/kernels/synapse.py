"""Synapse kernels (lecture 4): the Euler form of the PSC filter, and smooth noise for inputs.

Algorithm 1 of the notes (n = 0): s <- s (1 - dt/tau_s), then s <- s + w/tau_s for each
spike arriving in the step. A kernel of order n is n + 1 such first-order filters in cascade,
each stage feeding the next: tau_s ds_k/dt = -s_k + s_(k-1), with the spikes driving stage 0.
"""

from __future__ import annotations

import math

from nnlab.core._jit import njit


@njit
def psc_euler(counts, weight, dt, tau_s, stages, out):
    """Filter a spike train with the Euler form of an order-(len(stages)-1) PSC kernel.

    counts: (k,) float64 spikes arriving in each step; stages: (n+1,) float64 filter state,
    updated in place; out: (k,) float64 receives the last stage (the current) after each step.
    """
    a = dt / tau_s
    last = stages.shape[0] - 1
    for j in range(counts.shape[0]):
        for q in range(last, 0, -1):
            stages[q] += a * (stages[q - 1] - stages[q])
        stages[0] -= a * stages[0]
        stages[0] += weight * counts[j] / tau_s
        out[j] = stages[last]


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
