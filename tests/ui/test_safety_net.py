"""An exception in a lab never ends the app: one line in the status bar, the last good state, a log file."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from .conftest import idle, ready


def status_of(app) -> str:
    return str(app.query_one("#lab-neuron #status", Static).render())


async def test_a_failing_frame_leaves_the_lab_at_its_last_good_state(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = make_app("neuron_lif_constant")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("n", "n")
        good = lab.frame
        v_good = lab.model.snapshot()["state"]["v"].copy()

        def broken(frame):
            raise ZeroDivisionError("a figure divided by zero")

        monkeypatch.setattr(lab, "figures", broken)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
        status = status_of(app)
        log = tmp_path / "nnlab" / "errors.log"
        assert "internal error (ZeroDivisionError: a figure divided by zero)" in status
        assert str(log) in status and "back at the last good state" in status
        assert "Traceback" in log.read_text() and "a figure divided by zero" in log.read_text()
        assert lab.frame is good and lab.model.steps_total == good.step
        assert (lab.model.snapshot()["state"]["v"] == v_good).all()
        monkeypatch.undo()
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
        await pilot.press("n")
        assert lab.frame.step == good.step + 1
        assert "internal error" not in status_of(app)


async def test_a_failing_key_action_is_one_line(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()

        def broken() -> None:
            raise KeyError("epoch")

        monkeypatch.setattr(lab, "action_granularity", broken)
        await pilot.press("g")
        await pilot.pause()
        assert app.is_running
        assert "internal error (KeyError: 'epoch')" in status_of(app)
        await pilot.press("n")
        assert lab.frame.step == 1


async def test_a_failure_over_and_over_ends_the_app_with_status_1(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = make_app("neuron_hh_spike")
    with pytest.raises(RuntimeError, match="always"):
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(pilot, app)
            lab = app.lab()

            def broken(frame):
                raise RuntimeError("always")

            monkeypatch.setattr(lab, "figures", broken)
            for _ in range(6):
                await pilot.press("n")
            await pilot.pause()
    assert app.return_code == 1


async def test_a_failing_worker_step_gives_the_model_back(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("n")
        good = lab.frame.step

        def broken(level):
            raise MemoryError

        monkeypatch.setattr(lab.model, "step", broken)
        await pilot.press("g", "N")
        await idle(pilot, app)
        assert not lab.running and lab.model.steps_total == good
        assert "the step ran out of memory" in status_of(app)


async def test_a_knob_changed_while_running_is_applied_by_the_worker(make_app):
    from nnlab.ui.messages import ParamsChanged

    app = make_app("neuron_lif_constant")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await pilot.pause(0.2)
        assert lab.running
        new = lab.params.replace(v_in=lab.params.v_in + 0.5)
        lab.post_message(ParamsChanged(new))
        for _ in range(100):
            if lab.model.params == new:
                break
            await pilot.pause(0.05)
        assert lab.model.params == new and lab.params == new
        await pilot.press("space")
        await idle(pilot, app)
        assert lab.model.params == new
