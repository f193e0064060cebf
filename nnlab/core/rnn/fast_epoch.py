"""Whole batches of the RNN lab fused: the vanilla RNN's and the LSTM's epoch (lecture 21-22 BPTT), the same
numbers as `kernels.forward` / `kernels.backward` plus `seq_model.RNNModel._loss` and `_update` up to float
rounding (sums run in another order; float32 logistic and tanh within a few ulp, `fast_math`).

Per batch of B sequences, per time step t, with G H gate rows (G = 1 rnn, 4 lstm):

    forward    a_t = b + U x_t + W h_{t-1};  h_t = sigma(a_t)  |  f, i, o, g; c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
    loss       E = (1/B) sum_t sum_b alpha_t C(V h_t + c, t_t)
    backward   dh = V^T dzo_t + dh_next;  da_t = the cell's local derivatives times dh (and dc);
               dh_next = W^T da_t  (0 where truncation cuts)
    gradients  gW = sum_t da_t h_{t-1}^T,  gU = sum_t da_t x_t^T,  gb = sum_t da_t,  gV, gc alike
    update     clip, then the backprop lab's optimiser

Two ways to run an epoch, chosen by the multiply-adds of one step's recurrent product, B G H H:

    small  (course sizes, below BLAS_FROM) `fast_loops.run_batches`: every batch of the epoch in one numba
           call, the optimiser included, so no Python runs between batches or steps;
    large  `fast_blas.train_batch`, batch by batch: the recurrent products on numpy's BLAS, one fused
           numba kernel per step for the gates (`fast_steps`), the input, output and weight-gradient
           products over all T B rows at once; `PARTS` slices of the batch in as many threads, OpenBLAS
           on one thread meanwhile.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

from nnlab.core.backprop.params import OPTIMIZERS
from nnlab.core.rnn import fast_blas, fast_loops
from nnlab.core.rnn.fast_blas import Part
from nnlab.core.rnn.params import ACTIVATIONS

__all__ = ["BLAS_FROM", "EVAL_ROWS", "FAST_CELLS", "PARTS", "covers", "evaluate", "train_all_but_last", "warmup"]

FAST_CELLS = ("rnn", "lstm")
"""Cells with a fused path; the GRU and minGRU train through the reference kernels."""
BLAS_FROM = 16384
"""B G H H from which an epoch runs on BLAS (`fast_blas`); below it one numba call (`fast_loops`). Measured
float32, T = 20: the two paths tie at the RNN with H = 32, B = 16 (16,384); BLAS is 1.6x faster at the
RNN with H = 64, B = 32 and 1.9x at the LSTM with H = 16, B = 32; the loops 1.8x at the LSTM with H = 16,
B = 8 (8,192) and 18x at the course-size RNN (256)."""
PARTS = max(1, min(2, os.cpu_count() or 1))
"""Threads (slices of a batch) on the BLAS path, used when OpenBLAS's thread count can be set (else one).
At the benchmark's LSTM, float32, on 2 cores: two slices with OpenBLAS on one thread 14.7-15.3k
sequences/s; one slice with OpenBLAS's two threads 12.6k, with one 8.5k; two slices with OpenBLAS's two
threads 7.5k (its idle workers spin on the core the second slice needs)."""


EVAL_ROWS = 512
"""Sequences a chunk of `evaluate` passes forward at once."""


def covers(cell: str) -> bool:
    return cell in FAST_CELLS


def evaluate(model) -> tuple[float, float]:
    """(E, accuracy) of every sequence of `model` at its weights, by the BLAS forward pass in float64 in chunks
    of EVAL_ROWS: E = (1/N) sum_n sum_t alpha_t C, the accuracy over the steps with a target (NaN for real
    targets or none). The reference forward of all sequences takes 12 times a training epoch of the
    benchmark's LSTM; this one a fraction of it."""
    d, p = model.data, model.params
    w = fast_blas.Weights(model, np.float64)
    act = ACTIVATIONS.index(p.activation)
    total, hits, asked = 0.0, 0, 0
    part: Part | None = None
    for lo in range(0, d.n, EVAL_ROWS):
        rows = np.arange(lo, min(lo + EVAL_ROWS, d.n))
        if part is None or part.B != len(rows):
            part = Part(model, len(rows), np.float64)
        part.load(d, rows)
        total += part.forward(w, act, model.out, len(rows))
        if d.kind == "classes":
            mask = part.al > 0
            hits += int((part.ys.argmax(axis=2) == part.tg.argmax(axis=2))[mask].sum())
            asked += int(mask.sum())
    return total / d.n, (hits / asked if asked else float("nan"))


