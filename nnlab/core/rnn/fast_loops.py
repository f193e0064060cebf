"""Every batch of an epoch in one numba call: the small (course-size) path of the fused RNN epoch.

The same numbers as `kernels.forward` / `kernels.backward` plus `seq_model.RNNModel._loss` and `_update`
(up to float rounding: sums run in another order), arranged so no Python runs between batches or steps:

    forward    a_t = b + x_t U^T + h_{t-1} W^T      row by row, W^T and U^T stored transposed, so the inner
                                                   loop runs along a contiguous row of G H
               rnn:  h_t = sigma(a_t)              lstm: f, i, o = logistic, g = tanh; c_t = f c_{t-1} + i g,
                                                         h_t = o tanh(c_t)
               zo_t = V h_t + c, y_t = out(zo_t);  E = (1/B) sum alpha_t C(y_t, t_t); dzo_t = alpha_t dC/dzo / B
    backward   dh = V^T dzo_t + dh_next;  da_t from the cell's local derivatives;  dh_next = W^T da_t
               (truncation p: dh_next, dc_next <- 0 where t is a multiple of p)
    gradients  after the time loop, over all T B rows:
               gW = sum_t da_t^T h_{t-1},  gU = sum_t da_t^T x_t,  gb = sum_t da_t,
               gV = sum_t dzo_t^T h_t,     gc = sum_t dzo_t
    update     g <- g clip/|g| when |g| > clip; the backprop lab's optimiser (`optimiser_step`)

The logistic and tanh are `fast_math`'s float64 versions in both precisions.
"""

from __future__ import annotations

import numpy as np

from nnlab.core._jit import njit
from nnlab.core.backprop.kernels import optimiser_step
from nnlab.core.rnn.fast_math import logistic64, tanh64
from nnlab.core.rnn.fast_steps import output_loss

__all__ = ["fwd_bwd", "run_batches", "warmup"]

FM = {"reassoc", "contract", "nsz", "arcp"}


