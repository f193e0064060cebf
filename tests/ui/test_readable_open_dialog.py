"""The open dialog at 80x24: many scenarios in view, a filter as you type, a local folder browsed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList

from nnlab.scenario.bundled import entries
from nnlab.ui.dialogs import OpenScenario

from .conftest import ready
from .test_small_terminal import text_of

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"


async def _dialog(pilot, app, lab: str = "", picked: list | None = None) -> OpenScenario:
    dialog = OpenScenario(lab=lab)
    app.push_screen(dialog, (picked if picked is not None else []).append)
    await pilot.pause()
    return dialog


def _ids(dialog: OpenScenario) -> list[str]:
    options = dialog.query_one("#bundled", OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_many_scenarios_in_view_and_the_lab_in_front_first_at_80x24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        dialog = await _dialog(pilot, app, lab="hopfield")
        ids = _ids(dialog)
        assert all(name.startswith("hopfield_") for name in ids[:8]) and not ids[8].startswith("hopfield_")
        shown = [line for line in text_of(dialog.query_one("#bundled", OptionList)) if line.strip()]
        assert len(shown) >= 8
        assert [line.split()[0] for line in shown[:4]] == ids[:4]
        title = next(e.title for e in entries() if e.name == ids[0])
        assert title in " ".join(text_of(dialog.query_one("#detail")))  # the whole title the row may cut


async def test_typing_filters_and_enter_opens_the_best_match(make_app):
    app = make_app()
    picked: list = []
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        dialog = await _dialog(pilot, app, lab="neuron", picked=picked)
        await pilot.press(*"lif tun")
        assert _ids(dialog)[0] == "neuron_lif_tuning" and len(_ids(dialog)) < 10
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"spurious")
        assert _ids(dialog)[0] == "hopfield_spurious"
        await pilot.press("enter")
        await pilot.pause()
        assert [s.name for s in picked] == ["hopfield_spurious"]


async def test_a_typed_folder_lists_its_scenarios_and_subfolders(make_app, tmp_path):
    (tmp_path / "lecture 3").mkdir()
    (tmp_path / "recall.toml").write_text((BUNDLED / "hopfield_letters.toml").read_text())
    (tmp_path / "notes.txt").write_text("not a scenario")
    (tmp_path / "lecture 3" / "deep.toml").write_text((BUNDLED / "som_square.toml").read_text())
    app = make_app()
    picked: list = []
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        dialog = await _dialog(pilot, app, picked=picked)
        field = dialog.query_one("#path", Input)
        field.value = str(tmp_path)
        await pilot.press("enter")
        await pilot.pause()
        assert _ids(dialog) == [f"{tmp_path / 'lecture 3'}/", str(tmp_path / "recall.toml")]
        assert "Letters" in " ".join(text_of(dialog.query_one("#bundled", OptionList)))
        await pilot.press("enter")
        await pilot.pause()
        assert field.value == f"{tmp_path / 'lecture 3'}/" and _ids(dialog) == [str(tmp_path / "lecture 3" / "deep.toml")]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [s.lab for s in picked] == ["som"]
