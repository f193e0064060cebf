"""Knobs: the validated fields of every lab's frozen Params dataclass.

A knob is a dataclass field whose metadata says what it means, its unit and its valid
range. `check_value` validates one value against it; `ParamsBase.__post_init__` validates
them all, so a Params object that exists is a valid one.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Knob:
    """What a Params field means and which values it accepts."""

    doc: str
    """One line: meaning (shown in the parameter panel and by `nnlab new`)."""
    unit: str = ""
    """Unit as printed after the value, e.g. "ms" or "uA/cm^2"."""
    lo: float | None = None
    """Lower bound, or None for no bound."""
    hi: float | None = None
    """Upper bound, or None for no bound."""
    lo_open: bool = False
    """True when the lower bound itself is not allowed."""
    hi_open: bool = False
    """True when the upper bound itself is not allowed."""
    choices: tuple[str, ...] = ()
    """Allowed strings for a choice knob."""
    live: bool = True
    """True when a change can apply to a running model; False means it resets it."""
    source: str = ""
    """Where the default comes from, e.g. "HH 1952 (not from the lecture)"."""
    allow_inf: bool = False
    """True when `inf` is a meaningful value (a stop time that never comes)."""


def knob(default: Any, doc: str, **kwargs: Any) -> Any:
    """A dataclass field carrying a `Knob` in its metadata."""
    if isinstance(default, list):
        default = tuple(default)
    return field(default=default, metadata={"knob": Knob(doc, **kwargs)})


TIME_LEVELS_DEFAULT = ("dt", "ms", "spike")


class ParamError(ValueError):
    """A value that a knob refuses: names the field, what was expected and what was found."""

    def __init__(self, name: str, expected: str, found: str) -> None:
        super().__init__(f"{name}: expected {expected}, found {found}")
        self.name = name
        self.expected = expected
        self.found = found


def describe_range(k: Knob) -> str:
    """The valid range of a numeric knob in interval notation, with its unit."""
    if k.lo is None and k.hi is None:
        text = "any value"
    else:
        lo = "-inf" if k.lo is None else _fmt(k.lo)
        hi = "inf" if k.hi is None else _fmt(k.hi)
        left = "(" if (k.lo is None or k.lo_open) else "["
        right = ")" if (k.hi is None or k.hi_open) else "]"
        text = f"{left}{lo}, {hi}{right}"
    return f"{text} {k.unit}".rstrip()


def _fmt(x: float) -> str:
    return f"{x:g}"


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value:g}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _in_range(x: float, k: Knob) -> bool:
    if k.lo is not None and (x < k.lo or (k.lo_open and x == k.lo)):
        return False
    if k.hi is not None and (x > k.hi or (k.hi_open and x == k.hi)):
        return False
    return True


def field_types(cls: type) -> dict[str, Any]:
    """The resolved annotation of every field of a Params class."""
    cached = cls.__dict__.get("_nnlab_types")
    if cached is None:
        cached = typing.get_type_hints(cls)
        cls._nnlab_types = cached
    return cached


def knobs_of(cls: type) -> dict[str, tuple[dataclasses.Field, Knob]]:
    """Every knob field of a Params class, in declaration order."""
    return {f.name: (f, f.metadata["knob"]) for f in dataclasses.fields(cls) if "knob" in f.metadata}


def check_value(cls: type, name: str, value: Any) -> Any:
    """Validate `value` for field `name` of `cls`; return it coerced (int -> float, list -> tuple)."""
    f, k = knobs_of(cls)[name]
    tp = field_types(cls)[name]
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamError(name, f"a number in {describe_range(k)}", _type_name(value))
        value = float(value)
        if math.isnan(value) or (math.isinf(value) and not k.allow_inf) or not _in_range(value, k):
            raise ParamError(name, f"a number in {describe_range(k)}", f"{value:g}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ParamError(name, f"a whole number in {describe_range(k)}", _type_name(value))
        if not _in_range(value, k):
            raise ParamError(name, f"a whole number in {describe_range(k)}", str(value))
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ParamError(name, "true or false", _type_name(value))
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ParamError(name, _choices_text(k), _type_name(value))
        if k.choices and value not in k.choices:
            raise ParamError(name, _choices_text(k), f'"{value}"')
        return value
    if tp == tuple[float, ...]:
        if not isinstance(value, (list, tuple)):
            raise ParamError(name, f"a list of numbers in {describe_range(k)}", _type_name(value))
        out = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                raise ParamError(name, f"a list of numbers in {describe_range(k)}", f"an item {_type_name(item)}")
            if not math.isfinite(item) or not _in_range(float(item), k):
                raise ParamError(name, f"a list of numbers in {describe_range(k)}", f"an item {item:g}")
            out.append(float(item))
        return tuple(out)
    if tp == tuple[int, ...]:
        if not isinstance(value, (list, tuple)):
            raise ParamError(name, f"a list of whole numbers in {describe_range(k)}", _type_name(value))
        ints = []
        for item in value:
            if isinstance(item, float) and item.is_integer():
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int):
                raise ParamError(name, f"a list of whole numbers in {describe_range(k)}", f"an item {_type_name(item)}")
            if not _in_range(item, k):
                raise ParamError(name, f"a list of whole numbers in {describe_range(k)}", f"an item {item}")
            ints.append(item)
        return tuple(ints)
    if tp == tuple[str, ...]:
        if not isinstance(value, (list, tuple)):
            raise ParamError(name, "a list of " + _choices_text(k).replace("one of ", "items of "), _type_name(value))
        for item in value:
            if not isinstance(item, str) or (k.choices and item not in k.choices):
                raise ParamError(name, "a list of " + _choices_text(k).replace("one of ", "items of "),
                                 f"an item {_type_name(item)}")
        return tuple(value)
    raise TypeError(f"{cls.__name__}.{name}: unsupported knob type {tp!r}")


def _choices_text(k: Knob) -> str:
    if not k.choices:
        return "a string"
    return "one of " + ", ".join(f'"{c}"' for c in k.choices)


@dataclass(frozen=True)
class ParamsBase:
    """Base of every lab's Params: validates each knob, then the cross-field rules."""

    def __post_init__(self) -> None:
        cls = type(self)
        for name in knobs_of(cls):
            object.__setattr__(self, name, check_value(cls, name, getattr(self, name)))
        self.check()

    def check(self) -> None:
        """Cross-field rules; raise ParamError naming the field at fault."""

    def replace(self, **changes: Any) -> "ParamsBase":
        """A copy with some fields changed, validated like a new object."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Every knob as a plain TOML-ready value."""
        out: dict[str, Any] = {}
        for name in knobs_of(type(self)):
            v = getattr(self, name)
            out[name] = list(v) if isinstance(v, tuple) else v
        return out

    def step_levels(self) -> tuple[str, ...]:
        """Names of the step sizes, smallest first (keys n and N)."""
        return TIME_LEVELS_DEFAULT

    def unused(self) -> frozenset[str]:
        """Knobs that have no effect with the present settings (the panel hides them)."""
        return frozenset()

    @classmethod
    def structural(cls) -> frozenset[str]:
        """Names of the knobs whose change needs a new model (not `live`)."""
        return frozenset(n for n, (_, k) in knobs_of(cls).items() if not k.live)
