"""Build the RBM lab's model for a Params object."""

from __future__ import annotations

from typing import Any

from nnlab.core.rbm.params import RBMParams


def make_model(params: RBMParams, seed: int = 0, duration: float | None = None) -> Any:
    """RBMTrainModel, BoltzmannModel or SamplerModel, by `experiment`."""
    if params.experiment == "boltzmann":
        from nnlab.core.rbm.sample_models import BoltzmannModel

        return BoltzmannModel(params, seed)
    if params.experiment == "sample":
        from nnlab.core.rbm.sample_models import SamplerModel

        return SamplerModel(params, seed)
    from nnlab.core.rbm.train_model import RBMTrainModel

    return RBMTrainModel(params, seed)
