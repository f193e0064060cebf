"""Run a model for many steps in short calls, checking a stop event and emitting frames between them.

Screens call `run` in a thread worker (the kernels release the GIL); headless runs call it
directly. With `pace` (steps per second of wall time) the run is slowed to be watched.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

TICK = 1.0 / 30.0
"""Seconds between frames of a paced run."""
BATCH = 1 << 16
"""Steps per call of an unpaced run."""


@dataclass(frozen=True)
class RunResult:
    """How a run ended."""

    steps: int
    """Steps of the smallest size taken."""
    stopped: bool
    """True when the stop event ended it early."""
    blowup: str
    """The model's blow-up message, or ""."""


def run(model: Any, steps: int, stop: threading.Event | None = None, emit: Callable[[Any], None] | None = None,
        frame_every: int = 0, pace: float | None = None, between: Callable[[], None] | None = None) -> RunResult:
    """Advance `model` by `steps` steps; emit `model.frame()` every `frame_every` steps or every tick when paced.
    `between` runs before every chunk, in the thread that owns the model (a knob changed live is applied there)."""
    done = 0
    next_tick = time.perf_counter()
    carry = 0.0
    while done < steps:
        if stop is not None and stop.is_set():
            return RunResult(done, True, model.blowup)
        if pace:
            carry += pace * TICK
            k = min(int(carry), steps - done)
            carry -= k
        else:
            k = min(frame_every or BATCH, steps - done)
        if k:
            if between is not None:
                between()
            taken = model.advance(k)
            done += taken
            if model.blowup or taken < k:
                if emit:
                    emit(model.frame())
                return RunResult(done, False, model.blowup)
        if emit and (pace or frame_every):
            emit(model.frame())
        if pace:
            next_tick += TICK
            delay = next_tick - time.perf_counter()
            if delay > 0:
                if stop is not None:
                    stop.wait(delay)
                else:
                    time.sleep(delay)
            else:
                next_tick = time.perf_counter()
    if emit and not (pace or frame_every):
        emit(model.frame())
    return RunResult(done, False, model.blowup)
