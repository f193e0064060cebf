"""Equation lines as data: the rule in words, and calculations a test can re-evaluate.

A substituted line is a `Line` of parts: plain text and `Calc`s. A `Calc` holds an expression
tree of numbers and operators (`Num`, `Op`) and the result the model computed, so the pane
renders `s <- 8.5738 * (1 - 0.001/0.02) + 0.05 * 3.1 = 8.3001` from the same numbers a test
evaluates: a line whose operands do not give its result is caught, not shown.

    s = Calc("s <-", Num(s_prev) * (1 - Num(dt) / Num(tau)), result=s_now, fmt=".4f")
    Line(s, "    convolution: ", Num(exact, ".4f"))
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Union

Number = Union[int, float]

FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "ln": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "atan": math.atan,
    "abs": abs,
    "max": max,
    "min": min,
    "logistic": lambda z: 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z)),
}
"""Functions an expression may call, by the name it shows."""

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
_SHOWN = {"+": " + ", "-": " - ", "*": " * ", "/": "/", "^": "^"}


class Expr(ABC):
    """A node of an arithmetic expression; Python's operators build trees of them."""

    @abstractmethod
    def value(self) -> float:
        """The number the expression gives."""

    @abstractmethod
    def text(self) -> str:
        """The expression as the pane prints it."""

    def precedence(self) -> int:
        return 9

    def __add__(self, other: Expr | Number) -> Op:
        return Op("+", (self, _wrap(other)))

    def __radd__(self, other: Number) -> Op:
        return Op("+", (_wrap(other), self))

    def __sub__(self, other: Expr | Number) -> Op:
        return Op("-", (self, _wrap(other)))

    def __rsub__(self, other: Number) -> Op:
        return Op("-", (_wrap(other), self))

    def __mul__(self, other: Expr | Number) -> Op:
        return Op("*", (self, _wrap(other)))

    def __rmul__(self, other: Number) -> Op:
        return Op("*", (_wrap(other), self))

    def __truediv__(self, other: Expr | Number) -> Op:
        return Op("/", (self, _wrap(other)))

    def __rtruediv__(self, other: Number) -> Op:
        return Op("/", (_wrap(other), self))

    def __pow__(self, other: Expr | Number) -> Op:
        return Op("^", (self, _wrap(other)))

    def __neg__(self) -> Op:
        return Op("neg", (self,))

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A number as the pane prints it (`fmt` is a format spec: ".4g", ".4f", "g", "d")."""

    number: float
    fmt: str = ".4g"

    def value(self) -> float:
        return float(self.number)

    def text(self) -> str:
        return _format(self.number, self.fmt)

    def precedence(self) -> int:
        return 9 if self.number >= 0 or math.isnan(self.number) else 0


@dataclass(frozen=True, eq=False)
class Op(Expr):
    """An operator (+ - * / ^ neg) or a function of `FUNCTIONS` applied to its arguments."""

    op: str
    args: tuple[Expr, ...]

    def value(self) -> float:
        a = [x.value() for x in self.args]
        if self.op == "+":
            return a[0] + a[1]
        if self.op == "-":
            return a[0] - a[1]
        if self.op == "*":
            return a[0] * a[1]
        if self.op == "/":
            return a[0] / a[1]
        if self.op == "^":
            return a[0] ** a[1]
        if self.op == "neg":
            return -a[0]
        return float(FUNCTIONS[self.op](*a))

    def precedence(self) -> int:
        return _PRECEDENCE.get(self.op, 9)

    def text(self) -> str:
        if self.op in FUNCTIONS:
            return f"{self.op}({', '.join(x.text() for x in self.args)})"
        mine = self.precedence()
        if self.op == "neg":
            return "-" + _paren(self.args[0], self.args[0].precedence() <= mine)
        left, right = self.args
        negative_number = isinstance(left, Num) and left.precedence() == 0
        left_text = _paren(left, (left.precedence() < mine and not (negative_number and self.op != "^"))
                           or (self.op == "^" and left.precedence() <= mine))
        # a - (b + c), a / (b * c) and a ^ (b ^ c) need brackets that a + (b + c) does not
        tight = self.op in ("-", "/", "^")
        right_text = _paren(right, right.precedence() < mine or (tight and right.precedence() == mine)
                            or right.precedence() == 0)
        return left_text + _SHOWN[self.op] + right_text


def fn(name: str, *args: Expr | Number) -> Op:
    """A call of the function `name` (one of `FUNCTIONS`)."""
    if name not in FUNCTIONS:
        raise ValueError(f"unknown function {name!r}")
    return Op(name, tuple(_wrap(a) for a in args))


@dataclass(frozen=True, eq=False)
class Calc:
    """`lhs expr = result`: a calculation with the operands in force and the result the model holds.

    `result` must come from the model's own state (the kernel's output), never from `expr`, so
    `check` tells a true line from a false one.
    """

    lhs: str
    expr: Expr
    result: float
    fmt: str = ".4g"

    def text(self) -> str:
        lhs = f"{self.lhs} " if self.lhs else ""
        return f"{lhs}{self.expr.text()} = {_format(self.result, self.fmt)}"

    def check(self) -> str:
        """"" when `expr` gives `result` to the printed precision of the result, else what differs."""
        try:
            got = self.expr.value()
        except (ArithmeticError, ValueError) as exc:
            return f"{self.text()}: the expression does not evaluate ({exc})"
        if _agrees(got, self.result, self.fmt):
            return ""
        return f"{self.text()}: the operands give {got!r}, the line shows {_format(self.result, self.fmt)}"

    def __str__(self) -> str:
        return self.text()


Part = Union[str, Num, Calc]


@dataclass(frozen=True, eq=False)
class Line:
    """One line of the equation pane: text, numbers and calculations side by side."""

    parts: tuple[Part, ...]

    def __init__(self, *parts: Part) -> None:
        object.__setattr__(self, "parts", tuple(parts))

    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def calcs(self) -> tuple[Calc, ...]:
        return tuple(p for p in self.parts if isinstance(p, Calc))

    def __str__(self) -> str:
        return self.text()


EquationLine = Union[str, Line]
"""A frame's equation line: a rule in words (no current numbers), or a `Line`."""


