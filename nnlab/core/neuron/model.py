"""Build the neuron lab's model for a Params object (imports numba through the kernels)."""

from __future__ import annotations

from typing import Any

from nnlab.core.knobs import ParamsBase
from nnlab.core.neuron.activation_model import ActivationModel
from nnlab.core.neuron.fi_model import FIModel
from nnlab.core.neuron.hh_model import HHModel
from nnlab.core.neuron.lif_model import LIFModel, PopulationModel
from nnlab.core.neuron.params import (ActivationParams, HHParams, LIFParams, PairParams, PopulationParams,
                                      SynapseParams)
from nnlab.core.neuron.synapse_model import PairModel, SynapseModel


def make_model(params: ParamsBase, seed: int = 0, duration: float | None = None) -> Any:
    """The model that `params` describes; `duration` is the time per input of an F-I sweep."""
    if isinstance(params, (HHParams, LIFParams)) and params.experiment == "fi":
        return FIModel(params, seed, duration)
    if isinstance(params, HHParams):
        return HHModel(params, seed)
    if isinstance(params, LIFParams):
        return LIFModel(params, seed)
    if isinstance(params, SynapseParams):
        return SynapseModel(params, seed)
    if isinstance(params, PairParams):
        return PairModel(params, seed)
    if isinstance(params, PopulationParams):
        return PopulationModel(params, seed)
    if isinstance(params, ActivationParams):
        return ActivationModel(params, seed)
    raise TypeError(f"not a neuron-lab Params: {type(params).__name__}")
