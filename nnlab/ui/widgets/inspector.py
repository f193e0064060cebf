"""The inspector: the numbers the last step changed, with their change."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Inspector(Static):
    """A table of (name, value, change) rows from a frame; its size is set by the layout, so updates skip it.

    The cells are plain text: a value may quote a file name, which must not be read as markup. A
    row too wide for the panel ends in "…", so a cut number never reads as another number.
    """

    DEFAULT_CSS = """
    Inspector { padding: 0 1; overflow-y: auto; }
    """

    _rows: tuple[tuple[str, str, str], ...] = ()
    _width = 0

    def show(self, rows: tuple[tuple[str, str, str], ...]) -> None:
        """Display the rows."""
        self._rows = rows
        self._width = self.content_size.width
        self.update(self._table(rows, self._width), layout=False)

    @staticmethod
    def _table(rows: tuple[tuple[str, str, str], ...], width: int) -> Text:
        name_w = max((len(r[0]) for r in rows), default=0)
        value_w = max((len(r[1]) for r in rows), default=0)
        text = Text(no_wrap=True, overflow="ellipsis")
        for k, (name, value, change) in enumerate(rows):
            line = Text(no_wrap=True)
            line.append(name.ljust(name_w), "bold")
            line.append(" " + (value.ljust(value_w) if change else value))
            if change:
                line.append(" " + change, "dim")
            if width > 0 and line.cell_len > width:
                line.truncate(width, overflow="ellipsis")
            if k:
                text.append("\n")
            text.append_text(line)
        return text

    def on_resize(self) -> None:
        if self._rows and self.content_size.width != self._width:
            self.show(self._rows)
