"""The backprop lab's graph mode: reverse-mode automatic differentiation of a scalar expression.

An expression is a DAG of leaves and operations, stored in topological order (EE notes, Figs.
11-18; the Var/Op lectures). The forward pass computes each operation's value from its inputs;
the backward pass seeds dL/dL = 1 at the output and visits the operations in reverse order:

    for each input p of node:   grad[p] += d(node)/dp * grad[node]

Where paths converge the contributions add up (the law of total derivatives). Gates: add
distributes the upstream gradient, mul switches the inputs, max routes it to the larger input
(to the first one on a tie). An update step moves the leaves marked as parameters,
v <- v - lr grad[v], then starts a new pass. With `accumulate` the gradients are not zeroed
between passes, the bug of a forgotten zero_grad: a second pass doubles them.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core.backprop.graph_ops import OPS, node_value
from nnlab.core.backprop.graph_presets import PRESETS
from nnlab.core.backprop.params import mode_knob
from nnlab.core.equation_terms import plus
from nnlab.core.equation import Calc, EquationLine, Expr, Line, Num, line_text
from nnlab.core.knobs import ParamError, ParamsBase, knob
from nnlab.core.lab import Frame

GRAPH_LEVELS = ("op", "pass", "update")
"""Step sizes: one node, the rest of the forward or backward pass, both passes and a gradient step."""

GRAPH_VIEWS = ("graph", "values")
"""What the plots show: the graph and the pass, or the table of nodes and the output over passes."""


@dataclass(frozen=True)
class GraphParams(ParamsBase):
    """An expression graph stepped through its forward and backward passes (automatic differentiation)."""

    mode: str = mode_knob("graph")
    expression: str = knob("sigmoid_neuron", "expression: " + "; ".join(f"{k}: {p.formula}" for k, p in
                                                                        PRESETS.items()),
                           choices=tuple(PRESETS), live=False)
    values: tuple[float, ...] = knob((), "leaf values in the expression's leaf order (empty: its defaults)",
                                     lo=-1000.0, hi=1000.0, live=False)
    lr: float = knob(0.1, "learning rate kappa of the update v <- v - kappa grad v (parameter leaves)", lo=0.0,
                     hi=100.0, lo_open=True)
    accumulate: bool = knob(False, "keep the gradients of the last pass (a forgotten zero_grad: a second pass "
                            "doubles them)")
    view: str = knob("graph", "first view: " + ", ".join(GRAPH_VIEWS), choices=GRAPH_VIEWS)

    def step_levels(self) -> tuple[str, ...]:
        return GRAPH_LEVELS

    def check(self) -> None:
        names = PRESETS[self.expression].leaf_names
        if self.values and len(self.values) != len(names):
            raise ParamError("values", f"{len(names)} values for the leaves {', '.join(names)} of {self.expression} "
                             "(or none for the defaults)", f"{len(self.values)}")

    def leaf_values(self) -> tuple[float, ...]:
        """The values of the leaves: `values`, or the expression's defaults."""
        return self.values or PRESETS[self.expression].defaults


def _max_text(p: list[str], i: int, larger: bool) -> str:
    other = p[1 - i]
    return f"1 ({p[i]} is the larger)" if larger else f"0 ({other} is the larger)"


def _fmt(v: float) -> str:
    """Four decimals, or four significant digits for very small and very large numbers."""
    return ".4f" if v == 0 or 1e-3 <= abs(v) < 1e5 else ".4g"


def _f(v: float | None) -> str:
    return "·" if v is None else format(v, _fmt(v))


def _num(v: float) -> Num:
    return Num(v, _fmt(v))


def _calc(lhs: str, expr: Expr, result: float) -> Calc:
    return Calc(lhs, expr, result, _fmt(result))


