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


async def test_the_gradient_check_fits_80_columns_and_says_when_it_runs():
    """At 80x24 the check's title was cut ("BPTT against…"), even maximised; while running it said
    "computing ..." though nothing was computed until the lab paused."""
    from nnlab.plotting.rnn_figures import CHECK_TITLE, rnn_figures

    app = NNLabApp(load("rnn_hello"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("c")
        await pilot.pause()
        plot = lab.query_one("#plot-top", PlotView)
        text = "\n".join(plot.render_line(y).text for y in range(plot.size.height))
        assert CHECK_TITLE in text and "…" not in text.splitlines()[0], text
        panel = plot.figure
        assert any("worst" in "".join(c[0] for c in row) for row in panel.rows)
        running, _ = rnn_figures(lab.frame, "check")
        said = " ".join(c[0] for row in running.rows for c in row)
        assert "computing" not in said and "paused" in said


async def test_grad_norm_names_the_recurrent_block_of_a_gated_cell():
    """The grad_norm view said |W|_2 for an LSTM whose inspector shows rho(W_f) and |W_f|_2."""
    app = NNLabApp(load("lstm_gate_viewer"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("g", "N")
        while lab.view != "grad_norm":
            await pilot.press("v")
        await pilot.pause()
        notes = " ".join(lab.query_one("#plot-top", PlotView).figure.notes)
        assert "|W_f|_2" in notes and "|W|_2" not in notes
        shown = dict((r[0], r[1:]) for r in lab.frame.values)
        assert f"{lab.frame.data['norm2']:.4g}" in shown["rho(W_f)"][1]


async def test_prediction_names_every_class_of_a_long_vocabulary():
    """rnn_text has 31 characters; the prediction's axis named only the first 12 (and was cut at 80)."""
    app = NNLabApp(load("rnn_text"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        while lab.view != "prediction":
            await pilot.press("v")
        await pilot.pause()
        xlabel = lab.query_one("#plot-top", PlotView).figure.xlabel
        vocab = lab.frame.data["vocab"]
        assert len(vocab) > 12
        assert all((c if c.strip() else "") in xlabel for c in vocab)


def test_the_help_has_no_stray_emphasis():
    """Markdown read `h~_t = tanh(W_n (r_t h_(t-1))` as emphasis: the help showed "h~t" and "h(t-1)"."""
    from markdown_it import MarkdownIt

    from nnlab.ui.screens.rnn import HELP

    emphasised = []
    for tok in MarkdownIt("gfm-like").parse(HELP):
        kids = tok.children or []
        for i, k in enumerate(kids):
            if k.type == "em_open":
                emphasised.append(kids[i + 1].content)
    assert set(emphasised) <= {"Vanilla RNN", "LSTM", "GRU", "minGRU", "Truncation", "Clipping", "Views"}, emphasised
