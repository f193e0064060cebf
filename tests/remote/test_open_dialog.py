"""The app's open dialog over SSH: a remote directory listed to pick from, then the pick opened."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from nnlab.scenario import load
from nnlab.ui.app import NNLabApp

from ..ui.conftest import ready
from .test_load_remote import SCENARIO, _put


async def test_a_remote_directory_is_listed_and_a_pick_opens(server):
    _put(server, "dialog/square.toml", SCENARIO.replace('data_file = "data/points.csv"', 'dataset = "square"')
         .replace('dataset = "file"\n', ""))
    _put(server, "dialog/other.toml", SCENARIO.replace("Remote map", "Other map")
         .replace('data_file = "data/points.csv"', 'dataset = "ring"').replace('dataset = "file"\n', ""))
    app = NNLabApp(load("neuron_hh_spike"), open_first=server.url("dialog/"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        dialog = app.screen
        options = dialog.query_one("#bundled", OptionList)
        for _ in range(100):
            if options.option_count == 2 and "scenarios in" in str(dialog.query_one("#problems", Static).render()):
                break
            await pilot.pause(0.05)
        assert [options.get_option_at_index(i).prompt for i in range(2)] == ["other.toml", "square.toml"]
        options.focus()
        await pilot.press("down", "enter")
        for _ in range(100):
            if app.screen is not dialog:
                break
            await pilot.pause(0.05)
        await ready(pilot, app)
        assert app.lab().spec.name == "som" and app.lab().scenario.title in ("Remote map", "Other map")
