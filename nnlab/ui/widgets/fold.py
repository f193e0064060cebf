"""Long lines folded between words with a hanging indent, so a continued line reads as one."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

HANGING = 4
"""Columns a continuation is indented by, under the line it continues."""


def fold(text: str, width: int, console: Console) -> list[str]:
    """The lines of `text` folded at `width` columns between words, each continuation indented by HANGING
    beyond its line's own indent; every character stays (only the spaces at a fold go)."""
    out: list[str] = []
    for line in text.splitlines() or [""]:
        indent = len(line) - len(line.lstrip(" "))
        if len(line) <= width:
            out.append(line)
            continue
        hang = min(indent + HANGING, max(width // 2, 0))
        first, *rest = Text(line).wrap(console, width)
        out.append(first.plain.rstrip())
        tail = " ".join(part.plain.strip() for part in rest)
        for part in Text(tail).wrap(console, max(width - hang, 1)):
            out.append(" " * hang + part.plain.strip())
    return out
