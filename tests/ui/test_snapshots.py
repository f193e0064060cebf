"""SVG snapshots of the neuron lab at 120x40 (layout only; numbers are tested elsewhere)."""

from __future__ import annotations

from nnlab.scenario import load
from nnlab.ui.app import NNLabApp

from .conftest import ready


def test_neuron_hh_snapshot(snap_compare):
    app = NNLabApp(load("neuron_hh_spike"))

    async def run_before(pilot):
        await ready(pilot, app)
        app.lab().show_frame(app.lab().model.step(1))
        for _ in range(25):
            app.lab().model.step(1)
        app.lab().show_frame(app.lab().model.frame())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_neuron_lif_snapshot(snap_compare):
    app = NNLabApp(load("neuron_lif_constant"))

    async def run_before(pilot):
        await ready(pilot, app)
        lab = app.lab()
        lab.model.advance(1500)
        lab.show_frame(lab.model.frame())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_backprop_xor_snapshot(snap_compare):
    app = NNLabApp(load("backprop_xor", ["params.batch_size=1", "params.shuffle=false"]))

    async def run_before(pilot):
        await ready(pilot, app)
        lab = app.lab()
        for _ in range(7):
            lab.show_frame(lab.model.step(0))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_hopfield_letters_snapshot(snap_compare):
    app = NNLabApp(load("hopfield_letters"))

    async def run_before(pilot):
        await ready(pilot, app)
        lab = app.lab()
        for _ in range(30):
            lab.model.step(0)
        lab.show_frame(lab.model.frame())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_rbm_onehot_snapshot(snap_compare):
    app = NNLabApp(load("rbm_onehot_3x2"))

    async def run_before(pilot):
        await ready(pilot, app)
        lab = app.lab()
        for _ in range(3):
            lab.model.step(0)
        lab.show_frame(lab.model.frame())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_som_square_snapshot(snap_compare):
    app = NNLabApp(load("som_square"))

    async def run_before(pilot):
        await ready(pilot, app)
        lab = app.lab()
        lab.model.advance(40)
        for _ in range(3):
            lab.model.step(0)
        lab.show_frame(lab.model.frame())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_rnn_hello_snapshot(snap_compare):
    app = NNLabApp(load("rnn_hello"))

    async def run_before(pilot):
        await ready(pilot, app)
        lab = app.lab()
        for _ in range(7):
            lab.model.step(0)
        lab.show_frame(lab.model.frame())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
