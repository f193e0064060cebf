"""Keys typed faster than a lab is built act in order, on the lab they were typed for."""

from __future__ import annotations

from textual import events
from textual.widgets import TabbedContent

from nnlab.ui.help import HelpScreen

from .conftest import ready


async def type_at_once(pilot, app, keys: str) -> None:
    """Queue every key before the app handles the first, as a fast typist or a pasted string does."""
    for key in keys.split():
        char = "?" if key == "question_mark" else key
        app.post_message(events.Key(key, char))
    for _ in range(30):
        await pilot.pause(0.05)


async def test_5_then_1_ends_on_the_neuron_lab_every_time(make_app):
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        for _ in range(4):
            await type_at_once(pilot, app, "5 1")
            assert app.query_one(TabbedContent).active == "tab-neuron"
            assert app.focused is app.lab() and app.lab().spec.name == "neuron"


async def test_every_tab_then_help_opens_the_som_help(make_app):
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await type_at_once(pilot, app, "1 2 3 4 5 question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.query_one(TabbedContent).active == "tab-som"
        assert app.lab().spec.name == "som"
