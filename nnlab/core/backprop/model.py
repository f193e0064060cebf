"""Build the backprop lab's model for a Params object."""

from __future__ import annotations

from typing import Any

from nnlab.core.backprop.params import MLPParams
from nnlab.core.knobs import ParamsBase


def make_model(params: ParamsBase, seed: int = 0, duration: float | None = None) -> Any:
    """The model of `params`' mode: MLPModel, PerceptronModel or GraphModel."""
    if isinstance(params, MLPParams):
        from nnlab.core.backprop.mlp_model import MLPModel

        return MLPModel(params, seed)
    if params.mode == "perceptron":
        from nnlab.core.backprop.perceptron import PerceptronModel

        return PerceptronModel(params, seed)
    from nnlab.core.backprop.graph import GraphModel

    return GraphModel(params, seed)
