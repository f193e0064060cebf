"""The RNN lab's frames and traces tell the truth about the model (issue 17, "never lies"): an epoch step ends
at the epoch's end, |dE/dh_t| appears only where BPTT has reached, a knob changed after an update does not
rewrite that update's line, `--out`'s sequence belongs to the exported weights, and bad sizes are refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnlab.core.data.dataset import DataError
from nnlab.core.equation import false_calcs
from nnlab.core.knobs import ParamError
from nnlab.core.rnn.params import RNNParams
from nnlab.core.rnn.seq_model import RNNModel


def model(**kw) -> RNNModel:
    return RNNModel(RNNParams(**{"hidden": 3, "seq_len": 5, "n_sequences": 4, "batch_size": 2, **kw}), 2)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "mingru"])
def test_an_epoch_step_from_the_last_batch_stops_at_the_epoch_end(cell):
    m = model(cell=cell, task="sine")
    m.step(2)
    m.step(0)
    assert (m.epoch, m.batch_index, m.updates) == (0, 1, 1)
    m.step(3)
    assert (m.epoch, m.batch_index, m.updates) == (1, 0, 2)


def test_the_gradient_norm_appears_only_where_bptt_has_reached():
    m = model(cell="lstm", task="sine")
    T = m.T
    while m.phase < 2:
        m.step(0)
    assert np.isnan(m.frame().data["dh_norm"]).all(), "after the loss, before any backward step"
    m.step(0)
    norm = m.frame().data["dh_norm"]
    assert np.isfinite(norm[T - 1]) and np.isnan(norm[:T - 1]).all()
    rows = dict((name, value) for name, value, _ in m.frame().values)
    assert rows[f"|dE/dh_{T}|"] == f"{norm[T - 1]:.4g}"


@pytest.mark.parametrize("knob", [{"lr": 0.5}, {"clip": 100.0}, {"momentum": 0.5}])
def test_a_knob_changed_after_an_update_leaves_its_line_true(knob):
    m = model(cell="rnn", task="sine", optimizer="adam", clip=0.1, lr=0.05)
    m.step(2)
    m.set_params(dataclasses.replace(m.params, **knob))
    assert not false_calcs(m.frame().equation)


def test_a_truncation_changed_mid_sequence_leaves_the_cut_true():
    m = model(cell="rnn", task="sine", truncate=2)
    while not (m.phase == 2 and m.op == 0 and m.t == 1):
        m.step(0)
    m.step(0)
    m.step(0)
    m.step(0)
    before = m.frame().equation
    m.set_params(dataclasses.replace(m.params, truncate=0))
    assert [str(x) for x in m.frame().equation] == [str(x) for x in before]


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_the_exported_sequence_runs_on_the_exported_weights(cell):
    m = model(cell=cell, task="sine")
    m.advance(2)
    out = m.traces()
    again = m._batch(np.array([m.data.n - 1]))
    m._forward(again, 0, m.T, m.theta)
    assert np.array_equal(out["h"], again.hs[1:, 0])
    assert np.isfinite(out["dh_norm"]).all()


def test_loss_at_last_with_no_target_there_is_refused():
    with pytest.raises(ParamError, match="loss_at"):
        RNNParams(task="long_lag", lag=3, seq_len=8, loss_at="last")
    RNNParams(task="long_lag", lag=7, seq_len=8, loss_at="last")


def test_a_csv_too_big_for_memory_is_refused_before_its_windows(tmp_path, monkeypatch):
    path = tmp_path / "series.csv"
    path.write_text("\n".join(f"{i},{i % 7}" for i in range(3000)))
    monkeypatch.setenv("NNLAB_MEMORY_LIMIT_MB", "1")
    with pytest.raises(DataError, match="lower seq_len"):
        RNNModel(RNNParams(task="file", data_file=str(path), seq_len=200), 0)


def test_starting_weights_that_overflow_are_named_as_the_cause():
    m = model(cell="rnn", task="sine", activation="identity", init="orthogonal", rho=100.0, seq_len=200, hidden=4)
    assert not np.isfinite(m.loss_hist[0])
    m.step(2)
    assert "starting weights" in m.blowup and "rho" in m.blowup and m.updates == 0
