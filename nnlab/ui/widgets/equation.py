"""The equation pane: the update in force, then the same with its current numbers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from nnlab.core.equation import EquationLine, lines_text


class EquationPane(VerticalScroll):
    """Shows a frame's equation lines; the first line is the rule, the rest carry the numbers.

    When the lines do not fit the pane's largest height (a small terminal), the pane scrolls: each frame
    brings its last lines, the ones with this step's numbers, into view, and the rule above them is a
    scroll away (the mouse wheel, or Tab to the pane and Up/Home).
    """

    DEFAULT_CSS = """
    EquationPane { height: auto; scrollbar-size-vertical: 1; }
    EquationPane:focus { background-tint: $foreground 5%; }
    EquationPane > Static { padding: 0 1; }
    """

    _rows = -1
    """Rows the lines took when last laid out: a layout pass only when that changes."""

    def compose(self) -> ComposeResult:
        yield Static("", markup=False)

    def show(self, equation: tuple[EquationLine, ...]) -> None:
        """Display a frame's equation lines (the first one emphasised), scrolled to the last ones."""
        lines = lines_text(equation)
        text = Text()
        for k, line in enumerate(lines):
            if k:
                text.append("\n")
            text.append(line, style="bold" if k == 0 else "")
        body = self.query_one(Static)
        rows = self._wrapped_rows(lines, body.content_size.width)
        body.update(text, layout=rows != self._rows)
        self._rows = rows
        self._to_numbers()

    def _wrapped_rows(self, lines: tuple[str, ...], width: int) -> int:
        """Rows the lines take wrapped at `width` (-1 before the first layout)."""
        if width <= 0:
            return -1
        return sum(len(Text(line).wrap(self.app.console, width)) for line in lines)

    def _to_numbers(self) -> None:
        """Scroll to the end, where this step's numbers are, once the new content is laid out."""
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    def on_resize(self) -> None:
        self._rows = -1
        self._to_numbers()
