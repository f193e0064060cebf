"""Memory the arrays of a parameter set need, estimated before its model is built, and the limit they must fit.

One estimator per Params class lists the arrays that grow with the knobs (as `Use`s: bytes, what
they are, which knobs to change); `refusal` adds them up against the limit: NNLAB_MEMORY_LIMIT_MB
when it is set, else half the memory the machine has available (MemAvailable, within a cgroup's
limit; the physical memory where /proc is missing). The estimates follow the models' own
allocations (float64 = 8 bytes; a per-step trace is kept in a buffer that doubles as it grows, so
it is counted twice) and aim at the right order of magnitude, not the byte: they exist to refuse a
parameter set that would die in numpy's MemoryError, not to budget a small one. They cannot see
inside a data file before it is read, and they leave out spikes, whose number depends on the run.
Only the standard library is imported here, so `nnlab check` stays fast.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from nnlab.core.hopfield.params import HopfieldParams, is_pattern_file, max_patterns
from nnlab.core.neuron.params import HHParams, LIFParams, PairParams, PopulationParams, SynapseParams
from nnlab.core.backprop.params import MLPParams
from nnlab.core.rbm.params import VISIBLE as RBM_VISIBLE, RBMParams
from nnlab.core.rnn.params import GATES, RNNParams
from nnlab.core.som.params import SOMParams

F8 = 8
"""Bytes of a float64 (and an int64)."""
MB = 1 << 20
ENV = "NNLAB_MEMORY_LIMIT_MB"
"""Environment variable that sets the limit, in megabytes."""
DIGITS_ROWS = 1797
"""Rows of the bundled 8x8 digits."""


@dataclass(frozen=True)
class Use:
    """One group of arrays a model allocates."""

    bytes: int
    what: str
    """What they are, e.g. "7 x samples random draws"."""
    knobs: tuple[str, ...]
    """Dotted keys that set their size, the first the one to name ("params.samples", "run.duration")."""
    fix: str
    """What to change, e.g. "lower samples"."""


@dataclass(frozen=True)
class Refusal:
    """A parameter set whose arrays would not fit."""

    need: int
    limit: int
    limit_source: str
    biggest: Use

    @property
    def key(self) -> str:
        return self.biggest.knobs[0]

    def message(self) -> str:
        part = (f"for {self.biggest.what}" if self.biggest.bytes >= 0.9 * self.need else
                f"{self.biggest.bytes / MB:,.0f} MB of them for {self.biggest.what}")
        return (f"expected arrays that fit in {self.limit / MB:,.0f} MB ({self.limit_source}), found about "
                f"{self.need / MB:,.0f} MB {part}: {self.biggest.fix}")


class LimitError(ValueError):
    """NNLAB_MEMORY_LIMIT_MB holds something other than a number of megabytes."""


# -- the limit ------------------------------------------------------------------------------------
def limit() -> tuple[int | None, str]:
    """(bytes, where the figure comes from); bytes is None when the machine's memory cannot be read."""
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            mb = float(text)
        except ValueError:
            mb = float("nan")
        if not math.isfinite(mb) or mb <= 0:
            raise LimitError(f"{ENV}: expected a number of megabytes above 0, found {text[:40]!r}")
        return int(mb * MB), f"{ENV} = {text}"
    available = _available()
    if available is None:
        return None, ""
    return available // 2, f"half the memory available; {ENV} sets another limit"


def _available() -> int | None:
    free = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        pass
    if free is None:
        try:
            free = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    try:
        cap = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if cap != "max":
            free = min(free, max(int(cap) - used, 0))
    except (OSError, ValueError):
        pass
    return free


def refusal(params: Any, duration: float, steps: int | None = None) -> Refusal | None:
    """A Refusal when the arrays of `params` (run for `duration` model time, or `steps` steps of the
    smallest size) would not fit in the limit; None when they fit or cannot be estimated."""
    uses = estimate(params, duration, steps)
    if not uses:
        return None
    cap, source = limit()
    need = sum(u.bytes for u in uses)
    if cap is None or need <= cap:
        return None
    return Refusal(need, cap, source, max(uses, key=lambda u: u.bytes))


def estimate(params: Any, duration: float, steps: int | None = None) -> list[Use]:
    """The arrays a model of `params` allocates (empty for the small models)."""
    fn = ESTIMATORS.get(type(params))
    return fn(params, duration, steps) if fn is not None else []


