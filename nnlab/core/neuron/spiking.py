"""Base of the time-stepped neuron models: chunked kernel calls, spike buffers, rewinds, step levels.

A concrete model supplies its state arrays, a `_kernel(k)` call that advances up to k steps
of dt, and its frame. This class grows the spike buffer when a kernel reports it full,
rewinds to the last good state when a kernel reports a blow-up, and takes the `ms` and
`spike` step sizes by snapshots and restores, so every size gives bit-identical numbers.
It keeps the Params the last step ran with (`step_params`): the equation pane substitutes
those, while the inspector shows the inputs that the knobs set now.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from nnlab.core.knobs import ParamsBase
from nnlab.core.lab import restore_rng, snapshot_rng
from nnlab.core.traces import Trace

FULL = 1
"""Kernel status: the spike buffer is full (shared by every neuron kernel)."""

CHUNK_WORK = 1 << 22
"""Neuron-steps per kernel call: long enough to amortise the call, short enough to stop promptly."""
MAX_SEARCH_STEPS = 1_000_000
"""Most steps of dt the `spike` step size takes while looking for the next spike."""


class SpikingModel(ABC):
    """Shared machinery; subclasses define `_arrays`, `_kernel`, `_blowup_text`, `frame`, `traces`."""

    ms_per_unit = 1.0
    """Milliseconds per model time unit (1 for HH in ms, 1000 for models in seconds)."""
    spike_search_limit = 1000.0
    """How far (ms of model time) the `spike` step size looks before giving up."""

    def __init__(self, params: ParamsBase, seed: int, n_neurons: int) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.n_neurons = n_neurons
        self.step_count = 0
        self.spike_t = Trace()
        self.spike_i = Trace(dtype=np.int64)
        self.t = Trace()
        self._blowup = ""
        self.message = ""
        self.stage = "start"
        self.step_params = params
        """The Params of the last step taken (`params` may have changed since)."""

    # -- subclass hooks -------------------------------------------------------------------
    @abstractmethod
    def _arrays(self) -> dict[str, Any]:
        """Every mutable state array or scalar (copied by snapshots)."""

    def _set_arrays(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            cur = getattr(self, k)
            if isinstance(cur, np.ndarray):
                cur[...] = v
            else:
                setattr(self, k, v)

    def _traces(self) -> list[Trace]:
        """Every per-step trace (truncated on rewind)."""
        return [self.t]

    @abstractmethod
    def _inputs(self, k: int) -> dict[str, np.ndarray]:
        """Input time courses for the next k steps (draws the noise for all k at once)."""

    @abstractmethod
    def _kernel(self, inputs: dict[str, np.ndarray], start: int, k: int, room: int) -> tuple[int, int]:
        """Run steps start..start+k of `inputs` with room for `room` spikes; (steps done, status)."""

    @abstractmethod
    def _blowup_text(self, status: int) -> str:
        """The message for a kernel that stopped with `status` (a blow-up)."""

    # -- protocol -------------------------------------------------------------------------
    @property
    def dt(self) -> float:
        return self.params.dt

    @property
    def blowup(self) -> str:
        """Why the last advance stopped on a numerical blow-up, or ""."""
        return self._blowup

    @property
    def steps_total(self) -> int:
        return self.step_count

    def time(self) -> float:
        return self.step_count * self.dt

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def set_params(self, params: ParamsBase) -> None:
        """Apply changed live knobs; the state carries on."""
        self.params = params
        self._blowup = ""

    def snapshot(self) -> dict[str, Any]:
        state = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self._arrays().items()}
        return {
            "state": state,
            "rng": snapshot_rng(self.rng),
            "step": self.step_count,
            "spikes": len(self.spike_t),
            "traces": [len(tr) for tr in self._traces()],
            "stage": self.stage,
            "params": self.params,
            "step_params": self.step_params,
        }

    def restore(self, snap: dict[str, Any]) -> None:
        self._set_arrays(snap["state"])
        restore_rng(self.rng, snap["rng"])
        self.step_count = snap["step"]
        self.spike_t.truncate(snap["spikes"])
        self.spike_i.truncate(snap["spikes"])
        for tr, n in zip(self._traces(), snap["traces"]):
            tr.truncate(n)
        self.stage = snap["stage"]
        self.params = snap["params"]
        self.step_params = snap["step_params"]
        self._blowup = ""
        self.message = ""

    def advance(self, n: int) -> int:
        """Take up to n steps of dt; stops early on a blow-up (see `blowup`). Returns steps taken."""
        self._blowup = ""
        for tr in self._traces():
            tr.reserve(n)
        done = 0
        chunk = min(max(CHUNK_WORK // max(self.n_neurons, 1), 1024), 1 << 20)
        while done < n:
            k = min(chunk, n - done)
            before = self.snapshot()
            taken, status = self._run(k)
            done += taken
            if status >= 2:
                self.restore(before)
                if taken:
                    self._run(taken)
                self._blowup = self._blowup_text(status)
                break
        if done:
            self.stage = f"{done} step{'s' if done != 1 else ''} of dt"
        return done

    def _run(self, k: int) -> tuple[int, int]:
        """Run k steps, growing the spike buffer as needed; (steps taken, status of the last call)."""
        inputs = self._inputs(k)
        self.step_params = self.params
        taken = 0
        status = 0
        while taken < k:
            step_t, status = self._kernel(inputs, taken, k - taken, self._room(k - taken))
            taken += step_t
            self.step_count += step_t
            if status != FULL:
                break
        return taken, status

    def _room(self, k: int) -> int:
        """Spike buffer room for k steps: grows with the spikes seen so far, so refills stay rare."""
        seen_rate = len(self.spike_t) / max(self.step_count, 1)
        return int(min(max(2 * self.n_neurons, 1024, 2 * len(self.spike_t), 1.5 * seen_rate * k), 1 << 24))

    def _spike_room(self, room: int) -> tuple[np.ndarray, np.ndarray]:
        return self.spike_t.reserve(room), self.spike_i.reserve(room)

    def _commit(self, traces: list[Trace], steps: int, spikes: int) -> None:
        t = self.t.reserve(steps)
        t[:] = (self.step_count + 1 + np.arange(steps)) * self.dt
        self.t.commit(steps)
        for tr in traces:
            tr.commit(steps)
        self.spike_t.commit(spikes)
        self.spike_i.commit(spikes)

    def steps_per_ms(self) -> int:
        return max(1, int(round(1.0 / (self.dt * self.ms_per_unit))))

    def step(self, level: int = 0):
        """One step of the chosen size (index into `step_levels()`), then the frame."""
        self.message = ""
        name = self.step_levels()[min(level, len(self.step_levels()) - 1)]
        if name == "dt":
            self.advance(1)
            self.stage = "one step of dt"
        elif name == "ms":
            self.advance(self.steps_per_ms())
            self.stage = "1 ms"
        else:
            self._to_next_spike()
        return self.frame()

    def _to_next_spike(self) -> None:
        limit = min(int(round(self.spike_search_limit / (self.dt * self.ms_per_unit))), MAX_SEARCH_STEPS)
        start_spikes = len(self.spike_t)
        start_step = self.step_count
        chunk = self.steps_per_ms()
        while self.step_count - start_step < limit:
            before = self.snapshot()
            taken = self.advance(chunk)
            if self._blowup:
                return
            if len(self.spike_t) > start_spikes:
                first = float(self.spike_t.view()[start_spikes])
                target = int(np.ceil(first / self.dt - 1e-9))
                self.restore(before)
                self.advance(max(target - self.step_count, 1))
                self.stage = f"to the next spike (t = {first:.4g} {self.params.time_unit})"
                return
            if taken < chunk:
                return
        searched = (self.step_count - start_step) * self.dt * self.ms_per_unit
        self.stage = f"searched {searched:g} ms"
        self.message = f"no spike within {searched:g} ms of model time: the input is probably below threshold"

    def spikes(self) -> tuple[np.ndarray, np.ndarray]:
        return self.spike_t.view(), self.spike_i.view()

    def pending(self) -> str:
        """"from the next step: i_ext = 6" for the knobs of the simulation (not the view) changed since the last
        step (the pane shows that step with the values it ran with), or "" when none changed."""
        changed = [f"{f.name} = {_shown(getattr(self.params, f.name))}" for f in dataclasses.fields(self.params)
                   if f.name != "view" and getattr(self.params, f.name) != getattr(self.step_params, f.name)]
        return "from the next step: " + ", ".join(changed) if changed and self.step_count else ""

    def with_pending(self, lines: tuple[Any, ...]) -> tuple[Any, ...]:
        """`lines` with the `pending` note after the first (the rule), when there is one."""
        note = self.pending()
        return (lines[0], note, *lines[1:]) if note and lines else lines

    def last_step_spikes(self, neuron: int = 0) -> np.ndarray:
        """Times of the spikes `neuron` fired in the last step of dt (after its start, up to its end).

        The buffer holds the spikes step by step, so the last step's are its tail."""
        t = self.t.view()
        if len(t) < 2:
            return np.zeros(0)
        st, si = self.spikes()
        start = t[-2]
        k = int(np.searchsorted(st, start, side="right"))
        return st[k:][si[k:] == neuron]

    def metrics(self) -> dict[str, Any]:
        """rate_hz: spikes per neuron per second of model time; spike_count: all spikes."""
        seconds = self.time() * self.ms_per_unit / 1000.0
        count = len(self.spike_t)
        return {"rate_hz": count / (self.n_neurons * seconds) if seconds > 0 else 0.0, "spike_count": count}


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(x) for x in value) + "]"
    return str(value)
