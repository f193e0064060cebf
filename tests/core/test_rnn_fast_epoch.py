"""The fused epoch (nnlab.core.rnn.fast_epoch) reaches the reference kernels' weights: every cell, truncation,
clipping, each optimiser, float64 to 1e-12 and float32 to 1e-4, on the small (one numba call) and the large
(threads and BLAS) path."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.core.rnn import fast_epoch
from nnlab.core.rnn.params import RNNParams
from nnlab.core.rnn.seq_model import RNNModel


def _pair(monkeypatch: pytest.MonkeyPatch, params: RNNParams, epochs: int = 2) -> tuple[RNNModel, RNNModel]:
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


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: "-".join(str(v) for v in c.values()))
@pytest.mark.parametrize("how", [dict(truncate=0, clip=0.0), dict(truncate=3, clip=0.05)], ids=["full", "trunc-clip"])
def test_small_path_float64(monkeypatch: pytest.MonkeyPatch, cell: dict, how: dict) -> None:
    p = RNNParams(task="sine", seq_len=7, n_sequences=11, hidden=5, batch_size=3, lr=0.05, **cell, **how)
    _close(*_pair(monkeypatch, p), 1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("form", ["classical", "convex"])
def test_optimisers(monkeypatch: pytest.MonkeyPatch, optimizer: str, form: str) -> None:
    p = RNNParams(cell="lstm", task="sine", seq_len=5, n_sequences=9, hidden=4, batch_size=2, lr=0.02,
                  optimizer=optimizer, momentum_form=form)
    _close(*_pair(monkeypatch, p), 1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("how", [dict(truncate=0, clip=0.0), dict(truncate=4, clip=0.1)], ids=["full", "trunc-clip"])
def test_large_path_float64(monkeypatch: pytest.MonkeyPatch, cell: str, how: dict) -> None:
    H = 128 if cell == "rnn" else 32
    p = RNNParams(cell=cell, task="random", inputs=3, seq_len=9, n_sequences=70, hidden=H, batch_size=32, lr=0.05,
                  optimizer="momentum", **how)
    monkeypatch.setattr(fast_epoch, "LARGE", 32 * (4 if cell == "lstm" else 1) * H)
    _close(*_pair(monkeypatch, p), 1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "mingru"])
@pytest.mark.parametrize("hidden", [5, 64])
def test_float32(monkeypatch: pytest.MonkeyPatch, cell: str, hidden: int) -> None:
    p = RNNParams(cell=cell, task="sine", seq_len=8, n_sequences=50, hidden=hidden, batch_size=16, lr=0.05,
                  precision="float32", truncate=3, clip=1.0)
    _close(*_pair(monkeypatch, p), 1e-4)


@pytest.mark.parametrize("task", ["hello", "long_lag"])
def test_softmax_outputs(monkeypatch: pytest.MonkeyPatch, task: str) -> None:
    p = RNNParams(cell="lstm", task=task, seq_len=4 if task == "hello" else 6, lag=3, n_sequences=10, hidden=6,
                  batch_size=3, lr=0.1)
    _close(*_pair(monkeypatch, p), 1e-12)


@pytest.mark.parametrize("output", ["logistic", "tanh"])
def test_squashed_outputs(monkeypatch: pytest.MonkeyPatch, output: str) -> None:
    p = RNNParams(cell="rnn", task="sine", seq_len=6, n_sequences=10, hidden=6, batch_size=4, lr=0.1, output=output)
    _close(*_pair(monkeypatch, p), 1e-12)


def test_blowup_stops_where_the_reference_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    p = RNNParams(cell="rnn", task="powers_of_two", seq_len=12, n_sequences=12, hidden=6, batch_size=2, lr=100.0,
                  scale=1.0, activation="identity")
    fast, ref = _pair(monkeypatch, p, 3)
    assert fast.blowup and ref.blowup
    assert fast.epoch == ref.epoch
    assert np.array_equal(np.isfinite(fast.theta), np.isfinite(ref.theta))
    assert np.allclose(fast.theta, ref.theta, rtol=1e-12, atol=1e-12, equal_nan=True)
