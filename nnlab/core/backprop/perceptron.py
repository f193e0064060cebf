"""The backprop lab's perceptron mode: a threshold unit trained by the perceptron rule (lecture 6).

    z = w.x + b        y = 1 if z >= 0 else 0        E = t - y
    w <- w + eta E x   b <- b + eta E      (bias_rule = "standard": the bias is the weight of a constant 1)
                       b <- b + eta E t    (bias_rule = "printed": the notes' rule, erratum E4)

With the notes' start w = [0.6, -0.2], b = -0.1, eta = 1 and the order [1,0], [0,1], [0,0], [1,1],
OR ends epoch 1 at w = [0.6, 0.8], b = -0.1 and epoch 2 has no errors (oracle O9). The printed rule
leaves b = 0.9 and misclassifies [0,0] in every epoch. XOR is not linearly separable, so some
input is wrong in every epoch (O10); the notes' "XOR" table is NAND, which converges (E5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core.backprop.params import mode_knob
from nnlab.core.equation_terms import dot, plus
from nnlab.core.data.toy import GATES
from nnlab.core.equation import Calc, EquationLine, Line, Num
from nnlab.core.knobs import ParamError, ParamsBase, knob
from nnlab.core.lab import Frame, restore_rng, snapshot_rng

DATASETS = ("or", "and", "nand", "xor", "x2", "detector")
"""Training sets: the gates on [0,0], [0,1], [1,0], [1,1], y = x2, and the 4-bit pattern detector."""

PATTERN = (1, 1, 0, 1)
"""The input the detector should fire for (lecture 6)."""

LECTURE_ORDER = (2, 1, 0, 3)
"""The notes' presentation order [1,0], [0,1], [0,0], [1,1] as indices of the rows in natural order."""

PERCEPTRON_LEVELS = ("sample", "epoch", "converged")
"""Step sizes: one presentation, the rest of the epoch, epochs until one has no errors."""

PERCEPTRON_VIEWS = ("boundary", "table")
"""What the upper plot shows: the inputs and the decision line, or the table of presentations."""

TABLE_ROWS = 12
"""Presentations a frame carries for the table view."""


@dataclass(frozen=True)
class PerceptronParams(ParamsBase):
    """A threshold unit y = [w.x + b >= 0] trained by the perceptron rule (lecture 6)."""

    mode: str = mode_knob("perceptron")
    dataset: str = knob("or", "training set: or, and, nand, xor, x2 (y = x2, the notes' other target), detector "
                        "(the 16 4-bit inputs, target 1 only for [1,1,0,1])", choices=DATASETS, live=False)
    w_init: tuple[float, ...] = knob((0.6, -0.2), "initial weights, one per input (2, or 4 for detector)",
                                     lo=-100.0, hi=100.0, live=False, source="the notes' OR example")
    b_init: float = knob(-0.1, "initial bias", lo=-100.0, hi=100.0, live=False, source="the notes' OR example")
    lr: float = knob(1.0, "learning rate eta", lo=0.0, hi=100.0, lo_open=True)
    bias_rule: str = knob("standard", "standard: b <- b + eta E; printed: the notes' b <- b + eta E t "
                          "(erratum E4: it never corrects a bias that fires for t = 0)",
                          choices=("standard", "printed"))
    order: str = knob("fixed", "fixed: the notes' order [1,0], [0,1], [0,0], [1,1] (natural order for detector); "
                      "shuffle: a new random order every epoch", choices=("fixed", "shuffle"))
    epochs: int = knob(20, "epochs of a run, and the most the converged step tries", lo=1, hi=100_000)
    view: str = knob("boundary", "first view: " + ", ".join(PERCEPTRON_VIEWS), choices=PERCEPTRON_VIEWS)

    def step_levels(self) -> tuple[str, ...]:
        return PERCEPTRON_LEVELS

    def check(self) -> None:
        n = n_inputs(self.dataset)
        if len(self.w_init) != n:
            raise ParamError("w_init", f"{n} weights for dataset {self.dataset}", f"{len(self.w_init)}")


def n_inputs(dataset: str) -> int:
    """Inputs per sample of a training set."""
    return len(PATTERN) if dataset == "detector" else 2


