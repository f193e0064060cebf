"""Closed forms of the neuron lectures, used by the views and as test oracles.

    LIF rate (lecture 2):      G(J) = 1 / (tau_ref - tau_m ln(1 - 1/J)) for J > 1, else 0
    LIF voltage (lecture 2):   v(t) = v_in (1 - exp(-t / tau_m)) from v(0) = 0
    PSC kernel (lecture 4):    h(t) = t^n exp(-t/tau_s) / (n! tau_s^(n+1)) for t >= 0
    NEF gain and bias (lecture 26, NEF convention, not in the notes):
        J_max = 1 / (1 - exp((tau_ref - 1/r_max) / tau_m)),  alpha = (J_max - 1) / (1 - x_int),
        beta = 1 - alpha x_int
"""

from __future__ import annotations

import math

import numpy as np


def lif_rate(J: np.ndarray | float, tau_m: float, tau_ref: float) -> np.ndarray:
    """G(J) in Hz; 0 where J <= 1."""
    J = np.asarray(J, dtype=np.float64)
    out = np.zeros_like(J)
    above = J > 1.0
    out[above] = 1.0 / (tau_ref - tau_m * np.log1p(-1.0 / J[above]))
    return out


def lif_voltage(t: np.ndarray, v_in: float, tau_m: float) -> np.ndarray:
    """v(t) = v_in (1 - exp(-t/tau_m)), the potential without threshold from v(0) = 0."""
    return v_in * -np.expm1(-np.asarray(t) / tau_m)


def lif_euler_rate(J: float, dt: float, tau_m: float, tau_ref: float) -> float:
    """Steady rate (Hz) of the Euler LIF of the lab: 1 / ((K + R) dt), K steps to threshold, R refractory."""
    if J <= 1.0:
        return 0.0
    a = dt / tau_m
    v = 0.0
    k = 0
    while v < 1.0:
        v += a * (J - v)
        k += 1
    return 1.0 / ((k + round(tau_ref / dt)) * dt)


def psc_kernel(t: np.ndarray, n: int, tau_s: float) -> np.ndarray:
    """h(t) = t^n exp(-t/tau_s) / (n! tau_s^(n+1)) for t >= 0, else 0 (unit area).

    Evaluated as exp(n ln(t/tau_s) - t/tau_s - ln n! - ln tau_s), so t^n and tau_s^(n+1) never
    under- or overflow on their own; the result is inf only where h itself is beyond float64
    (h(0) = 1/tau_s for n = 0 with tau_s below about 5.6e-309).
    """
    t = np.asarray(t, dtype=np.float64)
    x = np.maximum(t, 0.0) / tau_s
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        power = n * np.log(x) if n else np.zeros_like(x)
        out = np.exp(power - x - (math.lgamma(n + 1) + math.log(tau_s)))
    return np.where((t >= 0.0) & (x < np.inf), out, 0.0)


def filtered_train(t: np.ndarray, spikes: np.ndarray, n: int, tau_s: float, weight: float = 1.0) -> np.ndarray:
    """(a * h)(t) = w sum_p h(t - t_p), the convolution of a spike train with the kernel (inf or NaN where
    it is beyond float64; the synapse model stops there)."""
    t = np.asarray(t, dtype=np.float64)
    out = np.zeros_like(t)
    for tp in np.asarray(spikes, dtype=np.float64):
        out += psc_kernel(t - tp, n, tau_s)
    with np.errstate(invalid="ignore", over="ignore"):
        return weight * out


def nef_gain_bias(intercepts: np.ndarray, max_rates: np.ndarray, tau_m: float, tau_ref: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Gains alpha and biases beta so that G(alpha + beta) = r_max and G(alpha x_int + beta) = G(1) = 0."""
    j_max = 1.0 / -np.expm1((tau_ref - 1.0 / max_rates) / tau_m)
    alpha = (j_max - 1.0) / (1.0 - intercepts)
    beta = 1.0 - alpha * intercepts
    return alpha, beta
