"""One screen per lab."""

from __future__ import annotations

from nnlab.ui.screens.backprop import BackpropLab
from nnlab.ui.screens.hopfield import HopfieldLab
from nnlab.ui.screens.neuron import NeuronLab

SCREENS = {"neuron": NeuronLab, "backprop": BackpropLab, "hopfield": HopfieldLab}
"""Lab name -> its screen class."""
