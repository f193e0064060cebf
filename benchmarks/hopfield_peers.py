"""The Hopfield workloads and their peers: nnlab's recall and capacity models, hand-written numba loops and
plain numpy loops.

Recall. N = 1,024 units store n = 100 random patterns (each bit +1 or -1 with probability 1/2, drawn by
nnlab's `RecallModel` with seed `RecallSpec.seed`) in Hebbian weights

    W = (1/n) sum_s x_s x_s^T - I          (zero diagonal; the lecture's 1/n)

The probe is pattern 0 with exactly half of its bits flipped (probe "noise", noise 0.5): overlap 0
with pattern 0 and below 0.08 in size with any other, a random state far from every pattern. Then
asynchronous updates in random order (a new permutation every sweep: nnlab's, read from a model's run
sweep by sweep and handed to every peer), threshold 0, tie +1:

    h_i = sum_j W_ij x_j,   x_i <- +1 if h_i >= 0, else -1

for at most `sweeps` = 20 sweeps, stopping earlier only when a whole sweep flips nothing (as nnlab's
`advance` does). From this probe the state is still moving after 20 sweeps (at commit b99eeaf it
settles after 37), so every peer makes 20 x 1,024 = 20,480 unit updates, the same updates in the same
order, and must end in the same state. (Should a later nnlab settle earlier, every peer stops at the
same sweep and the rates count the updates made: `recall_inputs()["updates"]`.) A probe of pattern 0
with 20 % of its bits flipped settles after 3 sweeps: too few updates to time well.

Capacity. nnlab's `CapacityModel` sweep for N = 100: n = 1 .. 30 patterns, 50 trials each, a probe of
pattern 0 with 20 % of its bits flipped, asynchronous recall in random order until a sweep changes
nothing (at most 100 sweeps); a trial succeeds when it ends exactly on pattern 0. The hand-written
numba peers draw the patterns, probes and unit orders from the same generator in the same way as nnlab's
`CapacityModel._point` (commit 7996dfb on: per batch of trials the patterns, then each trial's flipped
bits, then 16 orders per trial = numpy's argsort of uniform keys, sweep s in order s mod 16), so they
recall from the same probes in the same orders. Two loops: the plain one (one product added at a time)
and the same loop compiled with nnlab's flags, fastmath={"reassoc", "contract"} (the sum vectorised).
At even n a net input can be exactly 0 in exact arithmetic (h = c/n with c a sum of N - 1 odd terms);
the float sum then rounds to a tiny +-value and that rounding, which depends on the order of the
additions, decides the unit instead of the tie rule. So only the loop with nnlab's flags must give
nnlab's rates exactly; the plain loop and an exact integer replay (`exact_capacity`) differ from them by
a few trials at even n. The plain numpy peer draws its own (a Python loop per update), on fewer trials.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np

from harness import Peer


@dataclass(frozen=True)
class RecallSpec:
    """The recall workload."""

    N: int = 1024
    n: int = 100
    sweeps: int = 20
    seed: int = 5
    """nnlab's model seed: the patterns, the probe and the update orders."""
    noise: float = 0.5
    order: str = "random"

    @property
    def units(self) -> int:
        """Unit updates of one run (when the state does not settle first)."""
        return self.sweeps * self.N

    def params(self) -> Any:
        from nnlab.core.hopfield.params import HopfieldParams

        return HopfieldParams(patterns=(), n_patterns=self.n, n_units=self.N, probe="noise", noise=self.noise,
                              order=self.order, max_sweeps=self.sweeps, temperature=0.0, tie="plus", bias=0.0,
                              scaling="n")

    def describe(self) -> dict[str, Any]:
        return {"N": self.N, "patterns": self.n, "pattern_bits": "+1/-1 with probability 1/2 (nnlab's draw)",
                "weights": "W = (1/n) sum_s x_s x_s^T - I, zero diagonal", "probe": f"pattern 0 with exactly "
                f"round({self.noise} N) bits flipped", "order": f"{self.order}, a new permutation every sweep "
                "(nnlab's: read from a model's run, sweep by sweep)", "rule": "x_i = +1 iff h_i >= 0 (threshold 0, "
                "tie +1), temperature 0", "max_sweeps": self.sweeps, "seed": self.seed,
                "stop": "after max_sweeps, or earlier when a whole sweep flips nothing", "units": self.units}


