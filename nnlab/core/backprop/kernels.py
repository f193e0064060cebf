"""Numba kernel that trains a multilayer perceptron over many mini-batches in one call.

The same computation as `ops.BatchPass` run operation by operation (lecture 9's algorithm with
the optimisers of `optimizers`), fused into one loop over batches so small networks do not pay
Python's cost per array operation. Batch normalisation and tied weights take the numpy path.
Random numbers (the epoch's order, the dropout draws) come from the model's Generator.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.core._jit import njit


@njit(fastmath={"reassoc", "contract"})
def _mm_bt(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a @ b.T (rows of a against rows of b)."""
    n, k = a.shape
    m = b.shape[0]
    for i in range(n):
        for j in range(m):
            acc = 0.0
            for q in range(k):
                acc += a[i, q] * b[j, q]
            out[i, j] = acc


@njit
def _mm_at(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a.T @ b (a sum of outer products of rows)."""
    n, m = a.shape
    k = b.shape[1]
    out[:, :] = 0.0
    for i in range(n):
        for j in range(m):
            d = a[i, j]
            if d != 0.0:
                for q in range(k):
                    out[j, q] += d * b[i, q]


@njit
def _mm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a @ b."""
    n, m = a.shape
    k = b.shape[1]
    out[:, :] = 0.0
    for i in range(n):
        for j in range(m):
            d = a[i, j]
            if d != 0.0:
                for q in range(k):
                    out[i, q] += d * b[j, q]


@njit
def _activate(code: int, u: np.ndarray, h: np.ndarray) -> None:
    rows, cols = u.shape
    if code == 4:
        for i in range(rows):
            m = u[i, 0]
            for j in range(1, cols):
                if u[i, j] > m:
                    m = u[i, j]
            s = 0.0
            for j in range(cols):
                h[i, j] = np.exp(u[i, j] - m)
                s += h[i, j]
            for j in range(cols):
                h[i, j] /= s
        return
    for i in range(rows):
        for j in range(cols):
            x = u[i, j]
            if code == 0:
                h[i, j] = x
            elif code == 1:
                if x >= 0:
                    h[i, j] = 1.0 / (1.0 + np.exp(-x))
                else:
                    e = np.exp(x)
                    h[i, j] = e / (1.0 + e)
            elif code == 2:
                h[i, j] = np.tanh(x)
            else:
                h[i, j] = x if x > 0 else 0.0


@njit
def _slope(code: int, u: float, h: float) -> float:
    if code == 0:
        return 1.0
    if code == 1:
        return h * (1.0 - h)
    if code == 2:
        return 1.0 - h * h
    return 1.0 if u > 0 else 0.0


@njit
def _loss_delta(loss: int, out: int, u: np.ndarray, y: np.ndarray, t: np.ndarray, scale: float,
                d: np.ndarray) -> float:
    """Writes dE/du of the output into d; returns the sum of the sample losses."""
    rows, cols = y.shape
    total = 0.0
    for i in range(rows):
        if loss == 0:
            gy = 0.0
            for j in range(cols):
                r = y[i, j] - t[i, j]
                total += r * r
            if out == 4:
                for j in range(cols):
                    gy += 2.0 * (y[i, j] - t[i, j]) * scale * y[i, j]
                for j in range(cols):
                    d[i, j] = y[i, j] * (2.0 * (y[i, j] - t[i, j]) * scale - gy)
            else:
                for j in range(cols):
                    d[i, j] = 2.0 * (y[i, j] - t[i, j]) * scale * _slope(out, u[i, j], y[i, j])
        elif loss == 1:
            for j in range(cols):
                x = u[i, j]
                total += (x if x > 0 else 0.0) + np.log1p(np.exp(-abs(x))) - t[i, j] * x
                d[i, j] = (y[i, j] - t[i, j]) * scale
        else:
            m = u[i, 0]
            for j in range(1, cols):
                if u[i, j] > m:
                    m = u[i, j]
            s = 0.0
            for j in range(cols):
                s += np.exp(u[i, j] - m)
            lse = m + np.log(s)
            for j in range(cols):
                total += t[i, j] * (lse - u[i, j])
                d[i, j] = (y[i, j] - t[i, j]) * scale
    return total


@njit
def optimiser_step(opt: int, convex: bool, theta: np.ndarray, g: np.ndarray, m: np.ndarray, a: np.ndarray, t: int,
                   lr: float, b1: float, b2: float, delta: float) -> None:
    """`optimizers.update` entry by entry inside a kernel (opt: index in OPTIMIZERS; t counts updates from 1);
    the RNN lab's fused epoch calls it too."""
    c1 = 1.0 - b1 ** t
    c2 = 1.0 - b2 ** t
    for i in range(theta.size):
        gi = g[i]
        if opt == 0:
            theta[i] -= lr * gi
        elif opt == 1:
            if convex:
                m[i] = b1 * m[i] + (1.0 - b1) * gi
                theta[i] -= lr * m[i]
            else:
                m[i] = b1 * m[i] - lr * gi
                theta[i] += m[i]
        elif opt == 2:
            if convex:
                m[i] = b1 * m[i] + (1.0 - b1) * gi
                theta[i] -= lr * (b1 * m[i] + (1.0 - b1) * gi)
            else:
                old = m[i]
                m[i] = b1 * m[i] - lr * gi
                theta[i] += m[i] + b1 * (m[i] - old)
        elif opt == 3:
            a[i] += gi * gi
            theta[i] -= lr * gi / (np.sqrt(a[i]) + delta)
        elif opt == 4:
            a[i] = b2 * a[i] + (1.0 - b2) * gi * gi
            theta[i] -= lr * gi / (np.sqrt(a[i]) + delta)
        else:
            m[i] = b1 * m[i] + (1.0 - b1) * gi
            a[i] = b2 * a[i] + (1.0 - b2) * gi * gi
            theta[i] -= lr * (m[i] / c1) / (np.sqrt(a[i] / c2) + delta)


@njit
def train_batches(theta: np.ndarray, grad: np.ndarray, m: np.ndarray, a: np.ndarray, t: int, sizes: np.ndarray,
                  w_off: np.ndarray, b_off: np.ndarray, x: np.ndarray, y: np.ndarray, order: np.ndarray,
                  drop_u: np.ndarray, batch: int, first: int, last: int, hidden: int, out: int, loss: int,
                  mean: bool, l1: bool, lam: float, p_drop: float, opt: int, convex: bool, lr: float, b1: float,
                  b2: float, delta: float, losses: np.ndarray, dnorm: np.ndarray) -> int:
    """Train on batches first..last-1 of the epoch `order`; returns the optimiser's update count.

    Batch k holds samples order[k*batch : (k+1)*batch]; drop_u[k*batch + i, :] are the uniform
    draws of its i-th sample for the hidden units (kept where u >= p_drop). losses[k] gets
    the batch's data loss E, dnorm[k, l-1] the norm of delta[l] = dE/dz[l] over the batch.
    """
    L = sizes.size - 1
    total_units = 0
    for l in range(L + 1):
        total_units += sizes[l]
    n = order.size
    keep = 1.0 / (1.0 - p_drop) if p_drop > 0 else 1.0
    hbuf = np.empty(batch * total_units)
    ubuf = np.empty(batch * total_units)
    dbuf = np.empty(batch * total_units)
    for k in range(first, last):
        start = k * batch
        stop = min(n, start + batch)
        bsz = stop - start
        scale = 1.0 / bsz if mean else 1.0
        offs = np.zeros(L + 2, np.int64)
        for l in range(L + 1):
            offs[l + 1] = offs[l] + bsz * sizes[l]
        h0 = hbuf[offs[0]:offs[1]].reshape((bsz, sizes[0]))
        for i in range(bsz):
            s = order[start + i]
            for j in range(sizes[0]):
                h0[i, j] = x[s, j]
        hcol = 0
        for l in range(1, L + 1):
            W = theta[w_off[l - 1]:w_off[l - 1] + sizes[l] * sizes[l - 1]].reshape((sizes[l], sizes[l - 1]))
            b = theta[b_off[l - 1]:b_off[l - 1] + sizes[l]]
            hp = hbuf[offs[l - 1]:offs[l]].reshape((bsz, sizes[l - 1]))
            u = ubuf[offs[l]:offs[l + 1]].reshape((bsz, sizes[l]))
            h = hbuf[offs[l]:offs[l + 1]].reshape((bsz, sizes[l]))
            _mm_bt(hp, W, u)
            for i in range(bsz):
                for j in range(sizes[l]):
                    u[i, j] += b[j]
            _activate(out if l == L else hidden, u, h)
            if p_drop > 0 and l < L:
                for i in range(bsz):
                    for j in range(sizes[l]):
                        if drop_u[start + i, hcol + j] >= p_drop:
                            h[i, j] *= keep
                        else:
                            h[i, j] = 0.0
                hcol += sizes[l]
        tb = np.empty((bsz, sizes[L]))
        for i in range(bsz):
            s = order[start + i]
            for j in range(sizes[L]):
                tb[i, j] = y[s, j]
        uL = ubuf[offs[L]:offs[L + 1]].reshape((bsz, sizes[L]))
        hL = hbuf[offs[L]:offs[L + 1]].reshape((bsz, sizes[L]))
        dL = dbuf[offs[L]:offs[L + 1]].reshape((bsz, sizes[L]))
        losses[k] = _loss_delta(loss, out, uL, hL, tb, scale, dL)
        if mean:
            losses[k] /= bsz
        for l in range(L, 0, -1):
            d = dbuf[offs[l]:offs[l + 1]].reshape((bsz, sizes[l]))
            dnorm[k, l - 1] = np.sqrt(np.sum(d * d))
            hp = hbuf[offs[l - 1]:offs[l]].reshape((bsz, sizes[l - 1]))
            W = theta[w_off[l - 1]:w_off[l - 1] + sizes[l] * sizes[l - 1]].reshape((sizes[l], sizes[l - 1]))
            gW = grad[w_off[l - 1]:w_off[l - 1] + sizes[l] * sizes[l - 1]].reshape((sizes[l], sizes[l - 1]))
            _mm_at(d, hp, gW)
            if lam > 0:
                for i in range(sizes[l]):
                    for j in range(sizes[l - 1]):
                        w = W[i, j]
                        if l1:
                            gW[i, j] += lam * (1.0 if w > 0 else (-1.0 if w < 0 else 0.0))
                        else:
                            gW[i, j] += 2.0 * lam * w
            gb = grad[b_off[l - 1]:b_off[l - 1] + sizes[l]]
            for j in range(sizes[l]):
                acc = 0.0
                for i in range(bsz):
                    acc += d[i, j]
                gb[j] = acc
            if l > 1:
                dp = dbuf[offs[l - 1]:offs[l]].reshape((bsz, sizes[l - 1]))
                up = ubuf[offs[l - 1]:offs[l]].reshape((bsz, sizes[l - 1]))
                _mm(d, W, dp)
                col = 0
                for q in range(1, l - 1):
                    col += sizes[q]
                for i in range(bsz):
                    for j in range(sizes[l - 1]):
                        if p_drop > 0:
                            if drop_u[start + i, col + j] >= p_drop:
                                hv = hp[i, j] / keep
                                dp[i, j] *= keep * _slope(hidden, up[i, j], hv)
                            else:
                                dp[i, j] = 0.0
                        else:
                            dp[i, j] *= _slope(hidden, up[i, j], hp[i, j])
        t += 1
        optimiser_step(opt, convex, theta, grad, m, a, t, lr, b1, b2, delta)
    return t


@njit
def predict(theta: np.ndarray, sizes: np.ndarray, w_off: np.ndarray, b_off: np.ndarray, x: np.ndarray, hidden: int,
            out: int) -> tuple[np.ndarray, np.ndarray]:
    """Outputs y and the output layer's input u for every row of x (no dropout, no batch norm)."""
    L = sizes.size - 1
    h = x.copy()
    u = h
    for l in range(1, L + 1):
        W = theta[w_off[l - 1]:w_off[l - 1] + sizes[l] * sizes[l - 1]].reshape((sizes[l], sizes[l - 1]))
        b = theta[b_off[l - 1]:b_off[l - 1] + sizes[l]]
        u = np.empty((x.shape[0], sizes[l]))
        _mm_bt(h, W, u)
        for i in range(u.shape[0]):
            for j in range(sizes[l]):
                u[i, j] += b[j]
        h = np.empty_like(u)
        _activate(out if l == L else hidden, u, h)
    return h, u


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile (or load from the cache) the MLP kernel, reporting (done, total, name)."""
    if progress:
        progress(0, 2, "numba")
    import nnlab.core._jit  # noqa: F401

    if progress:
        progress(1, 2, "train_batches")
    sizes = np.array([2, 2, 1], np.int64)
    theta = np.zeros(9)
    x = np.zeros((4, 2))
    y = np.zeros((4, 1))
    train_batches(theta, np.zeros(9), np.zeros(9), np.zeros(9), 0, sizes, np.array([0, 6], np.int64),
                  np.array([4, 8], np.int64), x, y, np.arange(4), np.zeros((4, 2)), 4, 0, 1, 1, 1, 1, True, False,
                  0.0, 0.0, 0, False, 0.1, 0.9, 0.999, 1e-8, np.zeros(1), np.zeros((1, 2)))
    predict(theta, sizes, np.array([0, 6], np.int64), np.array([4, 8], np.int64), x, 1, 1)
    if progress:
        progress(2, 2, "ready")
