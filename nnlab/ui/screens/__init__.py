"""One screen per lab."""

from __future__ import annotations

from nnlab.ui.screens.neuron import NeuronLab

SCREENS = {"neuron": NeuronLab}
"""Lab name -> its screen class."""