def line_text(line: EquationLine) -> str:
    """The text the pane shows for `line`."""
    return line if isinstance(line, str) else line.text()


def lines_text(lines: tuple[EquationLine, ...]) -> tuple[str, ...]:
    """Every line as text."""
    return tuple(line_text(x) for x in lines)


def false_calcs(lines: tuple[EquationLine, ...]) -> list[str]:
    """What is wrong with every calculation of `lines` that does not give its result (empty: all true)."""
    return [err for x in lines if isinstance(x, Line) for c in x.calcs() if (err := c.check())]


def _wrap(x: Expr | Number) -> Expr:
    return x if isinstance(x, Expr) else Num(x, "g")


def _paren(x: Expr, needed: bool) -> str:
    return f"({x.text()})" if needed else x.text()


def _format(x: float, fmt: str) -> str:
    if fmt == "d":
        return str(int(x))
    return format(x, fmt)


def _agrees(got: float, shown: float, fmt: str) -> bool:
    """True when `got` and `shown` print alike, or differ by at most one unit of the last printed digit."""
    if math.isnan(got) or math.isnan(shown):
        return math.isnan(got) and math.isnan(shown)
    if math.isinf(got) or math.isinf(shown):
        return got == shown
    if _format(got, fmt) == _format(shown, fmt):
        return True
    return abs(got - shown) <= _last_digit(shown, fmt) + 1e-12 * max(abs(got), abs(shown))


def _last_digit(x: float, fmt: str) -> float:
    """The value of one unit in the last digit `fmt` prints of `x`."""
    spec = fmt.lstrip("+ ")
    if spec == "d":
        return 1.0
    digits = int(spec[1:-1]) if spec.startswith(".") and spec[1:-1].isdigit() else 6
    kind = spec[-1]
    if kind == "f":
        return 10.0 ** -digits
    if kind == "e":
        return 10.0 ** (math.floor(math.log10(abs(x))) - digits) if x else 10.0 ** -digits
    # "g": `digits` significant figures
    if x == 0:
        return 10.0 ** -digits
    return 10.0 ** (math.floor(math.log10(abs(x))) - max(digits, 1) + 1)
