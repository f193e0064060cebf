"""What a plot shows, independent of how it is drawn: series, axes ranges, labels and colour roles."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ROLES = ("primary", "secondary", "accent", "warning", "error", "success", "foreground")
"""Colour roles a series may take; the widget maps them to the theme's colours."""


@dataclass(frozen=True)
class Series:
    """One thing drawn on a plot."""

    x: np.ndarray
    y: np.ndarray
    kind: str = "line"
    """line (connected), points (dots), vlines (full-height marks at x), hline (a row at y[0])."""
    role: str = "primary"
    label: str = ""


@dataclass(frozen=True)
class Figure:
    """A plot: its series, ranges and labels."""

    title: str
    series: tuple[Series, ...]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    xlabel: str = ""
    ylabel: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Short readouts drawn in the top-right corner (e.g. "63.0 Hz")."""
    integer_y: bool = False
    """Label the y axis with whole numbers (neuron indices)."""
    missing: str = ""
    """What the plot lacks to show anything, said in the middle of it (e.g. "no stored pattern yet")."""


def padded(lo: float, hi: float, frac: float = 0.05) -> tuple[float, float]:
    """A range around [lo, hi] with a margin; a degenerate range gets a unit width."""
    if not np.isfinite(lo) or not np.isfinite(hi):
        return (0.0, 1.0)
    if hi - lo < 1e-12:
        return (lo - 0.5, hi + 0.5)
    pad = (hi - lo) * frac
    return (lo - pad, hi + pad)


def data_range(*arrays: np.ndarray, frac: float = 0.05) -> tuple[float, float]:
    """Padded min..max over every finite value of the arrays."""
    vals = [np.asarray(a, dtype=np.float64).ravel() for a in arrays if np.size(a)]
    if not vals:
        return (0.0, 1.0)
    allv = np.concatenate(vals)
    allv = allv[np.isfinite(allv)]
    if not len(allv):
        return (0.0, 1.0)
    return padded(float(allv.min()), float(allv.max()), frac)


@dataclass(frozen=True)
class Picture:
    """A 2-D array drawn as half-block cells (two pixels per character), e.g. rates of many neurons."""

    title: str
    values: np.ndarray
    """(rows, cols) float64; drawn top row first."""
    signed: bool = False
    """True: negative values take the `negative` colour; False: 0 is dark, the maximum bright."""
    xlabel: str = ""
    """Caption under the picture."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    classes: tuple[str, ...] = ()
    """Colour roles of classes: values then hold class index + confidence in [0, 1) (a decision map)."""
    marks: tuple[tuple[float, float, str, str], ...] = ()
    """Characters drawn over the picture: (row, column) as fractions in [0, 1], the character, its role."""
    grow: bool = False
    """Enlarge a small array by a whole factor to fill the space (one block of pixels per entry)."""
    rgb: np.ndarray | None = None
    """(rows, cols, 3) colours in [0, 1] drawn as they are (true colour; Rich gives a 256-colour terminal
    the nearest of its colours), instead of `values` on the theme's scale."""


Piece = tuple[str, "str | None"]
"""A run of text and its colour role (None plain, "dim" muted, "title", "note", or one of ROLES)."""
Row = list[Piece]
"""One row of cells as pieces."""


@dataclass(frozen=True)
class TextPanel:
    """Rows of coloured text drawn as they are (a network diagram, an expression graph, a table)."""

    title: str
    rows: tuple[tuple[Piece, ...], ...]
    """Each row a sequence of (text, role) pieces; rows and pieces past the widget's size are cut."""
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Tile:
    """One small picture of a Mosaic: values in [-1, 1] (a bipolar state: +1 on, -1 off)."""

    label: str
    values: np.ndarray
    """(rows, cols)."""
    highlight: tuple[int, int] | None = None
    """(row, col) of a pixel drawn in the accent colour (the unit being updated, the edit cursor)."""
    key: int = -1
    """What the tile stands for (e.g. the index of a stored pattern), for clicks."""


@dataclass(frozen=True)
class Mosaic:
    """Small pictures side by side, each under its label, all enlarged by the same whole factor
    (or shrunk alike when even one does not fit); tiles that find no room are counted in a note."""

    title: str
    tiles: tuple[Tile, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    xlabel: str = ""
    signed: bool = False
    """True: negative values in the error colour (weights); False: -1 is off, dark grey (states)."""
