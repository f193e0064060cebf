"""A lab's state as one value (scenario, params, seed, model, frame) and its step-back history.

A screen installs a new `LabState` whole: opening a scenario or rebuilding after a structural
parameter change builds the model off to the side and swaps scenario, params, model and frame
at once, so no view ever draws a frame of one model with the params of another.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core.knobs import ParamsBase
from nnlab.scenario import Scenario

DEFAULT_HISTORY_MB = 256.0
"""Memory the step-back history may hold, unless NNLAB_HISTORY_MB says otherwise."""
ENTRY_OVERHEAD = 512
"""Bytes counted for a snapshot's Python objects besides its arrays."""


@dataclass(frozen=True)
class LabState:
    """What a lab screen shows: a scenario, its params and seed, the model built from them, and its last frame."""

    scenario: Scenario
    """The scenario as opened (its params are those the model was built with)."""
    params: ParamsBase
    """The parameters in force (`model.params`); edits that need no rebuild change them in place."""
    seed: int
    """The seed the model was built with."""
    model: Any
    """The lab's model; the screen's one writer owns it."""
    frame: Any
    """The last frame drawn of `model`."""


def history_budget() -> int:
    """Bytes of snapshots step-back keeps (NNLAB_HISTORY_MB, default 256 MB)."""
    raw = os.environ.get("NNLAB_HISTORY_MB", "")
    try:
        mb = float(raw) if raw else DEFAULT_HISTORY_MB
    except ValueError:
        mb = DEFAULT_HISTORY_MB
    return int(max(mb, 1.0) * 2**20)


class History:
    """Snapshots for `b`, bounded by memory: the oldest are dropped when the newest would pass the budget.

    A snapshot's size counts its numpy arrays, less those it shares with the snapshot before it
    (models that keep unchanged arrays by reference pay for them once).
    """

    def __init__(self, budget: int | None = None) -> None:
        self.budget = history_budget() if budget is None else budget
        self._items: deque[tuple[Any, int, frozenset[int]]] = deque()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def push(self, snap: Any) -> None:
        arrays = _arrays(snap)
        shared = self._items[-1][2] if self._items else frozenset()
        size = ENTRY_OVERHEAD + sum(a.nbytes for key, a in arrays.items() if key not in shared)
        self._items.append((snap, size, frozenset(arrays)))
        self.bytes += size
        while len(self._items) > 1 and self.bytes > self.budget:
            self._drop_oldest()

    def pop(self) -> Any:
        snap, size, _ = self._items.pop()
        self.bytes -= size
        return snap

    def _drop_oldest(self) -> None:
        _, size, _ = self._items.popleft()
        self.bytes -= size
        if self._items:
            snap, old, keys = self._items[0]
            full = ENTRY_OVERHEAD + sum(a.nbytes for a in _arrays(snap).values())
            self._items[0] = (snap, full, keys)
            self.bytes += full - old


def _arrays(obj: Any, found: dict[int, np.ndarray] | None = None, depth: int = 0) -> dict[int, np.ndarray]:
    """Every numpy array inside `obj` (dicts, lists, tuples, objects' __dict__, six levels deep), by the id
    of its buffer's owner."""
    found = {} if found is None else found
    if isinstance(obj, np.ndarray):
        owner = obj.base if isinstance(obj.base, np.ndarray) else obj
        found[id(owner)] = owner
    elif depth > 6:
        pass
    elif isinstance(obj, dict):
        for v in obj.values():
            _arrays(v, found, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _arrays(v, found, depth + 1)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        _arrays(vars(obj), found, depth + 1)
    return found
