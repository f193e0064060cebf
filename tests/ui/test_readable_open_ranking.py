"""The open dialog's ranking: a scenario whose name holds the typed text comes before one whose title
merely matches it, whichever lab is in front."""

from __future__ import annotations

import pytest

from nnlab.scenario.bundled import entries
from nnlab.ui.dialogs import Choice, ranked

CHOICES = [Choice(e.name, e.name, e.lab, e.title, e.lecture) for e in entries()]


@pytest.mark.parametrize(("lab", "typed", "first"), [
    ("neuron", "inhib", "neuron_lif_pair_inhibitory"),
    ("neuron", "train", "neuron_synapse_train"),
    ("backprop", "percep", "backprop_perceptron_or"),
    ("backprop", "momen", "backprop_momentum"),
    ("rbm", "boltz", "rbm_boltzmann_temperature"),
    ("som", "boltz", "rbm_boltzmann_temperature"),
    ("neuron", "lif tun", "neuron_lif_tuning"),
    ("hopfield", "HOPFIELD_D", "hopfield_draw"),
])
def test_a_name_holding_the_typed_text_comes_first(lab, typed, first):
    assert ranked(CHOICES, typed, lab)[0].id == first


def test_name_matches_then_the_lab_in_front_then_title_matches():
    names = [c.id for c in ranked(CHOICES, "percep", "backprop")]
    assert names[:2] == ["backprop_perceptron_or", "backprop_perceptron_xor"]
    later = names[2:]
    in_lab = [k for k, n in enumerate(later) if n.startswith("backprop_")]
    other = [k for k, n in enumerate(later) if not n.startswith("backprop_")]
    assert not in_lab or not other or max(in_lab) < min(other)


def test_a_prefix_after_the_lab_prefix_beats_a_substring_elsewhere():
    choices = [Choice("rbm_x_mom", "rbm_x_mom", "rbm"), Choice("rbm_mom_x", "rbm_mom_x", "rbm")]
    assert [c.id for c in ranked(choices, "mom", "rbm")] == ["rbm_mom_x", "rbm_x_mom"]