class GraphModel:
    """An expression graph with its values and gradients; see the module docstring."""

    def __init__(self, params: GraphParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.preset = PRESETS[params.expression]
        self.nodes = self.preset.nodes
        self.out = len(self.nodes) - 1
        self.ops = tuple(i for i, n in enumerate(self.nodes) if n.op != "leaf")
        self.depth = self._depths()
        self.value: list[float | None] = [None] * len(self.nodes)
        for i, v in zip(self.preset.leaves, params.leaf_values()):
            self.value[i] = float(v)
        self.grad: list[float | None] = [None] * len(self.nodes)
        """The gradient shown: this pass's, plus the earlier passes' with `accumulate`."""
        self.fresh: list[float | None] = [None] * len(self.nodes)
        """This backward pass's gradient, the one passed on to the inputs."""
        self.phase = "forward"
        self.cursor = 0
        """Operations done in the current pass (the seed is not one)."""
        self.current = -1
        self.log: dict[int, str] = {}
        """What each node did in the current pass, as text."""
        self.passes = 0
        self.hist_value: list[list[float]] = []
        self.hist_grad: list[list[float]] = []
        self.step_count = 0
        self.stage = "start: the leaves hold their values; n computes the first operation"
        self.equation: tuple[EquationLine, ...] = ()
        self.message = ""
        self.blowup = ""

    def _depths(self) -> tuple[int, ...]:
        d: list[int] = []
        for n in self.nodes:
            d.append(1 + max(d[p] for p in n.parents) if n.parents else 0)
        return tuple(d)

    # -- protocol ---------------------------------------------------------------------------------
    @property
    def steps_total(self) -> int:
        return self.step_count

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def set_params(self, params: GraphParams) -> None:
        self.params = params

    def default_steps(self) -> int:
        """Steps to the end of the backward pass (a whole new pass when it is over)."""
        n = len(self.ops)
        if self.phase == "forward":
            return n - self.cursor + 1 + n
        if self.phase == "backward":
            return n - self.cursor
        return 1 + 2 * n + 1

    # -- stepping ---------------------------------------------------------------------------------
    def _forward_op(self) -> None:
        i = self.ops[self.cursor]
        node = self.nodes[i]
        a = [self.value[p] for p in node.parents]
        self.value[i] = node_value(node, a)
        op = OPS[node.op]
        names = [self.nodes[p].name for p in node.parents]
        formula = f"{node.name} = {op.label(names, node.c)}"
        expr = op.expr([_num(v) for v in a], node.c)
        line = (Line(_calc(f"{node.name} =", expr, self.value[i])) if expr is not None
                else Line(f"{formula} = ", _num(self.value[i])))
        self.equation = (formula, line)
        self.log[i] = line_text(line)
        self.cursor += 1
        self.current = i
        self.stage = f"forward: {node.name} = {op.label(names, node.c)}"
        self._guard(self.value[i], node.name)

    def _seed(self) -> None:
        name = self.nodes[self.out].name
        self.fresh = [None] * len(self.nodes)
        self.fresh[self.out] = 1.0
        before = self.grad[self.out]
        self.grad[self.out] = (before or 0.0) + 1.0
        self.phase, self.cursor, self.current = "backward", 0, self.out
        text = f"d{name}/d{name} = 1"
        self.equation = (f"seed: {text}",) + ((Line(_calc(f"grad[{name}] =", _num(before) + 1, self.grad[self.out]),
                                                    "   (accumulated)"),) if before is not None else ())
        self.log = {}
        self.stage = f"backward: seed d{name}/d{name} = 1"

    def _backward_op(self) -> None:
        i = self.ops[len(self.ops) - 1 - self.cursor]
        node = self.nodes[i]
        op = OPS[node.op]
        a = [self.value[p] for p in node.parents]
        names = [self.nodes[p].name for p in node.parents]
        up = self.fresh[i] or 0.0
        lines: list[EquationLine] = []
        done: list[Line] = []
        nums = [_num(v) for v in a]
        for k, p in enumerate(node.parents):
            local = op.local(a, self.value[i], node.c, k)
            contrib = local * up
            before = self.grad[p]
            self.fresh[p] = (self.fresh[p] or 0.0) + contrib
            self.grad[p] = (before or 0.0) + contrib
            pname = self.nodes[p].name
            lines.append(self._local_line(i, names, nums, k, local))
            parts: list[str | Calc] = [_calc(f"grad[{pname}] +=", _num(local) * _num(up), contrib)]
            if before is not None:
                parts += [";  ", _calc(f"now grad[{pname}] =", plus(_num(before), contrib, _fmt(contrib)),
                                            self.grad[p])]
            done.append(Line(*parts))
            self._guard(self.grad[p], pname)
        self.equation = tuple(x for pair in zip(lines, done) for x in pair)
        self.log[i] = "   ".join(line_text(x) for x in done)
        self.cursor += 1
        self.current = i
        self.stage = f"backward: {node.name} passes grad {_f(up)} to " + ", ".join(dict.fromkeys(names))
        if self.cursor == len(self.ops):
            self.phase = "done"
            self.passes += 1
            self.hist_value.append([np.nan if v is None else v for v in self.value])
            self.hist_grad.append([np.nan if g is None else g for g in self.grad])
            self.stage += f"; pass {self.passes} done: {self.nodes[self.out].name} = {_f(self.value[self.out])}"

    def _local_line(self, i: int, names: list[str], nums: list[Num], k: int, local: float) -> EquationLine:
        """d(node i)/d(its input k): a rule when it is a constant, else with its number (a calculation where it
        is one)."""
        node = self.nodes[i]
        op = OPS[node.op]
        head = f"d({op.label(names, node.c)})/d{names[k]} = "
        if node.op == "max":
            return head + _max_text(names, k, local == 1.0)
        dtext = op.dtext(names, node.name, node.c, k)
        expr = op.dexpr(nums, _num(self.value[i]), node.c, k)
        if expr is not None:
            return Line(_calc(head + dtext + " =", expr, local))
        if dtext in ("1", "-1") or dtext == f"{node.c:g}":
            return head + dtext
        return Line(head + dtext + " = ", _num(local))

    def _new_pass(self) -> None:
        leaves = set(self.preset.leaves)
        self.value = [v if i in leaves else None for i, v in enumerate(self.value)]
        if not self.params.accumulate:
            self.grad = [None] * len(self.nodes)
        self.fresh = [None] * len(self.nodes)
        self.phase, self.cursor, self.current, self.log = "forward", 0, -1, {}
        kept = "kept (accumulate: no zero_grad)" if self.params.accumulate else "zeroed"
        self.stage = f"new pass: values cleared, gradients {kept}"
        self.equation = (self.stage,)

    def _guard(self, v: float | None, name: str) -> None:
        if v is not None and not math.isfinite(v) and not self.blowup:
            self.blowup = (f"{name} became {v} in pass {self.passes + 1}: the updates diverge (lr = "
                           f"{self.params.lr:g} too large, or no minimum in that direction)")

    def _op(self) -> None:
        """One smallest step: an operation forward, the seed, an operation backward, or a new pass."""
        self.step_count += 1
        if self.phase == "done":
            self._new_pass()
        elif self.phase == "backward":
            self._backward_op()
        elif self.cursor < len(self.ops):
            self._forward_op()
        else:
            self._seed()

    def _finish(self) -> None:
        while self.phase != "done" and not self.blowup:
            self._op()

    def step(self, level: int = 0) -> Frame:
        self.message = ""
        if self.blowup:
            return self.frame()
        name = self.step_levels()[min(level, 2)]
        if name == "op":
            self._op()
        elif name == "pass":
            if self.phase == "done":
                self._op()
            if self.phase == "forward" and self.cursor < len(self.ops):
                while self.cursor < len(self.ops) and not self.blowup:
                    self._op()
            else:
                self._finish()
        else:
            self._finish()
            if not self.blowup:
                self._update()
        return self.frame()

    def _update(self) -> None:
        lr = self.params.lr
        lines = []
        for i in self.preset.leaves:
            node = self.nodes[i]
            if node.param:
                v, g = self.value[i], self.grad[i] or 0.0
                self.value[i] = v - lr * g
                lines.append(Line(_calc(f"{node.name} <- {node.name} - lr grad =", _num(v) - Num(lr, "g") * _num(g),
                                        self.value[i])))
                self._guard(self.value[i], node.name)
        self._new_pass()
        self.step_count += 1
        self.equation = tuple(lines)
        self.stage = "update: each parameter leaf moved against its gradient; a new forward pass starts"

    def advance(self, n: int) -> int:
        """Take `n` smallest steps (passes follow one another without updates); stop at a blow-up."""
        taken = 0
        while taken < n and not self.blowup:
            self._op()
            taken += 1
        return taken

    # -- state ------------------------------------------------------------------------------------
    STATE = ("value", "grad", "fresh", "phase", "cursor", "current", "log", "passes", "hist_value", "hist_grad",
             "step_count", "stage", "equation", "params", "blowup")
    """Everything a step changes (small lists and scalars, copied whole)."""

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy({k: getattr(self, k) for k in self.STATE})

    def restore(self, s: dict[str, Any]) -> None:
        for k, v in copy.deepcopy(s).items():
            setattr(self, k, v)
        self.message = ""

    # -- outputs ----------------------------------------------------------------------------------
    def pass_order(self) -> tuple[int, ...]:
        """The nodes of the current pass in the order it visits them."""
        return self.ops if self.phase == "forward" else tuple(reversed(self.ops))

    def frame(self) -> Frame:
        nodes = tuple({"name": n.name, "op": n.op, "parents": n.parents, "value": self.value[i],
                       "grad": self.grad[i], "depth": self.depth[i], "param": n.param,
                       "label": n.name if n.op == "leaf" else
                       OPS[n.op].label([self.nodes[p].name for p in n.parents], n.c)}
                      for i, n in enumerate(self.nodes))
        first = [self.current] if self.current >= 0 else []
        rows = tuple((self.nodes[i].name, _f(self.value[i]), "grad " + _f(self.grad[i]))
                     for i in first + [i for i in range(len(self.nodes)) if i != self.current])
        data = {"kind": "graph", "expression": self.params.expression, "formula": self.preset.formula,
                "source": self.preset.source, "nodes": nodes, "current": self.current, "phase": self.phase,
                "passes": self.passes, "order": self.pass_order(), "log": dict(self.log), "output": self.out,
                "outputs": np.array([r[self.out] for r in self.hist_value]), "accumulate": self.params.accumulate}
        equation = self.equation or (f"{self.preset.formula}   ({self.preset.source})",)
        return Frame(t=float(self.step_count), step=self.step_count, stage=self.stage, equation=equation,
                     values=rows, data=data, message=self.message or self.blowup, done=self.phase == "done")

    def metrics(self) -> dict[str, Any]:
        """The output and the leaves' gradients of the last completed pass (the current state before one)."""
        value = self.hist_value[-1] if self.hist_value else [np.nan if v is None else v for v in self.value]
        grad = self.hist_grad[-1] if self.hist_grad else [np.nan if g is None else g for g in self.grad]
        out: dict[str, Any] = {"output": float(value[self.out]), "passes": self.passes}
        for i in self.preset.leaves:
            out[f"grad_{self.nodes[i].name}"] = float(grad[i])
        return out

    def traces(self) -> dict[str, np.ndarray]:
        n = len(self.nodes)
        value = np.array(self.hist_value, dtype=np.float64).reshape(-1, n)
        return {"value": value, "grad": np.array(self.hist_grad, dtype=np.float64).reshape(-1, n),
                "output": value[:, self.out].copy()}
