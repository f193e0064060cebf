"""Build the RNN lab's model for a Params object."""

from __future__ import annotations

from typing import Any

from nnlab.core.rnn.params import RNNParams


def make_model(params: RNNParams, seed: int = 0, duration: float | None = None) -> Any:
    from nnlab.core.rnn.seq_model import RNNModel

    return RNNModel(params, seed)
