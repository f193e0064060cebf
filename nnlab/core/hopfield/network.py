"""Hebbian weights, the energy and the update rule of a Hopfield network, in numpy (lectures 14-15).

    W = (1/n) sum_s x_s x_s^T - I          (scaling "n", the lecture; 0 diagonal as x_i^2 = 1)
    W = (1/N) sum_s x_s x_s^T, W_ii = 0    (scaling "N")
    E = -1/2 x^T W x + b^T x
    h_i = sum_j W_ij x_j;  x_i <- +1 if h_i > b_i, -1 if h_i < b_i, the tie rule at h_i = b_i

Flipping unit i changes the energy by dE = -(x_i' - x_i)(h_i - b_i) <= 0 under the rule, so
asynchronous updates never raise E. These are the reference forms the numba kernels are
tested against.
"""

from __future__ import annotations

import numpy as np

TIE_CODES = {"plus": 0, "keep": 1, "minus": 2}


def hebbian(patterns: np.ndarray, scaling: str = "n") -> np.ndarray:
    """W from (n, N) bipolar patterns, or a stack (..., n, N) of pattern sets; zeros when n = 0."""
    n, N = patterns.shape[-2:]
    if n == 0:
        return np.zeros(patterns.shape[:-2] + (N, N))
    W = np.matmul(np.swapaxes(patterns, -1, -2), patterns) / (n if scaling == "n" else N)
    diagonal = np.arange(N)
    W[..., diagonal, diagonal] = 0.0
    return W


def energy(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> float:
    """E = -1/2 x^T W x + b^T x."""
    return float(-0.5 * x @ W @ x + b @ x)


def rule(h: float, b: float, old: float, tie: str) -> float:
    """The new state of a unit with net input h and threshold b."""
    if h > b:
        return 1.0
    if h < b:
        return -1.0
    return {"plus": 1.0, "keep": old, "minus": -1.0}[tie]


def overlaps(patterns: np.ndarray, x: np.ndarray) -> np.ndarray:
    """m_s = x_s . x / N for every stored pattern."""
    return patterns @ x / x.size


def softmax_update(patterns: np.ndarray, x: np.ndarray, beta: float, tie: str) -> tuple[np.ndarray, np.ndarray]:
    """The modern (dense) memory's update x <- sgn(X^T softmax(beta X x)) and the softmax weights
    (Ramsauer et al. 2020, with the sign for bipolar states; tie as the classical rule at 0)."""
    if len(patterns) == 0:
        return x.copy(), np.zeros(0)
    s = beta * (patterns @ x)
    p = np.exp(s - s.max())
    p /= p.sum()
    h = patterns.T @ p
    new = np.where(h > 0, 1.0, -1.0)
    zero = h == 0
    new[zero] = {"plus": 1.0, "keep": 0.0, "minus": -1.0}[tie]
    if tie == "keep":
        new[zero] = x[zero]
    return new, p


def modern_energy(patterns: np.ndarray, x: np.ndarray, beta: float) -> float:
    """E = -(1/beta) log sum_s exp(beta x_s . x) (+ x.x/2, constant for bipolar states, left out), as
    -(top + (1/beta) log(1 + sum_{s != s*} exp(beta (x_s . x - top)))), top = x_s* . x the largest: exp never
    overflows and log1p keeps the small terms of a large beta, so E is exact to rounding at every beta. As
    beta -> 0 it tends to -log(n) / beta - mean_s x_s . x, beyond the doubles (-inf) once beta is below about
    log(n) / 1.8e308 (the model's `blowup` then says so)."""
    if len(patterns) == 0:
        return 0.0
    s = patterns @ x
    top = int(np.argmax(s))
    e = np.exp(beta * (s - s[top]))
    e[top] = 0.0
    with np.errstate(over="ignore"):
        return float(-(s[top] + np.log1p(e.sum()) / beta))