@dataclass(frozen=True)
class CapacitySpec:
    """The capacity sweep."""

    N: int = 100
    trials: int = 50
    max_load: float = 0.3
    noise: float = 0.2
    seed: int = 0
    max_sweeps: int = 100

    @property
    def ns(self) -> np.ndarray:
        return np.arange(1, int(self.max_load * self.N) + 1)

    @property
    def units(self) -> int:
        """Recalls (trials) of one sweep."""
        return self.trials * len(self.ns)

    def params(self) -> Any:
        from nnlab.core.hopfield.params import HopfieldParams

        return HopfieldParams(experiment="capacity", n_units=self.N, trials=self.trials,
                              max_load=self.max_load, noise=self.noise, max_sweeps=self.max_sweeps)

    def describe(self) -> dict[str, Any]:
        return {"N": self.N, "n": f"1 .. {self.ns[-1]}", "trials_per_n": self.trials, "noise": self.noise,
                "probe": f"pattern 0 with exactly round({self.noise} N) bits flipped", "order": "random, a new "
                "permutation every sweep", "stop": f"a sweep that flips nothing, or {self.max_sweeps} sweeps",
                "success": "the final state equals pattern 0 exactly", "seed": self.seed, "units": self.units}


# -- the recall workload's inputs ---------------------------------------------------------------------------
def hebbian(P: np.ndarray) -> np.ndarray:
    """W = (1/n) P^T P with a zero diagonal (written here, not nnlab's)."""
    W = P.T @ P / P.shape[0]
    W[np.arange(W.shape[0]), np.arange(W.shape[0])] = 0.0
    return W


def recall_inputs(spec: RecallSpec) -> dict[str, Any]:
    """nnlab's patterns, probe and update orders for the recall workload (the orders read from a model run sweep
    by sweep: `m.order` after each sweep), and W built here from the patterns. The first `advance` of this
    run is nnlab's first in the process (its kernel's cold compile with a fresh cache): `first_advance_s`."""
    from nnlab.core.hopfield.recall_model import RecallModel

    m = RecallModel(spec.params(), spec.seed)
    P = m.P.copy()
    W = hebbian(P)
    x0 = m.x.copy()
    orders = np.tile(np.arange(spec.N), (spec.sweeps, 1))
    sweeps = 0
    first_s = 0.0
    for s in range(spec.sweeps):  # the orders nnlab uses: read from the model, sweep by sweep
        t0 = time.perf_counter()
        done = m.advance(spec.N)
        if s == 0:
            first_s = time.perf_counter() - t0
        if done < spec.N:
            break
        orders[s] = m.order
        sweeps += 1
        if m.stable:
            break
    return {"P": P, "W": W, "W_nnlab": m.W.copy(), "x0": x0, "orders": orders.astype(np.int64),
            "sweeps": sweeps, "updates": sweeps * spec.N, "first_advance_s": first_s,
            "W_identical_to_nnlab": bool(np.array_equal(W, m.W)),
            "probe_overlap_max": float(np.abs(P @ x0).max() / spec.N),
            "probe_overlap_pattern0": float(P[0] @ x0 / spec.N)}


def energy(W: np.ndarray, x: np.ndarray) -> float:
    """E = -1/2 x^T W x (threshold 0)."""
    return float(-0.5 * x @ W @ x)


def recall_result(x: np.ndarray, sweeps: int, flips: int, N: int, **extra: Any) -> dict[str, Any]:
    return {"state": x.copy(), "sweeps": int(sweeps), "updates": int(sweeps) * N, "flips": int(flips), **extra}


