"""Scenario text to a TOML table, every failure of tomllib a one-line Problem; the line of a key."""

from __future__ import annotations

import re
import tomllib
from typing import Any, Callable, Iterator

from nnlab.scenario.errors import Problem, ScenarioError

MAX_DEPTH = 8
"""Deepest nesting of lists and tables a scenario may use (the bundled ones use 2)."""
INT64 = (-(1 << 63), (1 << 63) - 1)
"""Range of a TOML integer."""


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """The TOML table of `text`; every failure of tomllib (syntax, nesting too deep for its recursion, an
    integer too long for Python to convert) becomes a Problem, and so does an integer beyond 64 bits."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else max(len(text.splitlines()), 1) if "end of document" in msg else None
        msg = re.sub(r"\s*\((at line \d+, column \d+|at end of document)\)", "", msg)
        if m is None and line is not None:
            msg += " at the end of the file"
        raise ScenarioError([Problem(source, "", f"expected valid TOML, found a syntax error: {msg}", line)]) from None
    except RecursionError:
        key, line = _line_of(text, lambda s: s.count("[") + s.count("{"))
        raise ScenarioError([Problem(source, key, f"expected lists and tables nested at most {MAX_DEPTH} deep, "
                                     "found nesting too deep to read", line)]) from None
    except ValueError:
        def digits(line: str) -> int:
            return max((len(d.replace("_", "")) for d in re.findall(r"[0-9_]+", line)), default=0)

        key, line = _line_of(text, digits)
        found = f"{digits(text.splitlines()[line - 1]):,}" if line else "thousands of"
        raise ScenarioError([Problem(source, key, f"expected a whole number from -2^63 to 2^63 - 1, found one "
                                     f"of {found} digits", line)]) from None
    problems = []
    for path, depth, value in _leaves(raw):
        if depth > MAX_DEPTH:
            problems.append(Problem(source, path.split(".")[0].split("[")[0], f"expected lists and tables nested "
                                    f"at most {MAX_DEPTH} deep, found deeper nesting"))
            break
        if isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
            table, _, field = path.rpartition(".")
            problems.append(Problem(source, clip(path), f"expected a whole number from -2^63 to 2^63 - 1, found one "
                                    f"of {len(str(abs(value)))} digits", Lines(text)(table, field)))
    if problems:
        raise ScenarioError(problems)
    return raw


def _leaves(raw: dict[str, Any]) -> Iterator[tuple[str, int, Any]]:
    """(dotted path, depth, value) of every value inside `raw`, walked without recursion (it may be deep)."""
    stack: list[tuple[str, int, Any]] = [("", 0, raw)]
    while stack:
        path, depth, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), depth + 1, v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", depth + 1, v) for i, v in enumerate(value))
        else:
            yield path, depth, value


def _line_of(text: str, score: Callable[[str], int]) -> tuple[str, int | None]:
    """(key, 1-based line) of the line of `text` that `score` rates highest, for failures tomllib gives no
    line for; ("", None) when every line scores 0."""
    best, best_no, best_line = 0, None, ""
    for no, line in enumerate(text.splitlines(), start=1):
        s = score(line)
        if s > best:
            best, best_no, best_line = s, no, line
    m = re.match(r"\s*([A-Za-z0-9_\-.]+)\s*=", best_line)
    return (m.group(1) if m else ""), best_no


class Lines:
    """Finds the line of `key` inside `[table]` of the scenario text."""

    def __init__(self, text: str) -> None:
        self.index: dict[tuple[str, str], int] = {}
        table = ""
        for no, line in enumerate(text.splitlines(), start=1):
            s = line.strip()
            m = re.match(r"^\[\s*([A-Za-z0-9_.\-]+)\s*\]", s)
            if m:
                table = m.group(1)
                continue
            m = re.match(r"^([A-Za-z0-9_\-]+)\s*=", s)
            if m:
                self.index.setdefault((table, m.group(1)), no)

    def __call__(self, table: str, key: str) -> int | None:
        return self.index.get((table, key))


def clip(text: str, width: int = 60) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"
