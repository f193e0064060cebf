"""Axis ticks never run together and never repeat: neighbours get enough digits to differ, and a
tick that would touch another is left out."""

import re

import numpy as np

from nnlab.core.registry import LABS
from nnlab.plotting.rbm_figures import tv_figure
from nnlab.plotting.render import layout, tick, ticks, to_text
from nnlab.plotting.spec import Figure, Series
from nnlab.scenario.loader import load


def test_neighbouring_ticks_get_the_digits_to_differ():
    assert ticks([-776.4, -776.8, -777.2]) == ["-776.4", "-776.8", "-777.2"]
    assert ticks([0.2503, 0.2495, 0.2487]) == ["0.2503", "0.2495", "0.2487"]
    assert ticks([1.0, 50.5, 100.0]) == ["1", "50.5", "100"]
    assert ticks([3.0, 3.0, 3.0]) == ["3", "", ""]
    assert tick(123.456) == "123"


def _y_ticks(text: str) -> list[str]:
    return [line.split("│")[0].strip() for line in text.splitlines() if "│" in line and line.split("│")[0].strip()]


def test_a_narrow_y_range_far_from_zero_has_distinct_ticks():
    x = np.arange(10.0)
    for lo, hi in ((-777.2, -776.4), (0.2487, 0.2503), (1e6, 1e6 + 3.0)):
        fig = Figure("E", (Series(x, np.linspace(lo, hi, 10)),), (0.0, 9.0), (lo, hi))
        labels = _y_ticks(to_text(fig, 60, 12))
        assert len(labels) == 3 and len(set(labels)) == 3, labels


def test_integer_ticks_do_not_repeat():
    fig = Figure("raster", (), (0.0, 1.0), (0.0, 1.0), integer_y=True)
    labels = _y_ticks(to_text(fig, 40, 12))
    assert labels == ["1", "0"]


def _x_ticks_apart(line: str) -> bool:
    """Every number on the x row stands apart from the next by at least two blanks."""
    spans = [m.span() for m in re.finditer(r"-?[\d.e]+", line)]
    return all(b[0] - a[1] >= 2 for a, b in zip(spans, spans[1:]))


def test_x_ticks_never_touch_at_any_width():
    sc = load("rbm_exact_vs_gibbs")
    frame = LABS["rbm"].build_model(sc.params, sc.seed, sc.duration()).frame()
    fig = tv_figure(frame)
    long = Figure("TV", (), (1.0, 100.0), (0.0, 1.0), xlabel="block of samples")
    for f in (fig, long):
        for width in range(12, 100):
            x_row = to_text(f, width, 8).splitlines()[-1]
            ticks_only = x_row.split(" block")[0]
            assert _x_ticks_apart(ticks_only), (width, x_row)
            assert len(layout(f, width, 8)) == 8
