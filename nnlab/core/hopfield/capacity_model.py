"""The capacity sweep: recall rate against the load n/N (lecture 15; 0.138 N from Amit, Gutfreund &
Sompolinsky 1985, which the notes do not give).

For each n = 1 .. max_load N, `trials` times: n random patterns of N units (each bit +1 or -1
with probability 1/2), Hebbian weights, a probe of pattern 0 with exactly round(noise N) bits
flipped, asynchronous updates in random order until a sweep changes nothing (or max_sweeps).
A trial recalls when the final state equals pattern 0 exactly. With `memory` modern or both,
the dense memory recalls from the same probes. One step computes one n.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.hopfield import kernels
from nnlab.core.hopfield.network import TIE_CODES
from nnlab.core.hopfield.network import hebbian
from nnlab.core.hopfield.params import HopfieldParams, max_patterns
from nnlab.core.equation import Calc, EquationLine, Line, Num
from nnlab.core.lab import Frame, restore_rng, snapshot_rng

WEIGHT_BUDGET = 1 << 24
"""Weights held at once while sweeping (trials are batched so that their W fit: 128 MiB)."""
ORDERS = 16
"""Random unit orders drawn per trial; sweep s uses order s mod 16 (recall rarely takes more)."""
AGS_CAPACITY = 0.138
"""Critical load n/N of random patterns (Amit, Gutfreund & Sompolinsky 1985)."""


class CapacityModel:
    """Recall rate and final overlap per number of stored patterns; see the module docstring."""

    def __init__(self, params: HopfieldParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.ns = np.arange(1, max_patterns(params.max_load, params.n_units) + 1)
        self.rate: list[float] = []
        self.recalled: list[int] = []
        """Trials that recalled pattern 0, per n."""
        self.overlap: list[float] = []
        self.modern_rate: list[float] = []
        self.stage = f"capacity sweep: n = 1 .. {self.ns[-1]} patterns, N = {params.n_units}, {params.trials} trials each"

    @property
    def blowup(self) -> str:
        return ""

    @property
    def steps_total(self) -> int:
        return len(self.rate)

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        return len(self.ns) - len(self.rate)

    def set_params(self, params: HopfieldParams) -> None:
        self.params = params

    def _point(self) -> None:
        p = self.params
        n = int(self.ns[len(self.rate)])
        N = p.n_units
        k = int(round(p.noise * N))
        ok = np.zeros(p.trials, np.bool_)
        ov = np.zeros(p.trials)
        mok = np.zeros(p.trials, np.bool_)
        chunk = max(1, WEIGHT_BUDGET // (N * N))
        sweeps = min(p.max_sweeps, ORDERS)
        for a in range(0, p.trials, chunk):
            sl = slice(a, min(a + chunk, p.trials))
            t = sl.stop - sl.start
            P = np.where(self.rng.random((t, n, N)) < 0.5, -1.0, 1.0)
            x0 = P[:, 0, :].copy()
            for i in range(t):
                x0[i, self.rng.choice(N, size=k, replace=False)] *= -1.0
            W = hebbian(P, p.scaling)
            orders = np.argsort(self.rng.random((t, sweeps, N)), axis=-1)
            kernels.capacity_trials(P, W, x0, orders, p.bias, TIE_CODES[p.tie], p.max_sweeps, p.memory != "classic",
                                    p.beta, ok[sl], ov[sl], mok[sl])
        self.rate.append(float(ok.mean()))
        self.recalled.append(int(ok.sum()))
        self.overlap.append(float(ov.mean()))
        if p.memory != "classic":
            self.modern_rate.append(float(mok.mean()))
        self.stage = (f"n = {n} (load {n / N:.3f}): recalled {ok.sum()} of {p.trials} trials, mean overlap "
                      f"{ov.mean():.3f}")

    def step(self, level: int = 0) -> Frame:
        if len(self.rate) >= len(self.ns):
            self.stage = "sweep done: r starts again"
            return self.frame()
        if level == 0:
            self._point()
        else:
            while len(self.rate) < len(self.ns):
                self._point()
        return self.frame()

    def advance(self, n: int) -> int:
        done = 0
        while done < n and len(self.rate) < len(self.ns):
            self._point()
            done += 1
        return done

    def snapshot(self) -> dict[str, Any]:
        return {"lens": (len(self.rate), len(self.overlap), len(self.modern_rate)), "stage": self.stage,
                "rng": snapshot_rng(self.rng)}

    def restore(self, s: dict[str, Any]) -> None:
        a, b, c = s["lens"]
        del self.rate[a:], self.recalled[a:], self.overlap[b:], self.modern_rate[c:]
        self.stage = s["stage"]
        restore_rng(self.rng, s["rng"])

    def frame(self) -> Frame:
        p = self.params
        k = len(self.rate)
        loads = self.ns[:k] / p.n_units
        rows = [("points", f"{k}/{len(self.ns)}", f"{p.trials} trials"),
                ("N", f"{p.n_units}", f"noise {p.noise:g}")]
        if k:
            rows.append(("last rate", f"{self.rate[-1]:.1%}", f"n = {self.ns[k - 1]}"))
            half = [n for n, r in zip(self.ns, self.rate) if r >= 0.5]
            rows.append(("rate >= 50%", f"n <= {max(half)}" if half else "never", f"0.138 N = {AGS_CAPACITY * p.n_units:.1f}"))
        data = {"loads": loads, "rate": np.array(self.rate), "overlap": np.array(self.overlap),
                "modern_rate": np.array(self.modern_rate), "capacity": AGS_CAPACITY, "N": p.n_units,
                "max_load": p.max_load}
        eq: tuple[EquationLine, ...] = (
            "recall rate = fraction of trials ending exactly on the stored pattern; Hebbian W, async random "
            f"order, {p.noise:.0%} of the bits flipped",
            Line("critical load n/N = 0.138 (Amit, Gutfreund & Sompolinsky 1985): n = ",
                 Num(AGS_CAPACITY * p.n_units, ".1f"), f" for N = {p.n_units}"))
        if k:
            eq += (Line(Calc(f"n = {self.ns[k - 1]} (load {loads[-1]:.3f}): recall rate = recalled/trials =",
                             Num(self.recalled[-1], "d") / Num(p.trials, "d"), self.rate[-1], ".3g")),)
        return Frame(t=float(k), step=k, stage=self.stage, equation=eq, values=tuple(rows), data=data,
                     done=k >= len(self.ns))

    def metrics(self) -> dict[str, Any]:
        k = len(self.rate)
        out: dict[str, Any] = {"load": (self.ns[:k] / self.params.n_units).tolist(), "recall_rate": list(self.rate),
                               "mean_overlap": list(self.overlap), "n": self.ns[:k].tolist()}
        if self.modern_rate:
            out["modern_recall_rate"] = list(self.modern_rate)
        return out

    def traces(self) -> dict[str, np.ndarray]:
        k = len(self.rate)
        out = {"load": self.ns[:k] / self.params.n_units, "recall_rate": np.array(self.rate),
               "mean_overlap": np.array(self.overlap)}
        if self.modern_rate:
            out["modern_recall_rate"] = np.array(self.modern_rate)
        return out
