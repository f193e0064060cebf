"""Whole batches of the vanilla RNN and the LSTM with the matrix products on numpy's BLAS (lecture 21-22 BPTT).

One batch of B sequences (time-major, rows b), in the precision dt of the buffers:

    before the loop   pre = [X 1] [U^T; b] over all T B rows                 (one product)
    forward  t = 0..T-1   r = h_{t-1} W^T (BLAS), then `fast_steps` a_t = pre_t + r, the gates, c_t, h_t
    loss              zo = H V^T + c over all T B rows (one product), E and dzo (`fast_steps.output_loss`)
    backward          t = T-1..0: da_t from dh = dh_next + dzo_t V (`fast_steps`), dh_next = da_t W (BLAS;
                      0 where truncation cuts at t)
    gradients         gW = sum_t da_t^T h_{t-1},  [gU gb] = sum_t da_t^T [x_t 1],
                      gV = sum_t dzo_t^T h_t,  gc = sum_t dzo_t        (one product each over T B rows)
    update            g <- g clip/|g| when |g| > clip, then the backprop lab's optimiser (`RNNModel.apply_gradient`)

With parts > 1 the rows are cut into that many slices, each run in its own thread (the numba kernels
release the GIL, and so does numpy's matmul), OpenBLAS held to one thread meanwhile (`one_blas_thread`);
the slices' gradients are added before the update. The
buffers are allocated once per epoch (`Part`) and every per-step array is a view made up front, so a
step costs one BLAS call and one numba call with few arguments.
"""

from __future__ import annotations

import ctypes
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np

from nnlab.core.rnn.fast_steps import lstm_backward, lstm_forward, output_loss, rnn_backward, rnn_forward
from nnlab.core.rnn.params import ACTIVATIONS

__all__ = ["Part", "Weights", "blas_threads_control", "one_blas_thread", "train_batch"]


_pool: ThreadPoolExecutor | None = None
_control: tuple[Callable[[], int], Callable[[int], None]] | None | bool = False
"""(get, set) of the thread count of the OpenBLAS numpy loaded; None when not found; False before looking."""


def blas_threads_control() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """The OpenBLAS that numpy linked (found in /proc/self/maps) and its thread-count functions, under any of
    the names numpy's wheels give them; None elsewhere (another BLAS, another system)."""
    global _control
    if _control is not False:
        return _control
    _control = None
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({ln.split()[-1] for ln in f if "openblas" in os.path.basename(ln.split()[-1]).lower()})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", "_64_", ""):
                try:
                    get = getattr(lib, f"{prefix}_get_num_threads{suffix}")
                    put = getattr(lib, f"{prefix}_set_num_threads{suffix}")
                except AttributeError:
                    continue
                get.restype, get.argtypes = ctypes.c_int, []
                put.restype, put.argtypes = None, [ctypes.c_int]
                _control = (get, put)
                return _control
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """OpenBLAS on one thread inside the block (its idle workers spin, taking the core from our own second
    thread), restored after."""
    control = blas_threads_control()
    if control is None:
        yield
        return
    get, put = control
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)


class Weights:
    """theta in precision dt: W (for the backward products), V, c; for the forward products W^T and
    [U^T; b] (X + 1, G H), contiguous, the LSTM's logistic gate columns halved (see `lstm_forward`)."""

    def __init__(self, model, dt: type) -> None:
        lay = model.lay
        v = lay.views(model.theta.astype(dt))
        self.W, self.V, self.c = v["W"], v["V"], v["c"]
        self.VT = self.V.T
        self.WT = np.ascontiguousarray(self.W.T)
        self.UbT = np.concatenate([v["U"].T, v["b"][None, :]])
        if lay.cell == "lstm":
            H = lay.H
            for blk in (slice(0, 2 * H), slice(3 * H, 4 * H)):
                self.WT[:, blk] *= 0.5
                self.UbT[:, blk] *= 0.5


