"""The equation pane: the update in force, then the same with its current numbers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class EquationPane(Static):
    """Shows a frame's equation lines; the first line is the rule, the rest carry the numbers."""

    DEFAULT_CSS = """
    EquationPane { padding: 0 1; overflow-y: auto; }
    """

    _shape: tuple[int, ...] = ()

    def show(self, lines: tuple[str, ...]) -> None:
        """Display `lines` (the first one emphasised); a layout pass only when their lengths change much."""
        text = Text()
        for k, line in enumerate(lines):
            if k:
                text.append("\n")
            text.append(line, style="bold" if k == 0 else "")
        shape = tuple(len(line) // 20 for line in lines)
        self.update(text, layout=shape != self._shape)
        self._shape = shape
