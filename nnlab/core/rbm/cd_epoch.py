"""The rest of a CD-k epoch in one call, over preallocated buffers (lectures 18-20, Algorithm 2).

The same updates as `RBMTrainModel`'s operations, with the same draws from the same Generator in the
same order, so an epoch trained here is the run that stepping gives (in float64; float32 draws its
uniforms in float32). Per batch of n rows, with V = [v1; v2] and H = [h1; -h2] stacked:

    up      G = v1 W^T,   h1 = [U < P(h | v1)]           (BLAS product, then `kernels.draw_layer_fast`)
    down    G = h W,      v2 = [U < P(v | h)]            (k times down and up, h from h1 or the
    up      G = v2 W^T,   h2 = [U < P(h | v2)]            persistent chain)
    update  D = H^T V = sum over the batch of (h1 v1^T - h2 v2^T)  (units are 0/1: counts of rows),
            W += kappa D / n,  b -= gamma (mean v1 - mean v2),  c -= gamma (mean h1 - mean h2)

S1 - S2 is counted on bit-packed columns (`kernels.bit_statistics`, exactly the product's integers at
a fraction of its cost), and no array is allocated after the first batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnlab.core.rbm.kernels import (SIGMOID_TABLE, bit_statistics, cd_apply, draw_layer, draw_layer_fast, flip_bits,
                                   layer_seed, pack_columns)

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
    Pv: np.ndarray
    Ph: np.ndarray
    pending: np.ndarray
    table: np.ndarray
    bits: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    D: np.ndarray

    @classmethod
    def make(cls, B: int, n_v: int, n_h: int, dtype: type) -> Buffers:
        def z(*shape: int) -> np.ndarray:
            return np.empty(shape, dtype)

        return cls(V=z(2 * B, n_v), H=z(2 * B, n_h), Hc=z(B, n_h), Gv=z(B, n_v), Gh=z(B, n_h), Pv=z(B, n_v),
                   Ph=z(B, n_h), pending=np.empty(B * max(n_v, n_h), np.int64),
                   table=SIGMOID_TABLE.astype(dtype), D=z(n_h, n_v),
                   bits=tuple(np.empty((units, -(-B // 64)), np.uint64) for units in (n_h, n_v, n_h, n_v)))

    def fits(self, B: int, n_v: int, n_h: int, dtype: type) -> bool:
        return self.Hc.shape == (B, n_h) and self.Gv.shape == (B, n_v) and self.V.dtype == dtype


def finish_epoch(m: RBMTrainModel, buffers: Buffers | None) -> Buffers:
    """Train the batches left in m's current epoch (m.op must be 0), leaving m as its operations would
    after the epoch's last update; returns the buffers for the next call. Does not end the epoch."""
    p = m.params
    dtype = np.float32 if p.precision == "float32" else np.float64
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
    n = 0
    while m.batch < m.n_batches:
        rows = m.order[m.batch * B: (m.batch + 1) * B]
        n = len(rows)
        v1, v2 = bf.V[:n], bf.V[n:2 * n]
        h1, h2 = bf.H[:n], bf.H[n:2 * n]
        np.take(data, rows, axis=0, out=v1)
        last = m.batch == m.n_batches - 1
        if p.noise > 0:
            flip_bits(v1, layer_seed(m.rng), float(p.noise))
        _up(m.rng, v1, W, c, T, bf, n, h1, last)
        if p.persistent:
            if chain is None or len(chain) < n:
                chain = h1.copy()
            bf.Hc[:n] = chain[:n]
        else:
            bf.Hc[:n] = h1
        for _ in range(p.k):
            np.matmul(bf.Hc[:n], W, out=bf.Gv[:n])
            _draw(m.rng, bf.Gv[:n], b, T, bf, bf.Pv[:n], v2, last)
            _up(m.rng, v2, W, c, T, bf, n, bf.Hc[:n], last)
        if p.persistent:
            chain[:n] = bf.Hc[:n]
        np.negative(bf.Hc[:n], out=h2)
        for packed, layer in zip(bf.bits, (h1, v1, h2, v2)):
            pack_columns(layer, packed)
        bit_statistics(*bf.bits, bf.D)
        cd_apply(W, b, c, bf.D, bf.V[:2 * n], bf.H[:2 * n], n, float(p.kappa), float(p.gamma))
        m.updates += 1
        m.batch += 1
    m.W, m.b, m.c = W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    if chain is not None:
        m.chain = chain.astype(np.float64)
    if n:
        f = np.float64
        m.v1, m.h1 = bf.V[:n].astype(f), bf.H[:n].astype(f)
        m.v, m.h, m.pv, m.ph = bf.V[n:2 * n].astype(f), bf.Hc[:n].astype(f), bf.Pv[:n].astype(f), bf.Ph[:n].astype(f)
        d2 = m.v1 - m.v
        m.last = {"dW": bf.D.astype(f) / n, "db": -p.gamma * d2.mean(axis=0),
                  "dc": -p.gamma * (m.h1 - m.h).mean(axis=0), "recon": float((d2 ** 2).mean())}
    return buffers


def _up(rng: np.random.Generator, v: np.ndarray, W: np.ndarray, c: np.ndarray, T: float, bf: Buffers, n: int,
        out: np.ndarray, keep_p: bool) -> None:
    """out = h ~ P(h | v) for the n rows of v (P(h | v) in bf.Ph with keep_p)."""
    np.matmul(v, W.T, out=bf.Gh[:n])
    _draw(rng, bf.Gh[:n], c, T, bf, bf.Ph[:n], out, keep_p)


def _draw(rng: np.random.Generator, G: np.ndarray, bias: np.ndarray, T: float, bf: Buffers, P: np.ndarray,
          out: np.ndarray, keep_p: bool) -> None:
    """out = [u < P(on)] for the gaps G - bias; P kept only when asked (the epoch's last batch, for the frame)."""
    if keep_p:
        draw_layer(G, bias, T, layer_seed(rng), P, out)
    else:
        draw_layer_fast(G, bias, T, layer_seed(rng), out, bf.table, bf.pending)
