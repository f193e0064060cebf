"""The footer: the keys that fit whole, never a key cut in the middle of its name."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """Textual's footer, showing only the keys that fit its width whole, in their order.

    Textual's own scrolls sideways when the keys overflow, so on a small terminal the last one shows cut
    (`o Ope`) under the palette key. Here a key that does not fit is hidden with every key after it;
    the help key (`?`, which lists them all) is kept before any other. The palette key stays on the right.
    """

    KEEP = ("help",)
    """Actions whose key keeps its place whatever the width."""

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        keys = [key for key in self.query_children(FooterKey) if not key.has_class("-command-palette")]
        palette = self.query_children(FooterKey).filter(".-command-palette")
        room = self.size.width - sum(_width(key) for key in palette)
        if room <= 0 or not keys:
            return
        kept = [key for key in keys if key.action.split(".")[-1].split("(")[0] in self.KEEP]
        room -= sum(_width(key) for key in kept)
        full = False
        for key in keys:
            if key in kept:
                continue
            width = _width(key)
            full = full or width > room
            key.display = not full
            if not full:
                room -= width
        self.refresh(layout=True)


def _width(key: FooterKey) -> int:
    """Cells a footer key takes: its text, padding, border and margins."""
    return key.render().cell_len + key.styles.gutter.width + key.styles.margin.width
