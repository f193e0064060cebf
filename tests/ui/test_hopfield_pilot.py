"""The Hopfield lab driven as a person uses it: keys, the draw mode, the mouse, and the readouts."""

from __future__ import annotations

import numpy as np

from nnlab.core.equation import lines_text
from nnlab.plotting.spec import Mosaic
from nnlab.plotting.widgets import PlotView
from nnlab.scenario import load
from nnlab.ui.app import NNLabApp
from nnlab.ui.messages import ParamsChanged

from .conftest import idle, ready


async def ready_again(pilot, lab, N: int) -> None:
    for _ in range(200):
        if lab.model is not None and lab.model.N == N and lab.frame is not None:
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the model was never rebuilt")


async def test_stepping_one_unit_a_sweep_and_back():
    app = NNLabApp(load("hopfield_letters"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert lab.spec.name == "hopfield"
        await pilot.press("n")
        await pilot.pause()
        assert lab.model.updates == 1
        eq = " ".join(lines_text(lab.frame.equation))
        assert "h_" in eq and "dE" in eq
        assert isinstance(lab.query_one("#plot-top", PlotView).figure, Mosaic)
        await pilot.press("N")
        await pilot.pause()
        assert lab.model.updates == 100 and lab.model.sweeps == 1
        await pilot.press("b")
        await pilot.pause()
        assert lab.model.updates == 1
        await pilot.press("g", "N")
        await pilot.pause()
        await idle(pilot, app)
        assert lab.model.stable and lab.model.recalled_target() == 0
        assert "recalled H" in str(lab.query_one("#status").render())


async def test_draw_store_corrupt_and_recall():
    app = NNLabApp(load("hopfield_draw"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("d")
        assert lab.cursor == 0
        await pilot.press("space", "right", "space", "down", "space", "right", "right", "space")
        await pilot.pause()
        drawn = np.flatnonzero(lab.model.x > 0).tolist()
        assert drawn == [0, 1, 11, 13]
        await pilot.press("d", "a")
        await pilot.pause()
        assert lab.cursor is None and len(lab.model.P) == 1
        await pilot.press("f")
        await pilot.pause()
        assert not np.array_equal(lab.model.x, lab.model.P[0])
        await pilot.press("g", "N")
        await idle(pilot, app)
        x = lab.model.x
        assert np.array_equal(x, lab.model.P[0]) or np.array_equal(x, -lab.model.P[0])


async def test_space_is_a_pixel_while_drawing_and_run_otherwise():
    app = NNLabApp(load("hopfield_draw"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("d", "space", "escape")
        await pilot.pause()
        assert lab.model.x[0] == 1.0 and lab.cursor is None
        assert not lab.running


async def test_clicking_the_state_toggles_a_pixel_and_a_pattern_loads_it():
    app = NNLabApp(load("hopfield_letters"))
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        plot = lab.query_one("#plot-top", PlotView)
        await pilot.pause()
        state_tile = next(p for p in plot._placed if p.index == 1)
        before = lab.model.x.copy()
        await pilot.click(plot, offset=(state_tile.x, state_tile.y + 1))
        await pilot.pause()
        changed = np.flatnonzero(lab.model.x != before)
        assert changed.tolist() == [0]
        o_tile = next(p for p in plot._placed if plot.figure.tiles[p.index].key == 1)
        await pilot.click(plot, offset=(o_tile.x + 2, o_tile.y + 2))
        await pilot.pause()
        assert np.array_equal(lab.model.x, lab.model.P[1])


async def test_sync_cycle_is_named_and_capacity_runs_with_progress():
    app = NNLabApp(load("hopfield_sync_cycle"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await idle(pilot, app)
        assert lab.model.period == 2
        assert "2-cycle" in str(lab.query_one("#status").render())
    app = NNLabApp(load("hopfield_capacity", ["params.trials=10"]))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("n")
        await idle(pilot, app)
        assert len(lab.model.rate) == 1
        await pilot.press("space")
        await idle(pilot, app)
        assert len(lab.model.rate) == 30
        assert lab.query_one("#plot-top", PlotView).figure.title.startswith("recall rate")


async def test_a_large_network_is_drawn_shrunk_and_says_so():
    app = NNLabApp(load("hopfield_letters", ["params.patterns=[]", "params.n_patterns=20",
                                             "params.n_units=4096"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        plot = lab.query_one("#plot-top", PlotView)
        await pilot.pause()
        assert plot._placed[0].s > 1
        assert "scale" in plot.render_line(0).text
        await pilot.press("n")
        await pilot.pause()
        assert lab.model.updates == 1


async def test_the_draw_cursor_does_not_outlive_a_smaller_network():
    app = NNLabApp(load("hopfield_draw"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("d", *["down"] * 9, "space")
        await pilot.pause()
        assert lab.cursor == 90
        lab.post_message(ParamsChanged(lab.params.replace(n_units=49)))
        await ready_again(pilot, lab, 49)
        await pilot.press("space")
        await idle(pilot, app)
        assert lab.cursor is None


async def test_until_stable_at_a_temperature_can_be_stopped():
    app = NNLabApp(load("hopfield_temperature", ["params.max_sweeps=100000"]))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("g", "N")
        await pilot.pause(0.3)
        assert lab.running
        await pilot.press("space")
        await idle(pilot, app)
        assert 0 < lab.model.sweeps < 100000


async def test_a_cycle_is_named_as_a_cycle_not_settled(monkeypatch):
    app = NNLabApp(load("hopfield_sync_cycle"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        notices = []
        monkeypatch.setattr(lab, "notify", lambda message, **kw: notices.append(message))
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert lab.model.period == 2 and len(lab.history) == 3
        await pilot.press("space")
        await idle(pilot, app)
        assert any("cycles with period 2" in n for n in notices), notices
        assert not any("settled" in n for n in notices)


async def test_a_step_after_the_end_says_why_and_keeps_no_history(monkeypatch):
    app = NNLabApp(load("hopfield_sync_cycle"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        notices = []
        monkeypatch.setattr(lab, "notify", lambda message, **kw: notices.append(message))
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert lab.model.period == 2 and len(lab.history) == 3 and not notices
        await pilot.press("n", "N")
        await pilot.pause()
        assert len(lab.history) == 3 and lab.model.updates == 3
        assert len(notices) == 2 and all("cycles with period 2" in n for n in notices)
        await pilot.press("b")
        await pilot.pause()
        assert lab.model.updates == 2 and not lab.model.finished()
