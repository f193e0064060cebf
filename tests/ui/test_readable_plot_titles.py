"""At a narrow width, plot titles, notes, legends and captions are cut between words and end in "…",
numeric readouts (max |W|, E = ...) survive ahead of prose, and the whole text is the plot's tooltip."""

from __future__ import annotations

import numpy as np
from textual.app import App, ComposeResult

from nnlab.core.registry import LABS
from nnlab.plotting.hopfield_figures import energy_figure, state_mosaic, weights_picture
from nnlab.plotting.render import laid_out
from nnlab.plotting.widgets import PlotView
from nnlab.scenario.loader import load


class OnePlot(App):
    def compose(self) -> ComposeResult:
        yield PlotView(id="plot")


def _frame(name: str):
    sc = load(name)
    return LABS[sc.lab].build_model(sc.params, sc.seed, sc.duration()).frame()


def _words_of(whole: str, shown: str) -> bool:
    """`shown` is whole or is whole words of `whole` followed by "…"."""
    if not shown.endswith("…"):
        return True
    head = shown[:-1].rstrip()
    return whole.startswith(head) and (len(whole) == len(head) or whole[len(head)] == " ")


async def _rows(fig, width: int, height: int) -> tuple[list[str], str | None]:
    app = OnePlot()
    async with app.run_test(size=(width, height)) as pilot:
        plot = app.query_one(PlotView)
        plot.set_figure(fig)
        await pilot.pause()
        rows = ["".join(seg.text for seg in plot.render_line(y)) for y in range(height)]
        return rows, plot.tooltip


async def test_a_picture_keeps_its_scale_and_cuts_its_title_between_words():
    pic = weights_picture(_frame("hopfield_letters"))
    rows, tip = await _rows(pic, 44, 12)
    head = rows[0].rstrip()
    assert "max |W| " in head and head.startswith("weights W") and "…" in head
    assert _words_of(pic.title, head.split("…")[0] + "…")
    caption = rows[-1].rstrip()
    assert caption.endswith("…") and _words_of(pic.xlabel, caption)
    assert tip is not None and pic.title in tip and pic.xlabel in tip and "max |W|" in tip


async def test_a_mosaic_keeps_its_energy_and_drops_whole_notes():
    mos = state_mosaic(_frame("hopfield_letters"))
    rows, tip = await _rows(mos, 40, 16)
    head = rows[0].rstrip()
    assert "E = " in head and "sto…" not in head
    assert all(note in head or note not in tip for note in mos.notes)
    caption = next(r.rstrip() for r in reversed(rows) if r.strip())
    assert caption.endswith("…") and _words_of(mos.xlabel, caption) and "overl…" not in caption


def test_a_figure_at_a_narrow_width_cuts_titles_and_legends_between_words():
    fig = energy_figure(_frame("hopfield_letters"))
    rows, was_cut = laid_out(fig, 30, 12)
    text = ["".join(t for t, _ in row) for row in rows]
    assert was_cut and all(len(line) <= 30 for line in text)
    words = set(" ".join([fig.title, *fig.notes, fig.xlabel, *(s.label for s in fig.series)]).split())
    for line in text:
        for piece in line.replace("│", " ").split():
            if piece.endswith("…") and len(piece) > 1:
                assert piece[:-1] in words, (piece, line)
