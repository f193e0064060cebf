"""The RNN lab driven with keys: one sequence walked gate by gate and back, every view, the gradient check."""

from __future__ import annotations

import numpy as np
from textual.widgets import Static

from nnlab.core.equation import lines_text
from nnlab.core.rnn.params import RNN_VIEWS
from nnlab.plotting.spec import TextPanel
from nnlab.plotting.widgets import PlotView
from nnlab.scenario import load
from nnlab.ui.app import NNLabApp

from .conftest import idle, ready


async def test_one_sequence_gate_by_gate_and_back():
    app = NNLabApp(load("rnn_hello"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert lab.spec.name == "rnn" and lab.view == "chain"
        theta0 = lab.model.theta.copy()
        start = (lab.frame.step, lines_text(lab.frame.equation))
        said = []
        for _ in range(40):
            await pilot.press("n")
            said.append(lab.frame.stage)
            if said[-1].startswith("update"):
                break
        kinds = [s.split(" ")[0] for s in said]
        assert kinds[:12] == ["forward"] * 12 and kinds[12] == "loss"
        assert kinds[13:-1] == ["backward"] * 12 and kinds[-1] == "update"
        assert [s.split(": ")[1] for s in said[:3]] == ["s", "h", "y"]
        assert [s.split("t = ")[1][0] for s in said[13:25:3]] == ["4", "3", "2", "1"]
        assert not np.array_equal(lab.model.theta, theta0)
        top = lab.query_one("#plot-top", PlotView).figure
        assert isinstance(top, TextPanel) and "chain" in top.title
        for _ in range(len(said)):
            await pilot.press("b")
        await pilot.pause()
        assert np.array_equal(lab.model.theta, theta0)
        assert (lab.frame.step, lines_text(lab.frame.equation)) == start
        await pilot.press("n", "n")
        assert lab.frame.stage == said[1]


async def test_every_view_renders_and_the_check_agrees():
    app = NNLabApp(load("lstm_gate_viewer"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("g", "N")
        seen = []
        for _ in RNN_VIEWS:
            await pilot.press("v")
            await pilot.pause()
            seen.append(lab.view)
            status = str(lab.query_one("#status", Static).render())
            assert "internal error" not in status and "stopped" not in status, (lab.view, status)
            for plot in lab.query(PlotView):
                assert plot.figure is not None
                for y in range(plot.size.height):
                    plot.render_line(y)
        assert sorted(seen) == sorted(RNN_VIEWS)
        await pilot.press("c")
        await pilot.pause()
        top = lab.query_one("#plot-top", PlotView).figure
        assert lab.view == "check" and isinstance(top, TextPanel) and "gradient check" in top.title
        assert max(r.rel_err for r in lab._check[1]) < 1e-5


async def test_an_epoch_runs_in_a_worker():
    app = NNLabApp(load("rnn_hello"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("g", "g", "N")
        await idle(pilot, app)
        assert lab.model.epoch == 1
        assert "epoch 1" in str(lab.query_one("#status", Static).render())