@njit(fastmath=FM)
def fwd_bwd(cell: int, act: int, out: int, trunc: int, Bn: int, xs: np.ndarray, tg: np.ndarray, al: np.ndarray,
            hs: np.ndarray, cs: np.ndarray, tc: np.ndarray, pre: np.ndarray, gates: np.ndarray, zo: np.ndarray,
            ys: np.ndarray, dzo: np.ndarray, da: np.ndarray, dh_next: np.ndarray, dc_next: np.ndarray,
            dh: np.ndarray, Wh: np.ndarray, WhT: np.ndarray, UxT: np.ndarray, bias: np.ndarray, V: np.ndarray,
            c: np.ndarray) -> float:
    """Forward pass, loss and BPTT of the sequences in xs (T, b, X) (b of a batch of Bn), hs[0] = 0 on entry.
    tg (T, b, Y) and al (T, b) float64. Fills hs, cs, tc = tanh(c) (LSTM), pre, gates, zo, ys, dzo and
    da (T, b, G H); returns sum_t sum_b alpha C (float64, not yet divided by Bn)."""
    T, B, X = xs.shape
    H = hs.shape[2]
    GH = bias.shape[0]
    Y = V.shape[0]
    for t in range(T):
        for b in range(B):
            row = pre[t, b]
            hp = hs[t, b]
            for j in range(GH):
                row[j] = bias[j]
            for k in range(X):
                v = xs[t, b, k]
                for j in range(GH):
                    row[j] += v * UxT[k, j]
            for k in range(H):
                v = hp[k]
                for j in range(GH):
                    row[j] += v * WhT[k, j]
            g = gates[t, b]
            hn = hs[t + 1, b]
            if cell == 0:
                for k in range(H):
                    s = row[k]
                    if act == 0:
                        y = tanh64(s)
                    elif act == 1:
                        y = logistic64(s)
                    elif act == 2:
                        y = s if s > 0.0 else 0.0
                    else:
                        y = s
                    g[k] = y
                    hn[k] = g[k]
            else:
                for k in range(H):
                    g[k] = logistic64(row[k])
                    g[H + k] = logistic64(row[H + k])
                    g[2 * H + k] = tanh64(row[2 * H + k])
                    g[3 * H + k] = logistic64(row[3 * H + k])
                for k in range(H):
                    cs[t + 1, b, k] = g[k] * cs[t, b, k] + g[H + k] * g[2 * H + k]
                    tc[t, b, k] = tanh64(cs[t + 1, b, k])
                    hn[k] = g[3 * H + k] * tc[t, b, k]
            for q in range(Y):
                acc = 0.0
                for k in range(H):
                    acc += V[q, k] * hn[k]
                zo[t, b, q] = acc
    loss = output_loss(out, Bn, zo, c, tg, al, ys, dzo)
    for b in range(B):
        for k in range(H):
            dh_next[b, k] = 0.0
            dc_next[b, k] = 0.0
    for t in range(T - 1, -1, -1):
        for b in range(B):
            for k in range(H):
                dh[k] = dh_next[b, k]
            for q in range(Y):
                e = dzo[t, b, q]
                for k in range(H):
                    dh[k] += V[q, k] * e
            d = da[t, b]
            g = gates[t, b]
            if cell == 0:
                for k in range(H):
                    y = g[k]
                    if act == 0:
                        sl = 1.0 - y * y
                    elif act == 1:
                        sl = y * (1.0 - y)
                    elif act == 2:
                        sl = 1.0 if pre[t, b, k] > 0.0 else 0.0
                    else:
                        sl = 1.0
                    d[k] = sl * dh[k]
            else:
                for k in range(H):
                    f, i, gg, o = g[k], g[H + k], g[2 * H + k], g[3 * H + k]
                    tk = tc[t, b, k]
                    dct = dc_next[b, k] + dh[k] * o * (1.0 - tk * tk)
                    d[k] = dct * cs[t, b, k] * f * (1.0 - f)
                    d[H + k] = dct * gg * i * (1.0 - i)
                    d[2 * H + k] = dct * i * (1.0 - gg * gg)
                    d[3 * H + k] = dh[k] * tk * o * (1.0 - o)
                    dc_next[b, k] = dct * f
            for k in range(H):
                dh[k] = 0.0
            for j in range(GH):
                e = d[j]
                for k in range(H):
                    dh[k] += e * Wh[j, k]
            cut = trunc > 0 and t % trunc == 0
            for k in range(H):
                dh_next[b, k] = 0.0 if cut else dh[k]
                if cut:
                    dc_next[b, k] = 0.0
    return loss


@njit(fastmath=FM)
def _weight_grads(xs: np.ndarray, hs: np.ndarray, da: np.ndarray, dzo: np.ndarray, gWh: np.ndarray,
                  gUx: np.ndarray, gb: np.ndarray, gV: np.ndarray, gc: np.ndarray) -> None:
    """gW += sum da_t^T h_{t-1}, gU += sum da_t^T x_t, gb += sum da_t, gV += sum dzo_t^T h_t, gc += sum dzo_t."""
    T, B, X = xs.shape
    H = hs.shape[2]
    GH = gb.shape[0]
    Y = gc.shape[0]
    for t in range(T):
        for b in range(B):
            for j in range(GH):
                e = da[t, b, j]
                gb[j] += e
                for k in range(X):
                    gUx[j, k] += e * xs[t, b, k]
                if gWh.shape[0] > 0:
                    for k in range(H):
                        gWh[j, k] += e * hs[t, b, k]
            for q in range(Y):
                e = dzo[t, b, q]
                gc[q] += e
                for k in range(H):
                    gV[q, k] += e * hs[t + 1, b, k]


