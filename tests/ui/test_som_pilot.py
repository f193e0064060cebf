"""The SOM lab driven with keys: one sample walked stage by stage and back, the views, a run."""

from __future__ import annotations

import numpy as np

from nnlab.core.equation import lines_text
from nnlab.plotting.spec import Figure, Picture, TextPanel
from nnlab.plotting.widgets import PlotView
from nnlab.scenario import load
from nnlab.ui.app import NNLabApp

from .conftest import idle, ready


async def test_one_sample_stage_by_stage_and_back():
    app = NNLabApp(load("som_square"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert lab.spec.name == "som"
        W0 = lab.model.Wt.copy()
        said = []
        for _ in range(3):
            await pilot.press("n")
            await pilot.pause()
            said.append(lab.model.said.split(":")[0])
        assert said == ["draw", "BMU", "update"]
        assert lab.model.t == 1 and lab.model.moved.any()
        top = lab.query_one("#plot-top", PlotView).figure
        assert isinstance(top, Figure) and "moved" in [s.label for s in top.series]
        assert "W_v += eta" in lab.frame.equation[0] and "units moved" in lines_text(lab.frame.equation)[1]
        await pilot.press("b", "b", "b")
        await pilot.pause()
        assert lab.model.t == 0 and np.array_equal(lab.model.Wt, W0)
        await pilot.press("N")
        await pilot.pause()
        assert lab.model.t == 1 and lab.model.stage == 0
        for view, kind in (("umatrix", Picture), ("hits", Picture), ("errors", Figure), ("schedule", Figure)):
            await pilot.press("v")
            await pilot.pause()
            assert lab.view == view
            assert isinstance(lab.query_one("#plot-top", PlotView).figure, kind)


async def test_a_run_trains_the_map_to_the_end():
    app = NNLabApp(load("som_square", ["run.speed=1e9"]))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await idle(pilot, app)
        assert lab.model.t == 5000 and lab.model.epoch == 5 and lab.model.qe[-1] < 0.06


async def test_colours_and_labels_views():
    app = NNLabApp(load("som_colours"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("N")
        await pilot.pause()
        top = app.lab().query_one("#plot-top", PlotView).figure
        assert isinstance(top, Picture) and top.rgb.shape == (20, 20, 3) and top.marks
    app = NNLabApp(load("som_digits"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("g", "N")
        await idle(pilot, app)
        top = lab.query_one("#plot-top", PlotView).figure
        assert isinstance(top, TextPanel) and lab.model.epoch == 1
        shown = {text.strip() for row in top.rows for text, _ in row}
        assert {str(d) for d in range(10)} <= shown