# -- nnlab ------------------------------------------------------------------------------------------------------
def nnlab_recall_peer(spec: RecallSpec, inp: dict[str, Any]) -> Peer:
    """`RecallModel(params, seed)` (setup), then `advance(sweeps * N)` (the run): the kernel and its recording
    of the energy, the 100 overlaps and the flip of every update, in the model's traces."""

    def setup() -> Callable[[], dict[str, Any]]:
        from nnlab.core.hopfield.recall_model import RecallModel

        m = RecallModel(spec.params(), spec.seed)

        def run() -> dict[str, Any]:
            done = m.advance(spec.units)
            return recall_result(m.x, m.sweeps, m.flips.view().sum(), spec.N, updates_reported=done,
                                 energy_recorded=float(m.E.view()[-1]), energy_rows=len(m.E),
                                 overlap_rows=len(m.M), stable=m.stable)

        return run

    return Peer(f"nnlab RecallModel.advance({spec.units:,})", setup, "nnlab", "model", inp["updates"],
                "records energy, 100 overlaps and the flip of every update (the model's traces)")


def nnlab_kernel_peer(spec: RecallSpec, inp: dict[str, Any]) -> Peer:
    """nnlab's kernel `kernels.async_updates` called directly, once per sweep on that sweep's units, with its
    recording (energy, overlaps, field, flip per update) into arrays allocated in setup."""

    def setup() -> Callable[[], dict[str, Any]]:
        from nnlab.core.hopfield import kernels

        W, P, orders = inp["W_nnlab"], inp["P"], inp["orders"]
        N, n, S = spec.N, spec.n, spec.sweeps
        x = inp["x0"].copy()
        b = np.zeros(N)
        u = np.zeros(N)
        m = P @ x / N
        E0 = energy(W, x)
        e_out = np.empty(S * N)
        m_out = np.empty((S * N, n))
        field = np.empty(N)
        flipped = np.zeros(S * N, np.bool_)

        def run() -> dict[str, Any]:
            E = E0
            sweeps = 0
            for s in range(S):
                sl = slice(s * N, (s + 1) * N)
                E = kernels.async_updates(W, b, x, orders[s], 0, 0.0, u, P, m, E, e_out[sl], m_out[sl], field,
                                          flipped[sl])
                sweeps += 1
                if not flipped[sl].any():
                    break
            return recall_result(x, sweeps, flipped[: sweeps * N].sum(), N, energy_recorded=float(E))

        return run

    return Peer("nnlab kernel async_updates, one call per sweep", setup, "nnlab", "kernel", inp["updates"],
                "nnlab's numba kernel with its recording (energy, 100 overlaps, field, flip per update); "
                "output arrays allocated in setup")


# -- hand-written numba ------------------------------------------------------------------------------------
@numba.njit(cache=False)
def hand_recall(W, x, orders, max_sweeps):
    """The natural loop: for each unit of the sweep's order, h = sum_j W[i, j] x[j], threshold, flip.
    Returns (sweeps, flips); stops after a sweep that flips nothing."""
    N = x.size
    flips = 0
    for s in range(max_sweeps):
        changed = 0
        for k in range(N):
            i = orders[s, k]
            h = 0.0
            for j in range(N):
                h += W[i, j] * x[j]
            new = 1.0 if h >= 0.0 else -1.0
            if new != x[i]:
                x[i] = new
                changed += 1
        flips += changed
        if changed == 0:
            return s + 1, flips
    return max_sweeps, flips


hand_recall_fastmath = numba.njit(cache=False, fastmath=True)(hand_recall.py_func)
"""`hand_recall` compiled with fastmath=True: the sum may be reassociated, so LLVM vectorises it (SIMD, several
partial sums) instead of adding one product at a time (a different rounding of h)."""

NNLAB_FLAGS = {"reassoc", "contract"}
"""The fastmath flags of nnlab's Hopfield kernels (commit 7996dfb on)."""

hand_recall_reassoc = numba.njit(cache=False, fastmath=NNLAB_FLAGS)(hand_recall.py_func)
"""`hand_recall` compiled with nnlab's flags only."""


@numba.njit(cache=False)
def hand_recall_energy(W, x, orders, max_sweeps, E, energy_out):
    """`hand_recall` that also records the energy after every update, kept incrementally (dE = -(x_i' - x_i) h_i)."""
    N = x.size
    flips = 0
    for s in range(max_sweeps):
        changed = 0
        for k in range(N):
            i = orders[s, k]
            h = 0.0
            for j in range(N):
                h += W[i, j] * x[j]
            new = 1.0 if h >= 0.0 else -1.0
            if new != x[i]:
                E -= (new - x[i]) * h
                x[i] = new
                changed += 1
            energy_out[s * N + k] = E
        flips += changed
        if changed == 0:
            return s + 1, flips, E
    return max_sweeps, flips, E


