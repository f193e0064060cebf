"""The operations of an expression graph: each node's value and its local derivative by each input, as
numbers, as formulas in the inputs' names, and as calculations on the inputs' numbers for the equation pane.

Gates (EE notes, Figs. 11-18): add distributes the upstream gradient, mul switches the inputs,
max routes it to the larger input (to the first one on a tie).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from nnlab.core.equation import Expr, fn


@dataclass(frozen=True)
class Node:
    """A leaf or an operation on earlier nodes."""

    name: str
    op: str
    """"leaf" or a key of OPS."""
    parents: tuple[int, ...] = ()
    """Indices of the inputs, all earlier in the list."""
    c: float = 0.0
    """The constant of addc and mulc."""
    param: bool = False
    """A leaf that the update step moves."""


def _others(a: list[Any], i: int) -> list[Any]:
    return a[:i] + a[i + 1:]


def _sum(a: list[Expr]) -> Expr:
    out = a[0]
    for x in a[1:]:
        out = out + x
    return out


def _product(a: list[Expr]) -> Expr:
    out = a[0]
    for x in a[1:]:
        out = out * x
    return out


@dataclass(frozen=True)
class Op:
    """An operation: its value, the derivative by input i, and both as text."""

    value: Callable[[list[float], float], float]
    """(input values, constant) -> value."""
    local: Callable[[list[float], float, float, int], float]
    """(input values, own value, constant, input i) -> d(value)/d(input i)."""
    label: Callable[[list[str], float], str]
    """The formula with the inputs' names (or numbers)."""
    dtext: Callable[[list[str], str, float, int], str]
    """d(value)/d(input i) as a formula in the inputs' names and the node's name."""
    expr: Callable[[list[Expr], float], Expr | None]
    """The value as a calculation on the inputs' numbers (None: no function of `equation.FUNCTIONS` gives it)."""
    dexpr: Callable[[list[Expr], Expr, float, int], Expr | None]
    """(input numbers, own value, constant, input i) -> d(value)/d(input i) as a calculation (None when it is a
    constant or one of the numbers itself)."""


OPS: dict[str, Op] = {
    # each op: its value and d(value)/d(input i); both as text; both as calculations on numbers
    "add": Op(lambda a, c: sum(a), lambda a, v, c, i: 1.0,
              lambda p, c: " + ".join(p), lambda p, n, c, i: "1",
              lambda a, c: _sum(a), lambda a, v, c, i: None),
    "sub": Op(lambda a, c: a[0] - a[1], lambda a, v, c, i: 1.0 if i == 0 else -1.0,
              lambda p, c: f"{p[0]} - {p[1]}", lambda p, n, c, i: "1" if i == 0 else "-1",
              lambda a, c: a[0] - a[1], lambda a, v, c, i: None),
    "mul": Op(lambda a, c: math.prod(a), lambda a, v, c, i: math.prod(_others(a, i)),
              lambda p, c: "*".join(p), lambda p, n, c, i: "*".join(_others(p, i)),
              lambda a, c: _product(a), lambda a, v, c, i: _product(_others(a, i)) if len(a) > 2 else None),
    # the max routes to its larger input, to the first one on a tie (the notes leave ties open)
    "max": Op(lambda a, c: max(a), lambda a, v, c, i: 1.0 if i == a.index(max(a)) else 0.0,
              lambda p, c: f"max({p[0]}, {p[1]})", lambda p, n, c, i: "[larger]",
              lambda a, c: fn("max", *a), lambda a, v, c, i: None),
    "neg": Op(lambda a, c: -a[0], lambda a, v, c, i: -1.0,
              lambda p, c: f"-{p[0]}", lambda p, n, c, i: "-1",
              lambda a, c: -a[0], lambda a, v, c, i: None),
    "exp": Op(lambda a, c: float(np.exp(a[0])), lambda a, v, c, i: v,
              lambda p, c: f"exp({p[0]})", lambda p, n, c, i: f"exp({p[0]})",
              lambda a, c: fn("exp", a[0]), lambda a, v, c, i: fn("exp", a[0])),
    "log": Op(lambda a, c: float(np.log(a[0])), lambda a, v, c, i: 1.0 / a[0],
              lambda p, c: f"log({p[0]})", lambda p, n, c, i: f"1/{p[0]}",
              lambda a, c: fn("ln", a[0]), lambda a, v, c, i: 1 / a[0]),
    "sin": Op(lambda a, c: float(np.sin(a[0])), lambda a, v, c, i: float(np.cos(a[0])),
              lambda p, c: f"sin({p[0]})", lambda p, n, c, i: f"cos({p[0]})",
              lambda a, c: fn("sin", a[0]), lambda a, v, c, i: fn("cos", a[0])),
    "sigmoid": Op(lambda a, c: float(1.0 / (1.0 + np.exp(-a[0]))), lambda a, v, c, i: v * (1.0 - v),
                  lambda p, c: f"sigmoid({p[0]})", lambda p, n, c, i: f"{n}(1 - {n})",
                  lambda a, c: 1 / (1 + fn("exp", -a[0])), lambda a, v, c, i: v * (1 - v)),
    "square": Op(lambda a, c: a[0] * a[0], lambda a, v, c, i: 2.0 * a[0],
                 lambda p, c: f"{p[0]}^2", lambda p, n, c, i: f"2{p[0]}",
                 lambda a, c: a[0] ** 2, lambda a, v, c, i: 2 * a[0]),
    "recip": Op(lambda a, c: 1.0 / a[0], lambda a, v, c, i: -1.0 / (a[0] * a[0]),
                lambda p, c: f"1/{p[0]}", lambda p, n, c, i: f"-1/{p[0]}^2",
                lambda a, c: 1 / a[0], lambda a, v, c, i: -1 / a[0] ** 2),
    "addc": Op(lambda a, c: a[0] + c, lambda a, v, c, i: 1.0,
               lambda p, c: f"{p[0]} + {c:g}", lambda p, n, c, i: "1",
               lambda a, c: a[0] + c, lambda a, v, c, i: None),
    "mulc": Op(lambda a, c: c * a[0], lambda a, v, c, i: c,
               lambda p, c: f"{c:g}*{p[0]}", lambda p, n, c, i: f"{c:g}",
               lambda a, c: c * a[0], lambda a, v, c, i: None),
    "half_square": Op(lambda a, c: 0.5 * a[0] * a[0], lambda a, v, c, i: a[0],
                      lambda p, c: f"{p[0]}^2/2", lambda p, n, c, i: p[0],
                      lambda a, c: a[0] ** 2 / 2, lambda a, v, c, i: None),
}
"""Every operation a node can apply."""


def node_value(node: Node, inputs: list[float]) -> float:
    """The value of an operation node from the values of its inputs."""
    with np.errstate(all="ignore"):
        return OPS[node.op].value(inputs, node.c)
