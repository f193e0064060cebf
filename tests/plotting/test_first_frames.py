"""Every view of every bundled scenario's first frame builds and lays out (0 patterns, 0 samples,
an empty trace before the first step), and the hopfield_draw overlap view says what is missing."""

from typing import Any, Callable

import numpy as np
import pytest

from nnlab.core.backprop.params import MLP_VIEWS
from nnlab.core.rbm.params import RBM_VIEWS
from nnlab.core.registry import LABS
from nnlab.core.rnn.params import RNN_VIEWS
from nnlab.core.som.params import SOM_VIEWS
from nnlab.plotting import backprop_small_figures as small
from nnlab.plotting.backprop_figures import mlp_figures
from nnlab.plotting.hopfield_figures import hopfield_figures
from nnlab.plotting.neuron_figures import VIEWS as NEURON_VIEWS
from nnlab.plotting.neuron_figures import neuron_figures
from nnlab.plotting.rbm_figures import rbm_figures
from nnlab.plotting.render import layout, to_text
from nnlab.plotting.rnn_figures import rnn_figures
from nnlab.plotting.som_figures import som_figures
from nnlab.plotting.spec import Figure
from nnlab.plotting.text_export import figure_text
from nnlab.scenario.bundled import bundled_names
from nnlab.scenario.loader import load

Build = Callable[[Any, str], tuple[Any, Any]]


def _views(lab: str, params: Any) -> list[tuple[str, Build]]:
    """(view, figures) pairs the lab's screen offers for these parameters (as nnlab/ui/screens/*.py)."""
    if lab == "neuron":
        kind = "fi" if getattr(params, "experiment", "run") == "fi" else params.model
        return [(v, lambda f, v: neuron_figures(f, v)) for v in NEURON_VIEWS[kind]]
    if lab == "backprop":
        mode = getattr(params, "mode", "mlp")
        if mode == "mlp":
            return [(v, lambda f, v, s=s: mlp_figures(f, v, s)) for v in MLP_VIEWS for s in (False, True)]
        if mode == "perceptron":
            return [(v, small.perceptron_figures) for v in small.PERCEPTRON_VIEWS]
        return [(v, small.graph_figures) for v in small.GRAPH_VIEWS]
    if lab == "hopfield":
        if getattr(params, "experiment", "recall") == "capacity":
            return [("capacity", lambda f, v: hopfield_figures(f, v))]
        views = [(v, lambda f, v: hopfield_figures(f, v)) for v in ("state", "energy", "overlap", "weights")]
        return views + [("state", lambda f, v: hopfield_figures(f, v, 0))]
    if lab == "rbm":
        views = RBM_VIEWS if getattr(params, "experiment", "train") == "train" else ("main",)
        return [(v, rbm_figures) for v in views]
    if lab == "rnn":
        return [(v, rnn_figures) for v in RNN_VIEWS]
    return [(v, som_figures) for v in SOM_VIEWS]


def _drawn(fig: Any) -> str:
    """The figure laid out at 80 x 12 (every kind of figure), so drawing an empty one is tried too."""
    if isinstance(fig, Figure):
        assert len(layout(fig, 80, 12)) == 12
        return to_text(fig, 80, 12)
    return figure_text(fig, 80, 12)


@pytest.mark.parametrize("name", bundled_names())
def test_every_view_of_the_first_frame_builds(name):
    sc = load(name)
    frame = LABS[sc.lab].build_model(sc.params, sc.seed, sc.duration()).frame()
    for view, build in _views(sc.lab, sc.params):
        for fig in build(frame, view):
            _drawn(fig)


def test_the_overlap_view_with_no_stored_pattern_says_how_to_store_one():
    sc = load("hopfield_draw")
    frame = LABS["hopfield"].build_model(sc.params, sc.seed, sc.duration()).frame()
    assert len(frame.data["names"]) == 0
    upper, lower = hopfield_figures(frame, "overlap")
    text = to_text(upper, 100, 12)
    assert "no stored pattern yet" in text and "a stores" in text
    upper, lower = hopfield_figures(frame, "energy")
    assert "no stored pattern yet" in to_text(lower, 100, 12)
    assert np.isfinite(upper.ylim).all()


def test_an_empty_trace_is_said_not_raised():
    from types import SimpleNamespace

    from nnlab.plotting.rbm_figures import recon_figure

    fig = recon_figure(SimpleNamespace(data={"recon": np.zeros(0)}))
    assert "no epoch yet" in to_text(fig, 60, 10)


def test_the_missing_text_is_wrapped_between_words_in_a_narrow_plot():
    fig = Figure("overlap", (), (0.0, 1.0), (-1.0, 1.0), missing="no stored pattern yet: a stores the state")
    text = to_text(fig, 30, 10)
    assert "no stored pattern" in text and "a stores the state" in text.replace("\n", " ")
