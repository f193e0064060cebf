"""Helpers for driving the app with the Pilot."""

from __future__ import annotations

import pytest

from nnlab.scenario import load
from nnlab.ui.app import NNLabApp


async def ready(pilot, app) -> None:
    """Wait until the lab's kernels are compiled and its model is built."""
    lab = app.lab()
    for _ in range(600):
        if lab.model is not None and lab.frame is not None:
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the model never became ready")


async def idle(pilot, app) -> None:
    """Wait until a run has finished."""
    lab = app.lab()
    for _ in range(600):
        if not lab.running:
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the run never finished")


@pytest.fixture
def make_app():
    def make(name: str = "neuron_hh_spike", overrides: tuple[str, ...] = ()) -> NNLabApp:
        return NNLabApp(load(name, list(overrides)))

    return make
