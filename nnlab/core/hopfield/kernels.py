"""Numba kernels of the Hopfield lab: unit updates with their energy and overlaps, synchronous steps,
the modern memory's step, recall until stable, and the capacity sweep's trials.

Arrays are float64: W (N, N), b and x (N,), P (n, N) of +1/-1. Random numbers come from the
caller (the model's Generator). The rule and the energy are those of `network` (its docstring
has the equations): h_i = sum_j W_ij x_j, x_i <- +1 above the threshold b_i, -1 below, the tie
rule at it (0 plus, 1 keep, 2 minus). At temperature T > 0 a unit is +1 with probability 1 / (1 + exp(-2 (h_i - b_i) / T))
(Glauber dynamics), using the uniform draw given for it. W must have a zero diagonal.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.core._jit import njit


@njit
def _decide(d: float, old: float, tie: int, T: float, u: float) -> float:
    """The new state of a unit whose net input exceeds its threshold by d (old: its state; u: its draw)."""
    if T > 0.0:
        z = -2.0 * d / T
        p = 1.0 / (1.0 + np.exp(z)) if z < 700.0 else 0.0
        return 1.0 if u < p else -1.0
    if d > 0.0:
        return 1.0
    if d < 0.0:
        return -1.0
    if tie == 0:
        return 1.0
    if tie == 1:
        return old
    return -1.0


@njit(fastmath={"reassoc", "contract"})
def async_updates(W: np.ndarray, b: np.ndarray, x: np.ndarray, units: np.ndarray, tie: int, T: float,
                  u: np.ndarray, P: np.ndarray, m: np.ndarray, E: float, energy_out: np.ndarray,
                  overlap_out: np.ndarray, field_out: np.ndarray, flipped_out: np.ndarray) -> float:
    """Update units[k] for k = 0, 1, ... in turn, in place; returns the energy after the last.

    Records after update k: the energy (energy_out[k]), the overlaps m_s = x_s . x / N with the
    stored patterns P (overlap_out[k], kept up to date in m), the net input minus threshold of
    the unit (field_out[k]) and whether it flipped (flipped_out[k]). u[k] is update k's draw.
    """
    N = x.size
    n = P.shape[0]
    for k in range(units.size):
        i = units[k]
        h = 0.0
        for j in range(N):
            h += W[i, j] * x[j]
        d = h - b[i]
        old = x[i]
        new = _decide(d, old, tie, T, u[k])
        field_out[k] = d
        if new != old:
            x[i] = new
            E -= (new - old) * d
            step = (new - old) / N
            for s in range(n):
                m[s] += step * P[s, i]
            flipped_out[k] = True
        else:
            flipped_out[k] = False
        energy_out[k] = E
        for s in range(n):
            overlap_out[k, s] = m[s]
    return E


@njit(fastmath={"reassoc", "contract"})
def sync_step(W: np.ndarray, b: np.ndarray, x: np.ndarray, tie: int, T: float, u: np.ndarray,
              out: np.ndarray) -> int:
    """Every unit at once from the same state x into `out`; returns the number of units that changed."""
    N = x.size
    changed = 0
    for i in range(N):
        h = 0.0
        for j in range(N):
            h += W[i, j] * x[j]
        out[i] = _decide(h - b[i], x[i], tie, T, u[i])
        if out[i] != x[i]:
            changed += 1
    return changed


@njit(fastmath={"reassoc", "contract"})
def recall_async(W: np.ndarray, b: np.ndarray, x: np.ndarray, tie: int, max_sweeps: int, orders: np.ndarray) -> int:
    """Asynchronous sweeps until a sweep changes nothing; returns the sweeps taken, or -1 when max_sweeps
    passed without settling. Sweep s visits the units in the order orders[s % len(orders)] (orders:
    (S, N) permutations drawn by the caller)."""
    N = x.size
    for sweep in range(max_sweeps):
        order = orders[sweep % orders.shape[0]]
        flips = 0
        for k in range(N):
            i = order[k]
            h = 0.0
            for j in range(N):
                h += W[i, j] * x[j]
            new = _decide(h - b[i], x[i], tie, 0.0, 0.0)
            if new != x[i]:
                x[i] = new
                flips += 1
        if flips == 0:
            return sweep + 1
    return -1


@njit(fastmath={"reassoc", "contract"})
def modern_step(P: np.ndarray, x: np.ndarray, beta: float, tie: int, out: np.ndarray, weights: np.ndarray) -> int:
    """One update of the dense memory into `out`: out = sgn(P^T softmax(beta P x)) (P: (n, N) stored patterns;
    the tie rule where the sum is exactly 0); the softmax goes into `weights`. Returns the units changed."""
    n, N = P.shape
    if n == 0:
        for j in range(N):
            out[j] = x[j]
        return 0
    top = -np.inf
    for a in range(n):
        acc = 0.0
        for j in range(N):
            acc += P[a, j] * x[j]
        weights[a] = beta * acc
        if weights[a] > top:
            top = weights[a]
    total = 0.0
    for a in range(n):
        weights[a] = np.exp(weights[a] - top)
        total += weights[a]
    changed = 0
    for a in range(n):
        weights[a] /= total
    for j in range(N):
        h = 0.0
        for a in range(n):
            h += P[a, j] * weights[a]
        out[j] = _decide(h, x[j], tie, 0.0, 0.0)
        if out[j] != x[j]:
            changed += 1
    return changed


@njit
def modern_recall(P: np.ndarray, x: np.ndarray, beta: float, tie: int, max_steps: int) -> int:
    """`modern_step` until nothing changes, in place; returns the steps, or -1."""
    out = np.empty_like(x)
    weights = np.empty(P.shape[0])
    for step in range(max_steps):
        changed = modern_step(P, x, beta, tie, out, weights)
        for j in range(x.size):
            x[j] = out[j]
        if changed == 0:
            return step + 1
    return -1


@njit
def capacity_trials(P: np.ndarray, W: np.ndarray, x0: np.ndarray, orders: np.ndarray, b: float, tie: int,
                    max_sweeps: int, modern: bool, beta: float, success: np.ndarray, overlap: np.ndarray,
                    modern_success: np.ndarray) -> None:
    """Trial t has stored the patterns P[t] ((n, N)) in the weights W[t] ((N, N), zero diagonal), starts
    from x0[t] and recalls asynchronously in the random orders orders[t] ((S, N), see `recall_async`) until
    stable; success[t] is True when it ends exactly on P[t, 0], overlap[t] is its final overlap with
    P[t, 0]. With `modern`, the dense memory recalls from the same start too (modern_success[t])."""
    trials, n, N = P.shape
    bv = np.full(N, b)
    for t in range(trials):
        x = x0[t].copy()
        recall_async(W[t], bv, x, tie, max_sweeps, orders[t])
        same = True
        acc = 0.0
        for j in range(N):
            acc += x[j] * P[t, 0, j]
            if x[j] != P[t, 0, j]:
                same = False
        success[t] = same
        overlap[t] = acc / N
        if modern:
            y = x0[t].copy()
            modern_recall(P[t], y, beta, tie, max_sweeps)
            ok = True
            for j in range(N):
                if y[j] != P[t, 0, j]:
                    ok = False
                    break
            modern_success[t] = ok


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile (or load from the cache) the Hopfield kernels, reporting (done, total, name)."""
    if progress:
        progress(0, 3, "numba")
    P = np.array([[1.0, -1.0, 1.0, -1.0]])
    W = np.outer(P[0], P[0])
    np.fill_diagonal(W, 0.0)
    b = np.zeros(4)
    x = P[0].copy()
    if progress:
        progress(1, 3, "async_updates")
    async_updates(W, b, x, np.arange(4), 0, 0.0, np.zeros(4), P, np.zeros(1), 0.0, np.zeros(4), np.zeros((4, 1)),
                  np.zeros(4), np.zeros(4, np.bool_))
    sync_step(W, b, x, 0, 0.0, np.zeros(4), np.zeros(4))
    if progress:
        progress(2, 3, "capacity_trials")
    capacity_trials(P[None, :, :].copy(), W[None, :, :].copy(), P.copy(), np.zeros((1, 2, 4), np.int64), 0.0, 0,
                    5, True, 1.0, np.zeros(1, np.bool_), np.zeros(1), np.zeros(1, np.bool_))
    if progress:
        progress(3, 3, "ready")
