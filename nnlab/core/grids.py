"""The shape a flat vector of units is drawn in (Hopfield states, RBM layers and receptive fields)."""

from __future__ import annotations

import math


def picture_shape(N: int) -> tuple[int, int]:
    """The most square (rows, cols) with rows * cols = N, rows <= cols."""
    r = int(math.isqrt(N))
    while N % r:
        r -= 1
    return r, N // r
