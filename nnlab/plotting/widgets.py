"""Textual widgets that draw figures and pictures line by line, in the theme's colours."""

from __future__ import annotations

import os

import numpy as np

from rich.segment import Segment
from rich.color import Color as RichColor
from rich.style import Style
from textual.color import Color
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from nnlab.plotting.picture import ascii_rows, blend, colours, fit, scale
from nnlab.plotting.legend import cut_words, legend, one_row
from nnlab.plotting.render import laid_out
from nnlab.plotting.mosaic import Placed, arrange, pixel_rows, tile_label
from nnlab.plotting.spec import ROLES, Figure, Mosaic, Picture, Piece, TextPanel

NO_COLOR = bool(os.environ.get("NO_COLOR"))


class PlotView(Widget):
    """A braille plot of one Figure; the layout is rebuilt only when the figure or the size changes."""

    DEFAULT_CSS = """
    PlotView {
        height: 1fr;
        min-height: 4;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.figure: Figure | Picture | TextPanel | None = None
        """The figure drawn, or None for an empty plot."""
        self.message = ""
        """Text shown while there is no figure (e.g. compile progress)."""
        self._strips: list[Strip] = []
        self._size = Size(0, 0)
        self._placed: list[Placed] = []
        self._cut = False

    def set_figure(self, figure: Figure | Picture | TextPanel | None) -> None:
        """Draw `figure` from the next refresh."""
        self.figure = figure
        self._strips = []
        self.refresh()

    def show_message(self, text: str) -> None:
        """Show `text` instead of a figure."""
        self.message = text
        self.figure = None
        self._strips = []
        self.refresh()

    def on_resize(self) -> None:
        self._strips = []

    def _styles(self) -> dict[str | None, Style]:
        if NO_COLOR:
            plain = Style()
            return {None: plain, "dim": plain, "title": Style(bold=True), "note": plain,
                    **{r: plain for r in ROLES}}
        v = self.app.theme_variables
        background = Color.parse(v.get("background", "#000000"))

        def colour(*names: str) -> RichColor | None:
            for name in names:
                try:
                    return (background + Color.parse(v[name])).rich_color
                except (KeyError, ValueError):
                    continue
            return None

        fg = colour("foreground")
        styles: dict[str | None, Style] = {None: Style(color=fg)}
        styles["dim"] = Style(color=colour("foreground-muted", "foreground"))
        styles["title"] = Style(color=fg, bold=True)
        styles["note"] = Style(color=colour("accent", "foreground"))
        for role in ROLES:
            styles[role] = Style(color=colour(role, "foreground"))
        return styles

    def _build(self) -> None:
        w, h = self.size.width, self.size.height
        self._size = self.size
        self._cut = False
        self._strips = self._strips_for(w, h)
        self._offer_whole()

    def _strips_for(self, w: int, h: int) -> list[Strip]:
        if self.figure is None:
            lines = [self.message[i : i + w] for i in range(0, len(self.message), max(w, 1))][:h]
            style = self._styles()["dim"]
            strips = [Strip([Segment(line, style)]).adjust_cell_length(w) for line in lines]
            return strips + [Strip.blank(w)] * (h - len(strips))
        if isinstance(self.figure, Picture):
            return self._picture(self.figure, w, h)
        if isinstance(self.figure, TextPanel):
            return self._text(self.figure, w, h)
        if isinstance(self.figure, Mosaic):
            return self._mosaic(self.figure, w, h)
        styles = self._styles()
        rows, self._cut = laid_out(self.figure, w, h)
        strips = []
        for row in rows[:h]:
            segs = [Segment(text, styles.get(role, styles[None])) for text, role in row if text]
            strips.append(Strip(segs).adjust_cell_length(w))
        return strips + [Strip.blank(w)] * (h - len(strips))

    def _picture(self, pic: Picture, w: int, h: int) -> list[Strip]:
        styles = self._styles()
        strips = [self._head([(pic.title, "title")] + _notes(pic.notes), w, styles)]
        body_h = max(h - 2, 1)
        if pic.rgb is not None:
            return strips + self._rgb_rows(pic, w, h, body_h, styles)
        fitted = fit(pic.values, w, body_h, pic.grow)
        s = np.clip(fitted - np.floor(fitted), 0.0, 1.0) if pic.classes else scale(fitted)
        if not pic.signed:
            s = np.clip(s, 0.0, 1.0)
        marks = {}
        rows_px, cols_px = s.shape
        for fr, fc, char, role in pic.marks:
            marks[(min(int(fr * rows_px / 2), (rows_px - 1) // 2), min(int(fc * cols_px), cols_px - 1))] = (char, role)
        if NO_COLOR:
            lines = [Strip([Segment(row)]).adjust_cell_length(w) for row in ascii_rows(s)]
        else:
            v = self.app.theme_variables
            bg = Color.parse(v.get("background", "#000000"))
            rgb = lambda name: Color.parse(v.get(name, "#ffffff")).rgb  # noqa: E731
            if pic.classes:
                ks = np.clip(np.floor(fitted).astype(np.int64), 0, len(pic.classes) - 1)
                base = [rgb(role) for role in pic.classes]
                px = [[blend(bg.rgb, base[k], 0.25 + 0.5 * c) for k, c in zip(krow, crow)] for krow, crow in zip(ks, s)]
            else:
                px = colours(s, rgb("error"), rgb("accent" if not pic.signed else "primary"), bg.rgb)
            lines = []
            for r, (top, bottom) in enumerate(zip(px[0::2], px[1::2] if len(px) > 1 else px[0::2])):
                segs = []
                for c, (a, b) in enumerate(zip(top, bottom)):
                    mark = marks.get((r, c))
                    if mark:
                        segs.append(Segment(mark[0], Style(color=RichColor.from_rgb(*rgb(mark[1])),
                                                           bgcolor=RichColor.from_rgb(*a), bold=True)))
                    else:
                        segs.append(Segment("▀", Style(color=RichColor.from_rgb(*a), bgcolor=RichColor.from_rgb(*b))))
                lines.append(Strip(segs).adjust_cell_length(w))
        strips += lines[:body_h]
        strips += [Strip.blank(w)] * (h - 1 - len(strips))
        strips.append(self._caption(pic.xlabel, w, styles))
        return strips[:h]

    def _rgb_rows(self, pic: Picture, w: int, h: int, body_h: int, styles: dict) -> list[Strip]:
        """The body and caption of a true-colour picture (ASCII by brightness without colour)."""
        rgb = np.clip(np.nan_to_num(np.asarray(pic.rgb, dtype=np.float64)), 0.0, 1.0)
        chans = [fit(rgb[:, :, k], w, body_h, pic.grow) for k in range(3)]
        px = np.round(np.stack(chans, axis=-1) * 255).astype(np.int64)
        if NO_COLOR:
            lines = [Strip([Segment(row)]).adjust_cell_length(w) for row in ascii_rows(px.mean(axis=-1) / 255.0)]
        else:
            rows_px, cols_px = px.shape[:2]
            marks = {(min(int(fr * rows_px / 2), (rows_px - 1) // 2), min(int(fc * cols_px), cols_px - 1)): (ch, role)
                     for fr, fc, ch, role in pic.marks}
            theme = self.app.theme_variables
            lines = []
            for r, (top, bottom) in enumerate(zip(px[0::2], px[1::2] if len(px) > 1 else px[0::2])):
                segs = []
                for c, (a, b) in enumerate(zip(top.tolist(), bottom.tolist())):
                    mark = marks.get((r, c))
                    if mark:
                        fg = Color.parse(theme.get(mark[1], "#ffffff")).rgb
                        segs.append(Segment(mark[0], Style(color=RichColor.from_rgb(*fg), bgcolor=RichColor.from_rgb(*a),
                                                           bold=True)))
                    else:
                        segs.append(Segment("▀", Style(color=RichColor.from_rgb(*a), bgcolor=RichColor.from_rgb(*b))))
                lines.append(Strip(segs).adjust_cell_length(w))
        out = lines[:body_h]
        out += [Strip.blank(w)] * (h - 2 - len(out))
        out.append(self._caption(pic.xlabel, w, styles))
        return out

    def _text(self, panel: TextPanel, w: int, h: int) -> list[Strip]:
        styles = self._styles()
        strips = [self._head([(panel.title, "title")] + _notes(panel.notes), w, styles)]
        for row in panel.rows[: h - 1]:
            segs = [Segment(text, styles.get(role, styles[None])) for text, role in row if text]
            strips.append(Strip(segs).adjust_cell_length(w))
        strips += [Strip.blank(w)] * (h - len(strips))
        return strips[:h]

    def _mosaic(self, mos: Mosaic, w: int, h: int) -> list[Strip]:
        styles = self._styles()
        body_h = max(h - 1 - (1 if mos.xlabel else 0), 1)
        self._placed = arrange(mos, w, body_h)
        head: list[Piece] = [(mos.title, "title")]
        hidden = len(mos.tiles) - len(self._placed)
        if hidden > 0:
            head.append((f"  +{hidden} hidden", "warning"))
        if self._placed and self._placed[0].s > 1:
            head.append((f"  1/{self._placed[0].s} scale", "warning"))
        head += _notes(mos.notes)
        cells: list[list[tuple[str, Style]]] = [[(" ", styles[None])] * w for _ in range(body_h)]
        if NO_COLOR:
            def cell(top: float, bottom: float, ht: bool, hb: bool) -> tuple[str, Style]:
                return ("@" if ht else "#" if top > 0 else "."), styles[None]
        else:
            v = self.app.theme_variables
            bg = Color.parse(v.get("background", "#000000")).rgb
            rgb = {name: Color.parse(v.get(name, "#ffffff")).rgb
                   for name in ("primary", "foreground", "accent", "error")}

            def colour(x: float, lit: bool) -> RichColor:
                if np.isnan(x):
                    return RichColor.from_rgb(*bg)
                if lit:
                    return RichColor.from_rgb(*(rgb["accent"] if x > 0 else blend(bg, rgb["accent"], 0.45)))
                if mos.signed:
                    return RichColor.from_rgb(*blend(bg, rgb["primary" if x >= 0 else "error"], min(abs(x), 1.0)))
                if x > 0:
                    return RichColor.from_rgb(*blend(bg, rgb["primary"], 0.25 + 0.75 * x))
                return RichColor.from_rgb(*blend(bg, rgb["foreground"], 0.12 + 0.08 * abs(x)))

            def cell(top: float, bottom: float, ht: bool, hb: bool) -> tuple[str, Style]:
                return "▀", Style(color=colour(top, ht), bgcolor=colour(bottom, hb))
        for p in self._placed:
            for r, (top, bottom, ht, hb) in enumerate(pixel_rows(p)):
                row = cells[p.y + r]
                for c in range(p.width):
                    if p.x + c < w:
                        row[p.x + c] = cell(top[c], bottom[c], bool(ht[c]), bool(hb[c]))
            label_y = p.y + p.text_rows
            if label_y < body_h:
                text = tile_label(mos.tiles[p.index].label, max(p.width, 1) + 1)
                for c, ch in enumerate(text):
                    if p.x + c < w:
                        cells[label_y][p.x + c] = (ch, styles["dim"])
        strips = [self._head(head, w, styles)]
        for row in cells:
            strips.append(Strip([Segment(ch, st) for ch, st in row]).simplify().adjust_cell_length(w))
        if mos.xlabel:
            strips.append(self._caption(mos.xlabel, w, styles))
        strips += [Strip.blank(w)] * (h - len(strips))
        return strips[:h]

    def _head(self, pieces: list[Piece], w: int, styles: dict[str | None, Style]) -> Strip:
        """The title row of a picture, panel or mosaic: its pieces, cut with "…" where they overflow."""
        row, cut = one_row(pieces, w)
        self._cut = self._cut or cut
        return Strip([Segment(text, styles.get(role, styles[None])) for text, role in row]).adjust_cell_length(w)

    def _caption(self, text: str, w: int, styles: dict[str | None, Style]) -> Strip:
        """The caption row under a picture or mosaic, cut between words with "…" when it is too wide."""
        self._cut = self._cut or len(text) > w
        return Strip([Segment(cut_words(text, w), styles["dim"])]).adjust_cell_length(w)

    def _offer_whole(self) -> None:
        """When a title, note, legend entry or caption is cut, the whole text is the widget's tooltip."""
        tip = whole_text(self.figure) if self._cut and self.figure is not None else None
        if self.tooltip != tip:
            self.tooltip = tip

    def unit_at(self, x: int, y: int) -> tuple[int, int, int] | None:
        """(tile index, row, col) of the mosaic unit under the widget cell (x, y), or None."""
        if not isinstance(self.figure, Mosaic):
            return None
        for p in self._placed:
            hit = p.unit_at(x, y - 1)
            if hit is not None:
                rows, cols = self.figure.tiles[p.index].values.shape
                if hit[0] < rows and hit[1] < cols:
                    return p.index, hit[0], hit[1]
        return None

    def render_line(self, y: int) -> Strip:
        if not self._strips or self._size != self.size:
            self._build()
        return self._strips[y] if y < len(self._strips) else Strip.blank(self.size.width)


def _notes(notes: tuple[str, ...]) -> list[Piece]:
    """Each note its own piece, so that a row too narrow drops whole notes rather than cutting one."""
    return [("  " + note, "note") for note in notes]


def whole_text(fig: Figure | Picture | TextPanel | Mosaic) -> str:
    """Everything written around a figure, uncut: title and notes, legend, caption (for its tooltip)."""
    lines = ["  ".join([fig.title, *fig.notes])]
    if isinstance(fig, Figure):
        lines.append("  ".join(text for text, _ in legend(fig)))
    lines.append(getattr(fig, "xlabel", ""))
    return "\n".join(line for line in lines if line)