@numba.njit(cache=False)
def hand_recall_record(W, P, x, orders, max_sweeps, E, m, energy_out, overlap_out):
    """`hand_recall_energy` that also keeps the overlaps m_s = x_s . x / N with every stored pattern up to date
    and records them after every update: what nnlab records."""
    N = x.size
    n = P.shape[0]
    flips = 0
    for s in range(max_sweeps):
        changed = 0
        for k in range(N):
            i = orders[s, k]
            h = 0.0
            for j in range(N):
                h += W[i, j] * x[j]
            new = 1.0 if h >= 0.0 else -1.0
            if new != x[i]:
                E -= (new - x[i]) * h
                step = (new - x[i]) / N
                for a in range(n):
                    m[a] += step * P[a, i]
                x[i] = new
                changed += 1
            row = s * N + k
            energy_out[row] = E
            for a in range(n):
                overlap_out[row, a] = m[a]
        flips += changed
        if changed == 0:
            return s + 1, flips, E
    return max_sweeps, flips, E


def hand_peer(spec: RecallSpec, inp: dict[str, Any], record: str) -> Peer:
    """A hand-written numba loop above, compiled at its first run (no cache); record: none, energy, all,
    fastmath (none, compiled with fastmath=True) or reassoc (none, compiled with nnlab's flags)."""

    def setup() -> Callable[[], dict[str, Any]]:
        W, P, orders = inp["W"], inp["P"], inp["orders"]
        x = inp["x0"].copy()
        E0 = energy(W, x)
        e_out = np.empty(spec.sweeps * spec.N)
        m_out = np.empty((spec.sweeps * spec.N, spec.n))
        m = P @ x / spec.N

        def run() -> dict[str, Any]:
            if record in ("none", "fastmath", "reassoc"):
                fn = {"none": hand_recall, "fastmath": hand_recall_fastmath, "reassoc": hand_recall_reassoc}[record]
                sweeps, flips = fn(W, x, orders, spec.sweeps)
                return recall_result(x, sweeps, flips, spec.N)
            if record == "energy":
                sweeps, flips, E = hand_recall_energy(W, x, orders, spec.sweeps, E0, e_out)
            else:
                sweeps, flips, E = hand_recall_record(W, P, x, orders, spec.sweeps, E0, m, e_out, m_out)
            return recall_result(x, sweeps, flips, spec.N, energy_recorded=float(E))

        return run

    label, note = {
        "none": ("numba @njit, hand-written loop", "no recording"),
        "energy": ("numba @njit, hand-written, energy recorded", "records the energy after every update"),
        "all": ("numba @njit, hand-written, energy + overlaps recorded",
                "records the energy and the 100 overlaps after every update, as nnlab does"),
        "fastmath": ("numba @njit(fastmath=True), hand-written loop",
                     "no recording; the sum of h reassociated and vectorised (what-if: not the obvious loop)"),
        "reassoc": ("numba @njit(fastmath={reassoc, contract}), hand-written loop",
                    "no recording; nnlab's kernel flags (its sum vectorised the same way)"),
    }[record]
    return Peer(label, setup, "numba", record, inp["updates"], note)


# -- plain numpy ------------------------------------------------------------------------------------------
def numpy_recall(W: np.ndarray, x: np.ndarray, orders: np.ndarray, max_sweeps: int) -> tuple[int, int]:
    """The natural Python loop over units, `W[i] @ x` per update."""
    flips = 0
    for s in range(max_sweeps):
        changed = 0
        for i in orders[s]:
            h = W[i] @ x
            new = 1.0 if h >= 0.0 else -1.0
            if new != x[i]:
                x[i] = new
                changed += 1
        flips += changed
        if changed == 0:
            return s + 1, flips
    return max_sweeps, flips


def numpy_peer(spec: RecallSpec, inp: dict[str, Any]) -> Peer:
    def setup() -> Callable[[], dict[str, Any]]:
        W, orders = inp["W"], inp["orders"]
        x = inp["x0"].copy()

        def run() -> dict[str, Any]:
            sweeps, flips = numpy_recall(W, x, orders, spec.sweeps)
            return recall_result(x, sweeps, flips, spec.N)

        return run

    return Peer("numpy, Python loop over units, W[i] @ x", setup, "numpy", "none", inp["updates"], "no recording")


