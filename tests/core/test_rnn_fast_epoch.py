"""The fused epoch (nnlab.core.rnn.fast_epoch) reaches the reference kernels' weights: every cell, truncation,
clipping, each optimiser, output and activation, float64 to 1e-12 and float32 to 1e-4, on each path: the
small one (one numba call an epoch, `fast_loops`) and the BLAS one (`fast_blas`, one and two threads)."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.core.rnn import fast_epoch
from nnlab.core.rnn.params import RNNParams
from nnlab.core.rnn.seq_model import RNNModel

PATHS = {"loops": (1 << 62, 1), "blas": (0, 1), "blas-2-threads": (0, 2)}
"""path -> (fast_epoch.BLAS_FROM, fast_epoch.PARTS)."""


def _pair(monkeypatch: pytest.MonkeyPatch, params: RNNParams, path: str = "loops",
          epochs: int = 2) -> tuple[RNNModel, RNNModel]:
    with monkeypatch.context() as mp:
        mp.setattr(fast_epoch, "BLAS_FROM", PATHS[path][0])
        mp.setattr(fast_epoch, "PARTS", PATHS[path][1])
        fast = RNNModel(params, 3)
        fast.advance(epochs)
    with monkeypatch.context() as mp:
        mp.setattr(fast_epoch, "train_all_but_last", lambda model, dt: None)
        ref = RNNModel(params, 3)
        ref.advance(epochs)
    return fast, ref


def _close(fast: RNNModel, ref: RNNModel, tol: float) -> None:
    scale = max(1.0, float(np.abs(ref.theta).max()))
    assert np.abs(fast.theta - ref.theta).max() <= tol * scale
    assert np.abs(fast.m - ref.m).max() <= tol * scale
    assert np.abs(fast.a - ref.a).max() <= tol * scale
    assert fast.updates == ref.updates and fast.epoch == ref.epoch and fast.batch_index == ref.batch_index
    assert len(fast.batch_hist) == len(ref.batch_hist)
    assert np.allclose(fast.batch_hist, ref.batch_hist, rtol=tol, atol=tol)
    assert np.allclose(fast.loss_hist, ref.loss_hist, rtol=tol, atol=tol)
    assert fast.last is not None and np.allclose(fast.last.hs, ref.last.hs, rtol=tol, atol=tol)


CELLS = [dict(cell="rnn"), dict(cell="rnn", activation="relu"), dict(cell="rnn", activation="logistic"),
         dict(cell="rnn", activation="identity"), dict(cell="lstm", forget_bias=1.0),
         dict(cell="gru", gru_form="reset_before"), dict(cell="gru", gru_form="reset_after"), dict(cell="mingru")]
HOW = [dict(truncate=0, clip=0.0), dict(truncate=3, clip=0.05)]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("cell", CELLS, ids=lambda c: "-".join(str(v) for v in c.values()))
@pytest.mark.parametrize("how", HOW, ids=["full", "trunc-clip"])
def test_float64(monkeypatch: pytest.MonkeyPatch, cell: dict, how: dict, path: str) -> None:
    p = RNNParams(task="sine", seq_len=7, n_sequences=11, hidden=5, batch_size=3, lr=0.05, **cell, **how)
    _close(*_pair(monkeypatch, p, path), 1e-12)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("form", ["classical", "convex"])
def test_optimisers(monkeypatch: pytest.MonkeyPatch, optimizer: str, form: str, path: str) -> None:
    p = RNNParams(cell="lstm", task="sine", seq_len=5, n_sequences=9, hidden=4, batch_size=2, lr=0.02,
                  optimizer=optimizer, momentum_form=form)
    _close(*_pair(monkeypatch, p, path), 1e-12)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("how", HOW, ids=["full", "trunc-clip"])
def test_benchmark_sizes_float64(monkeypatch: pytest.MonkeyPatch, cell: str, how: dict, path: str) -> None:
    H = 128 if cell == "rnn" else 32
    p = RNNParams(cell=cell, task="random", inputs=3, seq_len=9, n_sequences=70, hidden=H, batch_size=32, lr=0.05,
                  optimizer="momentum", **how)
    _close(*_pair(monkeypatch, p, path), 1e-12)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "mingru"])
@pytest.mark.parametrize("hidden", [5, 64])
def test_float32(monkeypatch: pytest.MonkeyPatch, cell: str, hidden: int, path: str) -> None:
    p = RNNParams(cell=cell, task="sine", seq_len=8, n_sequences=50, hidden=hidden, batch_size=16, lr=0.05,
                  precision="float32", truncate=3, clip=1.0)
    _close(*_pair(monkeypatch, p, path), 1e-4)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("activation", ["relu", "logistic", "identity"])
def test_float32_activations(monkeypatch: pytest.MonkeyPatch, activation: str, path: str) -> None:
    p = RNNParams(cell="rnn", task="sine", seq_len=8, n_sequences=50, hidden=16, batch_size=16, lr=0.05,
                  precision="float32", activation=activation)
    _close(*_pair(monkeypatch, p, path), 1e-4)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("task", ["hello", "long_lag"])
def test_softmax_outputs(monkeypatch: pytest.MonkeyPatch, task: str, path: str) -> None:
    p = RNNParams(cell="lstm", task=task, seq_len=4 if task == "hello" else 6, lag=3, n_sequences=10, hidden=6,
                  batch_size=3, lr=0.1)
    _close(*_pair(monkeypatch, p, path), 1e-12)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("output", ["logistic", "tanh"])
def test_squashed_outputs(monkeypatch: pytest.MonkeyPatch, output: str, path: str) -> None:
    p = RNNParams(cell="rnn", task="sine", seq_len=6, n_sequences=10, hidden=6, batch_size=4, lr=0.1, output=output)
    _close(*_pair(monkeypatch, p, path), 1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_blowup_stops_where_the_reference_stops(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    p = RNNParams(cell="rnn", task="powers_of_two", seq_len=12, n_sequences=12, hidden=6, batch_size=2, lr=100.0,
                  scale=1.0, activation="identity")
    fast, ref = _pair(monkeypatch, p, path, 3)
    assert fast.blowup and ref.blowup
    assert fast.epoch == ref.epoch
    assert np.array_equal(np.isfinite(fast.theta), np.isfinite(ref.theta))
    assert np.allclose(fast.theta, ref.theta, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_float32_tanh_and_logistic_within_a_few_ulp() -> None:
    from nnlab.core.rnn.fast_math import logistic32, tanh32

    x = np.linspace(-30, 30, 200001).astype(np.float32)
    t = np.array([tanh32(v) for v in x[::37]], dtype=np.float32)
    s = np.array([logistic32(v) for v in x[::37]], dtype=np.float32)
    x64 = x[::37].astype(np.float64)
    assert np.abs(t - np.tanh(x64)).max() < 4e-7
    assert np.abs(s - 1.0 / (1.0 + np.exp(-x64))).max() < 4e-7


@pytest.mark.parametrize("kw", [dict(cell="lstm", task="long_lag", lag=6, seq_len=8, n_sequences=700),
                                dict(cell="rnn", task="sine", activation="relu", n_sequences=600),
                                dict(cell="rnn", task="hello", seq_len=4, output="softmax")])
def test_the_fused_evaluation_gives_the_kernels_loss_and_accuracy(kw) -> None:
    """E over every sequence (lecture 21's loss, 1/N sum alpha C) and the accuracy after an epoch, fused (in
    chunks of EVAL_ROWS) against the reference kernels' forward of all sequences at once."""
    from nnlab.core.rnn import fast_epoch

    m = RNNModel(RNNParams(**{"hidden": 4, "batch_size": 16, **kw}), 3)
    m.advance(1)
    E, acc = fast_epoch.evaluate(m)
    bt = m._batch(np.arange(m.data.n), backward=False)
    m._forward(bt, 0, m.T, m.theta)
    m._loss(bt)
    assert E == pytest.approx(bt.E, rel=1e-13)
    assert m.loss_hist[-1] == E
    if m.data.kind == "classes":
        hit = bt.ys.argmax(axis=2) == bt.target.argmax(axis=2)
        assert acc == hit[bt.alpha > 0].mean() == m.acc_hist[-1]
