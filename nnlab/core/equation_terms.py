"""Long sums on the equation pane: the first few terms, then the rest as one number that says how many it holds.

    z1 = 0.44 * 0.63 - 0.02 * 0 + 0.1 * 0.81 + (61 more: -0.12) + 0.01 = 0.246

A dot product of 64 inputs stays one short line and stays true: the bracket is the actual sum
of the terms not written out, so the calculation still gives the model's result. Used by every
lab whose equation pane sums over units or samples (backprop, Hopfield, RBM, SOM).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnlab.core.equation import Expr, Num

SHOWN = 3
"""Terms of a long sum written out before the rest."""


@dataclass(frozen=True, eq=False)
class Rest(Num):
    """The sum of the terms a long sum leaves out: `(61 more: -0.12)`."""

    more: int = 0

    def text(self) -> str:
        return f"({self.more} more: {format(self.number, self.fmt)})"

    def precedence(self) -> int:
        return 9


def plus(expr: Expr, value: float, fmt: str = ".4g") -> Expr:
    """`expr + value`, written `expr - |value|` for a negative value (and for -0, which `y - t` gives at
    t = 0, so the line reads as the formula: y - 0)."""
    negative = value < 0 or (value == 0 and math.copysign(1.0, value) < 0)
    return expr - Num(abs(value), fmt) if negative else expr + Num(abs(value), fmt)


def dot(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, shown: int = SHOWN,
        fmt: str = ".4g") -> Expr:
    """a_1 b_1 + a_2 b_2 + ...: the first `shown` products (a negative a_k as `- |a_k| b_k`), then the rest."""
    # + 0.0 turns -0.0 (a ReLU's zero times a negative number) into 0
    a = np.asarray(a, dtype=np.float64) + 0.0
    b = np.asarray(b, dtype=np.float64) + 0.0
    k = len(a) if len(a) <= shown + 1 else shown
    expr: Expr = Num(float(a[0]), fmt) * Num(float(b[0]), fmt)
    for x, y in zip(a[1:k], b[1:k]):
        term = Num(abs(float(x)), fmt) * Num(float(y), fmt)
        expr = expr - term if x < 0 else expr + term
    if k < len(a):
        expr = expr + Rest(float(a[k:] @ b[k:]), fmt, more=len(a) - k)
    return expr


def total(terms: Sequence[Expr], shown: int = SHOWN, fmt: str = ".4g") -> Expr:
    """t_1 + t_2 + ...: the first `shown` terms, then the rest as one number."""
    k = len(terms) if len(terms) <= shown + 1 else shown
    expr = terms[0]
    for t in terms[1:k]:
        expr = expr + t
    if k < len(terms):
        expr = expr + Rest(math.fsum(t.value() for t in terms[k:]), fmt, more=len(terms) - k)
    return expr


def numbers(values: Sequence[float] | np.ndarray, shown: int = SHOWN, fmt: str = ".4g") -> Expr:
    """v_1 + v_2 + ... of plain numbers (negative ones as `- |v|`), then the rest as one number."""
    v = np.asarray(values, dtype=np.float64) + 0.0
    k = len(v) if len(v) <= shown + 1 else shown
    expr: Expr = Num(float(v[0]), fmt)
    for x in v[1:k]:
        expr = plus(expr, float(x), fmt)
    if k < len(v):
        expr = expr + Rest(float(v[k:].sum()), fmt, more=len(v) - k)
    return expr


def fmt_of(value: float, scale: float, fmt: str = ".4g") -> str:
    """`fmt` for a result, or fixed point when the result is round-off beside the terms that made it
    (a sum that cancels to 1e-17 prints 0.0000, not the noise's digits)."""
    return ".4f" if abs(value) < 1e-9 * abs(scale) else fmt
