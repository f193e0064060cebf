"""Figures of the perceptron and expression-graph modes: what each view holds, and that it fits 80x24."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.core.backprop.graph import GraphModel, GraphParams
from nnlab.core.backprop.graph_presets import PRESETS
from nnlab.core.backprop.perceptron import PerceptronModel, PerceptronParams
from nnlab.plotting.backprop_small_figures import (GRAPH_VIEWS, PERCEPTRON_VIEWS, boundary_line, graph_figures,
                                                   perceptron_figures)
from nnlab.plotting.render import layout
from nnlab.plotting.spec import Figure, TextPanel


def text(row) -> str:
    return "".join(t for t, _ in row)


def roles(panel: TextPanel) -> list:
    return [role for row in panel.rows for _, role in row]


def fits(fig, width: int, height: int) -> None:
    if isinstance(fig, Figure):
        assert len(layout(fig, width, height)) == height
    else:
        assert isinstance(fig, TextPanel) and fig.rows


def test_views():
    assert PERCEPTRON_VIEWS == ("boundary", "table") and GRAPH_VIEWS == ("graph", "values")


def test_boundary_line_is_clipped_to_the_square():
    ends = boundary_line(np.array([0.6, 0.8]), -0.1)
    assert ends == pytest.approx(np.array([[-0.5, 0.5], [0.5 / 0.6, -0.5]]))
    assert boundary_line(np.array([0.0, 1.0]), -0.5) == pytest.approx(np.array([[-0.5, 0.5], [1.5, 0.5]]))
    assert boundary_line(np.array([1.0, 1.0]), 10.0) is None
    assert boundary_line(np.array([0.0, 0.0]), 1.0) is None


def test_perceptron_boundary_view():
    m = PerceptronModel(PerceptronParams())
    m.step(0)
    top, _ = perceptron_figures(m.step(0), "boundary")  # w = [0.6, 0.8], b = 0.9: the line misses the view
    assert "w.x + b = 0" not in [s.label for s in top.series] and top.notes == ("the line is outside the view",)
    top, bottom = perceptron_figures(m.step(0), "boundary")
    by_label = {s.label: s for s in top.series}
    assert by_label["t = 1"].role == "success" and by_label["t = 0"].role == "error"
    assert len(by_label["t = 1"].x) == 3 * 15 and len(by_label["t = 0"].x) == 15
    ring = by_label["now"]
    assert ring.role == "accent" and np.mean(ring.x) == pytest.approx(0.0, abs=1e-9)
    assert np.mean(ring.y) == pytest.approx(0.0, abs=1e-9)
    line = by_label["w.x + b = 0"]
    assert line.x * 0.6 + line.y * 0.8 - 0.1 == pytest.approx([0.0, 0.0])
    assert top.xlim == (-0.5, 1.5) and top.ylim == (-0.5, 1.5) and "w = [0.6, 0.8]" in top.notes
    assert isinstance(bottom, Figure) and bottom.integer_y and bottom.notes == ("epoch 1: 2 so far",)
    m.step(1)
    m.step(1)
    _, bottom = perceptron_figures(m.frame(), "boundary")
    bars = bottom.series[0]
    assert np.array_equal(bars.y, [0.0, 2.0, np.nan, 0.0, 0.0, np.nan], equal_nan=True)
    assert np.array_equal(bars.x, [1.0, 1.0, np.nan, 2.0, 2.0, np.nan], equal_nan=True)
    assert bottom.ylim == (0.0, 4.0) and bottom.xlim == (0.0, 2.0)
    for fig in (top, bottom):
        fits(fig, 50, 8)
        fits(fig, 200, 30)


def test_perceptron_table_newest_first_with_the_current_row_highlighted():
    m = PerceptronModel(PerceptronParams())
    for _ in range(3):
        f = m.step(0)
    top, _ = perceptron_figures(f, "table")
    assert isinstance(top, TextPanel) and len(top.rows) == 4
    newest = top.rows[1]
    assert {role for _, role in newest} == {"accent"}
    assert text(newest).split()[:7] == ["1", "00", "0", "0.9", "1", "-1", "[0.6,"]
    assert ("+1", "error") in top.rows[2]


def test_detector_truth_table():
    m = PerceptronModel(PerceptronParams(dataset="detector", w_init=(1, 1, 0, 1), b_init=-2))
    top, bottom = perceptron_figures(m.frame(), "boundary")
    assert isinstance(top, TextPanel) and len(top.rows) == 9 and top.notes == ("8 of 16 fire",)
    r = roles(top)
    assert r.count("error") == 7 and r.count("success") == 1
    assert any("1101  +1.00  1 1" == t for t, role in top.rows[6] if role == "success")
    assert isinstance(bottom, Figure)


def test_graph_panel_marks_current_uncomputed_and_gradients():
    m = GraphModel(GraphParams(expression="add_mul"))
    f = m.step(0)
    top, bottom = graph_figures(f, "graph")
    assert len(top.rows) == 5
    current = [row for row in top.rows if row[0] == ("▶", "accent")]
    assert len(current) == 1 and "w = x+y" in text(current[0]) and "5.0000" in text(current[0])
    assert ("·", "dim") in top.rows[4] and "warning" not in roles(top)
    assert [text(r) for r in bottom.rows] == ["w = 2.0000 + 3.0000 = 5.0000", "f = w*z   ·"]
    m.step(1)
    top, bottom = graph_figures(m.step(1), "graph")
    grads = [t.strip() for row in top.rows for t, role in row if role == "warning"]
    assert grads == ["4.0000", "4.0000", "5.0000", "4.0000", "1.0000"]
    assert text(bottom.rows[0]) == "seed: df/df = 1"
    assert text(bottom.rows[1]).startswith("f: grad[w] += 4.0000 * 1.0000 = 4.0000")


def test_sigmoid_backward_pass_panel_names_the_product():
    m = GraphModel(GraphParams())
    m.step(1)
    m.step(0)
    _, bottom = graph_figures(m.step(0), "graph")
    assert [text(r) for r in bottom.rows[:3]] == ["seed: df/df = 1", "f: grad[a] += -0.5344 * 1.0000 = -0.5344",
                                                 "a: ·"]
    assert bottom.rows[1][0][1] == "accent" and bottom.rows[2][0][1] == "dim"


@pytest.mark.parametrize("expression", list(PRESETS))
def test_graph_panel_fits_50_columns_and_7_rows(expression):
    m = GraphModel(GraphParams(expression=expression))
    m.step(1)
    top, _ = graph_figures(m.step(1), "graph")
    assert len(top.rows) <= 7
    assert max(len(text(r)) for r in top.rows) <= 50


def test_values_view_plots_the_output_after_updates():
    m = GraphModel(GraphParams(expression="regularized_logistic", lr=2.0))
    m.step(1)
    _, bottom = graph_figures(m.step(1), "values")
    assert isinstance(bottom, TextPanel)
    for _ in range(3):
        m.step(2)
    m.step(1)
    top, bottom = graph_figures(m.step(1), "values")
    assert isinstance(bottom, Figure) and len(bottom.series[0].y) == 4
    y = bottom.series[0].y
    assert np.all(np.diff(y) < 0) and y[0] == pytest.approx(0.0794283829)
    assert text(top.rows[1]).split()[0] == "wx" and "(parameter)" in text(top.rows[4])
    fits(bottom, 50, 8)
    fits(bottom, 200, 30)
