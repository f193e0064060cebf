"""Half-block pictures: two pixels per character cell (upper pixel as foreground of "▀", lower as background).

Values map to a signed scale: negative towards the `negative` colour, positive towards the
`positive` one, zero to the background. With no colour (NO_COLOR), cells fall back to ASCII
density characters.
"""

from __future__ import annotations

import numpy as np

RAMP = " .:-=+*#%@"
"""ASCII density ramp, light to dark."""


def scale(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Values mapped to [-1, 1] by the largest magnitude (or `limit`)."""
    v = np.asarray(values, dtype=np.float64)
    m = limit if limit else float(np.nanmax(np.abs(v))) if v.size else 1.0
    if not np.isfinite(m) or m == 0:
        m = 1.0
    return np.clip(np.nan_to_num(v / m), -1.0, 1.0)


def fit(values: np.ndarray, width: int, height: int, grow: bool = False) -> np.ndarray:
    """Resample a 2-D array (nearest) to at most width columns and 2*height pixel rows; with `grow`,
    a smaller array is first enlarged by a whole factor (square blocks of pixels) to fill that space."""
    v = np.asarray(values, dtype=np.float64)
    rows, cols = v.shape
    if grow and rows and cols:
        k = max(1, min(width // cols, (2 * height) // rows))
        v = np.repeat(np.repeat(v, k, axis=0), k, axis=1)
        rows, cols = v.shape
    out_cols = max(1, min(cols, width))
    out_rows = max(2, min(rows + rows % 2, 2 * height))
    ri = np.minimum((np.arange(out_rows) * rows / out_rows).astype(np.int64), rows - 1)
    ci = np.minimum((np.arange(out_cols) * cols / out_cols).astype(np.int64), cols - 1)
    return v[np.ix_(ri, ci)]


def blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """Linear mix of two RGB colours, t = 0 gives a, 1 gives b."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def colours(s: np.ndarray, negative: tuple[int, int, int], positive: tuple[int, int, int],
            background: tuple[int, int, int]) -> list[list[tuple[int, int, int]]]:
    """RGB of every scaled pixel."""
    out = []
    for row in s:
        out.append([blend(background, positive, x) if x >= 0 else blend(background, negative, -x) for x in row])
    return out


def ascii_rows(s: np.ndarray) -> list[str]:
    """The picture as ASCII density characters, one per pixel pair (by magnitude)."""
    top = np.abs(s[0::2])
    bottom = np.abs(s[1::2]) if s.shape[0] > 1 else top
    mag = (top[: len(bottom)] + bottom) / 2.0
    idx = np.clip(np.round(mag * (len(RAMP) - 1)).astype(np.int64), 0, len(RAMP) - 1)
    return ["".join(RAMP[i] for i in row) for row in idx]