# -- neuron lab -----------------------------------------------------------------------------------
def _trace(p: Any, duration: float, steps: int | None, floats_per_row: float, unit: str) -> Use:
    """The per-step traces of a run of `steps` steps of dt, or of `duration` model time."""
    rows = steps if steps else max(1, int(min(duration / p.dt, 1e18)))
    fix = "lower the steps (--steps, run.steps)" if steps else f"shorten run.duration or raise dt (in {unit})"
    return Use(int(2 * rows * floats_per_row * F8), f"per-step traces ({rows:,} steps of dt)",
               ("run.steps",) if steps else ("run.duration", "params.dt"), fix)


def _neurons(n: int, floats_each: int) -> Use:
    return Use(n * floats_each * F8, f"the state of {n:,} neurons", ("params.n_neurons",), "lower n_neurons")


def _hh(p: HHParams, duration: float, steps: int | None) -> list[Use]:
    if p.experiment == "fi":
        return [_trace(p, duration, None, 6 + 2, "ms")]
    recorded = min(p.n_neurons, 8)
    return [_trace(p, duration, steps, 2 + 4 * recorded, "ms"), _neurons(p.n_neurons, 24)]


def _lif(p: LIFParams | PopulationParams, duration: float, steps: int | None) -> list[Use]:
    if getattr(p, "experiment", "run") == "fi":
        return [_trace(p, duration, None, 3 + 2, "s")]
    recorded = min(p.n_neurons, 8)
    return [_trace(p, duration, steps, 2 + recorded, "s"), _neurons(p.n_neurons, 16)]


def _synapse(p: SynapseParams, duration: float, steps: int | None) -> list[Use]:
    return [_trace(p, duration, steps, 4, "s")]


def _pair(p: PairParams, duration: float, steps: int | None) -> list[Use]:
    return [_trace(p, duration, steps, 4, "s")]


