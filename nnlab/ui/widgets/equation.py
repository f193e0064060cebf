"""The equation pane: the update in force, then the same with its current numbers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class EquationPane(Static):
    """Shows a frame's equation lines; the first line is the rule, the rest carry the numbers.

    When the lines do not fit the pane's largest height (a small terminal), the first ones give way:
    the lines with this step's numbers come last and stay in view.
    """

    DEFAULT_CSS = """
    EquationPane { padding: 0 1; overflow-y: auto; }
    """

    _shape: tuple[int, ...] = ()
    _lines: tuple[str, ...] = ()
    _kept: tuple[str, ...] = ()

    def show(self, lines: tuple[str, ...]) -> None:
        """Display `lines` (the first one emphasised); a layout pass only when their lengths change much."""
        self._lines = lines
        kept = self._fitting(lines)
        self._kept = kept
        text = Text()
        for k, line in enumerate(kept):
            if k:
                text.append("\n")
            text.append(line, style="bold" if line is lines[0] else "")
        shape = tuple(len(line) // 20 for line in kept)
        self.update(text, layout=shape != self._shape)
        self._shape = shape

    def _fitting(self, lines: tuple[str, ...]) -> tuple[str, ...]:
        """The last of `lines` that fit the pane's largest height when wrapped at its width."""
        width = self.content_size.width
        if width <= 0 or self.styles.max_height is None or self.parent is None or len(lines) < 2:
            return lines
        limit = int(self.styles.max_height.resolve(self.parent.size, self.app.size))
        rows = [len(Text(line).wrap(self.app.console, width)) for line in lines]
        first = 0
        while first < len(lines) - 1 and sum(rows[first:]) > limit:
            first += 1
        return lines[first:]

    def on_resize(self) -> None:
        if self._lines and self._fitting(self._lines) != self._kept:
            self.show(self._lines)
