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
from nnlab.core.warmup import compile_steps
from nnlab.core.rbm.energy import p_on


BITS = np.array([0.0, 1.0])
"""A unit's state by index: written as BITS[on], a draw compiles without a branch (a branch on a
fair coin is mispredicted half the time)."""


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
            h[j] = BITS[np.int64(u_h[s, j] < _p_on_z(gap / T))]
            hi = 2 * hi + int(h[j])
        vi = 0
        for k in range(n_v):
            gap = -b[k]
            for j in range(n_h):
                gap += W[j, k] * h[j]
            v[k] = BITS[np.int64(u_v[s, k] < _p_on_z(gap / T))]
            vi = 2 * vi + int(v[k])
        counts[vi, hi] += 1


SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
TABLE_RES = 64.0
"""Grid points per unit of dE / T in the table of P(on)."""
TABLE_ZMAX = 16.0
SIGMOID_TABLE = np.concatenate(([0.0], p_on(np.arange(-TABLE_ZMAX * TABLE_RES, TABLE_ZMAX * TABLE_RES + 1)
                                            / TABLE_RES, 1.0), [1.0]))
"""P(on) at z = -16, -16 + 1/64, ..., 16 (the formula of `energy.p_on`), between 0 and 1 as sentinels."""


@njit
def _mix(seed: np.uint64, i: int) -> np.uint64:
    """The i-th 64-bit output of the SplitMix64 stream from seed (Steele, Lea & Flood 2014)."""
    z = seed + np.uint64(i + 1) * SPLITMIX_GAMMA
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit
def uniform_at(seed: np.uint64, i: int) -> float:
    """The i-th number of the SplitMix64 stream from seed, as a double in [0, 1) with numpy's 53-bit
    mapping. Counter-based: any element can be drawn alone, and loops over it fuse."""
    return np.float64(_mix(seed, i) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


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
            S[i, j] = BITS[np.int64(uniform_at(seed, i * m + j) < p)]


THRESHOLDS = np.minimum(np.ceil(SIGMOID_TABLE * 2.0 ** 53).astype(np.int64) >> 21, 2 ** 32 - 1).astype(np.uint32)
"""`SIGMOID_TABLE` on the top 32 of the 53 bits of `uniform_at` (8 kB, so it stays in the first-level
cache): with t = THRESHOLDS[k] and u32 those bits of u, u32 < t means u < SIGMOID_TABLE[k] and
u32 > t means u >= SIGMOID_TABLE[k] (scaling by 2^53 is exact; t is rounded down)."""


@njit
def draw_layer_fast(G: np.ndarray, bias: np.ndarray, T: float, seed: np.uint64, S: np.ndarray,
                    thresholds: np.ndarray, pending: np.ndarray) -> None:
    """S as `draw_layer` draws it, without P. P is monotone, so for the grid points z_k <= z < z_k+1 of
    `SIGMOID_TABLE`, u < P(z_k-1) means on and u >= P(z_k+2) off (one cell of margin each side absorbs
    the rounding of z * 64 / T), compared on 32 bits (`THRESHOLDS`); only the u in between (about 1 in
    200, and the gaps beyond the table) compute P(z) itself, in a last pass over the indices kept in
    `pending` (at least S.size long). Row by row, the cells and the uniforms are computed in loops of
    their own, which the compiler turns into vector instructions. Below T = 64 / 1.8e308 the cells' scale
    64 / T overflows (and 0 times it is NaN), so every unit computes P(z) itself, the step of T -> 0."""
    m = G.shape[1]
    top = thresholds.shape[0] - 3.0
    scale = TABLE_RES / T
    if not scale < np.inf:
        for i in range(G.shape[0]):
            for j in range(m):
                S[i, j] = BITS[np.int64(uniform_at(seed, i * m + j) < _p_on_z((G[i, j] - bias[j]) / T))]
        return
    offset = TABLE_ZMAX * TABLE_RES + 1.0
    cells = np.empty(m, np.int64)
    bits = np.empty(m, np.int64)
    n = 0
    for i in range(G.shape[0]):
        for j in range(m):
            x = (G[i, j] - bias[j]) * scale + offset
            x = x if x > 1.0 else 1.0
            cells[j] = np.int32(x if x < top else top)
        base = seed + np.uint64(i * m + 1) * SPLITMIX_GAMMA
        for j in range(m):
            z = base + np.uint64(j) * SPLITMIX_GAMMA
            z = (z ^ (z >> np.uint64(30))) * _M1
            z = (z ^ (z >> np.uint64(27))) * _M2
            bits[j] = np.int64((z ^ (z >> np.uint64(31))) >> np.uint64(32))
        for j in range(m):
            u = bits[j]
            k = np.uint64(cells[j])
            lo = np.int64(thresholds[k - np.uint64(1)])
            S[i, j] = BITS[np.uint64(u - lo) >> np.uint64(63)]
            pending[n] = i * m + j
            n += np.int64(u >= lo) & np.int64(u <= np.int64(thresholds[k + np.uint64(2)]))
    for q in range(n):
        i, j = pending[q] // m, pending[q] % m
        S[i, j] = BITS[np.int64(uniform_at(seed, pending[q]) < _p_on_z((G[i, j] - bias[j]) / T))]


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
def pack_bits(X: np.ndarray, out: np.ndarray) -> None:
    """out[w, k] = rows 64 w to 64 w + 63 of column k of the 0/1 rows X as bits (bit i % 64 is X[i, k] != 0)."""
    out[:] = 0
    for i in range(X.shape[0]):
        w = i >> 6
        bit = np.uint64(i & 63)
        for k in range(X.shape[1]):
            out[w, k] |= np.uint64(X[i, k] != 0) << bit


@njit
def bit_statistics(h1: np.ndarray, v1: np.ndarray, h2: np.ndarray, v2: np.ndarray, D: np.ndarray,
                   acc: np.ndarray) -> None:
    """D = S1 - S2 summed over the batch, from bit-packed layers (`pack_bits`): for binary units
    (h1^T v1)_jk counts the rows where h_j and v_k are both on, the popcount of h1[:, j] AND v1[:, k],
    64 rows at a time and exactly the product's integer. acc: n_v integers of work space."""
    for j in range(D.shape[0]):
        acc[:] = 0
        for w in range(h1.shape[0]):
            a1 = h1[w, j]
            a2 = h2[w, j]
            for k in range(D.shape[1]):
                acc[k] += np.int64(_popcount(a1 & v1[w, k])) - np.int64(_popcount(a2 & v2[w, k]))
        for k in range(D.shape[1]):
            D[j, k] = acc[k]


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
def cd_update(W: np.ndarray, b: np.ndarray, c: np.ndarray, V: np.ndarray, H: np.ndarray, n: int, kappa: float,
              gamma: float, bits: tuple, acc: np.ndarray, D: np.ndarray) -> None:
    """The update of a batch of n rows, V = [v1; v2], H = [h1; -h2]: D = S1 - S2 counted on bits
    (`pack_bits` into the four arrays of `bits`, then `bit_statistics`), then `cd_apply`."""
    h1b, v1b, h2b, v2b = bits
    pack_bits(H[:n], h1b)
    pack_bits(V[:n], v1b)
    pack_bits(H[n:2 * n], h2b)
    pack_bits(V[n:2 * n], v2b)
    bit_statistics(h1b, v1b, h2b, v2b, D, acc)
    cd_apply(W, b, c, D, V[:2 * n], H[:2 * n], n, kappa, gamma)


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile (or load from the cache) the RBM kernels, reporting (done, total, name)."""
    steps = [("gibbs_counts", lambda: gibbs_counts(np.zeros((2, 3)), np.zeros(3), np.zeros(2), 1.0, np.zeros(3),
                                                   np.zeros(2), np.zeros((2, 2)), np.zeros((2, 3)),
                                                   np.zeros((8, 4), np.int64)))]
    seed = np.uint64(1)
    bits = tuple(np.zeros((1, 3), np.uint64) for _ in range(4))
    z2 = np.zeros((2, 3))
    steps += [("fill_uniform", lambda: fill_uniform(seed, z2))]
    for dtype in (np.float64, np.float32):
        a, v, T = np.zeros((2, 3), dtype), np.zeros(3, dtype), dtype(1.0)
        pending = np.zeros(6, np.int64)
        steps += [(f"draw_layer {dtype.__name__}", lambda a=a, v=v, T=T: draw_layer(a, v, T, seed, a, a)),
                  (f"draw_layer_fast {dtype.__name__}",
                   lambda a=a, v=v, T=T, p=pending: draw_layer_fast(a, v, T, seed, a, THRESHOLDS, p)),
                  (f"flip_bits {dtype.__name__}", lambda a=a: flip_bits(a, seed, 0.5)),
                  (f"cd_update {dtype.__name__}",
                   lambda a=a, v=v: cd_update(np.zeros((3, 3), a.dtype), v, v, np.zeros((2, 3), a.dtype),
                                              np.zeros((2, 3), a.dtype), 1, 1.0, 1.0, bits,
                                              np.zeros(3, np.int64), np.zeros((3, 3), a.dtype)))]
    compile_steps(steps, progress)
