"""Numba kernels of the RNN lab: the forward pass and BPTT of four cells over a range of time steps.

Column convention of lectures 21-22 (catalogue-000 sections 19-20), batched: row b of every (B, .)
array is one sequence. Time-major arrays: xs (T, B, X), hs and cs (T+1, B, H) with hs[0] = h_0,
gates (T, B, G H) post-activation, in the order of `GATES`; Wh (G H, H), Ux (G H, X), bias (G H).

    rnn     s_t = U x_t + W h_{t-1} + b            h_t = sigma(s_t)                (G = 1: gates = h)
    lstm    a = Wh h_{t-1} + Ux x_t + b  ->  f, i, o = logistic(a_f, a_i, a_o), g = tanh(a_g)
            c_t = f c_{t-1} + i g                  h_t = o tanh(c_t)               (X_t = (h_{t-1}, x_t))
    gru     r, z = logistic(W_r h + U_r x + b_r, W_z h + U_z x + b_z)
            reset_before: n = tanh(W_n (r h_{t-1}) + U_n x + b_n)                  (notes, cheat sheet, Cho v3)
            reset_after:  n = tanh(U_n x + b_n + r (W_n h_{t-1} + b_hn))           (PyTorch, Cho v1)
            h_t = (1 - z) n + z h_{t-1}                                            (z ~ 1 keeps the old state)
    mingru  z = logistic(U_z x + b_z), n = U_n x + b_n (gates from x only)
            h_t = (1 - z) h_{t-1} + z n                                            (z ~ 1 takes the new state)
    output  zo_t = V h_t + c                       y_t = out(zo_t)

BPTT walks t from the end: dh = V^T dzo_t + dh_next (the lecture's recursion, dzo = alpha_t dC/dzo),
then each cell's local derivatives, the gradients accumulated into gWh, gUx, gb (and gV, gc), and
dh_next = dE/dh_{t-1} (and dc_next for the LSTM). Truncation p > 0 cuts dh_next (and dc_next) at
every t that is a multiple of p: the error flows back inside chunks of p steps, as
`h.detach()` every p steps in PyTorch. Every kernel runs as plain Python too (NUMBA_DISABLE_JIT=1).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.core._jit import njit
from nnlab.core.rnn.params import ACTIVATIONS, CELLS, GATES, OUTPUTS

__all__ = ["ACTIVATIONS", "CELLS", "GATES", "OUTPUTS", "backward", "forward", "scan", "warmup"]



@njit
def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


@njit
def _act(code: int, x: float) -> float:
    if code == 0:
        return np.tanh(x)
    if code == 1:
        return _sigmoid(x)
    if code == 2:
        return x if x > 0.0 else 0.0
    return x


@njit
def _slope(code: int, s: float, h: float) -> float:
    """f'(s) from s and h = f(s) (ReLU's slope at 0 is 0)."""
    if code == 0:
        return 1.0 - h * h
    if code == 1:
        return h * (1.0 - h)
    if code == 2:
        return 1.0 if s > 0.0 else 0.0
    return 1.0


@njit(fastmath={"reassoc", "contract"})
def _affine(out: np.ndarray, Wh: np.ndarray, h: np.ndarray, Ux: np.ndarray, x: np.ndarray, bias: np.ndarray,
            rows: int) -> None:
    """out[b, j] = bias[j] + sum_k Ux[j, k] x[b, k] (+ sum_k Wh[j, k] h[b, k] for j < rows)."""
    B = out.shape[0]
    n, X = Ux.shape
    H = h.shape[1]
    for b in range(B):
        for j in range(n):
            acc = bias[j]
            for k in range(X):
                acc += Ux[j, k] * x[b, k]
            if j < rows:
                for k in range(H):
                    acc += Wh[j, k] * h[b, k]
            out[b, j] = acc


@njit(fastmath={"reassoc", "contract"})
def _output(zo: np.ndarray, y: np.ndarray, V: np.ndarray, h: np.ndarray, c: np.ndarray, out: int) -> None:
    """zo = V h + c and y = out(zo) for every row (softmax over a row, shifted by its maximum)."""
    B, Y = zo.shape
    H = h.shape[1]
    for b in range(B):
        for q in range(Y):
            acc = c[q]
            for k in range(H):
                acc += V[q, k] * h[b, k]
            zo[b, q] = acc
        if out == 3:
            m = zo[b, 0]
            for q in range(1, Y):
                m = max(m, zo[b, q])
            s = 0.0
            for q in range(Y):
                y[b, q] = np.exp(zo[b, q] - m)
                s += y[b, q]
            for q in range(Y):
                y[b, q] /= s
        else:
            for q in range(Y):
                y[b, q] = zo[b, q] if out == 0 else (_sigmoid(zo[b, q]) if out == 1 else np.tanh(zo[b, q]))


@njit(fastmath={"reassoc", "contract"})
def forward(cell: int, after: bool, act: int, out: int, t0: int, t1: int, xs: np.ndarray, hs: np.ndarray,
            cs: np.ndarray, pre: np.ndarray, gates: np.ndarray, aux: np.ndarray, zo: np.ndarray, ys: np.ndarray,
            Wh: np.ndarray, Ux: np.ndarray, bias: np.ndarray, bhn: np.ndarray, V: np.ndarray,
            c: np.ndarray) -> None:
    """Time steps t0 <= t < t1 of the forward pass: hs[t+1], cs[t+1], pre[t] (pre-activations of every
    block), gates[t], aux[t] (the GRU's W_n h_{t-1} + b_hn, reset_after) and the outputs zo[t], ys[t].

    cell: index in CELLS; after: the GRU's reset_after form; act: index in ACTIVATIONS (rnn); out:
    index in OUTPUTS. Arrays float64 or float32, all of one dtype."""
    B = xs.shape[1]
    H = hs.shape[2]
    for t in range(t0, t1):
        h0, h1, a, g = hs[t], hs[t + 1], pre[t], gates[t]
        if cell == 0:
            _affine(a, Wh, h0, Ux, xs[t], bias, H)
            for b in range(B):
                for k in range(H):
                    g[b, k] = _act(act, a[b, k])
                    h1[b, k] = g[b, k]
        elif cell == 1:
            _affine(a, Wh, h0, Ux, xs[t], bias, 4 * H)
            c0, c1 = cs[t], cs[t + 1]
            for b in range(B):
                for k in range(H):
                    f = _sigmoid(a[b, k])
                    i = _sigmoid(a[b, H + k])
                    gg = np.tanh(a[b, 2 * H + k])
                    o = _sigmoid(a[b, 3 * H + k])
                    g[b, k], g[b, H + k], g[b, 2 * H + k], g[b, 3 * H + k] = f, i, gg, o
                    c1[b, k] = f * c0[b, k] + i * gg
                    h1[b, k] = o * np.tanh(c1[b, k])
        elif cell == 2:
            _affine(a, Wh, h0, Ux, xs[t], bias, 2 * H)
            hn = aux[t]
            for b in range(B):
                for k in range(H):
                    g[b, k] = _sigmoid(a[b, k])
                    g[b, H + k] = _sigmoid(a[b, H + k])
            Wn = Wh[2 * H:]
            for b in range(B):
                for j in range(H):
                    rec = bhn[j] if after else 0.0
                    for k in range(H):
                        rec += Wn[j, k] * (h0[b, k] if after else g[b, k] * h0[b, k])
                    hn[b, j] = rec
                    inner = a[b, 2 * H + j] + (g[b, j] * rec if after else rec)
                    a[b, 2 * H + j] = inner
                    n = np.tanh(inner)
                    g[b, 2 * H + j] = n
                    z = g[b, H + j]
                    h1[b, j] = (1.0 - z) * n + z * h0[b, j]
        else:
            _affine(a, Wh, h0, Ux, xs[t], bias, 0)
            for b in range(B):
                for k in range(H):
                    z = _sigmoid(a[b, k])
                    n = a[b, H + k]
                    g[b, k], g[b, H + k] = z, n
                    h1[b, k] = (1.0 - z) * h0[b, k] + z * n
        _output(zo[t], ys[t], V, h1, c, out)


@njit(fastmath={"reassoc", "contract"})
def _accumulate(da: np.ndarray, h: np.ndarray, x: np.ndarray, gWh: np.ndarray, gUx: np.ndarray, gb: np.ndarray,
                rows: int) -> None:
    """gWh[:rows] += da[:, :rows]^T h, gUx += da^T x, gb += sum_b da (rows: the blocks that see h)."""
    B, n = da.shape
    H = h.shape[1]
    X = x.shape[1]
    for b in range(B):
        for j in range(n):
            d = da[b, j]
            if d == 0.0:
                continue
            gb[j] += d
            for k in range(X):
                gUx[j, k] += d * x[b, k]
            if j < rows:
                for k in range(H):
                    gWh[j, k] += d * h[b, k]


@njit(fastmath={"reassoc", "contract"})
def _back_through(dh_prev: np.ndarray, da: np.ndarray, Wh: np.ndarray, rows: int) -> None:
    """dh_prev[b] += Wh[:rows]^T da[b, :rows]."""
    B = da.shape[0]
    H = Wh.shape[1]
    for b in range(B):
        for j in range(rows):
            d = da[b, j]
            if d == 0.0:
                continue
            for k in range(H):
                dh_prev[b, k] += d * Wh[j, k]


@njit(fastmath={"reassoc", "contract"})
def backward(cell: int, after: bool, act: int, trunc: int, t1: int, t0: int, xs: np.ndarray, hs: np.ndarray,
             cs: np.ndarray, pre: np.ndarray, gates: np.ndarray, aux: np.ndarray, dzo: np.ndarray, Wh: np.ndarray,
             V: np.ndarray, dh_next: np.ndarray, dc_next: np.ndarray, dhs: np.ndarray, dcs: np.ndarray,
             da: np.ndarray, gWh: np.ndarray, gUx: np.ndarray, gb: np.ndarray, gbhn: np.ndarray, gV: np.ndarray,
             gc: np.ndarray) -> None:
    """BPTT over time steps t1 > t >= t0 (t1 - 1 first). On entry dh_next (B, H) holds dE/dh_t carried
    from step t+1 (and dc_next dE/dc_t for the LSTM); on exit, the same for t0 - 1. dhs[t] gets the total
    dE/dh_t, dcs[t] dE/dc_t (LSTM), da[t] (T, B, G H) dE/d(pre-activation) of every block (for the GRU's
    n block: of the tanh's argument). dzo (T, B, Y): alpha_t dC/dzo_t already divided by the batch size."""
    B = xs.shape[1]
    H = hs.shape[2]
    Y = V.shape[0]
    for t in range(t1 - 1, t0 - 1, -1):
        h0, g, d, dh = hs[t], gates[t], da[t], dhs[t]
        for q in range(Y):
            for b in range(B):
                gc[q] += dzo[t, b, q]
        for b in range(B):
            for k in range(H):
                acc = dh_next[b, k]
                for q in range(Y):
                    acc += V[q, k] * dzo[t, b, q]
                dh[b, k] = acc
            for q in range(Y):
                e = dzo[t, b, q]
                for k in range(H):
                    gV[q, k] += e * hs[t + 1, b, k]
        for b in range(B):
            for k in range(H):
                dh_next[b, k] = 0.0
        if cell == 0:
            for b in range(B):
                for k in range(H):
                    d[b, k] = _slope(act, pre[t, b, k], g[b, k]) * dh[b, k]
            _accumulate(d, h0, xs[t], gWh, gUx, gb, H)
            _back_through(dh_next, d, Wh, H)
        elif cell == 1:
            c0, c1, dc = cs[t], cs[t + 1], dcs[t]
            for b in range(B):
                for k in range(H):
                    f, i, gg, o = g[b, k], g[b, H + k], g[b, 2 * H + k], g[b, 3 * H + k]
                    tc = np.tanh(c1[b, k])
                    dct = dc_next[b, k] + dh[b, k] * o * (1.0 - tc * tc)
                    dc[b, k] = dct
                    d[b, k] = dct * c0[b, k] * f * (1.0 - f)
                    d[b, H + k] = dct * gg * i * (1.0 - i)
                    d[b, 2 * H + k] = dct * i * (1.0 - gg * gg)
                    d[b, 3 * H + k] = dh[b, k] * tc * o * (1.0 - o)
                    dc_next[b, k] = dct * f
            _accumulate(d, h0, xs[t], gWh, gUx, gb, 4 * H)
            _back_through(dh_next, d, Wh, 4 * H)
        elif cell == 2:
            Wn = Wh[2 * H:]
            gWn = gWh[2 * H:]
            hn = aux[t]
            for b in range(B):
                for k in range(H):
                    r, z, n = g[b, k], g[b, H + k], g[b, 2 * H + k]
                    d[b, 2 * H + k] = dh[b, k] * (1.0 - z) * (1.0 - n * n)
                    d[b, H + k] = dh[b, k] * (h0[b, k] - n) * z * (1.0 - z)
                    dh_next[b, k] = dh[b, k] * z
                    if after:
                        d[b, k] = d[b, 2 * H + k] * hn[b, k] * r * (1.0 - r)
            for b in range(B):
                if after:
                    for j in range(H):
                        e = d[b, 2 * H + j] * g[b, j]
                        gbhn[j] += e
                        for k in range(H):
                            gWn[j, k] += e * h0[b, k]
                            dh_next[b, k] += e * Wn[j, k]
                else:
                    for k in range(H):
                        acc = 0.0
                        for j in range(H):
                            acc += d[b, 2 * H + j] * Wn[j, k]
                        r = g[b, k]
                        d[b, k] = acc * h0[b, k] * r * (1.0 - r)
                        dh_next[b, k] += acc * r
                    for j in range(H):
                        e = d[b, 2 * H + j]
                        for k in range(H):
                            gWn[j, k] += e * g[b, k] * h0[b, k]
            _accumulate(d, h0, xs[t], gWh, gUx, gb, 2 * H)
            _back_through(dh_next, d, Wh, 2 * H)
        else:
            for b in range(B):
                for k in range(H):
                    z, n = g[b, k], g[b, H + k]
                    d[b, k] = dh[b, k] * (n - h0[b, k]) * z * (1.0 - z)
                    d[b, H + k] = dh[b, k] * z
                    dh_next[b, k] = dh[b, k] * (1.0 - z)
            _accumulate(d, h0, xs[t], gWh, gUx, gb, 0)
        if trunc > 0 and t % trunc == 0:
            for b in range(B):
                for k in range(H):
                    dh_next[b, k] = 0.0
                    dc_next[b, k] = 0.0


@njit
def scan(a: np.ndarray, b: np.ndarray, h0: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The minGRU recurrence h_n = a_n h_{n-1} + b_n (a = 1 - z, b = z n; arrays (T, B, H)) by a
    Hillis-Steele inclusive scan with the operator (a, b) o (a', b') = (a a', a' b + b'): ceil(log2 T)
    rounds, each of which could run all T positions at once. `levels` (rounds + 1, T, B, H) receives B
    after every round. Returns hs (T+1, B, H) with hs[0] = h0: h_n = A_n h0 + B_n."""
    T, Bn, H = a.shape
    A = a.copy()
    Bc = b.copy()
    levels[0] = Bc
    step, r = 1, 0
    while step < T:
        A2 = A.copy()
        B2 = Bc.copy()
        for n in range(step, T):
            for q in range(Bn):
                for k in range(H):
                    A2[n, q, k] = A[n - step, q, k] * A[n, q, k]
                    B2[n, q, k] = A[n, q, k] * Bc[n - step, q, k] + Bc[n, q, k]
        A, Bc = A2, B2
        r += 1
        levels[r] = Bc
        step *= 2
    hs = np.empty((T + 1, Bn, H), a.dtype)
    hs[0] = h0
    for n in range(T):
        hs[n + 1] = A[n] * h0 + Bc[n]
    return hs


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile every kernel for float64 and float32 on a tiny sequence of every cell, and the fused epoch's
    (fast_epoch)."""
    jobs = [(cell, dt) for dt in (np.float64, np.float32) for cell in range(len(CELLS))]
    for done, (cell, dt) in enumerate(jobs):
        if progress:
            progress(done, len(jobs) + 1, f"rnn {CELLS[cell]} {np.dtype(dt).name}")
        _tiny(cell, dt)
    if progress:
        progress(len(jobs), len(jobs) + 1, "rnn scan")
    z = np.zeros((2, 1, 1))
    scan(z, z, np.zeros((1, 1)), np.zeros((2, 2, 1, 1)))
    from nnlab.core.rnn import fast_epoch

    fast_epoch.warmup()
    if progress:
        progress(len(jobs) + 1, len(jobs) + 1, "rnn")


def _tiny(cell: int, dt: type) -> None:
    G = len(GATES[CELLS[cell]])
    T, B, H, X, Y = 2, 1, 1, 1, 1
    e = lambda *s: np.zeros(s, dt)  # noqa: E731
    Wh = e(0 if cell == 3 else G * H, H)
    args = (e(T, B, X), e(T + 1, B, H), e(T + 1, B, H), e(T, B, G * H), e(T, B, G * H), e(T, B, H))
    forward(cell, False, 0, 0, 0, T, *args, e(T, B, Y), e(T, B, Y), Wh, e(G * H, X), e(G * H), e(H), e(Y, H), e(Y))
    backward(cell, False, 0, 0, T, 0, *args, e(T, B, Y), Wh, e(Y, H), e(B, H), e(B, H), e(T, B, H), e(T, B, H),
             e(T, B, G * H), e(*Wh.shape), e(G * H, X), e(G * H), e(H), e(Y, H), e(Y))
