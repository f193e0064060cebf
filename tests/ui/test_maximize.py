"""z gives a plot the whole screen (the HH gates, 20 tuning curves or a SOM mesh are readable at 80x24)."""

from __future__ import annotations

from nnlab.plotting.widgets import PlotView

from .conftest import ready


async def test_z_maximises_the_upper_plot_then_the_lower_then_returns(make_app):
    app = make_app("neuron_lif_tuning")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        top, bottom = lab.query_one("#plot-top", PlotView), lab.query_one("#plot-bottom", PlotView)
        small = top.size
        await pilot.press("z")
        await pilot.pause()
        assert top.display and not bottom.display
        assert top.size.width >= 78 and top.size.height > 2 * small.height
        await pilot.press("z")
        await pilot.pause()
        assert bottom.display and not top.display and bottom.size.width >= 78
        await pilot.press("n")
        assert lab.frame.step == 1
        await pilot.press("z")
        await pilot.pause()
        assert top.display and bottom.display
        assert top.size.width == small.width and abs(top.size.height - small.height) <= 1  # the status may grow a row
