"""Scenario problems: one line each, naming file, key, what was expected and what was found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    source: str
    """File path, bundled name or "--set"."""
    key: str
    """Dotted key at fault ("params.tau_m"), or "" for the whole file."""
    message: str
    """What was expected and what was found, with a "did you mean" when one fits."""
    line: int | None = None
    """1-based line of the key in the file, when known."""
    via: str = ""
    """"--set" when the value at fault came from the command line rather than the file."""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        key = f"{self.via} {self.key}".strip()
        return f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
