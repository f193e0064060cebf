"""Knobs of the Hopfield lab (lectures 14-15: content-addressable memory, Hebbian weights, energy).

Conventions (stated in the lab's help): states x_i in {-1, +1}; W = (1/n) sum_s x_s x_s^T - I
(the lecture's 1/n; 1/N as an option); thresholds b enter as E = -1/2 x^T W x + b^T x and the
rule x_i = +1 iff sum_j W_ij x_j >= b_i (catalogue 15; the CH notes write b as a bias with the
other sign).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nnlab.core.knobs import ParamError, ParamsBase, knob

GLYPHS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
"""Pattern names the package draws (5x7 bitmaps scaled to `glyph_size`)."""

EXPERIMENTS = ("recall", "capacity")
PROBES = ("noise", "occlude", "mixture", "inverse", "blank")
MEMORIES = ("classic", "modern", "both")
HOPFIELD_VIEWS = ("state", "energy", "overlap", "weights", "capacity")
"""What the upper plot shows."""

PATTERN_FILE_SUFFIXES = (".npz", ".txt", ".pat")
MAX_UNITS = 4096
"""Largest network: W has N^2 entries (128 MiB at 4096)."""


def max_patterns(load: float, N: int) -> int:
    """The largest n with n / N <= load (rounding error forgiven: 0.29 * 100 gives 29)."""
    return math.floor(load * N + 1e-9)


def is_pattern_file(item: str) -> bool:
    """True when an item of `patterns` names a file rather than a glyph."""
    return item.lower().endswith(PATTERN_FILE_SUFFIXES)


@dataclass(frozen=True)
class HopfieldParams(ParamsBase):
    """A Hopfield network: store patterns with the Hebb rule, probe, and fall down the energy."""

    experiment: str = knob("recall", "recall: store, probe and step one unit at a time; capacity: recall rate "
                           "against the load n/N over many random trials", choices=EXPERIMENTS, live=False)
    patterns: tuple[str, ...] = knob(("H", "O", "T"), "stored patterns: letters and digits (A-Z, 0-9) drawn by "
                                     "nnlab, and/or files (.npz array `patterns`, or .txt grids of # and .); "
                                     "empty: n_patterns random ones", live=False)
    glyph_size: int = knob(10, "letters and digits are drawn on a square grid of this side (N = side^2)",
                           lo=5, hi=64, live=False)
    n_patterns: int = knob(0, "random patterns stored when `patterns` is empty (0: none, e.g. to draw)", lo=0,
                           hi=10_000, live=False)
    n_units: int = knob(100, "units N of random patterns (and of the canvas when nothing is stored); W has N^2 "
                        "entries", lo=4, hi=MAX_UNITS, live=False)
    scaling: str = knob("n", "Hebbian scale: n gives W = (1/n) sum x x^T - I (the lecture); N gives (1/N) sum "
                        "x x^T with a zero diagonal", choices=("n", "N"), live=False)
    bias: float = knob(0.0, "threshold b of every unit: x_i = +1 iff sum_j W_ij x_j >= b", lo=-100.0, hi=100.0)
    tie: str = knob("plus", "a net input exactly at the threshold gives: plus (+1, the lecture), keep (no change), "
                    "minus (-1)", choices=("plus", "keep", "minus"))
    update: str = knob("async", "async: one unit at a time; sync: every unit at once from the same state",
                       choices=("async", "sync"), live=False)
    order: str = knob("random", "async order: random (a new permutation every sweep) or sequential (0..N-1)",
                      choices=("random", "sequential"))
    temperature: float = knob(0.0, "T of stochastic (Glauber) updates: P(x_i = +1) = 1/(1 + exp(-2 (h_i - b)/T)); "
                              "0: the deterministic rule", lo=0.0, hi=100.0)
    probe: str = knob("noise", "start state: noise (flip a fraction of the target's bits), occlude (randomise "
                      "a region), mixture (sign of a sum of stored patterns), inverse (-target, then noise), "
                      "blank (every unit -1)", choices=PROBES, live=False)
    target: int = knob(0, "index of the stored pattern the probe starts from, from 0 (0 = the first, shown as #1 or its letter)", lo=0, hi=10_000,
                       live=False)
    noise: float = knob(0.2, "fraction of the units flipped, exactly round(noise N) of them, by the probe (r "
                        "draws it again) and by the f key", lo=0.0, hi=1.0)
    region: str = knob("bottom", "occluded region: bottom, top, left or right part of the picture",
                       choices=("bottom", "top", "left", "right"), live=False)
    occlude: float = knob(0.5, "occluded fraction of the picture (its bits set at random)", lo=0.0, hi=1.0,
                          live=False)
    mixture: tuple[float, ...] = knob((1.0, 1.0, 1.0), "probe = mixture: sign(c1 x1 + c2 x2 + ...) with these "
                                      "coefficients (ties +1)", lo=-10.0, hi=10.0, live=False)
    memory: str = knob("classic", "classic: the Hebbian network; modern: a dense (softmax) memory, x <- sgn(X^T "
                       "softmax(beta X x)); both: side by side on the same probe", choices=MEMORIES, live=False)
    beta: float = knob(1.0, "inverse temperature beta of the modern memory's softmax", lo=0.0, hi=1000.0,
                       lo_open=True)
    max_sweeps: int = knob(100, "sweeps (or synchronous steps) before a run that never settles is stopped",
                           lo=1, hi=100_000)
    trials: int = knob(50, "capacity: random trials per number of patterns", lo=1, hi=100_000, live=False)
    max_load: float = knob(0.3, "capacity: the sweep stores n = 1 .. max_load N patterns", lo=0.0, hi=2.0,
                           lo_open=True, live=False)
    view: str = knob("state", "first view: " + ", ".join(HOPFIELD_VIEWS), choices=HOPFIELD_VIEWS)

    def step_levels(self) -> tuple[str, ...]:
        if self.experiment == "capacity":
            return ("point", "sweep")
        if self.update == "sync" or self.memory == "modern":
            return ("step", "stable")
        return ("unit", "sweep", "stable")

    def unused(self) -> frozenset[str]:
        out = set()
        if not any(not is_pattern_file(p) for p in self.patterns):
            out.add("glyph_size")
        if self.patterns:
            out.add("n_patterns")
        if self.update == "sync":
            out.add("order")
        if self.probe not in ("noise", "inverse"):
            out.add("noise")
        if self.probe != "occlude":
            out |= {"region", "occlude"}
        if self.probe != "mixture":
            out.add("mixture")
        if self.memory == "classic":
            out.add("beta")
        if self.memory == "modern":
            out |= {"temperature", "update", "order", "bias", "scaling"}
        if self.experiment == "recall":
            out |= {"trials", "max_load"}
        else:
            out |= {"patterns", "glyph_size", "n_patterns", "probe", "target", "region", "occlude", "mixture",
                    "order", "temperature", "update"}
        return frozenset(out)

    def check(self) -> None:
        for item in self.patterns:
            if not is_pattern_file(item) and item.upper() not in GLYPHS:
                raise ParamError("patterns", "letters A-Z, digits 0-9 or pattern files (.npz, .txt, .pat)",
                                 f'"{item}"')
        if self.experiment == "capacity":
            if max_patterns(self.max_load, self.n_units) < 1:
                raise ParamError("max_load", f"at least 1/N = {1 / self.n_units:.3g} (one pattern) for N = "
                                 f"{self.n_units}", f"{self.max_load:g}")
            return
        if self.probe == "mixture" and len(self.mixture) < 1:
            raise ParamError("mixture", "at least one coefficient", "an empty list")