def training_set(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, t): the binary inputs in natural order (x: (n, d) float64) and their 0/1 targets (t: (n,) int64)."""
    d = n_inputs(dataset)
    x = np.array([[(i >> (d - 1 - k)) & 1 for k in range(d)] for i in range(2 ** d)], dtype=np.float64)
    if dataset == "detector":
        t = np.all(x == np.array(PATTERN), axis=1).astype(np.int64)
    elif dataset == "x2":
        t = x[:, 1].astype(np.int64)
    else:
        t = np.array(GATES[dataset], dtype=np.int64)
    return x, t


def fires(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    """y of every row of x: 1 where w.x + b >= 0 (z rounded to 12 decimals, as the notes' decimals)."""
    return (np.round(x @ np.asarray(w, dtype=np.float64) + b, 12) >= 0).astype(np.int64)


def firing_count(w: tuple[float, ...] | np.ndarray, b: float) -> int:
    """How many of the 2^d binary inputs make the unit fire (8 of 16 for w = [1,1,0,1], b = -2: E3)."""
    d = len(w)
    x = np.array([[(i >> (d - 1 - k)) & 1 for k in range(d)] for i in range(2 ** d)], dtype=np.float64)
    return int(fires(np.asarray(w, dtype=np.float64), b, x).sum())


class _Table:
    """Every presentation as a row [epoch, input, t, z, y, E, b, w...]: frozen chunks plus a short tail.

    A snapshot shares the frozen chunks and copies only the tail, so rewinding stays cheap on long runs.
    """

    CHUNK = 4096

    def __init__(self, width: int) -> None:
        self.width = width
        self.chunks: list[np.ndarray] = []
        self.tail: list[tuple[float, ...]] = []

    def __len__(self) -> int:
        return len(self.chunks) * self.CHUNK + len(self.tail)

    def append(self, row: tuple[float, ...]) -> None:
        self.tail.append(row)
        if len(self.tail) == self.CHUNK:
            chunk = np.array(self.tail, dtype=np.float64)
            chunk.flags.writeable = False
            self.chunks.append(chunk)
            self.tail = []

    def array(self) -> np.ndarray:
        parts = self.chunks + ([np.array(self.tail, dtype=np.float64)] if self.tail else [])
        return np.concatenate(parts) if parts else np.zeros((0, self.width))

    def last(self, k: int) -> list[tuple[float, ...]]:
        rows = list(self.tail[-k:])
        if len(rows) < k and self.chunks:
            rows = [tuple(r) for r in self.chunks[-1][len(rows) - k:]] + rows
        return rows

    def snapshot(self) -> tuple[tuple[np.ndarray, ...], tuple[tuple[float, ...], ...]]:
        return tuple(self.chunks), tuple(self.tail)

    def restore(self, s: tuple[tuple[np.ndarray, ...], tuple[tuple[float, ...], ...]]) -> None:
        self.chunks, self.tail = list(s[0]), list(s[1])


def _vec(v: np.ndarray | tuple[float, ...]) -> str:
    return "[" + ", ".join(f"{float(a):.4g}" for a in v) + "]"


def _num(v: float) -> str:
    return f"{v:.4g}"


def _errors(k: int) -> str:
    return "1 error" if k == 1 else f"{k} errors"


class PerceptronModel:
    """A perceptron and its training state; see the module docstring."""

    def __init__(self, params: PerceptronParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.x, self.t = training_set(params.dataset)
        # plain floats and tuples: the rule is a few products per sample, faster than numpy calls
        self.inputs = tuple(tuple(float(v) for v in row) for row in self.x)
        self.targets = tuple(int(v) for v in self.t)
        self.fixed_order = LECTURE_ORDER if len(self.x) == 4 else tuple(range(len(self.x)))
        self.w: tuple[float, ...] = tuple(params.w_init)
        self.b = float(params.b_init)
        self.epoch = 0
        """Epochs completed."""
        self.pos = 0
        """Presentations done in the current epoch."""
        self.order: tuple[int, ...] | None = None
        self.epoch_errors = 0
        self.errors: list[int] = []
        """Errors of every completed epoch."""
        self.table = _Table(7 + len(self.w))
        self.last: dict[str, Any] | None = None
        """The last presentation: input, target, z, y, E, and w and b before and after."""
        self.message = ""

    blowup = ""

    # -- protocol ---------------------------------------------------------------------------------
    @property
    def steps_total(self) -> int:
        return len(self.table)

    @property
    def converged(self) -> bool:
        """True when the last completed epoch had no errors."""
        return bool(self.errors) and self.errors[-1] == 0

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def set_params(self, params: PerceptronParams) -> None:
        self.params = params

    def default_steps(self) -> int:
        """Presentations left of `epochs` epochs (0 once an epoch had no errors)."""
        if self.converged:
            return 0
        return max(self.params.epochs * len(self.x) - len(self.table), 0)

    # -- training ---------------------------------------------------------------------------------
    def _present(self) -> None:
        p = self.params
        if self.order is None:
            self.order = (tuple(int(k) for k in self.rng.permutation(len(self.inputs))) if p.order == "shuffle"
                          else self.fixed_order)
        i = self.order[self.pos]
        x, t = self.inputs[i], self.targets[i]
        w0, b0 = self.w, self.b
        # z, w and b rounded to 12 decimals keep the lecture's decimals free of binary round-off (b = -0.1,
        # not -0.09999999999999998); the bias is the weight of a constant input 1, the printed rule uses t
        z = round(sum(wk * xk for wk, xk in zip(w0, x)) + b0, 12)
        y = 1 if z >= 0 else 0
        e = t - y
        if e:
            self.w = tuple(round(wk + p.lr * e * xk, 12) for wk, xk in zip(w0, x))
            self.b = round(b0 + p.lr * e * (t if p.bias_rule == "printed" else 1), 12)
            self.epoch_errors += 1
        self.pos += 1
        self.table.append((self.epoch + 1, i, t, z, y, e, self.b, *self.w))
        self.last = {"i": i, "k": self.pos, "epoch": self.epoch + 1, "x": x, "t": t, "z": z, "y": y, "e": e,
                     "w0": w0, "b0": b0, "w": self.w, "b": self.b, "rule": p.bias_rule, "lr": p.lr}
        if self.pos == len(self.inputs):
            self.errors.append(self.epoch_errors)
            self.epoch += 1
            self.pos = 0
            self.order = None
            self.epoch_errors = 0

    def _finish_epoch(self) -> None:
        self._present()
        while self.pos:
            self._present()

    def step(self, level: int = 0) -> Frame:
        self.message = ""
        name = self.step_levels()[min(level, 2)]
        if name == "sample":
            self._present()
        elif name == "epoch":
            self._finish_epoch()
        else:
            self._until_converged()
        return self.frame()

    def _until_converged(self) -> None:
        limit = self.params.epochs
        for _ in range(limit):
            self._finish_epoch()
            if self.errors[-1] == 0:
                self.message = (f"converged after {self.epoch} epochs: epoch {self.epoch} had no errors "
                                f"(w = {_vec(self.w)}, b = {_num(self.b)})")
                return
        self.message = f"no epoch without errors in {limit} epochs" + self._why()

    def _why(self) -> str:
        if self.params.dataset == "xor":
            return ": XOR is not linearly separable"
        if self.params.bias_rule == "printed":
            return ": the printed rule b <- b + eta E t never lowers the bias when t = 0 (erratum E4)"
        return ""

    def advance(self, n: int) -> int:
        """Present `n` samples (after convergence they change nothing)."""
        for _ in range(n):
            self._present()
        return n

    # -- state ------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {"w": self.w, "b": self.b, "epoch": self.epoch, "pos": self.pos, "order": self.order,
                "epoch_errors": self.epoch_errors, "errors": list(self.errors), "table": self.table.snapshot(),
                "last": self.last, "rng": snapshot_rng(self.rng), "params": self.params}

    def restore(self, s: dict[str, Any]) -> None:
        self.w, self.b, self.order = s["w"], s["b"], s["order"]
        self.epoch, self.pos, self.epoch_errors = s["epoch"], s["pos"], s["epoch_errors"]
        self.errors = list(s["errors"])
        self.table.restore(s["table"])
        self.last = s["last"]
        restore_rng(self.rng, s["rng"])
        self.params = s["params"]
        self.message = ""

    # -- outputs ----------------------------------------------------------------------------------
    def _stage(self) -> str:
        L = self.last
        if L is None:
            return "start"
        if self.pos == 0:
            return f"epoch {self.epoch} done: {_errors(self.errors[-1])}"
        return (f"epoch {L['epoch']}, input {_vec(L['x'])}: " +
                ("correct, no update" if L["e"] == 0 else f"E = {L['e']:+d}, w and b updated"))

    def _equation(self) -> tuple[EquationLine, ...]:
        L = self.last
        printed = self.params.bias_rule == "printed"
        if L is None:
            return ("z = w.x + b -> y = 1 if z >= 0 else 0", "E = t - y", "w <- w + eta E x",
                    "b <- b + eta E t   (as printed, erratum E4)" if printed else "b <- b + eta E")
        eta, e, t = Num(L["lr"], "g"), Num(L["e"], "g"), Num(L["t"], "g")
        z = plus(dot(L["w0"], L["x"], shown=len(L["x"]), fmt="g"), L["b0"], "g")
        step = eta * e * t if L["rule"] == "printed" else eta * e
        w_parts: list[str | Calc] = ["w <- w + eta E x:  "]
        for k, (w0, x, w) in enumerate(zip(L["w0"], L["x"], L["w"])):
            w_parts += [";  " if k else "", Calc(f"w{k + 1} <-", Num(w0, "g") + eta * e * Num(x, "g"), w, "g")]
        return (Line(Calc("z = w.x + b =", z, L["z"], "g"), " -> y = ", Num(L["y"], "g")),
                Line(Calc("E = t - y =", t - Num(L["y"], "g"), L["e"], "g")),
                Line(*w_parts),
                Line(Calc("b <- b + eta E t =" if L["rule"] == "printed" else "b <- b + eta E =",
                          Num(L["b0"], "g") + step, L["b"], "g")))

    def _values(self) -> tuple[tuple[str, str, str], ...]:
        L = self.last
        epoch_row = ("epoch", str(self.epoch + (self.pos > 0)), _errors(self.epoch_errors) + " so far" if self.pos
                     else (_errors(self.errors[-1]) if self.errors else ""))
        if L is None:
            return (("w", _vec(self.w), ""), ("b", _num(self.b), ""), epoch_row)
        dw = np.subtract(L["w"], L["w0"])
        db = L["b"] - L["b0"]
        return (
            ("x", _vec(L["x"]), f"sample {L['k']} of {len(self.x)}"),
            ("t", str(L["t"]), "target"),
            ("z", _num(L["z"]), "w.x + b"),
            ("y", str(L["y"]), "fires" if L["y"] else "silent"),
            ("E", f"{L['e']:+d}" if L["e"] else "0", "error" if L["e"] else "correct"),
            ("w", _vec(L["w"]), "+" + _vec(dw) if L["e"] else "unchanged"),
            ("b", _num(L["b"]), f"{db:+.4g}" if db else "unchanged"),
            epoch_row,
        )

    def table_rows(self, k: int = TABLE_ROWS) -> tuple[dict[str, Any], ...]:
        """The last `k` presentations, oldest first."""
        d = len(self.w)
        return tuple({"epoch": int(r[0]), "i": int(r[1]), "x": self.inputs[int(r[1])], "t": int(r[2]), "z": r[3],
                      "y": int(r[4]), "e": int(r[5]), "b": r[6], "w": tuple(r[7:7 + d])} for r in self.table.last(k))

    def frame(self) -> Frame:
        n = len(self.table)
        w = np.array(self.w)
        data = {
            "kind": "perceptron", "dataset": self.params.dataset, "x": self.x.copy(), "t": self.t.copy(),
            "w": w, "b": self.b, "z_all": self.x @ w + self.b, "y_all": fires(w, self.b, self.x),
            "current": -1 if self.last is None else self.last["i"], "errors": np.array(self.errors, dtype=np.int64),
            "epoch": self.epoch, "pos": self.pos, "epoch_errors": self.epoch_errors, "converged": self.converged,
            "presentations": n, "rows": self.table_rows(), "bias_rule": self.params.bias_rule,
        }
        return Frame(t=float(n), step=n, stage=self._stage(), equation=self._equation(), values=self._values(),
                     data=data, message=self.message, done=self.converged)

    def metrics(self) -> dict[str, Any]:
        first = self.errors.index(0) + 1 if 0 in self.errors else None
        return {"epochs": self.epoch, "errors_last_epoch": self.errors[-1] if self.errors else None,
                "converged": self.converged, "first_epoch_without_errors": first, "w": [float(v) for v in self.w],
                "b": self.b}

    def traces(self) -> dict[str, np.ndarray]:
        a = self.table.array()
        return {"epoch": a[:, 0].astype(np.int64), "input": a[:, 1].astype(np.int64), "t": a[:, 2], "z": a[:, 3],
                "y": a[:, 4], "e": a[:, 5], "b": a[:, 6], "w": a[:, 7:],
                "errors": np.array(self.errors, dtype=np.int64)}