def _parts(B: int, n: int) -> list[int]:
    n = max(1, min(n, B))
    cuts = np.linspace(0, B, n + 1).astype(int)
    return [int(hi - lo) for lo, hi in zip(cuts[:-1], cuts[1:])]


def train_all_but_last(model, dt: type) -> None:
    """Train `model`'s batches from its batch_index up to, not including, the epoch's last one (which the
    caller trains by the reference kernels, keeping it whole for the screen); stops before a batch whose E
    is not finite, for the caller to meet it. Nothing happens for a cell outside FAST_CELLS."""
    p, lay = model.params, model.lay
    if not covers(p.cell) or model.bt is not None:
        return
    model._next_rows()
    first, stop, B = model.batch_index, model.n_batches - 1, model.B
    if stop <= first:
        return
    if B * lay.G * lay.H * lay.H >= BLAS_FROM:
        n = PARTS if fast_blas.blas_threads_control() is not None else 1
        parts = [Part(model, b, dt) for b in _parts(B, n)]
        with fast_blas.one_blas_thread() if len(parts) > 1 else contextlib.nullcontext():
            for i in range(first, stop):
                if not fast_blas.train_batch(model, parts, model.order[i * B:(i + 1) * B], dt):
                    return
                model.batch_index += 1
                model.ops_done += 1
        return
    d = model.data
    Es = np.empty(stop - first)
    done = fast_loops.run_batches(
        ("rnn", "lstm").index(p.cell), ACTIVATIONS.index(p.activation), model.out, p.truncate, p.clip,
        OPTIMIZERS.index(p.optimizer), p.momentum_form == "convex", p.lr, p.momentum, p.beta2, p.delta,
        model.updates, model.theta, model.m, model.a, d.x, d.target, d.alpha, model.order.astype(np.int64), B, first,
        stop, np.array([lay.G * lay.H, lay.H, lay.X, lay.Y]), np.zeros(1, dt), Es)
    model.updates += done
    model.batch_hist.extend(float(e) for e in Es[:done])
    model.batch_index += done
    model.ops_done += done


def warmup() -> None:
    """Compile the small path (`fast_loops`) and every per-step kernel of the BLAS path (`fast_steps`) for
    both cells, float64 and float32."""
    from nnlab.core.rnn import fast_steps as S

    fast_loops.warmup()
    for dt in (np.float64, np.float32):
        e = lambda *s: np.zeros(s, dt)  # noqa: E731
        T, B, H, Y = 1, 1, 1, 1
        hs, r, G4 = e(T + 1, B, H), e(B, 4 * H), e(T, B, 4 * H)
        S.lstm_forward(0, r, G4, hs, e(T + 1, B, H), e(T, B, H), e(T, B, 4 * H))
        S.rnn_forward(0, 0, e(B, H), e(T, B, H), hs, e(T, B, H))
        S.output_loss(0, 1, e(T, B, Y), e(Y), np.zeros((T, B, Y)), np.zeros((T, B)), e(T, B, Y), e(T, B, Y))
        S.lstm_backward(0, False, e(T, B, Y), e(Y, H), e(B, H), e(B, H), G4, e(T + 1, B, H), e(T, B, H),
                        e(T, B, 4 * H))
        S.rnn_backward(0, 0, e(T, B, Y), e(Y, H), e(B, H), e(T, B, H), e(T, B, H), e(T, B, H))
