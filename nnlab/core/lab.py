"""The shape every lab's model shares: step by a level, snapshot and restore, traces and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from nnlab.core.equation import EquationLine
from nnlab.core.knobs import ParamsBase


@dataclass(frozen=True)
class Frame:
    """An immutable picture of a model for the UI: what changed, the equation in force, the series to plot."""

    t: float
    """Model time (or position) after the step."""
    step: int
    """Steps of the smallest size taken since reset."""
    stage: str
    """What the last step did, in words."""
    equation: tuple[EquationLine, ...] = ()
    """The update in force (text), then the same with its current numbers substituted (`Line`s of
    `Calc`s that a test re-evaluates; see `nnlab.core.equation`)."""
    values: tuple[tuple[str, str, str], ...] = ()
    """Inspector rows: (name, value now, change in the last step)."""
    data: dict[str, Any] = field(default_factory=dict)
    """Read-only arrays and scalars the lab's figures draw."""
    message: str = ""
    """A warning to show (a blow-up, no spike found); empty when all is well."""
    done: bool = False
    """True when the run reached its end."""


class Model(Protocol):
    """What the runner, the UI and the headless command need from a lab's model."""

    params: ParamsBase

    def step_levels(self) -> tuple[str, ...]: ...

    def step(self, level: int = 0) -> Frame: ...

    def advance(self, n: int) -> int: ...

    def frame(self) -> Frame: ...

    def snapshot(self) -> Any: ...

    def restore(self, snap: Any) -> None: ...

    def traces(self) -> dict[str, np.ndarray]: ...

    def metrics(self) -> dict[str, Any]: ...

    def set_params(self, params: ParamsBase) -> None: ...

    @property
    def blowup(self) -> str: ...

    @property
    def steps_total(self) -> int: ...


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view of `a` for a frame."""
    v = a.view()
    v.flags.writeable = False
    return v


def snapshot_rng(rng: np.random.Generator) -> dict[str, Any]:
    """The full state of a numpy Generator."""
    return rng.bit_generator.state


def restore_rng(rng: np.random.Generator, state: dict[str, Any]) -> None:
    """Put a numpy Generator back in a state taken by `snapshot_rng`."""
    rng.bit_generator.state = state
