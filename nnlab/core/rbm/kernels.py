"""Numba kernels of the RBM lab: a long Gibbs chain whose visited states are counted, and the
element-wise parts of a CD-k update (a layer drawn from its conditional, the update of W, b, c).

The conditionals are those of `energy` (its docstring has the equations); the uniform draws
come from the caller (the model's Generator), so a chain is the same with the JIT on or off.
The matrix products stay with numpy's BLAS (`cd_epoch`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from numba import types
from numba.extending import intrinsic

from nnlab.core._jit import njit
from nnlab.core.rbm.energy import p_on


@njit
def _p_on_z(z: float) -> float:
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
            h[j] = 1.0 if u_h[s, j] < _p_on_z(gap / T) else 0.0
            hi = 2 * hi + int(h[j])
        vi = 0
        for k in range(n_v):
            gap = -b[k]
            for j in range(n_h):
                gap += W[j, k] * h[j]
            v[k] = 1.0 if u_v[s, k] < _p_on_z(gap / T) else 0.0
            vi = 2 * vi + int(v[k])
        counts[vi, hi] += 1


SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
TABLE_RES = 64.0
"""Grid points per unit of dE / T in the table of P(on)."""
TABLE_ZMAX = 40.0
SIGMOID_TABLE = np.concatenate(([0.0], p_on(np.arange(-TABLE_ZMAX * TABLE_RES, TABLE_ZMAX * TABLE_RES + 1)
                                            / TABLE_RES, 1.0), [1.0]))
"""P(on) at z = -40, -40 + 1/64, ..., 40 (the formula of `energy.p_on`), between 0 and 1 as sentinels."""


@njit
def uniform_at(seed: np.uint64, i: int) -> float:
    """The i-th number of the SplitMix64 stream from seed (Steele, Lea & Flood 2014), as a double in [0, 1)
    with numpy's 53-bit mapping. Counter-based: any element can be drawn alone, and loops over it fuse."""
    z = seed + np.uint64(i + 1) * SPLITMIX_GAMMA
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit
def fill_uniform(seed: np.uint64, out: np.ndarray) -> None:
    """out (2-D) = uniform_at(seed, i) in row-major order."""
    m = out.shape[1]
    for i in range(out.shape[0]):
        for j in range(m):
            out[i, j] = uniform_at(seed, i * m + j)


def uniforms(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Uniform draws in [0, 1) for one layer: one seed from rng, the rest from `uniform_at`."""
    out = np.empty(shape)
    fill_uniform(layer_seed(rng), out)
    return out


def layer_seed(rng: np.random.Generator) -> np.uint64:
    """The seed of one layer's draws: the next 64 bits of the model's Generator."""
    return np.uint64(rng.bit_generator.random_raw())


@njit
def draw_layer(G: np.ndarray, bias: np.ndarray, T: float, seed: np.uint64, P: np.ndarray, S: np.ndarray) -> None:
    """P = P(on) of the gaps G - bias at T, S = 1 where uniform_at(seed, i) < P else 0 (i row-major)."""
    m = G.shape[1]
    for i in range(G.shape[0]):
        for j in range(m):
            p = _p_on_z((G[i, j] - bias[j]) / T)
            P[i, j] = p
            S[i, j] = 1.0 if uniform_at(seed, i * m + j) < p else 0.0


@njit
def draw_layer_fast(G: np.ndarray, bias: np.ndarray, T: float, seed: np.uint64, S: np.ndarray,
                    table: np.ndarray, pending: np.ndarray) -> None:
    """S as `draw_layer` draws it, without P. P is monotone, so for the grid points z_k <= z < z_k+1 of
    `table`, u < P(z_k-1) means on and u >= P(z_k+2) off (one cell of margin each side absorbs the
    rounding of z * 64 / T); only the u in between (about 1 in 200) compute P(z) itself, in a second
    pass over the indices kept in `pending` (at least S.size long)."""
    m = G.shape[1]
    top = table.shape[0] - 3.0
    scale = TABLE_RES / T
    offset = TABLE_ZMAX * TABLE_RES + 1.0
    n = 0
    for i in range(G.shape[0]):
        for j in range(m):
            x = (G[i, j] - bias[j]) * scale + offset
            x = x if x > 1.0 else 1.0
            x = x if x < top else top
            k = int(x)
            u = uniform_at(seed, i * m + j)
            lo = table[k - 1]
            S[i, j] = 1.0 if u < lo else 0.0
            pending[n] = i * m + j
            n += (u >= lo) & (u < table[k + 2])
    for q in range(n):
        i, j = pending[q] // m, pending[q] % m
        S[i, j] = 1.0 if uniform_at(seed, pending[q]) < _p_on_z((G[i, j] - bias[j]) / T) else 0.0


@njit
def flip_bits(V: np.ndarray, seed: np.uint64, rate: float) -> None:
    """V = 1 - V where uniform_at(seed, i) < rate (the presented bits flipped by noise)."""
    m = V.shape[1]
    for i in range(V.shape[0]):
        for j in range(m):
            if uniform_at(seed, i * m + j) < rate:
                V[i, j] = 1.0 - V[i, j]


@intrinsic
def _popcount(typingctx, x):
    """The number of set bits of a uint64 (LLVM's ctpop: one instruction)."""
    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])
    return types.uint64(types.uint64), codegen