# -- Hopfield lab ---------------------------------------------------------------------------------
def _hopfield(p: HopfieldParams, duration: float, steps: int | None) -> list[Use]:
    N = p.n_units
    if p.experiment == "capacity":
        n = max(max_patterns(p.max_load, N), 1)
        trials = min(p.trials, max(1, (1 << 24) // (N * N)))
        return [Use(trials * (2 * n * N + N * N + 2 * 16 * N) * F8,
                    f"{trials} trial(s) of {n:,} random patterns of {N:,} units and their weights",
                    ("params.max_load", "params.n_units", "params.trials"), "lower max_load or n_units")]
    glyphs = [item for item in p.patterns if not is_pattern_file(item)]
    if glyphs:
        N = p.glyph_size ** 2
    n = len(p.patterns) if p.patterns else p.n_patterns
    whole = p.update == "sync" or p.memory == "modern"
    updates = steps or (p.max_sweeps if whole else p.max_sweeps * N)
    return [Use(3 * N * N * F8, f"the weights of {N:,} units", ("params.n_units", "params.glyph_size"),
                "lower n_units (or glyph_size)"),
            Use(2 * n * N * F8, f"{n:,} stored patterns", ("params.n_patterns",), "lower n_patterns"),
            Use(2 * updates * (n + 3) * F8, f"the energy and overlap traces ({updates:,} updates x {n:,} patterns)",
                ("params.max_sweeps", "params.n_patterns", "params.n_units"),
                "lower max_sweeps, n_patterns or n_units")]


# -- RBM lab --------------------------------------------------------------------------------------
def _rbm(p: RBMParams, duration: float, steps: int | None) -> list[Use]:
    if p.experiment == "boltzmann":
        return [Use(7 * p.samples * (F8 + 1), "7 x samples random draws (one row per energy gap)",
                    ("params.samples",), "lower samples")]
    n_v, n_h = p.n_visible, p.n_hidden
    if p.experiment == "sample":
        states = 2 ** min(n_v + n_h, 20)
        return [Use(2 * (p.samples // 100 + 1) * (n_v + n_h) * F8, "a block of samples / 100 Gibbs steps' draws",
                    ("params.samples",), "lower samples"),
                Use(4 * states * F8, f"the exact distribution over {states:,} states", ("params.n_hidden",),
                    "lower n_hidden or n_visible")]
    rows = {"onehot3": p.n_samples, "bars_stripes": p.n_samples, "digits": DIGITS_ROWS}.get(p.dataset, 0)
    width = RBM_VISIBLE.get(p.dataset, n_v)
    batch = min(p.batch_size, rows) if rows else 0
    return [Use(4 * rows * width * F8, f"{rows:,} training rows of {width} units (and their copies)",
                ("params.n_samples",), "lower n_samples"),
            Use(batch * (6 * n_v + 6 * n_h + 3 * max(n_v, n_h)) * F8,
                f"batches of {batch:,} rows through {n_v:,} visible and {n_h:,} hidden units",
                ("params.batch_size", "params.n_hidden"), "lower batch_size or n_hidden"),
            Use(6 * n_v * n_h * F8, f"the {n_h:,} x {n_v:,} weights and their working copies",
                ("params.n_hidden", "params.n_visible"), "lower n_hidden")]


# -- SOM lab --------------------------------------------------------------------------------------
def _som(p: SOMParams, duration: float, steps: int | None) -> list[Use]:
    dims = {"square": 2, "ring": 2, "clusters": 2, "colours": 3, "digits": 64}
    rows = {"digits": DIGITS_ROWS, "words": 0, "file": 0}.get(p.dataset, p.n_samples)
    dim = dims.get(p.dataset, p.dim)
    units = p.rows * p.cols
    return [Use(rows * (2 * dim + 2) * F8, f"{rows:,} samples of {dim} numbers (and their copies)",
                ("params.n_samples",), "lower n_samples"),
            Use(units * (4 * dim + 24) * F8, f"the weights and lattice of {units:,} units",
                ("params.rows", "params.cols"), "lower rows or cols")]


# -- backprop lab ---------------------------------------------------------------------------------
def _mlp(p: MLPParams, duration: float, steps: int | None) -> list[Use]:
    fixed = {"or": 4, "and": 4, "xor": 4, "nand": 4, "digits": DIGITS_ROWS, "file": 0}
    rows = fixed.get(p.dataset, p.n_samples)
    sizes = p.layers
    weights = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    nets = 1 + len(set(p.compare) - {p.optimizer})
    batch = rows if p.batch_size == 0 else min(p.batch_size, rows)
    epochs = steps or p.epochs
    updates = epochs * (-(-rows // batch) if batch else 0)
    hidden = sum(sizes[1:-1])
    uses = [Use(8 * nets * weights * F8, f"{weights:,} weights (with gradients, optimiser state and copies)"
                + (f" for {nets} optimisers" if nets > 1 else ""), ("params.layers", "params.compare"),
                "use fewer or smaller layers"),
            Use(3 * nets * (batch + rows) * sum(sizes) * F8,
                f"the activations of {rows:,} samples through layers {list(sizes)}",
                ("params.layers", "params.n_samples", "params.batch_size"),
                "use smaller layers, fewer samples or a smaller batch_size"),
            Use(nets * updates * (160 + 8 * len(sizes)), f"per-update traces ({updates:,} updates)",
                ("params.epochs", "params.batch_size"), "lower epochs or raise batch_size")]
    if p.dropout > 0:
        uses.append(Use(nets * rows * hidden * F8, f"dropout draws for {rows:,} samples x {hidden:,} hidden units",
                        ("params.dropout", "params.n_samples", "params.layers"),
                        "use fewer samples, smaller hidden layers or dropout = 0"))
    return uses


# -- RNN lab --------------------------------------------------------------------------------------
def _rnn(p: RNNParams, duration: float, steps: int | None) -> list[Use]:
    n = 1 if p.task == "hello" else p.n_sequences
    T, H, G = p.seq_len, p.hidden, len(GATES[p.cell])
    vocab = {"text": 40, "hello": 4}.get(p.task, 2)
    X, Y = p.inputs or vocab, vocab
    B = n if p.batch_size == 0 else min(p.batch_size, n)
    return [Use(3 * n * T * (X + Y + 1) * F8, f"{n:,} sequences of {T:,} steps (and their copies)",
                ("params.n_sequences", "params.seq_len"), "lower n_sequences or seq_len"),
            Use(n * T * (2 * G * H + 3 * H + 3 * Y) * F8, f"the forward pass of all {n:,} sequences x {T:,} steps x "
                f"{H:,} units (the loss after every epoch)", ("params.n_sequences", "params.hidden", "params.seq_len"),
                "lower n_sequences, hidden or seq_len"),
            Use(2 * B * T * (3 * G * H + 6 * H + 3 * Y) * F8, f"the states, gates and deltas of a batch of {B:,} "
                "(and a copy for stepping back)", ("params.batch_size", "params.hidden", "params.seq_len"),
                "lower batch_size, hidden or seq_len"),
            Use(8 * G * H * (H + X + 1) * F8, f"the {p.cell} weights (with gradients and optimiser state)",
                ("params.hidden",), "lower hidden")]


ESTIMATORS: dict[type, Callable[[Any, float, int | None], list[Use]]] = {
    HHParams: _hh,
    LIFParams: _lif,
    PopulationParams: _lif,
    SynapseParams: _synapse,
    PairParams: _pair,
    HopfieldParams: _hopfield,
    RBMParams: _rbm,
    SOMParams: _som,
    MLPParams: _mlp,
    RNNParams: _rnn,
}
"""Params class -> its estimator; a class not here (activation, perceptron, graph) allocates little."""
