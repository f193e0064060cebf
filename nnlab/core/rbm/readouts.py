"""What the RBM lab measures after every epoch (lecture 20; Hinton, "A practical guide to training
restricted Boltzmann machines", 2010, sections 5 and 6).

    reconstruction error   mean over rows and units of (v - r)^2,  r = P(v | h = P(h | v))
                           (a one-step mean-field reconstruction)
    free energy            F(v) = v^T b - T sum_j log(1 + exp((W v - c)_j / T))   (`energy.free_energy`)

The element-wise parts run in float32, whose exp and log numpy computes in vector instructions (at
a fifth of the cost of float64's): about 1e-7 relative, far below what a curve shows; the sums are
float64.
"""

from __future__ import annotations

import numpy as np


PRODUCT_UNITS = 1000
"""Rows of at most this many factors 1 + e (each at most 2) have their log summed as the log of their
float64 product, which cannot overflow; wider rows take a log each."""


def _logistic(z: np.ndarray, softplus: bool = False) -> tuple[np.ndarray, float]:
    """(1 / (1 + exp(-z)) and, with softplus, the sum of log(1 + exp(z))), without overflow: from
    e = exp(-|z|) and r = 1 / (1 + e), P = 1/2 + sign(z) (r - 1/2) (r for z >= 0, 1 - r below, both exact
    in floating point), and log(1 + exp(z)) = max(z, 0) + log(1 + e), max(z, 0) = (z + |z|) / 2."""
    e = np.abs(z)
    total = 0.0
    if softplus:
        total = 0.5 * float(z.sum(dtype=np.float64) + e.sum(dtype=np.float64))
    np.negative(e, out=e)
    np.exp(e, out=e)
    r = e
    r += 1.0
    if softplus:
        if z.shape[1] <= PRODUCT_UNITS:
            total += float(np.log(r.prod(axis=1, dtype=np.float64)).sum())
        else:
            total += float(np.log(r).sum(dtype=np.float64))
    np.reciprocal(r, out=r)
    r -= 0.5
    np.copysign(r, z, out=r)
    r += 0.5
    return r, total


def readouts(W: np.ndarray, b: np.ndarray, c: np.ndarray, v: np.ndarray, T: float,
             v32: np.ndarray | None = None) -> tuple[float, float]:
    """(reconstruction error, mean free energy) of the 0/1 rows v (v32: v in float32, when the caller
    keeps it); see the module docstring."""
    f = np.float32
    W32 = W.astype(f)
    v32 = v.astype(f) if v32 is None else v32
    z = v32 @ W32.T
    z -= c.astype(f)
    z /= f(T)
    PH, hidden = _logistic(z, softplus=True)
    y = PH @ W32
    y -= b.astype(f)
    y /= f(T)
    R, _ = _logistic(y)
    R -= v32
    recon = float(np.square(R, out=R).sum(dtype=np.float64)) / v.size
    return recon, (float((v @ b).sum()) - T * hidden) / len(v)