@njit
def run_batches(cell: int, act: int, out: int, trunc: int, clip: float, opt: int, convex: bool, lr: float,
                beta1: float, beta2: float, delta: float, updates: int, theta: np.ndarray, m: np.ndarray,
                a: np.ndarray, x: np.ndarray, target: np.ndarray, alpha: np.ndarray, order: np.ndarray, Bs: int,
                first: int, stop: int, shape: np.ndarray, work: np.ndarray, Es: np.ndarray) -> int:
    """Batches first <= i < stop of an epoch (rows order[i Bs:(i+1) Bs]), each trained and applied to theta,
    m, a (float64) in place; the forward and backward pass in work's dtype (theta cast to it per batch).
    shape = (G H, H, X, Y). Es[i - first] gets each batch's E. Stops before a batch whose E is not
    finite; returns the batches done."""
    GH, H, X, Y = shape[0], shape[1], shape[2], shape[3]
    T = x.shape[1]
    nW = GH * H if cell != 3 else 0
    oU = nW
    ob = oU + GH * X
    oV = ob + GH
    oc = oV + Y * H
    P = theta.shape[0]
    dt = work.dtype
    N = order.shape[0]
    for i in range(first, stop):
        lo = i * Bs
        hi = min(lo + Bs, N)
        B = hi - lo
        xs = np.empty((T, B, X), dt)
        tg = np.empty((T, B, Y))
        al = np.empty((T, B))
        for b in range(B):
            r = order[lo + b]
            for t in range(T):
                al[t, b] = alpha[r, t]
                for k in range(X):
                    xs[t, b, k] = x[r, t, k]
                for q in range(Y):
                    tg[t, b, q] = target[r, t, q]
        wf = theta.astype(dt)
        Wh = wf[:nW].reshape(GH, H)
        WhT = np.ascontiguousarray(Wh.T)
        UxT = np.ascontiguousarray(wf[oU:ob].reshape(GH, X).T)
        hs = np.zeros((T + 1, B, H), dt)
        cs = np.zeros((T + 1, B, H), dt)
        tc = np.empty((T, B, H), dt)
        pre = np.empty((T, B, GH), dt)
        gates = np.empty((T, B, GH), dt)
        zo = np.empty((T, B, Y), dt)
        ys = np.empty((T, B, Y), dt)
        dzo = np.empty((T, B, Y), dt)
        da = np.empty((T, B, GH), dt)
        dhn = np.empty((B, H), dt)
        dcn = np.empty((B, H), dt)
        dh = np.empty(H, dt)
        loss = fwd_bwd(cell, act, out, trunc, B, xs, tg, al, hs, cs, tc, pre, gates, zo, ys, dzo, da, dhn, dcn, dh,
                       Wh, WhT, UxT, wf[ob:oV], wf[oV:oc].reshape(Y, H), wf[oc:])
        E = loss / B
        if not np.isfinite(E):
            return i - first
        Es[i - first] = E
        gw = np.zeros(P, dt)
        _weight_grads(xs, hs, da, dzo, gw[:nW].reshape(GH, H), gw[oU:ob].reshape(GH, X), gw[ob:oV],
                      gw[oV:oc].reshape(Y, H), gw[oc:])
        g = gw.astype(np.float64)
        norm = np.sqrt((g * g).sum())
        if clip > 0 and norm > clip:
            g *= clip / norm
        optimiser_step(opt, convex, theta, g, m, a, updates + i - first + 1, lr, beta1, beta2, delta)
    return stop - first


def warmup() -> None:
    """Compile `run_batches` (and through it every kernel here) for both cells, float64 and float32."""
    for dt in (np.float64, np.float32):
        for cell in (0, 1):
            G = 4 if cell == 1 else 1
            P = G * 1 + G + G + 1 + 1
            x = np.zeros((1, 2, 1))
            run_batches(cell, 0, 0, 0, 0.0, 0, False, 0.1, 0.9, 0.999, 1e-8, 0, np.zeros(P), np.zeros(P),
                        np.zeros(P), x, x.copy(), np.zeros((1, 2)), np.zeros(1, np.int64), 1, 0, 1,
                        np.array([G, 1, 1, 1]), np.zeros(1, dt), np.zeros(1))
