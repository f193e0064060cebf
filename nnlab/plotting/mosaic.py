"""Where the tiles of a Mosaic go in a width x height block of character cells.

Every tile is drawn with half blocks (two pixel rows per character row) and its label in the
row under it; tiles are laid left to right with a gap of two cells, wrapping to new rows.
The largest whole enlargement k >= 2 at which every tile fits is taken; when there is none,
the largest k at which the first MIN_TILES tiles fit, and as many of the rest as find room; when not even k = 1 fits one tile, tiles are
shrunk by a whole factor s (nearest neighbour) instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnlab.plotting.spec import Mosaic

GAP = 2
MAX_SCALE = 6
MIN_TILES = 6


@dataclass(frozen=True)
class Placed:
    """A tile's position: top-left character cell (x, y), its pixel array after scaling, and the scale."""

    index: int
    x: int
    y: int
    pixels: np.ndarray
    """(pixel rows, cols) after enlarging by k (or shrinking by s)."""
    highlight: np.ndarray
    """Boolean mask of the highlighted pixels, the shape of `pixels`."""
    k: int
    s: int

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    @property
    def text_rows(self) -> int:
        return (self.pixels.shape[0] + 1) // 2

    def unit_at(self, cx: int, cy: int) -> tuple[int, int] | None:
        """(row, col) of the tile's unit under character cell (cx, cy), or None (the upper unit of a
        cell that holds two)."""
        if not (self.x <= cx < self.x + self.width and self.y <= cy < self.y + self.text_rows):
            return None
        pr = 2 * (cy - self.y)
        pc = cx - self.x
        if self.k > 1:
            return pr // self.k, pc // self.k
        return pr * self.s, pc * self.s


def _scaled(values: np.ndarray, k: int, s: int) -> np.ndarray:
    if s > 1:
        return values[::s, ::s]
    return np.repeat(np.repeat(values, k, axis=0), k, axis=1)


def _any_block(mask: np.ndarray, s: int) -> np.ndarray:
    """Shrunk by s: True where any pixel of the s x s block is."""
    r, c = mask.shape
    out = np.zeros((math.ceil(r / s), math.ceil(c / s)), dtype=bool)
    for i, j in zip(*np.nonzero(mask)):
        out[i // s, j // s] = True
    return out


def pixel_rows(p: Placed) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per character row of a tile: (top values, bottom values, top highlight, bottom highlight); an odd
    last row repeats nothing below (its bottom values are NaN)."""
    px, hl = p.pixels, p.highlight
    rows = []
    for r in range(0, px.shape[0], 2):
        if r + 1 < px.shape[0]:
            rows.append((px[r], px[r + 1], hl[r], hl[r + 1]))
        else:
            rows.append((px[r], np.full(px.shape[1], np.nan), hl[r], np.zeros(px.shape[1], dtype=bool)))
    return rows


def _fits(shapes: list[tuple[int, int]], width: int, height: int, k: int, s: int) -> int:
    """How many tiles fit in order with enlargement k (shrink s)."""
    x = y = 0
    row_h = 0
    count = 0
    for r, c in shapes:
        tw = math.ceil(c / s) * k
        th = (math.ceil(r / s) * k + 1) // 2 + 1
        if tw > width:
            return count
        if x and x + tw > width:
            x, y = 0, y + row_h
            row_h = 0
        if y + th > height:
            return count
        x += tw + GAP
        row_h = max(row_h, th)
        count += 1
    return count


def arrange(mosaic: Mosaic, width: int, height: int) -> list[Placed]:
    """Positions of the tiles that fit (in order) in width x height cells."""
    shapes = [t.values.shape for t in mosaic.tiles]
    if not shapes or width < 1 or height < 2:
        return []
    k, s = 1, 1
    every = next((kk for kk in range(MAX_SCALE, 1, -1) if _fits(shapes, width, height, kk, 1) == len(shapes)), 0)
    want = len(shapes) if every else min(len(shapes), MIN_TILES)
    for kk in range(MAX_SCALE, 0, -1):
        if _fits(shapes, width, height, kk, 1) >= want:
            k = kk
            break
    else:
        if _fits(shapes, width, height, 1, 1) == 0:
            r, c = shapes[0]
            s = max(math.ceil(c / width), math.ceil(r / (2 * (height - 1))), 1)
    count = max(_fits(shapes, width, height, k, s), 1)
    placed = []
    x = y = row_h = 0
    for i, tile in enumerate(mosaic.tiles[:count]):
        values = np.asarray(tile.values, dtype=np.float64)
        mask = np.zeros(values.shape, dtype=bool)
        if tile.highlight is not None:
            mask[tile.highlight] = True
        px = _scaled(values, k, s)
        hl = _scaled(mask, k, s) if s == 1 else _any_block(mask, s)
        tw, th = px.shape[1], (px.shape[0] + 1) // 2 + 1
        if x and x + tw > width:
            x, y = 0, y + row_h
            row_h = 0
        placed.append(Placed(i, x, y, px, hl, k, s))
        x += tw + GAP
        row_h = max(row_h, th)
    return placed


def tile_label(label: str, room: int) -> str:
    """`label` in at most `room` cells: whole words only, so a tile's overlap is shown whole or not at all
    (`#1 +0.` would read as another number); a first word too long is cut."""
    if len(label) <= room:
        return label
    words = label.split(" ")
    kept = words[0]
    for word in words[1:]:
        if len(kept) + 1 + len(word) > room:
            break
        kept += " " + word
    return kept[:room]
