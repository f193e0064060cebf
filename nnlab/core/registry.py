"""The labs that exist: name, title, how to pick their Params, where their model lives.

Model modules import numba, so they are named by import path and loaded only when a model
is built; everything here imports without numba.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from nnlab.core.knobs import ParamsBase
from nnlab.core.backprop.params import params_class as backprop_params_class
from nnlab.core.hopfield.params import HopfieldParams
from nnlab.core.neuron.params import params_class as neuron_params_class
from nnlab.core.rbm.params import RBMParams
from nnlab.core.rnn.params import RNNParams
from nnlab.core.som.params import SOMParams


@dataclass(frozen=True)
class LabSpec:
    """One lab of the tab strip."""

    name: str
    """Name used in scenario files (`lab = "neuron"`) and on the command line."""
    title: str
    """Tab title."""
    key: str
    """Number key that selects the tab."""
    params_class: Callable[[dict[str, Any]], type[ParamsBase]]
    """Picks the Params class for a `[params]` table."""
    model_path: str
    """`module:function` that builds a model from (params, seed)."""
    warmup_path: str
    """`module:function` that compiles the lab's kernels, calling back with progress."""
    default_scenario: str
    """Bundled scenario opened when the lab is chosen without one."""

    def build_model(self, params: ParamsBase, seed: int, duration: float | None = None) -> Any:
        """A new model of this lab (imports numba on first use)."""
        return _load(self.model_path)(params, seed, duration)

    def warmup(self, progress: Callable[[int, int, str], None] | None = None) -> None:
        """Compile every kernel of this lab into numba's cache."""
        _load(self.warmup_path)(progress)


def _load(path: str) -> Callable[..., Any]:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


LABS: dict[str, LabSpec] = {
    "neuron": LabSpec(
        name="neuron",
        title="Neuron",
        key="1",
        params_class=neuron_params_class,
        model_path="nnlab.core.neuron.model:make_model",
        warmup_path="nnlab.core.neuron.kernels:warmup",
        default_scenario="neuron_hh_spike",
    ),
    "backprop": LabSpec(
        name="backprop",
        title="Backprop",
        key="2",
        params_class=backprop_params_class,
        model_path="nnlab.core.backprop.model:make_model",
        warmup_path="nnlab.core.backprop.kernels:warmup",
        default_scenario="backprop_xor",
    ),
    "hopfield": LabSpec(
        name="hopfield",
        title="Hopfield",
        key="3",
        params_class=lambda table: HopfieldParams,
        model_path="nnlab.core.hopfield.model:make_model",
        warmup_path="nnlab.core.hopfield.kernels:warmup",
        default_scenario="hopfield_letters",
    ),
    "rbm": LabSpec(
        name="rbm",
        title="RBM",
        key="4",
        params_class=lambda table: RBMParams,
        model_path="nnlab.core.rbm.model:make_model",
        warmup_path="nnlab.core.rbm.kernels:warmup",
        default_scenario="rbm_onehot_3x2",
    ),
    "som": LabSpec(
        name="som",
        title="SOM",
        key="5",
        params_class=lambda table: SOMParams,
        model_path="nnlab.core.som.model:make_model",
        warmup_path="nnlab.core.som.kernels:warmup",
        default_scenario="som_square",
    ),
    "rnn": LabSpec(
        name="rnn",
        title="RNN",
        key="6",
        params_class=lambda table: RNNParams,
        model_path="nnlab.core.rnn.model:make_model",
        warmup_path="nnlab.core.rnn.kernels:warmup",
        default_scenario="rnn_even_numbers",
    ),
}
"""Every lab, in tab order."""

SCHEMA_VERSION = 1
"""Newest scenario schema this nnlab reads."""
