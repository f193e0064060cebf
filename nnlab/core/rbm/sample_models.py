"""The RBM lab's two small experiments (lecture 18): the Boltzmann probability at several temperatures,
and free Gibbs sampling of a small RBM against its exact distribution.

boltzmann: P(on) = 1 / (1 + exp(-dE / T)) for dE in [-10, 10], one temperature per step (the
schedule, or the lecture's 20, 10, 5, 2, 1), with the frequency of `samples` simulated
units switched on at dE = -6, -4, ..., 6 beside the curve.

sample: a random RBM (weights N(0, init_scale^2), biases N(0, init_scale^2 / 4)) sampled by
alternating h ~ P(h | v) and v ~ P(v | h); the visited (v, h) states are counted and
compared with P(v, h) = exp(-E / T) / Z over all 2^(n_v + n_h) states (total variation
distance, chi-square). One step runs `samples` / 100 Gibbs steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.equation_terms import SHOWN, Rest, total
from nnlab.core.equation import Calc, EquationLine, Line, Num, fn
from nnlab.core.lab import Frame, restore_rng, snapshot_rng
from nnlab.core.rbm import kernels
from nnlab.core.rbm.energy import exact_joint, p_on, total_variation
from nnlab.core.rbm.params import LECTURE_SCHEDULE, RBMParams

GAPS = np.linspace(-10.0, 10.0, 201)
PROBE_GAPS = np.arange(-6.0, 7.0, 2.0)
BLOCKS = 100


class BoltzmannModel:
    """P(on) against dE, one temperature per step."""

    def __init__(self, params: RBMParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.temps = tuple(params.schedule) or LECTURE_SCHEDULE
        self.curves: list[np.ndarray] = []
        self.freqs: list[np.ndarray] = []
        self.stage = "P(on) = 1 / (1 + exp(-dE / T)); n adds the next temperature"

    blowup = ""
    """Always "": P(on) lies in [0, 1] at every T > 0 (a step as T -> 0), so nothing here can overflow."""

    @property
    def steps_total(self) -> int:
        return len(self.curves)

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        return len(self.temps) - len(self.curves)

    def set_params(self, params: RBMParams) -> None:
        self.params = params

    def _next(self) -> None:
        T = self.temps[len(self.curves)]
        self.curves.append(p_on(GAPS, T))
        draws = self.rng.random((len(PROBE_GAPS), self.params.samples))
        self.freqs.append((draws < p_on(PROBE_GAPS, T)[:, None]).mean(axis=1))
        self.stage = f"T = {T:g}: P(on) at dE = 2 is {float(p_on(2.0, T)):.4f}"

    def step(self, level: int = 0) -> Frame:
        if len(self.curves) < len(self.temps):
            self._next()
            while level > 0 and len(self.curves) < len(self.temps):
                self._next()
        return self.frame()

    def advance(self, n: int) -> int:
        done = 0
        while done < n and len(self.curves) < len(self.temps):
            self._next()
            done += 1
        return done

    def snapshot(self) -> dict[str, Any]:
        return {"n": len(self.curves), "stage": self.stage, "rng": snapshot_rng(self.rng)}

    def restore(self, s: dict[str, Any]) -> None:
        del self.curves[s["n"]:], self.freqs[s["n"]:]
        self.stage = s["stage"]
        restore_rng(self.rng, s["rng"])

    def frame(self) -> Frame:
        k = len(self.curves)
        rows = tuple((f"T = {T:g}", f"{float(p_on(2.0, T)):.4f}", "P(on) at dE = 2") for T in self.temps[:k])
        data = {"gaps": GAPS, "curves": list(self.curves), "temps": self.temps[:k], "probe_gaps": PROBE_GAPS,
                "freqs": list(self.freqs)}
        equation: tuple[EquationLine, ...] = (
            "P(v_k = 1) = 1 / (1 + exp(-dE_k / T)),  dE_k = E(v_k off) - E(v_k on)",
            "dE = 0 gives 1/2 at every T; T -> 0 a step, T -> infinity a flat 1/2")
        if k:
            T = self.temps[k - 1]
            at = int(np.argmin(np.abs(GAPS - 2.0)))
            probe = int(np.argmin(np.abs(PROBE_GAPS - 2.0)))
            p_two = 1 / (1 + fn("exp", -Num(GAPS[at], "g") / Num(T, "g")))
            equation += (Line(Calc(f"T = {T:g}: P(on | dE = 2) =", p_two, float(self.curves[-1][at]), ".4f"),
                              f";  {self.params.samples} simulated units: ", Num(float(self.freqs[-1][probe]), ".4f"),
                              " on"),)
        return Frame(t=float(k), step=k, stage=self.stage, values=rows, data=data, equation=equation,
                     done=k == len(self.temps))

    def metrics(self) -> dict[str, Any]:
        return {"temperatures": list(self.temps[:len(self.curves)]),
                "p_on_at_gap_2": [float(p_on(2.0, T)) for T in self.temps[:len(self.curves)]]}

    def traces(self) -> dict[str, np.ndarray]:
        return {"gaps": GAPS, "p_on": np.array(self.curves).reshape(len(self.curves), len(GAPS))}


class SamplerModel:
    """Free Gibbs sampling of a small random RBM, counted against the exact distribution."""

    def __init__(self, params: RBMParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        n_h, n_v, s = params.n_hidden, params.n_visible, params.init_scale
        self.W = self.rng.normal(0.0, s, (n_h, n_v))
        self.b = self.rng.normal(0.0, s / 2, n_v)
        self.c = self.rng.normal(0.0, s / 2, n_h)
        self.exact = exact_joint(self.W, self.b, self.c, params.temperature)
        self.counts = np.zeros(self.exact.shape, np.int64)
        self.v = np.zeros(n_v)
        self.h = np.zeros(n_h)
        self.taken = 0
        self.tv: list[float] = []
        self.stage = f"{2 ** (n_v + n_h)} states enumerated; n samples a block of Gibbs steps"
        self._blowup = ""

    @property
    def blowup(self) -> str:
        """Why sampling stopped: the chi-square overflowed, or ""."""
        return self._blowup

    @property
    def block(self) -> int:
        return max(self.params.samples // BLOCKS, 1)

    @property
    def steps_total(self) -> int:
        return self.taken // self.block

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        return max(BLOCKS - self.steps_total, 0)

    def set_params(self, params: RBMParams) -> None:
        self.params = params

    def _block(self) -> None:
        """One block of Gibbs steps; when its chi-square cannot be represented, the state before it and a
        blow-up instead."""
        if self._blowup:
            return
        before = self.snapshot()
        n = self.block
        kernels.gibbs_counts(self.W, self.b, self.c, self.params.temperature, self.v, self.h,
                             self.rng.random((n, len(self.c))), self.rng.random((n, len(self.b))), self.counts)
        self.taken += n
        self.tv.append(total_variation(self.counts.ravel() / self.taken, self.exact.ravel()))
        chi2 = self.chi2()
        if not np.isfinite(chi2):
            self.restore(before)
            self._blowup = (f"the chi-square overflowed (above 1.8e308): the chain visits states to which the exact "
                            f"distribution gives almost no probability, as Gibbs sampling stays in one valley at T = "
                            f"{self.params.temperature:g}; raise temperature or lower init_scale")
            self.stage = "stopped: " + self._blowup
            return
        self.stage = f"{self.taken} Gibbs steps: total variation {self.tv[-1]:.4f}, chi-square {chi2:.1f}"

    def chi2(self) -> float:
        """sum (counts - expected)^2 / expected over the states of non-zero probability (inf when it overflows)."""
        expected = self.exact.ravel() * self.taken
        keep = expected > 0
        with np.errstate(over="ignore"):
            return float(((self.counts.ravel()[keep] - expected[keep]) ** 2 / expected[keep]).sum()) if self.taken \
                else 0.0

    def step(self, level: int = 0) -> Frame:
        self._block()
        while level > 0 and self.steps_total < BLOCKS and not self._blowup:
            self._block()
        return self.frame()

    def advance(self, n: int) -> int:
        done = 0
        while done < n and not self._blowup:
            self._block()
            done += not self._blowup
        return done

    def snapshot(self) -> dict[str, Any]:
        return {"counts": self.counts.copy(), "v": self.v.copy(), "h": self.h.copy(), "taken": self.taken,
                "n_tv": len(self.tv), "stage": self.stage, "blowup": self._blowup, "rng": snapshot_rng(self.rng)}

    def restore(self, s: dict[str, Any]) -> None:
        self.counts, self.v, self.h = s["counts"].copy(), s["v"].copy(), s["h"].copy()
        self.taken, self.stage, self._blowup = s["taken"], s["stage"], s["blowup"]
        del self.tv[s["n_tv"]:]
        restore_rng(self.rng, s["rng"])

    def frame(self) -> Frame:
        freq = self.counts / max(self.taken, 1)
        rows = (("samples", f"{self.taken}", f"of {self.params.samples}"),
                ("TV", f"{self.tv[-1]:.4f}" if self.tv else "-", "1/2 sum |p - q|"),
                ("chi2", f"{self.chi2():.1f}", f"{self.exact.size - 1} dof"))
        data = {"exact": self.exact.copy(), "freq": freq, "tv": np.array(self.tv), "n_v": len(self.b),
                "n_h": len(self.c), "taken": self.taken}
        equation: tuple[EquationLine, ...] = (
            "P(v, h) = exp(-E(v, h) / T) / Z,  E = -h^T W v + v^T b + h^T c;  TV = 1/2 sum |p - q|",
            f"Gibbs: h ~ P(h | v), v ~ P(v | h) at T = {self.params.temperature:g}")
        if self.taken:
            # up to 2^20 states: the terms not written out are summed in numpy, not built as expressions
            p, q = freq.ravel(), self.exact.ravel()
            k = SHOWN if len(p) > SHOWN + 1 else len(p)
            gaps = total([fn("abs", Num(float(a), ".3g") - Num(float(b), ".3g")) for a, b in zip(p[:k], q[:k])])
            if k < len(p):
                gaps = gaps + Rest(float(np.abs(p[k:] - q[k:]).sum()), more=len(p) - k)
            equation += (Line(Calc(f"after {self.taken} steps: TV = 1/2 sum_states |freq - P| =", gaps / 2,
                                   self.tv[-1], ".4f")),)
        return Frame(t=float(self.steps_total), step=self.steps_total, stage=self.stage, values=rows, data=data,
                     equation=equation, message=self._blowup)

    def metrics(self) -> dict[str, Any]:
        return {"total_variation": self.tv[-1] if self.tv else 1.0, "chi2": self.chi2(), "samples": self.taken}

    def traces(self) -> dict[str, np.ndarray]:
        return {"exact": self.exact.copy(), "counts": self.counts.copy(), "total_variation": np.array(self.tv),
                "W": self.W.copy(), "b": self.b.copy(), "c": self.c.copy()}
