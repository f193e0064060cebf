"""The backprop lab driven as a person uses it: one sample walked through every operation and back."""

from __future__ import annotations

import numpy as np
from textual.widgets import Static

from nnlab.core.equation import lines_text
from nnlab.plotting.spec import Picture, TextPanel
from nnlab.plotting.widgets import PlotView
from nnlab.ui.widgets.equation import EquationPane

from .conftest import idle, ready

WALK = ["z[1] = W[0] h[0] + b[1]", "h[1] = logistic(z[1])", "z[2] = W[1] h[1] + b[2]", "h[2] = logistic(z[2])",
        "the loss E", "output delta[2] = dE/dz[2]", "dE/dW[1] = delta[2] h[1]^T",
        "delta[1] = f'(z[1]) * W[1]^T delta[2]", "dE/dW[0] = delta[1] h[0]^T", "update W[0]", "update b[1]",
        "update W[1]", "update b[2]"]


async def test_walk_one_sample_through_every_operation_and_back(make_app):
    app = make_app("backprop_xor", ("params.batch_size=1", "params.shuffle=false"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        start = lab.model.theta.copy()
        stages = []
        for _ in WALK:
            await pilot.press("n")
            stages.append(lab.frame.stage)
            assert "tensor" in lab.frame.data
        assert stages == WALK
        eq = "\n".join(lines_text(lab.frame.equation))
        assert "theta <- theta - kappa g" in eq and "b[2]" in eq
        assert lab.model.batch == 1 and not np.array_equal(lab.model.theta, start)
        bottom = app.lab().query_one("#plot-bottom", PlotView).figure
        assert isinstance(bottom, Picture) and bottom.signed
        for _ in WALK:
            await pilot.press("b")
        assert np.array_equal(lab.model.theta, start) and lab.model.batch == 0 and lab.model.bp is None
        for _ in range(3):
            await pilot.press("n")
        again = [lab.frame.stage]
        assert again == [WALK[2]]


async def test_equation_pane_shows_the_numbers_of_the_operation(make_app):
    app = make_app("backprop_xor", ("params.batch_size=1", "params.shuffle=false"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("n")
        W = lab.model.net.layout.view(lab.model.theta, "W0")
        pane = str(app.query_one(EquationPane).render()) if hasattr(app.query_one(EquationPane), "render") else ""
        assert lab.frame.equation[0].startswith("z[1] = W[0] h[0] + b[1]")
        assert lines_text(lab.frame.equation)[1].startswith(f"z1 = {W[0, 0]:.4g} * 0")
        assert pane is not None


async def test_layer_batch_and_epoch_steps_and_values_on_demand(make_app):
    app = make_app("backprop_xor")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("N")
        assert lab.frame.stage == "h[1] = logistic(z[1])"
        await pilot.press("i")
        bottom = app.lab().query_one("#plot-bottom", PlotView).figure
        assert isinstance(bottom, TextPanel) and "values" in bottom.title
        await pilot.press("g", "N")
        assert lab.model.epoch == 1 and lab.model.bp is None
        await pilot.press("g", "N")
        await idle(pilot, app)
        assert lab.model.epoch == 2
        status = str(app.lab().query_one("#status", Static).render())
        assert "N: epoch" in status


async def test_views_and_the_gradient_check(make_app):
    app = make_app("backprop_xor")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        seen = []
        for _ in range(5):
            await pilot.press("v")
            seen.append(lab.view)
        assert seen == ["curves", "boundary", "grads", "check", "network"]
        await pilot.press("c")
        top = app.lab().query_one("#plot-top", PlotView).figure
        assert isinstance(top, TextPanel) and "gradient check" in top.title
        assert all("ok" in "".join(t for t, _ in row) for row in top.rows[1:])


async def test_running_trains_and_a_huge_rate_pauses_with_a_message(make_app):
    app = make_app("backprop_universal_approx", ("params.lr=90", "params.optimizer='sgd'",
                                                  "params.activation='relu'", "params.init='normal'",
                                                  "params.init_scale=5"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await idle(pilot, app)
        status = str(app.lab().query_one("#status", Static).render())
        assert "too large" in status
        assert np.isfinite(lab.model.theta).all()


async def test_a_true_false_knob_is_picked_from_a_list(make_app):
    from textual.widgets import Select

    from .test_neuron_pilot import to_knob

    app = make_app("backprop_xor")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert lab.params.shuffle is True
        await to_knob(pilot, app, "shuffle")
        assert app.query_one("#param-choice", Select).display
        await pilot.press("enter", "down", "enter")
        await idle(pilot, app)
        assert lab.params.shuffle is False
        assert "false" in str(app.query_one("#param-help", Static).render())
