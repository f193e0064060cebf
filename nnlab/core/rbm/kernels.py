"""Numba kernels of the RBM lab: a long Gibbs chain whose visited states are counted.

The conditionals are those of `energy` (its docstring has the equations); the uniform draws
come from the caller (the model's Generator), so a chain is the same with the JIT on or off.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.core._jit import njit


@njit
def _p_on(gap: float, T: float) -> float:
    z = gap / T
    if z >= 0:
        return 1.0 / (1.0 + np.exp(-z))
    e = np.exp(z)
    return e / (1.0 + e)


@njit
def gibbs_counts(W: np.ndarray, b: np.ndarray, c: np.ndarray, T: float, v: np.ndarray, h: np.ndarray,
                 u_h: np.ndarray, u_v: np.ndarray, counts: np.ndarray) -> None:
    """Run len(u_h) Gibbs steps from (v, h) in place: h ~ P(h | v), then v ~ P(v | h), using the draws
    u_h (steps, n_h) and u_v (steps, n_v); after each step add 1 to counts[v index, h index] (the
    first unit is the highest bit, as `energy.all_states`). W is (n_h, n_v)."""
    n_h, n_v = W.shape
    for s in range(u_h.shape[0]):
        hi = 0
        for j in range(n_h):
            gap = -c[j]
            for k in range(n_v):
                gap += W[j, k] * v[k]
            h[j] = 1.0 if u_h[s, j] < _p_on(gap, T) else 0.0
            hi = 2 * hi + int(h[j])
        vi = 0
        for k in range(n_v):
            gap = -b[k]
            for j in range(n_h):
                gap += W[j, k] * h[j]
            v[k] = 1.0 if u_v[s, k] < _p_on(gap, T) else 0.0
            vi = 2 * vi + int(v[k])
        counts[vi, hi] += 1


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile (or load from the cache) the RBM kernels, reporting (done, total, name)."""
    if progress:
        progress(0, 1, "gibbs_counts")
    gibbs_counts(np.zeros((2, 3)), np.zeros(3), np.zeros(2), 1.0, np.zeros(3), np.zeros(2), np.zeros((2, 2)),
                 np.zeros((2, 3)), np.zeros((8, 4), np.int64))
    if progress:
        progress(1, 1, "ready")
