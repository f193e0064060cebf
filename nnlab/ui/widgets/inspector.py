"""The inspector: the numbers the last step changed, with their change."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Inspector(Static):
    """A table of (name, value, change) rows from a frame; its size is set by the layout, so updates skip it.

    The cells are plain text: a value may quote a file name, which must not be read as markup. A
    row too wide for the panel drops whole cells, the change first and then the value, and shows "…"
    in their place, so a number is never cut into one that reads as another.
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
            if k:
                text.append("\n")
            text.append_text(_row(name, value, change, name_w, value_w, width))
        return text

    def on_resize(self) -> None:
        if self._rows and self.content_size.width != self._width:
            self.show(self._rows)


def _row(name: str, value: str, change: str, name_w: int, value_w: int, width: int) -> Text:
    """One row in at most `width` cells (no limit at 0): the whole row if it fits; else its third column on a
    line of its own below, indented under the value (the pane scrolls, so nothing is lost); else the widest
    of name, value and "…"; the name alone cut with "…" (a name is words, not a number). A number is never
    cut."""
    head = name.ljust(name_w)
    whole = Text.assemble((head, "bold"), (" " + (value.ljust(value_w) if change else value), ""),
                          (" " + change if change else "", "dim"), no_wrap=True)
    if width <= 0 or whole.cell_len <= width:
        return whole
    if change:
        first = Text.assemble((head, "bold"), (" " + value, ""), no_wrap=True)
        indent = min(name_w + 1, max(width - len(change), 0))
        second = Text.assemble((" " * indent + change, "dim"), no_wrap=True)
        if first.cell_len <= width and second.cell_len <= width:
            return Text("\n").join([first, second])
    for pieces in ([(head, "bold"), (" " + value, ""), (" …", "dim")] if change else [],
                   [(head, "bold"), (" …", "dim")], [(name, "bold"), (" …", "dim")]):
        if not pieces:
            continue
        line = Text.assemble(*pieces, no_wrap=True)
        if line.cell_len <= width:
            return line
    line = Text(name, "bold", no_wrap=True)
    line.truncate(width, overflow="ellipsis")
    return line
