"""The status line is never cut at 80x24: the outcome of a step comes first and the line grows to fit."""

from __future__ import annotations

from textual.widgets import Static

from .conftest import idle, ready


async def test_the_hopfield_outcome_is_readable_at_80x24(make_app):
    app = make_app("hopfield_letters")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("N", "N", "N", "N")
        await idle(pilot, app)
        status = app.query_one("#lab-hopfield #status", Static)
        text = str(status.render())
        assert lab.frame.stage and lab.frame.stage in text
        assert status.size.height * (status.size.width - 2) >= len(text)


async def test_an_error_with_its_log_path_is_shown_whole(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "a-rather-long-folder-name-for-the-data"))
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()

        def broken(frame):
            raise ValueError("a long message " * 3)

        monkeypatch.setattr(lab, "figures", broken)
        await pilot.press("n")
        await pilot.pause()
        status = app.query_one("#lab-neuron #status", Static)
        text = str(status.render())
        assert "errors.log" in text
        assert status.size.height >= 2 and status.size.height * (status.size.width - 2) >= len(text)
