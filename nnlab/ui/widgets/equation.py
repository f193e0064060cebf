"""The equation pane: the update in force, then the same with its current numbers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from nnlab.core.equation import EquationLine, lines_text


class EquationPane(Static):
    """Shows a frame's equation lines; the first line is the rule, the rest carry the numbers.

    When the lines do not fit the pane's largest height (a small terminal), the first ones give way:
    the lines with this step's numbers come last and stay in view.
    """

    DEFAULT_CSS = """
    EquationPane { padding: 0 1; overflow-y: auto; }
    """

    _lines: tuple[str, ...] = ()
    _kept: tuple[str, ...] = ()

    def show(self, equation: tuple[EquationLine, ...]) -> None:
        """Display a frame's equation lines (the first one emphasised); a layout pass only when the pane's
        height changes."""
        lines = lines_text(equation)
        self._lines = lines
        kept, height = self._fitting(lines)
        self._kept = kept
        text = Text()
        rule_shown = len(kept) == len(lines)
        for k, line in enumerate(kept):
            if k:
                text.append("\n")
            text.append(line, style="bold" if k == 0 and rule_shown else "")
        self.update(text, layout=height != self.content_size.height)

    def _fitting(self, lines: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
        """The last of `lines` that fit the pane's largest height when wrapped at its width, and its height.

        Before the first layout the width is unknown: all lines, and -1 rows.
        """
        width = self.content_size.width
        if width <= 0 or self.parent is None:
            return lines, -1
        rows = [len(Text(line).wrap(self.app.console, width)) for line in lines]
        size, screen = self.parent.size, self.app.size
        top, bottom = self.styles.max_height, self.styles.min_height
        most = int(top.resolve(size, screen)) if top is not None else sum(rows)
        least = int(bottom.resolve(size, screen)) if bottom is not None else 0
        first = 0
        while first < len(lines) - 1 and sum(rows[first:]) > most:
            first += 1
        return lines[first:], max(least, min(most, sum(rows[first:])))

    def on_resize(self) -> None:
        if self._lines and self._fitting(self._lines)[0] != self._kept:
            self.show(self._lines)
