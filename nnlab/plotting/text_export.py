"""Plots as plain text, built once by plotext (the "Export plots as text" command).

plotext keeps its figure in module-level state, so only the UI thread calls this, and every
call starts from a cleared figure.
"""

from __future__ import annotations

import numpy as np
import plotext as plt

from nnlab.plotting.canvas import decimate
from nnlab.plotting.picture import ascii_rows, fit, scale
from nnlab.plotting.mosaic import arrange, pixel_rows, tile_label
from nnlab.plotting.spec import Figure, Mosaic, Picture, TextPanel


def mosaic_text(mos: Mosaic, width: int, height: int) -> str:
    """A mosaic in ASCII: # on, . off, @ highlighted, one character per two pixel rows."""
    grid = [[" "] * width for _ in range(height - 2)]
    for p in arrange(mos, width, height - 2):
        for r, (top, _, ht, _) in enumerate(pixel_rows(p)):
            for c in range(min(p.width, width - p.x)):
                grid[p.y + r][p.x + c] = "@" if ht[c] else "#" if top[c] > 0 else "."
        if p.y + p.text_rows < len(grid):
            for c, ch in enumerate(tile_label(mos.tiles[p.index].label, width - p.x)):
                grid[p.y + p.text_rows][p.x + c] = ch
    lines = ["".join(row).rstrip() for row in grid]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join([mos.title + ("  " + "  ".join(mos.notes) if mos.notes else ""), *lines, mos.xlabel]).rstrip()


def figure_text(fig: Figure | Picture | TextPanel | Mosaic, width: int = 100, height: int = 25) -> str:
    """`fig` drawn by plotext in braille with axes, ticks, title and legend, without colour codes."""
    if isinstance(fig, Mosaic):
        return mosaic_text(fig, width, height)
    if isinstance(fig, TextPanel):
        return "\n".join([fig.title, *("".join(text for text, _ in row).rstrip() for row in fig.rows)])
    if isinstance(fig, Picture):
        values = fig.values if fig.rgb is None else np.asarray(fig.rgb, dtype=np.float64).mean(axis=-1)
        rows = ascii_rows(np.abs(scale(fit(values, width, height - 2, fig.grow))))
        return "\n".join([fig.title, *rows, fig.xlabel])
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    x0, x1 = fig.xlim
    for s in fig.series:
        if s.kind == "hline":
            if len(s.y):
                plt.hline(float(s.y[0]))
            continue
        x = np.asarray(s.x, dtype=np.float64)
        if s.kind == "vlines":
            for v in x[(x >= x0) & (x <= x1)][:200]:
                plt.vline(float(v))
            continue
        y = np.asarray(s.y, dtype=np.float64)
        keep = np.isfinite(x) & np.isfinite(y) & (x >= x0) & (x <= x1)
        x, y = x[keep], y[keep]
        if not len(x):
            continue
        if s.kind == "points":
            plt.scatter(x.tolist(), y.tolist(), marker="braille", label=s.label or None)
        else:
            px, py = decimate((x - x0) / max(x1 - x0, 1e-300) * 2 * width, y, 2 * width)
            px = x0 + px / (2 * width) * (x1 - x0)
            plt.plot(px.tolist(), py.tolist(), marker="braille", label=s.label or None)
    plt.xlim(x0, x1)
    plt.ylim(*fig.ylim)
    plt.title(f"{fig.title}: {fig.missing}" if fig.missing else fig.title)
    plt.xlabel(fig.xlabel)
    text = plt.uncolorize(plt.build())
    plt.clear_figure()
    return "\n".join(line.rstrip() for line in text.splitlines())
