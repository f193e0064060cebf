"""The perceptron mode against the notes' OR trace (O9), XOR (O10) and errata E3, E4, E5."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.core.backprop.perceptron import PerceptronModel, PerceptronParams, firing_count, training_set
from nnlab.core.equation import false_calcs, lines_text
from nnlab.core.knobs import ParamError


def model(seed: int = 0, **kw) -> PerceptronModel:
    return PerceptronModel(PerceptronParams(**kw), seed)


def test_o9_or_trace_presentation_by_presentation():
    m = model()
    rows = []
    for _ in range(4):
        f = m.step(0)
        d = f.data["rows"][-1]
        rows.append((d["x"], d["z"], d["y"], d["e"], d["w"], d["b"]))
    expected = [
        ((1.0, 0.0), 0.5, 1, 0, (0.6, -0.2), -0.1),
        ((0.0, 1.0), -0.3, 0, 1, (0.6, 0.8), 0.9),
        ((0.0, 0.0), 0.9, 1, -1, (0.6, 0.8), -0.1),
        ((1.0, 1.0), 1.3, 1, 0, (0.6, 0.8), -0.1),
    ]
    for got, want in zip(rows, expected):
        assert got[0] == want[0]
        assert got[1] == pytest.approx(want[1], abs=1e-12)
        assert got[2:4] == want[2:4]
        assert got[4] == pytest.approx(want[4], abs=1e-12)
        assert got[5] == pytest.approx(want[5], abs=1e-12)
    assert m.errors == [2]
    assert m.step(1).data["epoch_errors"] == 0 and m.errors == [2, 0]
    met = m.metrics()
    assert met["converged"] and met["epochs"] == 2 and met["errors_last_epoch"] == 0
    assert met["w"] == pytest.approx([0.6, 0.8]) and met["b"] == pytest.approx(-0.1)


def test_o9_equation_carries_the_numbers():
    m = model()
    m.step(0)
    f = m.step(0)
    assert lines_text(f.equation) == ("z = w.x + b = 0.6 * 0 - 0.2 * 1 - 0.1 = -0.3 -> y = 0",
                                      "E = t - y = 1 - 0 = 1",
                                      "w <- w + eta E x:  w1 <- 0.6 + 1 * 1 * 0 = 0.6;  w2 <- -0.2 + 1 * 1 * 1 = 0.8",
                                      "b <- b + eta E = -0.1 + 1 * 1 = 0.9")
    assert not false_calcs(f.equation)
    assert [r[0] for r in f.values][:7] == ["x", "t", "z", "y", "E", "w", "b"]
    assert f.values[5][1] == "[0.6, 0.8]" and f.values[6][1] == "0.9"


def test_converged_step_reports_the_epoch():
    f = model().step(2)
    assert f.message.startswith("converged after 2 epochs")
    assert f.data["errors"].tolist() == [2, 0]


def test_e4_printed_bias_rule_never_converges_on_or():
    m = model(bias_rule="printed", epochs=50)
    m.step(1)
    notes_table = [v for r in m.frame().data["rows"] for v in (r["z"], r["e"], r["b"])]
    assert notes_table == pytest.approx([0.5, 0, -0.1, -0.3, 1, 0.9, 0.9, -1, 0.9, 2.3, 0, 0.9])
    f = m.step(2)
    assert m.errors == [2] + [1] * 50
    assert m.b == pytest.approx(0.9) and not m.metrics()["converged"]
    assert "no epoch without errors in 50 epochs" in f.message and "E4" in f.message


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("order", ["fixed", "shuffle"])
def test_o10_xor_never_has_an_epoch_without_errors(order, seed):
    m = model(seed, dataset="xor", order=order, epochs=200)
    f = m.step(2)
    assert len(m.errors) == 200 and min(m.errors) >= 1
    assert "XOR is not linearly separable" in f.message


@pytest.mark.parametrize("dataset", ["nand", "x2", "and"])
def test_separable_sets_converge(dataset):
    m = model(dataset=dataset, epochs=100)
    m.step(2)
    assert m.metrics()["converged"]
    x, t = training_set(dataset)
    assert (((x @ m.w + m.b) >= 0).astype(int) == t).all()


def test_e5_the_notes_xor_table_is_nand():
    assert training_set("nand")[1].tolist() == [1, 1, 1, 0]


def test_e3_detector_fires_for_eight_inputs():
    assert firing_count((1, 1, 0, 1), -2) == 8
    assert firing_count((1, 1, -1, 1), -3) == 1
    m = model(dataset="detector", w_init=(1, 1, 0, 1), b_init=-2)
    f = m.frame()
    assert int(f.data["y_all"].sum()) == 8 and f.data["y_all"][13] == 1 and f.data["y_all"][6] == 0
    assert f.data["t"].tolist() == [0] * 13 + [1, 0, 0]


def test_detector_trains_to_a_unique_detector():
    m = model(dataset="detector", w_init=(1, 1, 0, 1), b_init=-2, epochs=100)
    m.step(2)
    assert m.metrics()["converged"] and firing_count(m.w, m.b) == 1


def test_w_init_length_is_checked():
    with pytest.raises(ParamError) as e:
        PerceptronParams(dataset="detector")
    assert e.value.name == "w_init" and "4 weights" in str(e.value)


def test_advance_counts_samples_and_default_steps_end_at_convergence():
    m = model()
    assert m.default_steps() == 80
    assert m.advance(3) == 3 and m.steps_total == 3
    assert m.advance(5) == 5 and m.metrics()["converged"] and m.default_steps() == 0
    tr = m.traces()
    assert tr["w"].shape == (8, 2) and tr["errors"].tolist() == [2, 0]
    assert tr["e"].tolist() == [0, 1, -1, 0, 0, 0, 0, 0] and tr["b"].tolist() == [-0.1, 0.9] + [-0.1] * 6
    assert m.advance(8) == 8 and m.metrics()["epochs"] == 4 and m.metrics()["first_epoch_without_errors"] == 2
    assert m.metrics()["w"] == [0.6, 0.8] and m.metrics()["b"] == -0.1


def test_snapshot_restore_is_exact_with_shuffle():
    m = model(7, dataset="xor", order="shuffle")
    m.advance(5)
    s = m.snapshot()
    m.advance(37)
    a = m.traces()
    m.restore(s)
    m.advance(37)
    b = m.traces()
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert np.array_equal(a["input"][:4], b["input"][:4])


def test_snapshot_survives_a_long_trace():
    m = model(dataset="xor", epochs=100_000)
    m.advance(5000)
    s = m.snapshot()
    w = m.w
    m.advance(3000)
    m.restore(s)
    assert np.array_equal(m.w, w) and m.steps_total == 5000 and len(m.traces()["z"]) == 5000
    assert m.frame().data["rows"][-1]["epoch"] == 1250
