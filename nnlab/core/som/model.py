"""Build the SOM lab's model for a Params object."""

from __future__ import annotations

from typing import Any

from nnlab.core.som.params import SOMParams


def make_model(params: SOMParams, seed: int = 0, duration: float | None = None) -> Any:
    from nnlab.core.som.map_model import SOMModel

    return SOMModel(params, seed)