@njit
def pack_columns(X: np.ndarray, out: np.ndarray) -> None:
    """out[k] = column k of the 0/1 rows X as bits: bit i of word i // 64 is X[i, k] != 0."""
    out[:] = 0
    for i in range(X.shape[0]):
        w = i >> 6
        bit = np.uint64(1) << np.uint64(i & 63)
        for k in range(X.shape[1]):
            out[k, w] |= bit * np.uint64(X[i, k] != 0)


@njit
def bit_statistics(h1: np.ndarray, v1: np.ndarray, h2: np.ndarray, v2: np.ndarray, D: np.ndarray) -> None:
    """D = S1 - S2 summed over the batch, from bit-packed columns (`pack_columns`): for binary units
    (h1^T v1)_jk counts the rows where h_j and v_k are both on, the popcount of h1[j] AND v1[k],
    64 rows at a time and exactly the product's integer."""
    for j in range(D.shape[0]):
        for k in range(D.shape[1]):
            acc = 0
            for w in range(h1.shape[1]):
                acc += _popcount(h1[j, w] & v1[k, w]) - _popcount(h2[j, w] & v2[k, w])
            D[j, k] = acc


@njit
def cd_apply(W: np.ndarray, b: np.ndarray, c: np.ndarray, D: np.ndarray, V: np.ndarray, H: np.ndarray, n: int,
             kappa: float, gamma: float) -> None:
    """W += kappa D / n, b -= gamma (mean v1 - mean v2), c -= gamma mean H over the 2n rows of V = [v1; v2]
    and H = [h1; -h2]; D = H^T V = S1 - S2 summed over the batch."""
    sw = kappa / n
    sb = gamma / n
    for j in range(W.shape[0]):
        for k in range(W.shape[1]):
            W[j, k] += sw * D[j, k]
    for i in range(n):
        for k in range(V.shape[1]):
            b[k] -= sb * (V[i, k] - V[n + i, k])
    for i in range(2 * n):
        for j in range(H.shape[1]):
            c[j] -= sb * H[i, j]


@njit
def hidden_readout(G: np.ndarray, c: np.ndarray, T: float, PH: np.ndarray) -> float:
    """PH = P(h = 1 | v) for the gaps G - c (rows v), and the sum over rows and hidden units of
    T log(1 + exp((G - c) / T)), the hidden part of -F(v) (see `energy.free_energy`)."""
    total = 0.0
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            z = (G[i, j] - c[j]) / T
            e = np.exp(-abs(z))
            PH[i, j] = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
            total += max(z, 0.0) + np.log1p(e)
    return T * total


@njit
def recon_squares(R: np.ndarray, b: np.ndarray, T: float, V: np.ndarray) -> float:
    """Sum over rows and visible units of (v - P(v = 1 | h))^2 for the gaps R - b."""
    total = 0.0
    for i in range(R.shape[0]):
        for j in range(R.shape[1]):
            d = V[i, j] - _p_on_z((R[i, j] - b[j]) / T)
            total += d * d
    return total


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile (or load from the cache) the RBM kernels, reporting (done, total, name)."""
    steps = [("gibbs_counts", lambda: gibbs_counts(np.zeros((2, 3)), np.zeros(3), np.zeros(2), 1.0, np.zeros(3),
                                                   np.zeros(2), np.zeros((2, 2)), np.zeros((2, 3)),
                                                   np.zeros((8, 4), np.int64)))]
    seed = np.uint64(1)
    bits = np.zeros((3, 1), np.uint64)
    z2, z1 = np.zeros((2, 3)), np.zeros(3)
    steps += [("fill_uniform", lambda: fill_uniform(seed, z2)),
              ("hidden_readout", lambda: hidden_readout(z2, z1, 1.0, z2)),
              ("recon_squares", lambda: recon_squares(z2, z1, 1.0, z2))]
    for dtype in (np.float64, np.float32):
        a, v, T = np.zeros((2, 3), dtype), np.zeros(3, dtype), dtype(1.0)
        pending = np.zeros(6, np.int64)
        steps += [(f"draw_layer {dtype.__name__}", lambda a=a, v=v, T=T: draw_layer(a, v, T, seed, a, a)),
                  (f"draw_layer_fast {dtype.__name__}",
                   lambda a=a, v=v, T=T, p=pending: draw_layer_fast(a, v, T, seed, a, SIGMOID_TABLE.astype(a.dtype),
                                                                    p)),
                  (f"flip_bits {dtype.__name__}", lambda a=a: flip_bits(a, seed, 0.5)),
                  (f"cd_apply {dtype.__name__}",
                   lambda a=a, v=v: cd_apply(np.zeros((3, 3), a.dtype), v, v, np.zeros((3, 3), a.dtype), a, a, 1,
                                             1.0, 1.0)),
                  (f"pack_columns {dtype.__name__}", lambda a=a: pack_columns(a, bits)),
                  (f"bit_statistics {dtype.__name__}", lambda a=a: bit_statistics(bits, bits, bits, bits,
                                                                                 np.zeros((3, 3), a.dtype)))]
    for i, (name, compile_one) in enumerate(steps):
        if progress:
            progress(i, len(steps), name)
        compile_one()
    if progress:
        progress(len(steps), len(steps), "ready")