class Part:
    """The buffers of B rows of a batch (time-major, contiguous), their flat (T B, .) views and per-step views."""

    def __init__(self, model, B: int, dt: type) -> None:
        lay, T = model.lay, model.T
        H, GH, X, Y = lay.H, lay.G * lay.H, lay.X, lay.Y
        z = lambda *s: np.zeros(s, dt)  # noqa: E731
        self.lstm = lay.cell == "lstm"
        self.T, self.B = T, B
        self.X = X
        self.xs, self.tg, self.al = z(T, B, X + 1), np.zeros((T, B, Y)), np.zeros((T, B))
        self.xs[:, :, X] = 1
        self.hs, self.cs, self.tc = z(T + 1, B, H), z(T + 1, B, H), z(T, B, H)
        self.pre, self.gates, self.da = z(T, B, GH), z(T, B, GH), z(T, B, GH)
        self.zo, self.ys, self.dzo = z(T, B, Y), z(T, B, Y), z(T, B, Y)
        self.r, self.dhn, self.dcn = z(B, GH), z(B, H), z(B, H)
        n = T * B
        self.xs2, self.pre2, self.da2 = self.xs.reshape(n, X + 1), self.pre.reshape(n, GH), self.da.reshape(n, GH)
        self.gUb = z(GH, X + 1)
        self.hp2, self.hn2 = self.hs[:T].reshape(n, H), self.hs[1:].reshape(n, H)
        self.zo2, self.dzo2 = self.zo.reshape(n, Y), self.dzo.reshape(n, Y)
        self.h_at, self.da_at = list(self.hs), list(self.da)
        self.grad = np.zeros(lay.size, dt)
        self.gv = lay.views(self.grad)

    def load(self, data, rows: np.ndarray) -> None:
        self.xs[:, :, :self.X] = data.x[rows].transpose(1, 0, 2)
        self.tg[...] = data.target[rows].transpose(1, 0, 2)
        self.al[...] = data.alpha[rows].T

    def forward(self, w: Weights, act: int, out: int, Bn: int) -> float:
        """The forward pass and the loss; returns sum alpha C (float64, not divided by Bn)."""
        np.matmul(self.xs2, w.UbT, out=self.pre2)
        self.r.fill(0)
        r, h_at, WT = self.r, self.h_at, w.WT
        pre, hs, cs, tc, gates = self.pre, self.hs, self.cs, self.tc, self.gates
        for t in range(self.T):
            if t:
                np.matmul(h_at[t], WT, out=r)
            if self.lstm:
                lstm_forward(t, r, pre, hs, cs, tc, gates)
            else:
                rnn_forward(t, act, r, pre, hs, gates)
        np.matmul(self.hn2, w.VT, out=self.zo2)
        return output_loss(out, Bn, self.zo, w.c, self.tg, self.al, self.ys, self.dzo)

    def backward(self, w: Weights, act: int, trunc: int) -> None:
        """BPTT and the gradients of these rows into self.grad."""
        self.dhn.fill(0)
        self.dcn.fill(0)
        dzo, V, dhn, dcn, gates = self.dzo, w.V, self.dhn, self.dcn, self.gates
        cs, tc, da, pre = self.cs, self.tc, self.da, self.pre
        da_at, W = self.da_at, w.W
        for t in range(self.T - 1, -1, -1):
            cut = trunc > 0 and t % trunc == 0
            if self.lstm:
                lstm_backward(t, cut, dzo, V, dhn, dcn, gates, cs, tc, da)
            else:
                rnn_backward(t, act, dzo, V, dhn, gates, pre, da)
            if t == 0:
                break
            if cut:
                dhn.fill(0)
            else:
                np.matmul(da_at[t], W, out=dhn)
        gv, daT = self.gv, self.da2.T
        np.matmul(daT, self.hp2, out=gv["W"])
        np.matmul(daT, self.xs2, out=self.gUb)
        gv["U"][...] = self.gUb[:, :self.X]
        gv["b"][...] = self.gUb[:, self.X]
        np.matmul(self.dzo2.T, self.hn2, out=gv["V"])
        np.sum(self.dzo2, axis=0, out=gv["c"])


def _run(part: Part, w: Weights, act: int, out: int, trunc: int, Bn: int, err: dict | None = None) -> float:
    """Forward, loss and (when the loss is finite) backward of one part; err: numpy's error handling to use
    (a worker thread does not inherit the caller's)."""
    with np.errstate(**(err or np.geterr())):
        loss = part.forward(w, act, out, Bn)
        if np.isfinite(loss):
            part.backward(w, act, trunc)
    return loss


def train_batch(model, parts: list[Part], rows: np.ndarray, dt: type) -> bool:
    """Train one batch of `model` on `rows` (split over `parts`, whose sizes add up to len(rows)) and apply the
    update; False (and nothing changed) when E is not finite."""
    global _pool
    p = model.params
    act, B = ACTIVATIONS.index(p.activation), len(rows)
    w = Weights(model, dt)
    lo = 0
    for part in parts:
        part.load(model.data, rows[lo:lo + part.B])
        lo += part.B
    if len(parts) > 1:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnlab-rnn")
        err = np.geterr()
        futures = [_pool.submit(_run, part, w, act, model.out, p.truncate, B, err) for part in parts[1:]]
        loss = _run(parts[0], w, act, model.out, p.truncate, B) + sum(f.result() for f in futures)
    else:
        loss = _run(parts[0], w, act, model.out, p.truncate, B)
    E = loss / B
    if not np.isfinite(E):
        return False
    g = parts[0].grad.astype(np.float64)
    for part in parts[1:]:
        g += part.grad
    model.apply_gradient(g)
    model.batch_hist.append(E)
    return True
