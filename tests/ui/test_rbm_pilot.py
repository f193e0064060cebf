"""The RBM lab driven with keys: one CD update walked pass by pass, the views, the small experiments."""

from __future__ import annotations

from nnlab.plotting.spec import Figure, Mosaic
from nnlab.plotting.widgets import PlotView
from nnlab.scenario import load
from nnlab.ui.app import NNLabApp

from .conftest import idle, ready


async def test_one_cd_update_walked_pass_by_pass_and_back():
    app = NNLabApp(load("rbm_onehot_3x2"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert lab.spec.name == "rbm"
        stages = []
        for _ in range(4):
            await pilot.press("n")
            await pilot.pause()
            stages.append(lab.model.stage.split(":")[0])
        assert stages == ["up", "down 1 of 1", "up 1 of 1", "update"]
        assert lab.model.updates == 1
        top = lab.query_one("#plot-top", PlotView).figure
        assert isinstance(top, Mosaic) and [t.label for t in top.tiles][:2] == ["v1 (data)", "h1"]
        assert "W += kappa" in lab.frame.equation[0]
        await pilot.press("b", "b")
        await pilot.pause()
        assert lab.model.updates == 0 and lab.model.op == 2
        await pilot.press("N")
        await pilot.pause()
        assert lab.model.updates == 1 and lab.model.op == 0
        for view, kind in (("fields", Mosaic), ("curves", Figure), ("dreams", Mosaic), ("exact", Figure)):
            await pilot.press("v")
            await pilot.pause()
            assert lab.view == view
            figure = lab.query_one("#plot-top", PlotView).figure
            assert isinstance(figure, kind)
            if view == "dreams":
                assert len(figure.tiles) == lab.params.chains


async def test_an_epoch_runs_in_a_worker():
    app = NNLabApp(load("rbm_bars_stripes"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("g", "N")
        await idle(pilot, app)
        assert lab.model.epoch == 1 and len(lab.model.recon) == 2


async def test_boltzmann_and_sampler_experiments():
    app = NNLabApp(load("rbm_boltzmann_temperature"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("n", "n")
        await pilot.pause()
        assert len(lab.model.curves) == 2
        assert lab.query_one("#plot-top", PlotView).figure.title.startswith("P(on)")
    app = NNLabApp(load("rbm_exact_vs_gibbs"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await idle(pilot, app)
        assert lab.model.taken == 100_000 and lab.model.tv[-1] < 0.03
