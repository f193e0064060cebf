"""A Hopfield network recalling a stored pattern, one unit, one sweep or until stable (lectures 14-15).

Asynchronous updates visit the units of a sweep in a random permutation (new each sweep) or
in order 0..N-1; the permutation and, at T > 0, the uniform draws of a sweep are drawn from
the model's Generator when the sweep starts, so stepping unit by unit or sweep by sweep gives
the same run. Synchronous steps update every unit from the same state; a state seen before
ends the run: a fixed point (period 1) or a cycle (period 2 for symmetric W). The modern
memory (`memory = "modern"` or `"both"`) updates x <- sgn(X^T softmax(beta X x)) in whole
steps. The user may edit the state, store it as a new pattern, or clear it; each restarts
the traces from the new start state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.hopfield import kernels
from nnlab.core.hopfield.network import TIE_CODES, energy, hebbian, modern_energy
from nnlab.core.hopfield.params import HopfieldParams
from nnlab.core.hopfield.patterns import PatternSet, flip, make_probe, stored_patterns
from nnlab.core.lab import Frame, restore_rng, snapshot_rng
from nnlab.core.traces import Trace


def recalled_index(patterns: np.ndarray, x: np.ndarray) -> int:
    """Index of the stored pattern equal to x, or -1."""
    for k, p in enumerate(patterns):
        if np.array_equal(p, x):
            return k
    return -1


def _sign_text(v: float) -> str:
    return "+1" if v > 0 else "-1"


class RecallModel:
    """Stored patterns, a state, and its way down the energy; see the module docstring."""

    def __init__(self, params: HopfieldParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        ps = stored_patterns(params, self.rng)
        self.shape = ps.shape
        self.names: tuple[str, ...] = ps.names
        self.P = ps.x
        self.W = hebbian(self.P, params.scaling)
        self.modern_only = params.memory == "modern"
        self.x = make_probe(params, ps, self.rng)
        self.y = self.x.copy() if params.memory == "both" else None
        self.stage = "start: the probe"
        self.equation: tuple[str, ...] = ()
        self._blowup = ""
        self._restart()

    # -- set-up -----------------------------------------------------------------------------------
    @property
    def N(self) -> int:
        return self.x.size

    @property
    def b(self) -> np.ndarray:
        return np.full(self.N, self.params.bias)

    def _energy(self, x: np.ndarray) -> float:
        if self.modern_only:
            return modern_energy(self.P, x, self.params.beta)
        return energy(self.W, x, self.b)

    def _restart(self) -> None:
        """The current state becomes the start: counters and traces begin again."""
        n = len(self.P)
        self.x0 = self.x.copy()
        if self.y is not None:
            self.y = self.x.copy()
        self.updates = 0
        self.sweeps = 0
        self.cursor = 0
        self.order = np.arange(self.N)
        self.u = np.zeros(self.N)
        self.sweep_flips = 0
        self.stable = False
        self.period = 0
        self.last_unit = -1
        self.last: dict[str, Any] = {}
        self.seen: dict[bytes, int] = {self.x.tobytes(): 0}
        self.E = Trace()
        self.E.append([self._energy(self.x)])
        self.M = Trace((n,))
        self.M.append((self.P @ self.x / self.N)[None, :] if n else np.zeros((1, 0)))
        self.flips = Trace(dtype=np.bool_)
        self.flips.append([False])
        self.EM = Trace()
        if self.y is not None:
            self.EM.append([modern_energy(self.P, self.y, self.params.beta)])
        self._blowup = self._unrepresentable()
        if self._blowup:
            self.stage = "stopped: " + self._blowup

    def _unrepresentable(self) -> str:
        """Why the start's energy is not a number (the modern energy at a vanishing beta), or "". Only beta and
        the number of patterns can take it beyond the doubles, and both make a new start when they change, so
        a finite start keeps every later energy finite."""
        E = self.EM.view()[-1] if len(self.EM) else self.E.view()[-1]
        if np.isfinite(E):
            return ""
        return (f"the modern energy -(1/beta) log sum_s exp(beta x_s.x) is beyond the doubles at beta = "
                f"{self.params.beta:g} (it tends to -log(n)/beta as beta -> 0, n = {len(self.P)} patterns); "
                f"raise beta (to 1e-300 or more)")

    # -- protocol ---------------------------------------------------------------------------------
    @property
    def blowup(self) -> str:
        """Why the memory cannot run (see `_unrepresentable`), or ""."""
        return self._blowup

    @property
    def steps_total(self) -> int:
        return self.updates

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        """Updates (or steps) of a run to the end: max_sweeps sweeps."""
        if self.params.update == "sync" or self.modern_only:
            return self.params.max_sweeps
        return self.params.max_sweeps * self.N

    def set_params(self, params: HopfieldParams) -> None:
        """A live change: a new threshold (or beta, for the modern energy) changes E itself, so the state
        becomes a new start; a new tie rule or temperature may unsettle a settled state."""
        old = self.params
        self.params = params
        if params.bias != old.bias:
            self._restart()
            self.stage = f"threshold b = {params.bias:g}: the energy is measured anew from here"
        elif params.beta != old.beta and (self.modern_only or self.y is not None):
            self._restart()
            if not self._blowup:
                self.stage = f"beta = {params.beta:g}: the energy is measured anew from here"
        elif (params.tie, params.temperature) != (old.tie, old.temperature):
            self.stable = False
            self.period = 0
            self.seen = {self.x.tobytes(): self.sweeps}

    @property
    def whole_steps(self) -> bool:
        """True when the smallest step updates every unit (synchronous or modern)."""
        return self.params.update == "sync" or self.modern_only

    @property
    def target(self) -> int:
        """Index of the pattern the overlaps are measured with: the probed one (the first if it is gone)."""
        return self.params.target if self.params.target < len(self.P) else 0

    def finished(self) -> bool:
        return self.stable or self.period > 1 or self.sweeps >= self.params.max_sweeps

    def step(self, level: int = 0) -> Frame:
        name = self.step_levels()[min(level, len(self.step_levels()) - 1)]
        if self._blowup:
            return self.frame()
        if self.finished():
            self.stage = self._end_text()
            return self.frame()
        if name in ("unit", "step"):
            self._advance_units(1)
        elif name == "sweep":
            self._advance_units(self.N - self.cursor)
        else:
            while not self.finished():
                self._advance_units(1 if self.whole_steps else self.N - self.cursor)
            self.stage = self._end_text()
        return self.frame()

    def advance(self, n: int) -> int:
        """n unit updates (async) or n whole steps; fewer when the state settles first."""
        done = 0
        if self._blowup:
            return done
        rows = min(n, self.default_steps())
        for trace in (self.E, self.M, self.flips):
            trace.reserve(rows)
        while done < n and not self.finished():
            k = 1 if self.whole_steps else min(n - done, self.N - self.cursor)
            self._advance_units(k)
            done += k
        return done

    # -- dynamics ---------------------------------------------------------------------------------
    def _advance_units(self, k: int) -> None:
        if self.modern_only:
            self._modern_step()
        elif self.params.update == "sync":
            self._sync_step()
        else:
            self._async(k)

    def _begin_sweep(self) -> None:
        p = self.params
        self.order = self.rng.permutation(self.N) if p.order == "random" else np.arange(self.N)
        self.u = self.rng.random(self.N)
        self.sweep_flips = 0

    def _async(self, k: int) -> None:
        p = self.params
        if self.cursor == 0:
            self._begin_sweep()
        units = self.order[self.cursor: self.cursor + k]
        n = len(self.P)
        m = self.M.view()[-1].copy()
        e_out = self.E.reserve(k)
        m_out = self.M.reserve(k)
        f_out = self.flips.reserve(k)
        field = np.empty(k)
        e_before = self.E.view()[-1]
        x_old = self.x[units[-1]]
        E_after = kernels.async_updates(self.W, self.b, self.x, units, TIE_CODES[p.tie], p.temperature,
                                        self.u[self.cursor: self.cursor + k], self.P if n else np.zeros((0, self.N)),
                                        m, float(e_before), e_out, m_out, field, f_out)
        self.E.commit(k)
        self.M.commit(k)
        self.flips.commit(k)
        flipped = int(f_out.sum())
        self.sweep_flips += flipped
        self.updates += k
        self.cursor += k
        i = int(units[-1])
        self.last_unit = i
        before_last = e_out[-2] if k > 1 else e_before
        self.last = {"unit": i, "field": float(field[-1]), "old": float(x_old), "new": float(self.x[i]),
                     "E_before": float(before_last)}
        if k == 1:
            self.stage = self._unit_text()
        if self.cursor >= self.N:
            self.cursor = 0
            self.sweeps += 1
            self.last = {**self.last, "sweep_flips": self.sweep_flips}
            if self.sweep_flips == 0 and p.temperature == 0:
                self.stable = True
            if self.y is not None:
                self._modern_companion()
            if k > 1:
                self.stage = (f"sweep {self.sweeps}: {self.sweep_flips} of {self.N} units flipped; "
                              f"E = {E_after:.4g}{self._modern_text()}")
            if self.stable:
                self.stage = self._end_text()

    def _sync_step(self) -> None:
        p = self.params
        u = self.rng.random(self.N)
        new = np.empty(self.N)
        changed = kernels.sync_step(self.W, self.b, self.x, TIE_CODES[p.tie], p.temperature, u, new)
        self.x = new
        self._record_whole(changed)
        if self.y is not None:
            self._modern_companion()
        if p.temperature == 0:
            key = self.x.tobytes()
            if key in self.seen:
                self.period = self.sweeps - self.seen[key]
                self.stable = self.period == 1
            else:
                self.seen[key] = self.sweeps
        self.stage = (f"step {self.sweeps}: {changed} of {self.N} units changed; E = {self.E.view()[-1]:.4g}"
                      f"{self._modern_text()}")
        if self.finished():
            self.stage = self._end_text()

    def _modern_update(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        new = np.empty(self.N)
        changed = kernels.modern_step(self.P if len(self.P) else np.zeros((0, self.N)), x, self.params.beta,
                                      TIE_CODES[self.params.tie], new, np.empty(len(self.P)))
        return new, changed

    def _modern_step(self) -> None:
        new, changed = self._modern_update(self.x)
        self.x = new
        self._record_whole(changed)
        self.stable = changed == 0
        self.stage = f"step {self.sweeps}: {changed} of {self.N} units changed; E = {self.E.view()[-1]:.4g}"
        if self.stable:
            self.stage = self._end_text()

    def _record_whole(self, changed: int) -> None:
        self.updates += 1
        self.sweeps += 1
        self.E.append([self._energy(self.x)])
        self.M.append((self.P @ self.x / self.N)[None, :] if len(self.P) else np.zeros((1, 0)))
        self.flips.append([changed > 0])
        self.last = {"changed": changed}

    def _modern_companion(self) -> None:
        self.y, _ = self._modern_update(self.y)
        self.EM.append([modern_energy(self.P, self.y, self.params.beta)])

    # -- text -------------------------------------------------------------------------------------
    def _unit_text(self) -> str:
        d = self.last
        i = d["unit"]
        verb = "flipped" if d["old"] != d["new"] else "kept"
        return f"unit {i} (row {i // self.shape[1]}, col {i % self.shape[1]}): {verb} {_sign_text(d['new'])}"

    def _outcome(self, x: np.ndarray) -> str:
        """Which stored pattern the state x is, if any."""
        if not len(self.P):
            return "no pattern stored yet (a stores the state)"
        k = recalled_index(self.P, x)
        if k >= 0:
            return f"recalled {self.names[k]}"
        k = recalled_index(self.P, -x)
        return f"the inverse of {self.names[k]}" if k >= 0 else "a spurious state (no stored pattern)"

    def _modern_text(self) -> str:
        """The modern memory beside the classical one: what it reached and its overlap with the target, or ""."""
        if self.y is None or not len(self.P):
            return ""
        return f"; modern memory: {self._outcome(self.y)}, m = {self.P[self.target] @ self.y / self.N:.3f}"

    def _end_text(self) -> str:
        what = self._outcome(self.x)
        if self.y is not None and len(self.P):
            what += f", m = {self.P[self.target] @ self.x / self.N:.3f} with {self.names[self.target]}"
        what += self._modern_text()
        if self.period > 1:
            return (f"{self.period}-cycle: step {self.sweeps} repeats the state of step {self.sweeps - self.period}"
                    f"{self._modern_text()}")
        if self.stable:
            unit = "step" if self.whole_steps else "sweep"
            return f"stable after {self.sweeps} {unit}{'' if self.sweeps == 1 else 's'}: {what}"
        return f"stopped after max_sweeps = {self.params.max_sweeps}: {what}"

    # -- editing ----------------------------------------------------------------------------------
    def toggle(self, i: int) -> None:
        """Flip unit i by hand; the edited state becomes the new start."""
        self.x = self.x.copy()
        self.x[i] = -self.x[i]
        self._restart()
        self.stage = f"edited unit {i}"

    def clear(self) -> None:
        """Every unit -1 (an empty canvas)."""
        self.x = -np.ones(self.N)
        self._restart()
        self.stage = "cleared"

    def store(self) -> None:
        """Store the current state as a new pattern (Hebb: W gains x x^T, rescaled)."""
        if len(self.P) >= self.N:
            self.stage = f"cannot store more than N = {self.N} patterns"
            return
        self.P = np.vstack([self.P, self.x[None, :]])
        self.names = self.names + (f"drawn {len(self.P)}",)
        self.W = hebbian(self.P, self.params.scaling)
        self._restart()
        self.stage = f"stored the state as pattern {len(self.P)} ({self.names[-1]}); {len(self.P)} stored"

    def load_pattern(self, k: int) -> None:
        """Stored pattern k becomes the state."""
        self.x = self.P[k].copy()
        self._restart()
        self.stage = f"the state is now {self.names[k]}"

    def recalled_target(self) -> int:
        """Index of the stored pattern the state equals, or -1."""
        return recalled_index(self.P, self.x)

    def corrupt(self) -> None:
        """Flip round(noise N) random units of the state (at least one)."""
        fraction = max(self.params.noise, 1.0 / self.N)
        self.x = flip(self.x, fraction, self.rng)
        self._restart()
        self.stage = f"flipped {int(round(fraction * self.N))} units at random"

    # -- state ------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        keys = ("P", "W", "names", "x0", "updates", "sweeps", "cursor", "order", "u", "sweep_flips", "stable",
                "period", "last_unit", "last", "stage", "E", "M", "flips", "EM")
        s = {k: getattr(self, k) for k in keys}
        s.update(x=self.x.copy(), y=None if self.y is None else self.y.copy(), seen=dict(self.seen),
                 lens=(len(self.E), len(self.M), len(self.flips), len(self.EM)), rng=snapshot_rng(self.rng))
        return s

    def restore(self, s: dict[str, Any]) -> None:
        for k, v in s.items():
            if k not in ("lens", "rng", "x", "y", "seen"):
                setattr(self, k, v)
        self.x = s["x"].copy()
        self.y = None if s["y"] is None else s["y"].copy()
        self.seen = dict(s["seen"])
        for trace, n in zip((self.E, self.M, self.flips, self.EM), s["lens"]):
            trace.truncate(n)
        restore_rng(self.rng, s["rng"])

    def patterns(self) -> PatternSet:
        return PatternSet(self.P, self.names, self.shape)

    def frame(self) -> Frame:
        from nnlab.core.hopfield.frames import recall_frame

        return recall_frame(self)

    def metrics(self) -> dict[str, Any]:
        k = recalled_index(self.P, self.x)
        target = self.params.target if self.params.target < len(self.P) else 0
        out: dict[str, Any] = {
            "recalled": k,
            "overlap": float(self.P[target] @ self.x / self.N) if len(self.P) else 0.0,
            "final_energy": float(self.E.view()[-1]),
            "updates": self.updates,
            "sweeps": self.sweeps,
            "stable": self.stable,
        }
        if self.params.update == "sync":
            out["cycle_period"] = self.period
        if self.y is not None:
            out["modern_recalled"] = recalled_index(self.P, self.y)
            out["modern_overlap"] = float(self.P[target] @ self.y / self.N) if len(self.P) else 0.0
        return out

    def traces(self) -> dict[str, np.ndarray]:
        out = {"energy": self.E.view().copy(), "overlap": self.M.view().copy(), "state": self.x.copy(),
               "probe": self.x0.copy(), "W": self.W.copy(), "patterns": self.P.copy()}
        if self.y is not None:
            out["modern_state"] = self.y.copy()
            out["modern_energy"] = self.EM.view().copy()
        return out
