"""Build the Hopfield lab's model for a Params object."""

from __future__ import annotations

from typing import Any

from nnlab.core.hopfield.params import HopfieldParams


def make_model(params: HopfieldParams, seed: int = 0, duration: float | None = None) -> Any:
    """A RecallModel, or a CapacityModel for `experiment = "capacity"`."""
    if params.experiment == "capacity":
        from nnlab.core.hopfield.capacity_model import CapacityModel

        return CapacityModel(params, seed)
    from nnlab.core.hopfield.recall_model import RecallModel

    return RecallModel(params, seed)
