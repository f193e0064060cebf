"""Every number on the equation pane is true: each calculation of every bundled scenario, re-evaluated.

For every bundled scenario and every step size, the first 30 steps are taken on a fresh model and
every `Calc` of every frame is evaluated from its operands and compared with the result it shows
(to its printed precision). A plain-text line may not carry arithmetic with a result: that is
what a `Calc` is for.
"""

from __future__ import annotations

import re

import pytest

from nnlab.core.equation import Calc, Expr, Line, Num, false_calcs, fn
from nnlab.core.registry import LABS
from nnlab.scenario import load
from nnlab.scenario.bundled import bundled_names

STEPS = 30
"""Steps of each size taken per scenario."""

HIDDEN_ARITHMETIC = re.compile(r"\d[^=;,:]*?[-+*/]\s*\(?\s*\d[^=;,:]*=\s*[-+]?\d")
"""Text like `8.57 * (1 - 0.001/0.02) = 10.18`: a calculation written as a string."""


def _frames(name: str):
    sc = load(name)
    spec = LABS[sc.lab]
    levels = spec.build_model(sc.params, sc.seed, sc.duration()).step_levels()
    for level in range(len(levels)):
        model = spec.build_model(sc.params, sc.seed, sc.duration())
        yield f"{levels[level]} 0", model.frame()
        for k in range(STEPS):
            frame = model.step(level)
            yield f"{levels[level]} {k + 1}", frame
            if model.blowup or frame.done:
                break


@pytest.mark.parametrize("name", bundled_names())
def test_every_calculation_on_screen_is_true(name: str) -> None:
    wrong: list[str] = []
    calcs = 0
    for where, frame in _frames(name):
        for err in false_calcs(frame.equation):
            wrong.append(f"{where}: {err}")
        for line in frame.equation:
            if isinstance(line, Line):
                calcs += len(line.calcs())
            elif HIDDEN_ARITHMETIC.search(line):
                wrong.append(f"{where}: arithmetic in plain text: {line}")
    assert not wrong, "\n".join(wrong[:20])
    assert calcs, f"{name}: no calculation on the pane in {STEPS} steps of any size"


def test_a_false_line_is_caught() -> None:
    """The synapse line of issue 16: 8.5738 * 0.95 printed as 10.1813."""
    false = Calc("s <-", Num(8.5738, ".4f") * (1 - Num(0.001) / Num(0.02)), 10.1813, ".4f")
    assert false.check()
    true = Calc("s <-", Num(8.5738, ".4f") * (1 - Num(0.001) / Num(0.02)), 8.145111, ".4f")
    assert not true.check()
    assert true.text() == "s <- 8.5738 * (1 - 0.001/0.02) = 8.1451"


def test_rendering_brackets_what_it_must() -> None:
    a, b, c = Num(2), Num(3), Num(-1)
    assert (a - (b - c)).text() == "2 - (3 - (-1))"
    assert (a / (b * a)).text() == "2/(3 * 2)"
    assert (a * b + c).text() == "2 * 3 + (-1)"
    assert fn("exp", -a / b).text() == "exp(-2/3)"
    assert ((a + b) ** a).text() == "(2 + 3)^2"
    assert isinstance(a * 2, Expr)
    assert (c + a).text() == "-1 + 2" and (c * a).text() == "-1 * 2" and (c ** a).text() == "(-1)^2"
