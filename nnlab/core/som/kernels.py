"""Numba kernels of the SOM lab (lecture 20, section 20.2): the best-matching unit, the neighbourhood, the
update, whole epochs, and the quantization and topographic errors.

The weights are held unit-minor, Wt of shape (dim, units), so that every loop over the units runs
along contiguous memory and compiles to vector instructions. The neighbourhood is separable:
theta(d) of a Gaussian at lattice distance d = |(dx, dy)| is g(dx) g(dy), so a sample needs
rows + 2 cols exponentials (the two parities of the hexagonal rows), not one per unit.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.core._jit import njit
from nnlab.core.warmup import compile_steps
from nnlab.core.som.lattice import HEX_ROW

LINEAR, EXPONENTIAL, INVERSE = 0, 1, 2
"""Decay codes (params.DECAYS order)."""
GAUSSIAN, BUBBLE, MEXICAN_HAT = 0, 1, 2
"""Neighbourhood codes (params.NEIGHBOURHOODS order)."""


@njit
def decayed(a: float, b: float, frac: float, kind: int) -> float:
    """The schedule at frac = t / T of the run (clamped to [0, 1]) from a to b: linear a + (b - a) frac,
    exponential a (b/a)^frac, inverse a / (1 + (a/b - 1) frac)."""
    f = min(max(frac, 0.0), 1.0)
    if kind == LINEAR:
        return a + (b - a) * f
    if kind == EXPONENTIAL:
        return a * (b / a) ** f
    return a / (1.0 + (a / b - 1.0) * f)


@njit
def find_bmu(Wt: np.ndarray, x: np.ndarray, dist: np.ndarray) -> int:
    """dist[u] = |x - W_u|^2 for every unit; returns the first unit of least distance."""
    units = Wt.shape[1]
    for u in range(units):
        dist[u] = 0.0
    for k in range(Wt.shape[0]):
        xk = x[k]
        row = Wt[k]
        for u in range(units):
            d = row[u] - xk
            dist[u] += d * d
    best = 0
    low = dist[0]
    for u in range(1, units):
        if dist[u] < low:
            low = dist[u]
            best = u
    return best


@njit
def _factor(d: float, s: float, kind: int) -> float:
    """One axis's factor of theta at offset d: exp(-d^2 / 2 s^2), or d^2 itself for the bubble."""
    return d * d if kind == BUBBLE else np.exp(-d * d / (2.0 * s * s))


@njit
def _profile(out: np.ndarray, offsets: np.ndarray, centre: float, s: float, kind: int) -> None:
    """out[i] = `_factor`(offsets[i] - centre)."""
    for i in range(out.shape[0]):
        out[i] = _factor(offsets[i] - centre, s, kind)


@njit
def neighbourhood(theta: np.ndarray, bmu: int, rows: int, cols: int, hexagonal: bool, sigma: float, kind: int,
                  inhibition: float, fy: np.ndarray, fx: np.ndarray, grid: np.ndarray) -> None:
    """theta[u] = theta(|p_u - p_bmu|) for every unit u at lattice position p_u (`lattice.positions`):
    gaussian exp(-d^2 / 2 sigma^2); bubble 1 where d <= sigma, else 0; mexican_hat
    (g(sigma) - c g(2 sigma)) / (1 - c). Work space: fy (2, rows), fx (2, 2, cols), grid (2, cols)
    holding 0, 1, ..., cols - 1 and the same + 1/2."""
    rb, cb = bmu // cols, bmu % cols
    ystep = HEX_ROW if hexagonal else 1.0
    bx = cb + (0.5 if hexagonal and rb % 2 == 1 else 0.0)
    parts = 2 if kind == MEXICAN_HAT else 1
    for q in range(parts):
        s = sigma if q == 0 else 2.0 * sigma
        for r in range(rows):
            fy[q, r] = _factor((r - rb) * ystep, s, kind)
        _profile(fx[q, 0], grid[0], bx, s, kind)
        if hexagonal:
            _profile(fx[q, 1], grid[1], bx, s, kind)
    limit = sigma * sigma + 1e-9
    scale = 1.0 / (1.0 - inhibition)
    for r in range(rows):
        p = 1 if hexagonal and r % 2 == 1 else 0
        base = r * cols
        if kind == GAUSSIAN:
            a = fy[0, r]
            row = fx[0, p]
            for c in range(cols):
                theta[base + c] = a * row[c]
        elif kind == BUBBLE:
            a = fy[0, r]
            row = fx[0, p]
            for c in range(cols):
                theta[base + c] = 1.0 if a + row[c] <= limit else 0.0
        else:
            a1, a2 = fy[0, r], fy[1, r]
            r1, r2 = fx[0, p], fx[1, p]
            for c in range(cols):
                theta[base + c] = (a1 * r1[c] - inhibition * a2 * r2[c]) * scale


