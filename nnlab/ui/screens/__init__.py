"""One screen per lab."""

from __future__ import annotations

from nnlab.ui.screens.backprop import BackpropLab
from nnlab.ui.screens.hopfield import HopfieldLab
from nnlab.ui.screens.neuron import NeuronLab
from nnlab.ui.screens.rbm import RBMLab
from nnlab.ui.screens.rnn import RNNLab
from nnlab.ui.screens.som import SOMLab

SCREENS = {"neuron": NeuronLab, "backprop": BackpropLab, "hopfield": HopfieldLab, "rbm": RBMLab, "som": SOMLab,
           "rnn": RNNLab}
"""Lab name -> its screen class."""
