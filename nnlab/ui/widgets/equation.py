"""The equation pane: the update in force, then the same with its current numbers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from nnlab.core.equation import EquationLine, lines_text
from nnlab.ui.widgets.fold import fold


SCROLLBAR = 1
"""Columns kept for the scrollbar, shown or not, so the lines fold at the same width either way."""


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

    _lines: tuple[str, ...] = ()
    _rows = -1
    """Rows the lines took when last laid out: a layout pass only when that changes."""

    def compose(self) -> ComposeResult:
        yield Static("", markup=False)

    def show(self, equation: tuple[EquationLine, ...]) -> None:
        """Display a frame's equation lines (the first one emphasised), scrolled to the last ones."""
        self._lines = lines_text(equation)
        self._render_lines()

    def _render_lines(self) -> None:
        """The lines folded at the pane's width, each continuation indented under its line's start."""
        body = self.query_one(Static)
        width = self.size.width - body.styles.gutter.width - SCROLLBAR
        text = Text(no_wrap=width > 0)
        rows = 0
        for k, line in enumerate(self._lines):
            folded = fold(line, width, self.app.console) if width > 0 else [line]
            rows += len(folded)
            text.append(("\n" if k else "") + "\n".join(folded), style="bold" if k == 0 else "")
        body.update(text, layout=rows != self._rows or width <= 0)
        self._rows = rows if width > 0 else -1
        self._to_numbers()

    def _to_numbers(self) -> None:
        """Scroll to the end, where this step's numbers are, once the new content is laid out."""
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    def on_resize(self) -> None:
        if self._lines:
            self.call_after_refresh(self._render_lines)
