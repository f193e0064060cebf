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


def _logistic(G: np.ndarray, T: float, softplus: bool = False) -> tuple[np.ndarray, float]:
    """(P = 1 / (1 + exp(-G / T)) and, with softplus, T sum log(1 + exp(G / T))), for every T > 0 without
    overflow: from e = exp(-|G| / T) and r = 1 / (1 + e), P = 1/2 + sign(G) (r - 1/2) (r for G >= 0, 1 - r
    below, both exact in floating point), and T log(1 + exp(G / T)) = max(G, 0) + T log(1 + e),
    max(G, 0) = (G + |G|) / 2. As T -> 0, |G| / T overflows to inf where G != 0 (e = 0: P is the step and
    the softplus max(G, 0)) and stays 0 where G = 0 (P = 1/2): the limits themselves. Below the smallest
    normal number of G's dtype, T would round (to 0 for float32 at 1e-45), so |G| / T is divided in float64."""
    e = np.abs(G)
    total = 0.0
    if softplus:
        total = 0.5 * float(G.sum(dtype=np.float64) + e.sum(dtype=np.float64))
    with np.errstate(over="ignore"):
        if T >= np.finfo(e.dtype).tiny:
            e /= e.dtype.type(T)
        else:
            e[...] = e.astype(np.float64) / T
    np.negative(e, out=e)
    np.exp(e, out=e)
    r = e
    r += 1.0
    if softplus:
        if G.shape[1] <= PRODUCT_UNITS:
            total += T * float(np.log(r.prod(axis=1, dtype=np.float64)).sum())
        else:
            total += T * float(np.log(r).sum(dtype=np.float64))
    np.reciprocal(r, out=r)
    r -= 0.5
    np.copysign(r, G, out=r)
    r += 0.5
    return r, total


def readouts(W: np.ndarray, b: np.ndarray, c: np.ndarray, v: np.ndarray, T: float,
             v32: np.ndarray | None = None) -> tuple[float, float]:
    """(reconstruction error, mean free energy) of the 0/1 rows v (v32: v in float32, when the caller
    keeps it); see the module docstring."""
    f = np.float32
    W32 = W.astype(f)
    v32 = v.astype(f) if v32 is None else v32
    G = v32 @ W32.T
    G -= c.astype(f)
    PH, hidden = _logistic(G, T, softplus=True)
    y = PH @ W32
    y -= b.astype(f)
    R, _ = _logistic(y, T)
    R -= v32
    recon = float(np.square(R, out=R).sum(dtype=np.float64)) / v.size
    return recon, (float((v @ b).sum()) - hidden) / len(v)
