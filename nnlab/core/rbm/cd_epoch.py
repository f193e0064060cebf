"""The rest of a CD-k epoch in one call, over preallocated buffers (lectures 18-20, Algorithm 2).

The same updates as `RBMTrainModel`'s operations, with the same draws from the same Generator in the
same order (the layers' seeds taken from it at the start, `random_raw` giving the numbers that one
call per layer would), so an epoch trained here is the run that stepping gives (in float64; float32
rounds the gaps otherwise). Per batch of n rows, with V = [v1; v2] and H = [h1; -h2] stacked:

    up      G = v1 W^T,   h1 = [U < P(h | v1)]           (BLAS product, then `kernels.draw_layer_fast`)
    down    G = h W,      v2 = [U < P(v | h)]            (k times down and up, h from h1 or the
    up      G = v2 W^T,   h2 = [U < P(h | v2)]            persistent chain)
    update  D = H^T V = sum over the batch of (h1 v1^T - h2 v2^T)  (units are 0/1: counts of rows),
            W += kappa D / n,  b -= gamma (mean v1 - mean v2),  c -= gamma (mean h1 - mean h2)

S1 - S2 is counted on bit-packed layers (`kernels.cd_update`, exactly the product's integers at a
fraction of its cost), and no array is allocated after the first batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnlab.core.rbm.kernels import THRESHOLDS, cd_update, draw_layer_fast, flip_bits

if TYPE_CHECKING:
    from nnlab.core.rbm.train_model import RBMTrainModel


@dataclass
class Buffers:
    """Work arrays for batches of up to B rows of n_v visible and n_h hidden units."""

    V: np.ndarray
    H: np.ndarray
    Hc: np.ndarray
    Gv: np.ndarray
    Gh: np.ndarray
    pending: np.ndarray
    bits: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    acc: np.ndarray
    D: np.ndarray

    @classmethod
    def make(cls, B: int, n_v: int, n_h: int, dtype: type) -> Buffers:
        def z(*shape: int) -> np.ndarray:
            return np.empty(shape, dtype)

        return cls(V=z(2 * B, n_v), H=z(2 * B, n_h), Hc=z(B, n_h), Gv=z(B, n_v), Gh=z(B, n_h),
                   pending=np.empty(B * max(n_v, n_h), np.int64), D=z(n_h, n_v),
                   bits=tuple(np.empty((-(-B // 64), units), np.uint64) for units in (n_h, n_v, n_h, n_v)),
                   acc=np.empty(n_v, np.int64))

    def fits(self, B: int, n_v: int, n_h: int, dtype: type) -> bool:
        return self.Hc.shape == (B, n_h) and self.Gv.shape == (B, n_v) and self.V.dtype == dtype


def finish_epoch(m: RBMTrainModel, buffers: Buffers | None) -> Buffers:
    """Train the batches left in m's current epoch (m.op must be 0), leaving m as its operations would
    after the epoch's last update; returns the buffers for the next call. Does not end the epoch."""
    p = m.params
    # below float32's smallest normal number T would round (to 0 at 1e-45): such an epoch runs in float64
    dtype = np.float32 if p.precision == "float32" and m.T >= np.finfo(np.float32).tiny else np.float64
    n_h, n_v = m.W.shape
    B = p.batch_size
    rows_max = min(B, len(m.train))
    if buffers is None or not buffers.fits(rows_max, n_v, n_h, dtype):
        buffers = Buffers.make(rows_max, n_v, n_h, dtype)
    bf = buffers
    data = m.train_as(dtype)
    W, b, c = m.W.astype(dtype), m.b.astype(dtype), m.c.astype(dtype)
    T = dtype(m.T)
    if m.order is None:
        m.order = m.rng.permutation(len(m.train))
    chain = None if not p.persistent or m.chain is None else m.chain.astype(dtype)
    kappa, gamma, noise, k = float(p.kappa), float(p.gamma), float(p.noise), p.k
    seeds = m.rng.bit_generator.random_raw((m.n_batches - m.batch) * (1 + 2 * k + (noise > 0)))
    s = 0
    Wt, pending = W.T, bf.pending
    views: dict[int, tuple[np.ndarray, ...]] = {}
    n = 0
    while m.batch < m.n_batches:
        rows = m.order[m.batch * B: (m.batch + 1) * B]
        n = len(rows)
        if n not in views:
            views[n] = (bf.V[:n], bf.V[n:2 * n], bf.H[:n], bf.H[n:2 * n], bf.Hc[:n], bf.Gv[:n], bf.Gh[:n])
        v1, v2, h1, h2, hc, gv, gh = views[n]
        np.take(data, rows, axis=0, out=v1)
        if noise > 0:
            flip_bits(v1, seeds[s], noise)
            s += 1
        np.matmul(v1, Wt, out=gh)
        draw_layer_fast(gh, c, T, seeds[s], h1, THRESHOLDS, pending)
        s += 1
        if p.persistent:
            if chain is None or len(chain) < n:
                chain = h1.copy()
            hc[:] = chain[:n]
        else:
            hc[:] = h1
        for _ in range(k):
            np.matmul(hc, W, out=gv)
            draw_layer_fast(gv, b, T, seeds[s], v2, THRESHOLDS, pending)
            np.matmul(v2, Wt, out=gh)
            draw_layer_fast(gh, c, T, seeds[s + 1], hc, THRESHOLDS, pending)
            s += 2
        if m.batch == m.n_batches - 1:
            gaps = (gv.astype(np.float64), b.astype(np.float64), gh.astype(np.float64), c.astype(np.float64), float(T))
        if p.persistent:
            chain[:n] = hc
        np.negative(hc, out=h2)
        cd_update(W, b, c, bf.V, bf.H, n, kappa, gamma, bf.bits, bf.acc, bf.D)
        m.updates += 1
        m.batch += 1
    m.W, m.b, m.c = W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    if chain is not None:
        m.chain = chain.astype(np.float64)
    if n:
        f = np.float64
        m.v1, m.h1 = bf.V[:n].astype(f), bf.H[:n].astype(f)
        m.v, m.h = bf.V[n:2 * n].astype(f), bf.Hc[:n].astype(f)
        m.defer_probabilities(*gaps)
        d2 = m.v1 - m.v
        m.last = {"dW": bf.D.astype(f) / n, "db": -p.gamma * d2.mean(axis=0),
                  "dc": -p.gamma * (m.h1 - m.h).mean(axis=0), "recon": float((d2 ** 2).mean())}
    return buffers
