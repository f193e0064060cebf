"""A braille raster: 2 x 4 dots per character cell, series decimated to the pixel grid first.

Each cell keeps the braille dot bits (U+2800 + bits) and the colour role of the last series
that drew in it. Dense series are reduced to the min and max of every pixel column before
drawing, so no spike is lost and cost is bounded by the width, not the number of points.
"""

from __future__ import annotations

import numpy as np

from nnlab.plotting.spec import Figure, Series

DOT = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)
"""Bit of the braille dot at (row within cell, column within cell)."""


class Raster:
    """Braille dots and colours over a grid of width x height cells."""

    def __init__(self, width: int, height: int) -> None:
        self.width = max(width, 1)
        self.height = max(height, 1)
        self.bits = np.zeros((self.height, self.width), dtype=np.uint8)
        self.role = np.full((self.height, self.width), -1, dtype=np.int16)

    @property
    def px(self) -> int:
        return self.width * 2

    @property
    def py(self) -> int:
        return self.height * 4

    def dots(self, x: np.ndarray, y: np.ndarray, role: int) -> None:
        """Set the dots at integer pixel coordinates (x right, y down), clipped to the grid."""
        x = np.asarray(x, dtype=np.int64)
        y = np.asarray(y, dtype=np.int64)
        keep = (x >= 0) & (x < self.px) & (y >= 0) & (y < self.py)
        x, y = x[keep], y[keep]
        if not len(x):
            return
        cy, cx = y // 4, x // 2
        np.bitwise_or.at(self.bits, (cy, cx), DOT[y % 4, x % 2])
        self.role[cy, cx] = role

    def text_rows(self) -> list[str]:
        """Each row of cells as braille characters (blank cells are spaces)."""
        chars = np.where(self.bits > 0, 0x2800 + self.bits.astype(np.int32), 0x20)
        return ["".join(map(chr, row)) for row in chars]


def decimate(px: np.ndarray, py: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a polyline sorted by x to the min and max y of each integer pixel column it crosses."""
    col = np.clip(np.round(px), -1, columns).astype(np.int64)
    if len(col) <= 4 * columns:
        return px, py
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    lo = np.minimum.reduceat(py, starts)
    hi = np.maximum.reduceat(py, starts)
    c = col[starts].astype(np.float64)
    return np.repeat(c, 2), np.column_stack([lo, hi]).ravel()


def segments(px: np.ndarray, py: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixels along the straight segments joining consecutive points (a vectorised DDA)."""
    if len(px) == 1:
        return np.round(px).astype(np.int64), np.round(py).astype(np.int64)
    dx = np.diff(px)
    dy = np.diff(py)
    n = np.minimum(np.ceil(np.maximum(np.abs(dx), np.abs(dy))).astype(np.int64), limit) + 1
    seg = np.repeat(np.arange(len(dx)), n)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    frac = offsets / np.maximum(np.repeat(n - 1, n), 1)
    x = px[seg] + frac * dx[seg]
    y = py[seg] + frac * dy[seg]
    return np.round(x).astype(np.int64), np.round(y).astype(np.int64)


def draw(fig: Figure, width: int, height: int, roles: tuple[str, ...]) -> Raster:
    """Rasterise every series of `fig` into a width x height cell raster."""
    r = Raster(width, height)
    x0, x1 = fig.xlim
    y0, y1 = fig.ylim
    sx = (r.px - 1) / (x1 - x0) if x1 > x0 else 0.0
    sy = (r.py - 1) / (y1 - y0) if y1 > y0 else 0.0
    for s in fig.series:
        role = roles.index(s.role) if s.role in roles else 0
        _draw_series(r, s, x0, y0, sx, sy, role)
    return r


def _draw_series(r: Raster, s: Series, x0: float, y0: float, sx: float, sy: float, role: int) -> None:
    if s.kind == "hline":
        if not len(s.y) or not np.isfinite(s.y[0]):
            return
        row = int(round((r.py - 1) - (float(s.y[0]) - y0) * sy))
        r.dots(np.arange(0, r.px, 2), np.full(r.px // 2, row), role)
        return
    x = np.asarray(s.x, dtype=np.float64)
    if s.kind == "vlines":
        cols = np.unique(np.round((x[np.isfinite(x)] - x0) * sx).astype(np.int64))
        cols = cols[(cols >= 0) & (cols < r.px)]
        if len(cols):
            ys = np.arange(0, r.py, 2)
            r.dots(np.repeat(cols, len(ys)), np.tile(ys, len(cols)), role)
        return
    y = np.asarray(s.y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return
    px = (x - x0) * sx
    py = (r.py - 1) - (y - y0) * sy
    if s.kind == "points":
        r.dots(np.round(px[ok]), np.round(py[ok]), role)
        return
    # keep the drawn part of the line: points inside the x range plus one on each side
    inside = np.flatnonzero(ok & (px >= -1) & (px <= r.px))
    if not len(inside):
        return
    lo = max(inside[0] - 1, 0)
    hi = min(inside[-1] + 2, len(px))
    px, py, ok = px[lo:hi], py[lo:hi], ok[lo:hi]
    for run in np.split(np.arange(len(px)), np.flatnonzero(~ok)):
        run = run[ok[run]]
        if not len(run):
            continue
        dx, dy = decimate(px[run], np.clip(py[run], -r.py, 2 * r.py), r.px)
        gx, gy = segments(dx, dy, r.px + r.py)
        r.dots(gx, gy, role)