def recall_peers(spec: RecallSpec, inp: dict[str, Any]) -> list[Peer]:
    return [nnlab_recall_peer(spec, inp), nnlab_kernel_peer(spec, inp), hand_peer(spec, inp, "none"),
            hand_peer(spec, inp, "energy"), hand_peer(spec, inp, "all"), hand_peer(spec, inp, "fastmath"),
            hand_peer(spec, inp, "reassoc"), numpy_peer(spec, inp)]


def near_ties(spec: RecallSpec, inp: dict[str, Any], eps: float = 1e-9) -> dict[str, Any]:
    """Replays the run in numpy with exact integer net inputs (n h_i = sum_j c_ij x_j, c = P^T P with a zero
    diagonal) and counts the updates whose net input is exactly 0 (a tie, decided by the tie rule in exact
    arithmetic, by the sign of the rounding in floating point), and the smallest |h| of the others."""
    P, orders = inp["P"], inp["orders"]
    C = (P.T @ P).astype(np.int64)
    np.fill_diagonal(C, 0)
    x = inp["x0"].astype(np.int64)
    ties = 0
    smallest = np.inf
    for s in range(spec.sweeps):
        changed = 0
        for i in orders[s]:
            h = int(C[i] @ x)
            if h == 0:
                ties += 1
            else:
                smallest = min(smallest, abs(h) / spec.n)
            new = 1 if h >= 0 else -1
            if new != x[i]:
                x[i] = new
                changed += 1
        if changed == 0:
            break
    return {"exact_ties": ties, "smallest_nonzero_abs_h": float(smallest), "exact_state": x.astype(np.float64)}


# -- capacity -----------------------------------------------------------------------------------------------
ORDERS = 16
"""Unit orders drawn per trial (as nnlab's `CapacityModel.ORDERS`): sweep s visits the units in orders[s mod 16]."""
WEIGHT_BUDGET = 1 << 24
"""Weights per batch of trials (as nnlab's `capacity_model.WEIGHT_BUDGET`): 1,677 trials of N = 100, so the
50 trials of a point are one batch."""


