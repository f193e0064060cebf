"""One time step of the vanilla RNN's and the LSTM's BPTT around numpy's matrix products (lecture 21-22).

The recurrent products run on BLAS between these kernels (`fast_blas`); each kernel is the elementwise
rest of one step for every row b of a batch, in the arrays' precision (`fast_math`):

    forward   a_t = pre_t + r,  pre_t = x_t U^T + b (all t in one product), r = h_{t-1} W^T
              rnn:  h_t = sigma(a_t)                          (pre_t <- a_t, for ReLU's slope)
              lstm: f, i, o = logistic(a_f, a_i, a_o), g = tanh(a_g), c_t = f c_{t-1} + i g,
                    h_t = o tanh(c_t)
    loss      zo_t = h_t V^T + c (all t in one product), y_t = out(zo_t),
              E = (1/B) sum_t sum_b alpha_t C(y_t, t_t),  dzo_t = alpha_t dC/dzo / B
    backward  dh = dh_next + dzo_t V   (dh_next = da_{t+1} W by BLAS)
              rnn:  da_t = sigma'(a_t) dh
              lstm: dc = dc_next + dh o (1 - tanh^2 c_t),  da_f = dc c_{t-1} f (1 - f),
                    da_i = dc g i (1 - i),  da_g = dc i (1 - g^2),  da_o = dh tanh(c_t) o (1 - o),
                    dc_next = dc f  (0 where truncation cuts at t)
"""

from __future__ import annotations

import numpy as np

from nnlab.core._jit import njit
from nnlab.core.rnn.fast_math import logistic, logistic64, one, tanh, tanh64

__all__ = ["lstm_backward", "lstm_forward", "output_loss", "rnn_backward", "rnn_forward"]

FM = {"reassoc", "contract", "nsz", "arcp"}


@njit(fastmath=FM, error_model="numpy")
def lstm_forward(t: int, r: np.ndarray, pre: np.ndarray, hs: np.ndarray, cs: np.ndarray, tc: np.ndarray,
                 gates: np.ndarray) -> None:
    """Step t: gates[t] = (f, i, g, o), cs[t + 1] = c_t, tc[t] = tanh(c_t), hs[t + 1] = h_t, from pre[t] + r
    holding (a_f / 2, a_i / 2, a_g, a_o / 2): the caller halves the logistic gates' rows of W, U and b (exact
    in binary), so every gate starts as one tanh over the contiguous (B, 4 H) block and
    logistic(a) = (1 + tanh(a / 2)) / 2 follows row by row."""
    B, H = r.shape[0], hs.shape[2]
    g2, p2, r2 = gates[t].reshape(-1), pre[t].reshape(-1), r.reshape(-1)
    for k in range(g2.shape[0]):
        g2[k] = tanh(p2[k] + r2[k])
    u = one(g2[0])
    half = u / 2
    for b in range(B):
        g, cp, cn = gates[t, b], cs[t, b], cs[t + 1, b]
        for k in range(H):
            f = half + half * g[k]
            i = half + half * g[H + k]
            g[k] = f
            g[H + k] = i
            g[3 * H + k] = half + half * g[3 * H + k]
            cn[k] = f * cp[k] + i * g[2 * H + k]
    c2, t2 = cs[t + 1].reshape(-1), tc[t].reshape(-1)
    for k in range(c2.shape[0]):
        t2[k] = tanh(c2[k])
    for b in range(B):
        g, tt, hn = gates[t, b], tc[t, b], hs[t + 1, b]
        for k in range(H):
            hn[k] = g[3 * H + k] * tt[k]


@njit(fastmath=FM, error_model="numpy")
def rnn_forward(t: int, act: int, r: np.ndarray, pre: np.ndarray, hs: np.ndarray, gates: np.ndarray) -> None:
    """Step t: pre[t] <- a_t = pre[t] + r, gates[t] = hs[t + 1] = sigma(a_t) (act: tanh, logistic, relu,
    identity), over the contiguous (B, H) block."""
    a, r2, g, hn = pre[t].reshape(-1), r.reshape(-1), gates[t].reshape(-1), hs[t + 1].reshape(-1)
    n = a.shape[0]
    for k in range(n):
        a[k] = a[k] + r2[k]
    z = one(a[0]) - one(a[0])
    if act == 0:
        for k in range(n):
            g[k] = tanh(a[k])
    elif act == 1:
        for k in range(n):
            g[k] = logistic(a[k])
    elif act == 2:
        for k in range(n):
            g[k] = a[k] if a[k] > 0 else z
    else:
        for k in range(n):
            g[k] = a[k]
    for k in range(n):
        hn[k] = g[k]


