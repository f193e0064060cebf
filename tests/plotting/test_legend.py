"""Legends: every labelled series is named (marker and name, in its colour) above the plot or, when the
rows above are full, in the plot's emptiest corner; many curves of one colour are counted, not listed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnlab.core.registry import LABS
from nnlab.plotting.legend import MARKERS, corner_box, header, one_row
from nnlab.plotting.neuron_figures import neuron_figures
from nnlab.plotting.render import laid_out, layout, to_text
from nnlab.plotting.som_figures import som_figures
from nnlab.plotting.spec import Figure, Series
from nnlab.scenario import load

PLOT = (47, 8)
"""A plot's size in the lab at 80x24."""


def _frame(name: str, steps: int = 0, level: int = 0):
    scenario = load(name)
    model = LABS[scenario.lab].build_model(scenario.params, scenario.seed, scenario.duration())
    frame = model.frame()
    for _ in range(steps):
        frame = model.step(level)
    return dataclasses.replace(frame, data={**frame.data, "params": model.params})


def _flat(text: str) -> str:
    return " ".join(text.split())


def _named(fig: Figure, width: int, height: int) -> None:
    """Each labelled series' marker and label is in the laid-out figure, in the series' colour."""
    rows = layout(fig, width, height)
    pieces = [(text.strip(), role) for row in rows for text, role in row]
    assert all(sum(len(t) for t, _ in row) <= width for row in rows)
    for s in fig.series:
        if s.label:
            assert (f"{MARKERS[s.kind]} {s.label}", s.role) in pieces, (s.label, to_text(fig, width, height))


@pytest.mark.parametrize("name, view", [("neuron_hh_spike", "trace"), ("neuron_hh_spike", "gates"),
                                        ("neuron_hh_spike", "phase"), ("neuron_population_tuning", "trace")])
def test_the_neuron_figures_name_every_series_at_80x24(name, view):
    for fig in neuron_figures(_frame(name, steps=3), view):
        if isinstance(fig, Figure):
            _named(fig, *PLOT)


def test_the_som_mesh_names_data_map_sample_and_bmu_at_80x24():
    frame = _frame("som_square", steps=2)
    mesh, errors = som_figures(frame, "map")
    assert {s.label for s in mesh.series} >= {"data", "map", "x", "BMU"}
    _named(mesh, *PLOT)
    _named(errors, *PLOT)


def test_twenty_tuning_curves_take_one_entry_per_colour_with_their_count():
    frame = _frame("neuron_population_tuning")
    _, tuning = neuron_figures(frame, "trace")
    curves = [s for s in tuning.series if s.kind == "line"]
    labels = [s.label for s in curves if s.label]
    assert len(curves) == frame.data["n_neurons"] == 20 and len(labels) == 2
    counts = [int(label.split()[0]) for label in labels]
    assert sum(counts) == 20 and all("e = " in label for label in labels)


def test_the_hh_phase_plane_draws_both_nullclines():
    top, bottom = neuron_figures(_frame("neuron_hh_spike", steps=3), "phase")
    assert bottom.xlim == (0.0, 100.0) and bottom.xlabel == "ms"
    labels = [s.label for s in top.series]
    assert any(label.startswith("dV/dt = 0") for label in labels) and "dn/dt = 0" in labels
    n_inf = next(s for s in top.series if s.label == "dn/dt = 0")
    assert np.all(np.isfinite(n_inf.y)) and n_inf.x[0] == top.xlim[0] and n_inf.x[-1] == top.xlim[1]


def test_a_legend_without_room_above_goes_to_a_corner_and_hides_no_data():
    x = np.linspace(0.0, 1.0, 200)
    series = tuple(Series(x, x + 0.02 * k, role=role, label=f"curve {k}")
                   for k, role in enumerate(("primary", "accent", "success")))
    title = "a title long enough to take both of the rows above the plot"
    fig = Figure(title, series, (0.0, 1.0), (0.0, 1.0), notes=("3 curves",))
    bare = Figure(title, tuple(dataclasses.replace(s, label="") for s in series), (0.0, 1.0), (0.0, 1.0))
    _named(fig, 40, 12)
    braille = lambda f: sum("\u2800" < ch <= "\u28ff" for ch in to_text(f, 40, 12))  # noqa: E731
    assert braille(fig) == braille(bare) > 0
    assert "3 curves" in to_text(fig, 40, 12)


def test_the_corner_box_avoids_the_data():
    bits = np.zeros((6, 30), dtype=np.uint8)
    bits[:, 20:] = 1
    bits[3:, :] = 1
    row, col, box = corner_box([("─ a", "primary"), ("─ bb", "accent")], bits)
    assert (row, col) == (0, 0) and len(box) == 2


def test_a_title_wraps_then_ends_in_an_ellipsis():
    rows, left, was_cut = header("errors: QE (mean |x - W_BMU|) over its start, TE (share)", [("─ QE", "primary")],
                                 ("QE 0.27",), 25, 2)
    assert left == [("QE 0.27", "note"), ("─ QE", "primary")]
    flat = ["".join(t for t, _ in row) for row in rows]
    assert len(rows) == 2 and all(len(line) <= 25 for line in flat) and flat[-1].rstrip().endswith("…")
    assert was_cut
    rows, _, was_cut = header("short", [], (), 30, 2)
    assert not was_cut and rows == [[("short", "title")]]


def test_laid_out_says_when_the_title_is_cut():
    fig = Figure("x" * 100, (), (0.0, 1.0), (0.0, 1.0))
    assert laid_out(fig, 40, 10)[1] and not laid_out(Figure("ok", (), (0.0, 1.0), (0.0, 1.0)), 40, 10)[1]


def test_a_title_row_that_overflows_ends_in_an_ellipsis():
    row, was_cut = one_row([("state & patterns", "title"), ("  +1 hidden", "warning"), ("  E = -776.7", "note")], 24)
    assert "".join(t for t, _ in row) == "state &…  +1 hidden …" and was_cut
    assert row[1] == ("  +1 hidden", "warning")
    assert one_row([("short", "title")], 24) == ([("short", "title")], False)