def capacity_batches(spec: CapacitySpec, trials: int | None = None) -> list[tuple[int, int]]:
    """The batches of trials nnlab draws together: (start, stop)."""
    trials = trials or spec.trials
    chunk = max(1, WEIGHT_BUDGET // (spec.N * spec.N))
    return [(a, min(a + chunk, trials)) for a in range(0, trials, chunk)]


def capacity_draws(spec: CapacitySpec, rng: np.random.Generator, n: int,
                   trials: int) -> tuple[np.ndarray, np.ndarray]:
    """Patterns (trials, n, N) and probes (trials, N) of one batch, drawn as nnlab's `CapacityModel._point`
    draws them (so that the same generator gives the same trials)."""
    N = spec.N
    P = np.where(rng.random((trials, n, N)) < 0.5, -1.0, 1.0)
    x0 = P[:, 0, :].copy()
    k = int(round(spec.noise * N))
    for t in range(trials):
        x0[t, rng.choice(N, size=k, replace=False)] *= -1.0
    return P, x0


def capacity_orders(spec: CapacitySpec, rng: np.random.Generator, trials: int) -> np.ndarray:
    """The unit orders of one batch (trials, min(max_sweeps, 16), N), drawn after its patterns and probes, as
    nnlab does: numpy's argsort of uniform keys."""
    return np.argsort(rng.random((trials, min(spec.max_sweeps, ORDERS), spec.N)), axis=-1)


def capacity_weights(P: np.ndarray) -> np.ndarray:
    """W (trials, N, N) = P^T P / n per trial, zero diagonal, by numpy's batched matmul (the same values as
    nnlab's per-trial `hebbian`: the integer sums are exact)."""
    N = P.shape[2]
    W = np.matmul(P.transpose(0, 2, 1), P) / P.shape[1]
    W[:, np.arange(N), np.arange(N)] = 0.0
    return W


def nnlab_capacity_peer(spec: CapacitySpec) -> Peer:
    """`CapacityModel(params, seed)` (setup), then `advance(30)`: the whole sweep."""

    def setup() -> Callable[[], dict[str, Any]]:
        from nnlab.core.hopfield.capacity_model import CapacityModel

        m = CapacityModel(spec.params(), spec.seed)

        def run() -> dict[str, Any]:
            m.advance(len(spec.ns))
            return {"rate": np.array(m.rate), "overlap": np.array(m.overlap), "points": len(m.rate)}

        return run

    return Peer("nnlab CapacityModel.advance(30)", setup, "nnlab", "model", spec.units,
                "patterns, probes, W per trial and orders (argsort) in numpy; recall in the numba kernel "
                "(fastmath reassoc+contract)")


def hand_capacity_trials(W, P, x0, orders, max_sweeps, ok):
    """Recall of every trial of one batch; sweep s of trial t visits the units in orders[t, s mod S].
    ok[t] = the trial ended exactly on pattern 0."""
    trials, n, N = P.shape
    S = orders.shape[1]
    for t in range(trials):
        x = x0[t].copy()
        for s in range(max_sweeps):
            order = orders[t, s % S]
            changed = 0
            for k in range(N):
                i = order[k]
                h = 0.0
                for j in range(N):
                    h += W[t, i, j] * x[j]
                new = 1.0 if h >= 0.0 else -1.0
                if new != x[i]:
                    x[i] = new
                    changed += 1
            if changed == 0:
                break
        same = True
        for j in range(N):
            if x[j] != P[t, 0, j]:
                same = False
                break
        ok[t] = same


hand_capacity_plain = numba.njit(cache=False)(hand_capacity_trials)
hand_capacity_reassoc = numba.njit(cache=False, fastmath=NNLAB_FLAGS)(hand_capacity_trials)


def hand_capacity_peer(spec: CapacitySpec, flags: str) -> Peer:
    """Patterns, probes and orders drawn from the same generator in the same way as nnlab's
    `CapacityModel._point` (commit 7996dfb on), W by numpy's batched matmul, the recall loop hand-written in
    numba: flags "plain" (the obvious loop) or "reassoc" (compiled with nnlab's fastmath flags)."""
    fn = hand_capacity_plain if flags == "plain" else hand_capacity_reassoc

    def setup() -> Callable[[], dict[str, Any]]:
        rng = np.random.default_rng(spec.seed)

        def run() -> dict[str, Any]:
            ok = np.zeros((len(spec.ns), spec.trials), np.bool_)
            for r, n in enumerate(spec.ns):
                for a, b in capacity_batches(spec):
                    P, x0 = capacity_draws(spec, rng, int(n), b - a)
                    W = capacity_weights(P)
                    fn(W, P, x0, capacity_orders(spec, rng, b - a), spec.max_sweeps, ok[r, a:b])
            return {"rate": ok.mean(axis=1), "ok": ok, "points": len(spec.ns)}

        return run

    if flags == "plain":
        return Peer("numba @njit, hand-written recall loop", setup, "numba", "plain", spec.units,
                    "draws and orders as nnlab's; W by numpy's batched matmul; the plain loop (no fastmath)")
    return Peer("numba @njit(fastmath={reassoc, contract}), hand-written recall loop", setup, "numba", "reassoc",
                spec.units, "draws and orders as nnlab's; W by numpy's batched matmul; nnlab's fastmath flags")


@numba.njit(cache=False)
def exact_capacity_trials(C, P, x0, orders, max_sweeps, ok, ties):
    """`hand_capacity_trials` in exact integer arithmetic: C (trials, N, N) = P^T P (int64, zero diagonal), so
    n h_i = sum_j C_ij x_j exactly; a net input of exactly 0 is decided by the tie rule (+1). ties[t] = the
    updates of trial t whose net input was exactly 0."""
    trials, n, N = P.shape
    S = orders.shape[1]
    for t in range(trials):
        x = x0[t].copy()
        for s in range(max_sweeps):
            order = orders[t, s % S]
            changed = 0
            for k in range(N):
                i = order[k]
                h = 0
                for j in range(N):
                    h += C[t, i, j] * x[j]
                if h == 0:
                    ties[t] += 1
                new = 1 if h >= 0 else -1
                if new != x[i]:
                    x[i] = new
                    changed += 1
            if changed == 0:
                break
        same = True
        for j in range(N):
            if x[j] != P[t, 0, j]:
                same = False
                break
        ok[t] = same


def exact_capacity(spec: CapacitySpec, seed: int) -> dict[str, Any]:
    """The sweep of seed `seed` with nnlab's draws and orders, replayed in exact integer arithmetic (not timed):
    per-trial success and the exact ties met."""
    rng = np.random.default_rng(seed)
    ok = np.zeros((len(spec.ns), spec.trials), np.bool_)
    ties = np.zeros((len(spec.ns), spec.trials), np.int64)
    for r, n in enumerate(spec.ns):
        for a, b in capacity_batches(spec):
            P, x0 = capacity_draws(spec, rng, int(n), b - a)
            Pi = P.astype(np.int64)
            C = np.matmul(Pi.transpose(0, 2, 1), Pi)
            C[:, np.arange(spec.N), np.arange(spec.N)] = 0
            exact_capacity_trials(C, Pi, x0.astype(np.int64), capacity_orders(spec, rng, b - a), spec.max_sweeps,
                                  ok[r, a:b], ties[r, a:b])
    return {"rate": ok.mean(axis=1), "ok": ok, "ties": ties}


def numpy_capacity_trial(P: np.ndarray, x: np.ndarray, rng: np.random.Generator, max_sweeps: int) -> bool:
    """One trial in plain numpy: W, then a Python loop over the units of random-order sweeps until stable."""
    n, N = P.shape
    W = P.T @ P / n
    np.fill_diagonal(W, 0.0)
    for _ in range(max_sweeps):
        changed = 0
        for i in rng.permutation(N):
            new = 1.0 if W[i] @ x >= 0.0 else -1.0
            if new != x[i]:
                x[i] = new
                changed += 1
        if changed == 0:
            break
    return bool(np.array_equal(x, P[0]))


def numpy_capacity_peer(spec: CapacitySpec, trials: int) -> Peer:
    """The sweep in plain numpy on `trials` trials per point (its own draws and orders); its time is
    extrapolated to spec.trials by the caller (x spec.trials / trials)."""

    def setup() -> Callable[[], dict[str, Any]]:
        rng = np.random.default_rng(spec.seed)

        def run() -> dict[str, Any]:
            rate = []
            for n in spec.ns:
                P, x0 = capacity_draws(spec, rng, int(n), trials)
                ok = sum(numpy_capacity_trial(P[t], x0[t], rng, spec.max_sweeps) for t in range(trials))
                rate.append(ok / trials)
            return {"rate": np.array(rate), "points": len(rate), "trials": trials}

        return run

    label = "numpy, Python loop per update" + ("" if trials == spec.trials else f", {trials} trials per n")
    return Peer(label, setup, "numpy", "none", trials * len(spec.ns),
                "its own draws and orders" + ("" if trials == spec.trials else
                                              f"; sweep time extrapolated x{spec.trials / trials:g}"))


def capacity_peers(spec: CapacitySpec, numpy_trials: int) -> list[Peer]:
    return [nnlab_capacity_peer(spec), hand_capacity_peer(spec, "plain"), hand_capacity_peer(spec, "reassoc"),
            numpy_capacity_peer(spec, numpy_trials)]


def capacity_rates_over_seeds(spec: CapacitySpec, seeds: int) -> dict[str, Any]:
    """nnlab's recall rates averaged over `seeds` sweeps (seeds 0 .. seeds-1): spec.trials x seeds trials per n."""
    from nnlab.core.hopfield.capacity_model import CapacityModel

    rates = []
    for s in range(seeds):
        m = CapacityModel(spec.params(), s)
        m.advance(len(spec.ns))
        rates.append(m.rate)
    r = np.array(rates)
    return {"seeds": seeds, "trials_per_n": seeds * spec.trials, "rate": r.mean(axis=0),
            "rate_sd_between_seeds": r.std(axis=0, ddof=1) if seeds > 1 else np.zeros(r.shape[1])}