@njit(fastmath=FM)
def output_loss(out: int, Bn: int, zo: np.ndarray, c: np.ndarray, tg: np.ndarray, al: np.ndarray, ys: np.ndarray,
                dzo: np.ndarray) -> float:
    """zo += c, ys = out(zo), dzo = alpha dC/dzo / Bn over (T, b, Y); returns sum alpha C (float64; out: identity,
    logistic, tanh with the squared error, softmax with the cross-entropy)."""
    T, B, Y = zo.shape
    loss = 0.0
    for t in range(T):
        for b in range(B):
            z = zo[t, b]
            for q in range(Y):
                z[q] += c[q]
            w = al[t, b] / Bn
            C = 0.0
            if out == 3:
                m = z[0]
                for q in range(1, Y):
                    m = max(m, z[q])
                s = 0.0
                for q in range(Y):
                    ys[t, b, q] = np.exp(z[q] - m)
                    s += ys[t, b, q]
                for q in range(Y):
                    ys[t, b, q] /= s
                m64 = np.float64(z[0])
                for q in range(1, Y):
                    m64 = max(m64, np.float64(z[q]))
                s64 = 0.0
                for q in range(Y):
                    s64 += np.exp(np.float64(z[q]) - m64)
                lse = m64 + np.log(s64)
                for q in range(Y):
                    C += tg[t, b, q] * (lse - np.float64(z[q]))
                    dzo[t, b, q] = (np.float64(ys[t, b, q]) - tg[t, b, q]) * w
            else:
                for q in range(Y):
                    zq = z[q]
                    ys[t, b, q] = zq if out == 0 else (logistic64(zq) if out == 1 else tanh64(zq))
                    y = np.float64(ys[t, b, q])
                    e = y - tg[t, b, q]
                    C += e * e
                    d = 2.0 * e
                    if out == 1:
                        d = d * y * (1.0 - y)
                    elif out == 2:
                        d = d * (1.0 - y * y)
                    dzo[t, b, q] = d * w
            loss += al[t, b] * C
    return loss


@njit(fastmath=FM, error_model="numpy")
def lstm_backward(t: int, cut: bool, dzo: np.ndarray, V: np.ndarray, dhn: np.ndarray, dcn: np.ndarray,
                  gates: np.ndarray, cs: np.ndarray, tc: np.ndarray, da: np.ndarray) -> None:
    """Step t: da[t] from dh = dhn + dzo[t] V (left in dhn) and dcn; dcn <- dc f (0 when cut). Loops of at
    most four arrays, as in `lstm_forward`."""
    B, H = dhn.shape
    Y = V.shape[0]
    for b in range(B):
        g, d, dh, dc, cp, tt = gates[t, b], da[t, b], dhn[b], dcn[b], cs[t, b], tc[t, b]
        u = one(dh[0])
        for q in range(Y):
            e, v = dzo[t, b, q], V[q]
            for k in range(H):
                dh[k] += v[k] * e
        for k in range(H):
            dc[k] += dh[k] * g[3 * H + k] * (u - tt[k] * tt[k])
        for k in range(H):
            d[k] = dc[k] * cp[k] * g[k] * (u - g[k])
        for k in range(H):
            d[H + k] = dc[k] * g[2 * H + k] * g[H + k] * (u - g[H + k])
        for k in range(H):
            d[2 * H + k] = dc[k] * g[H + k] * (u - g[2 * H + k] * g[2 * H + k])
        for k in range(H):
            d[3 * H + k] = dh[k] * tt[k] * g[3 * H + k] * (u - g[3 * H + k])
        for k in range(H):
            dc[k] *= g[k]
        if cut:
            dc[:] = 0


@njit(fastmath=FM, error_model="numpy")
def rnn_backward(t: int, act: int, dzo: np.ndarray, V: np.ndarray, dhn: np.ndarray, gates: np.ndarray,
                 pre: np.ndarray, da: np.ndarray) -> None:
    """Step t: da[t] = sigma'(a_t) dh, dh = dhn + dzo[t] V (left in dhn), the slope from h_t = gates[t] (from
    a_t for ReLU)."""
    B, H = dhn.shape
    Y = V.shape[0]
    for b in range(B):
        y, d, dh, a = gates[t, b], da[t, b], dhn[b], pre[t, b]
        u = one(y[0])
        for q in range(Y):
            e, v = dzo[t, b, q], V[q]
            for k in range(H):
                dh[k] += v[k] * e
        if act == 0:
            for k in range(H):
                d[k] = (u - y[k] * y[k]) * dh[k]
        elif act == 1:
            for k in range(H):
                d[k] = y[k] * (u - y[k]) * dh[k]
        elif act == 2:
            for k in range(H):
                d[k] = dh[k] * (u if a[k] > 0 else u - u)
        else:
            for k in range(H):
                d[k] = dh[k]
