"""The app as a class-server session runs it: the class's scenarios to open, nothing outside them, and
every file it writes in the student's own folder."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static

from nnlab.scenario import load
from nnlab.scenario.class_access import ClassAccess
from nnlab.ui.app import NNLabApp
from nnlab.ui.dialogs import OpenScenario, SaveScenario

from .conftest import ready

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"


def _access(tmp_path: Path) -> ClassAccess:
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "recall.toml").write_text((BUNDLED / "hopfield_letters.toml").read_text()
                                     .replace('title = "', 'title = "Class: ', 1))
    (tmp_path / "private.toml").write_text((BUNDLED / "hopfield_letters.toml").read_text())
    saves = tmp_path / "alice"
    saves.mkdir()
    return ClassAccess(cls.resolve(), saves.resolve())


async def _submit(pilot, dialog, text: str) -> str:
    field = dialog.query_one("#path", Input)
    field.value = text
    await pilot.press("enter")
    await pilot.pause()
    return str(dialog.query_one("#problems", Static).render()) if app_shows(dialog) else ""


def app_shows(dialog) -> bool:
    return dialog.is_attached and dialog.app.screen is dialog


async def test_the_open_dialog_offers_the_class_and_refuses_the_rest(tmp_path):
    access = _access(tmp_path)
    app = NNLabApp(load("neuron_hh_spike"), access=access)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OpenScenario)
        options = dialog.query_one("#bundled", OptionList)
        assert options.get_option_at_index(0).id == "recall.toml"
        assert "../private.toml" not in [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "a path with .." in await _submit(pilot, dialog, "../private.toml")
        assert "an absolute path" in await _submit(pilot, dialog, str(tmp_path / "private.toml"))
        assert "an SSH address" in await _submit(pilot, dialog, "me@example.org:x.toml")
        assert app.screen is dialog
        await _submit(pilot, dialog, "recall")
        await ready(pilot, app)
        assert app.lab().spec.name == "hopfield" and app.lab().scenario.title.startswith("Class: ")


async def test_saves_and_exports_land_in_the_students_folder(tmp_path, monkeypatch):
    access = _access(tmp_path)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    app = NNLabApp(load("neuron_hh_spike"), access=access)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("n", "e")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SaveScenario)
        assert dialog.query_one("#path", Input).value == "neuron_hh_spike.toml"
        assert "expected a plain file name" in await _submit(pilot, dialog, "../../x.toml")
        await _submit(pilot, dialog, "mine")
        assert app.screen is not dialog
        app.action_screenshot()
        await pilot.pause()
    written = sorted(p.name for p in access.saves.iterdir())
    assert "mine.toml" in written and "neuron_hh_spike-step1.npz" in written
    assert any(name.endswith(".svg") for name in written)
    assert list(elsewhere.iterdir()) == []
    assert load(str(access.saves / "mine.toml")).lab == "neuron"


async def test_typed_markup_stays_text_and_screenshots_stay_in_the_folder(tmp_path):
    access = _access(tmp_path)
    app = NNLabApp(load("neuron_hh_spike"), access=access)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        link = "[@click=app.screenshot('/tmp/x.svg')]here[/]"
        shown = await _submit(pilot, app.screen, link)
        assert link in shown
        app.action_screenshot(str(tmp_path / "escaped.svg"))
        app.action_screenshot("../escaped2.svg")
        await pilot.pause()
    assert not (tmp_path / "escaped.svg").exists() and not (tmp_path / "escaped2.svg").exists()
    assert {"escaped.svg", "escaped2.svg"} <= {p.name for p in access.saves.iterdir()}
