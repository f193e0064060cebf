"""The inspector: the numbers the last step changed, with their change."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static


class Inspector(Static):
    """A table of (name, value, change) rows from a frame; its size is set by the layout, so updates skip it.
    The cells are plain text: a value may quote a file name, which must not be read as markup."""

    DEFAULT_CSS = """
    Inspector { padding: 0 1; overflow-y: auto; }
    """

    def show(self, rows: tuple[tuple[str, str, str], ...]) -> None:
        """Display the rows."""
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True, min_width=max((len(r[0]) for r in rows), default=0))
        table.add_column(no_wrap=True)
        table.add_column(style="dim", no_wrap=True)
        for name, value, change in rows:
            table.add_row(Text(name), Text(value), Text(change))
        self.update(table, layout=False)
