"""A lab's state changes as one thing: every bundled scenario opens cleanly after stepping in any other kind.

For every lab, one scenario of each model, mode or experiment (its "kind") is opened and stepped
(`n`, then `N`), and then every bundled scenario of that lab is opened over it and stepped. The
lab must end on the new scenario with its own params, model and frame, and never show an internal
error (issue 16: an HH model read with F-I params, a backprop frame without an epoch, a capacity
frame read as a recall one).
"""

from __future__ import annotations

import pytest
from textual.widgets import Static

from nnlab.core.registry import LABS
from nnlab.scenario import load
from nnlab.scenario.bundled import entries
from nnlab.ui.app import NNLabApp

from .conftest import idle

KIND_FIELDS = ("model", "mode", "experiment", "cell")
"""Params fields that choose what a lab runs."""


def kind(name: str) -> tuple:
    p = load(name).params
    return (type(p).__name__,) + tuple(getattr(p, f, None) for f in KIND_FIELDS)


def kinds_of(lab: str) -> dict[tuple, str]:
    """One scenario for every kind of `lab` (the first in name order)."""
    found: dict[tuple, str] = {}
    for e in sorted(entries(lab), key=lambda e: e.name):
        found.setdefault(kind(e.name), e.name)
    return found


async def settled(pilot, app, name: str) -> None:
    """Wait until the active lab shows `name`'s model and no run or build is under way."""
    for _ in range(1200):
        lab = app.lab()
        if (lab.state is not None and lab.scenario.name == name and lab._build is None and not lab.running
                and lab.frame is not None):
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{name} never became ready")


def consistent(app, name: str) -> None:
    lab = app.lab()
    status = str(app.query_one(f"#lab-{lab.spec.name} #status", Static).render())
    assert "internal error" not in status, status
    state = lab.state
    assert state.scenario.name == name
    assert type(state.params) is type(load(name).params)
    assert state.model.params == state.params
    assert lab.frame is state.frame


@pytest.mark.parametrize("lab", list(LABS))
async def test_every_scenario_opens_after_stepping_in_every_kind(lab: str) -> None:
    names = [e.name for e in entries(lab)]
    reps = kinds_of(lab)
    app = NNLabApp(load(LABS[lab].default_scenario))
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app, LABS[lab].default_scenario)
        for first in reps.values():
            for name in names:
                if name == first:
                    continue
                await app.open_scenario(load(first))
                await settled(pilot, app, first)
                await pilot.press("n", "N")
                await idle(pilot, app)
                consistent(app, first)
                await app.open_scenario(load(name))
                await settled(pilot, app, name)
                consistent(app, name)
                await pilot.press("n")
                await idle(pilot, app)
                consistent(app, name)


async def test_issue_16_hopfield_capacity_run_to_the_end_then_sync_cycle() -> None:
    app = NNLabApp(load("hopfield_capacity"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, "hopfield_capacity")
        await pilot.press("space")
        await idle(pilot, app)
        await app.open_scenario(load("hopfield_sync_cycle"))
        await settled(pilot, app, "hopfield_sync_cycle")
        consistent(app, "hopfield_sync_cycle")
        await pilot.press("n", "N")
        await idle(pilot, app)
        consistent(app, "hopfield_sync_cycle")