@njit
def update(Wt: np.ndarray, x: np.ndarray, theta: np.ndarray, eta: float) -> None:
    """W_u += eta theta_u (x - W_u) for every unit (the lecture's update)."""
    units = Wt.shape[1]
    for k in range(Wt.shape[0]):
        xk = x[k]
        row = Wt[k]
        for u in range(units):
            row[u] += eta * theta[u] * (xk - row[u])


@njit
def train_samples(Wt: np.ndarray, data: np.ndarray, order: np.ndarray, t0: int, T: int, sigma0: float,
                  sigma1: float, lr0: float, lr1: float, decay: int, kind: int, inhibition: float, rows: int,
                  cols: int, hexagonal: bool, dist: np.ndarray, theta: np.ndarray, fy: np.ndarray, fx: np.ndarray,
                  grid: np.ndarray) -> None:
    """Present data[order[i]] for i = 0, 1, ...: at t = t0 + i, sigma and eta from `decayed` at t / T,
    then `find_bmu`, `neighbourhood` and `update`, as one stage at a time does."""
    for i in range(order.shape[0]):
        frac = (t0 + i) / T
        s = decayed(sigma0, sigma1, frac, decay)
        eta = decayed(lr0, lr1, frac, decay)
        x = data[order[i]]
        b = find_bmu(Wt, x, dist)
        neighbourhood(theta, b, rows, cols, hexagonal, s, kind, inhibition, fy, fx, grid)
        update(Wt, x, theta, eta)


@njit
def evaluate(Wt: np.ndarray, data: np.ndarray, adjacent: np.ndarray, bmus: np.ndarray, hits: np.ndarray,
             dist: np.ndarray) -> tuple[float, float]:
    """(quantization error, topographic error) of the map on the data: the mean distance from a sample to
    its BMU, and the fraction of samples whose first and second BMU are not adjacent (`adjacent`: the
    neighbours of each unit, -1 padded). Fills bmus (one a sample) and hits (samples a unit wins)."""
    hits[:] = 0
    qe = 0.0
    errors = 0
    units = Wt.shape[1]
    for i in range(data.shape[0]):
        b = find_bmu(Wt, data[i], dist)
        second = -1
        low = np.inf
        for u in range(units):
            if u != b and dist[u] < low:
                low = dist[u]
                second = u
        bmus[i] = b
        hits[b] += 1
        qe += np.sqrt(dist[b])
        if second >= 0:
            near = False
            for v in adjacent[b]:
                if v == second:
                    near = True
            if not near:
                errors += 1
    n = max(data.shape[0], 1)
    return qe / n, errors / n


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile (or load from the cache) the SOM kernels, reporting (done, total, name)."""
    Wt = np.zeros((2, 4))
    data = np.zeros((3, 2))
    order = np.zeros(3, np.int64)
    dist, theta = np.zeros(4), np.zeros(4)
    fy, fx = np.zeros((2, 2)), np.zeros((2, 2, 2))
    grid = np.array([[0.0, 1.0], [0.5, 1.5]])
    steps = [("decayed", lambda: decayed(1.0, 0.5, 0.5, 1)),
             ("find_bmu", lambda: find_bmu(Wt, data[0], dist)),
             ("neighbourhood", lambda: neighbourhood(theta, 0, 2, 2, True, 1.0, 0, 0.1, fy, fx, grid)),
             ("update", lambda: update(Wt, data[0], theta, 0.5)),
             ("train_samples", lambda: train_samples(Wt, data, order, 0, 3, 1.0, 0.5, 0.5, 0.1, 1, 0, 0.1, 2, 2,
                                                     False, dist, theta, fy, fx, grid)),
             ("evaluate", lambda: evaluate(Wt, data, np.full((4, 8), -1, np.int64), order, np.zeros(4, np.int64),
                                           dist))]
    compile_steps(steps, progress)
