"""Energy, conditionals, free energy and the exact distribution of a restricted Boltzmann machine
(lectures 17-20), in numpy.

Conventions of the lecture (catalogue section 17): binary units, W of shape (n_h, n_v),

    E(v, h) = -h^T W v + v^T b + h^T c          (biases enter with a plus sign)
    gap of hidden unit j:   dE_j = (W v - c)_j   (E with h_j off minus E with h_j on)
    gap of visible unit k:  dE_k = (W^T h - b)_k
    P(unit on) = 1 / (1 + exp(-dE / T))
    F(v) = -T log sum_h exp(-E(v, h) / T) = v^T b - T sum_j log(1 + exp((W v - c)_j / T))

Rows are samples: v is (B, n_v), h is (B, n_h).
"""

from __future__ import annotations

import numpy as np

MAX_EXACT_UNITS = 20
"""Largest n_v + n_h whose 2^(n_v + n_h) states are enumerated exactly."""


def p_on(gap: np.ndarray | float, T: float) -> np.ndarray:
    """P(on) = 1 / (1 + exp(-gap / T)), computed without overflow. For T -> 0, gap / T overflows to +-inf
    where gap != 0, giving the limit, a step (P(on) = 1/2 stays where gap = 0)."""
    with np.errstate(over="ignore"):
        z = np.asarray(gap, dtype=np.float64) / T
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def hidden_gap(W: np.ndarray, c: np.ndarray, v: np.ndarray) -> np.ndarray:
    """dE of every hidden unit: (W v - c) per row of v."""
    return v @ W.T - c


def visible_gap(W: np.ndarray, b: np.ndarray, h: np.ndarray) -> np.ndarray:
    """dE of every visible unit: (W^T h - b) per row of h."""
    return h @ W - b


def energy(W: np.ndarray, b: np.ndarray, c: np.ndarray, v: np.ndarray, h: np.ndarray) -> np.ndarray:
    """E(v, h) per row pair."""
    return -np.einsum("bj,jk,bk->b", h, W, v) + v @ b + h @ c


def free_energy(W: np.ndarray, b: np.ndarray, c: np.ndarray, v: np.ndarray, T: float = 1.0) -> np.ndarray:
    """F(v) per row: v^T b - T sum_j log(1 + exp((W v - c)_j / T)), each term as
    max(g, 0) + T log(1 + exp(-|g| / T)), g = (W v - c)_j, which tends to max(g, 0) as T -> 0."""
    g = hidden_gap(W, c, v)
    with np.errstate(over="ignore"):
        tail = T * np.log1p(np.exp(-np.abs(g) / T))
    return v @ b - (np.maximum(g, 0.0) + tail).sum(axis=1)


def cd_statistics(v1: np.ndarray, h1: np.ndarray, v2: np.ndarray, h2: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(S1 - S2, v1 - v2, h1 - h2) averaged over the batch; S = h v^T, the shape of W (erratum E12)."""
    B = len(v1)
    return (h1.T @ v1 - h2.T @ v2) / B, (v1 - v2).mean(axis=0), (h1 - h2).mean(axis=0)


def all_states(n: int) -> np.ndarray:
    """Every binary vector of length n, as rows, in counting order (the first unit is the highest bit)."""
    idx = np.arange(2 ** n)
    return ((idx[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)


def exact_joint(W: np.ndarray, b: np.ndarray, c: np.ndarray, T: float = 1.0) -> np.ndarray:
    """P(v, h) = exp(-E(v, h) / T) / Z for every state: shape (2^n_v, 2^n_h), v-state index first.

    The lowest energy is subtracted before dividing by T, so that exp never overflows and, as T -> 0,
    (E - E_min) / T goes to +inf except at the minimum: P tends to the uniform distribution over the
    states of lowest energy, which is what it gives at any T too small for exp(-dE / T) to be represented."""
    n_h, n_v = W.shape
    if n_v + n_h > MAX_EXACT_UNITS:
        raise ValueError(f"exact enumeration: expected at most {MAX_EXACT_UNITS} units in all, found {n_v + n_h}")
    V, H = all_states(n_v), all_states(n_h)
    E = -(H @ W @ V.T).T + (V @ b)[:, None] + (H @ c)[None, :]
    with np.errstate(over="ignore"):
        P = np.exp(-(E - E.min()) / T)
    return P / P.sum()


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """1/2 sum |p - q| between two distributions over the same states."""
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())
