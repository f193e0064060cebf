"""Notices (Textual's toasts) at 80x24 sit over the plots, never on the numbers: the equation, the
status line, the parameters and the inspector stay readable while one shows."""

from __future__ import annotations

from textual.widgets._toast import Toast

from nnlab.ui.widgets.equation import EquationPane
from nnlab.ui.widgets.inspector import Inspector
from nnlab.ui.widgets.param_panel import ParamPanel

from .conftest import ready


async def test_a_notice_covers_no_number_at_80x24(make_app):
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot, app)
        app.notify("a notice long enough to wrap onto a second line of its toast, as the open dialog's are",
                   timeout=30)
        app.notify("a second notice", timeout=30)
        for _ in range(50):
            toasts = list(app.screen.query(Toast))
            if len(toasts) == 2 and all(t.region.area for t in toasts):
                break
            await pilot.pause(0.02)
        assert len(toasts) == 2
        plots = app.query_one("#center").region
        for toast in toasts:
            assert plots.contains_region(toast.region), toast.region
            for widget in (app.query_one(EquationPane), app.query_one("#status"), app.query_one(ParamPanel),
                           app.query_one(Inspector)):
                assert not widget.region.overlaps(toast.region), widget


async def test_a_lab_notice_goes_to_the_status_line_not_over_the_plots(make_app):
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot, app)
        await pilot.press("v")
        await pilot.pause()
        assert not list(app.screen.query(Toast))
        assert "view: gates" in str(app.query_one("#lab-neuron #status").render())
        await pilot.press("n")
        assert "view:" not in str(app.query_one("#lab-neuron #status").render())
