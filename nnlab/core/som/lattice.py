"""Where the units of a map sit: positions on a rectangular or hexagonal lattice, and who neighbours whom.

Unit u = r * cols + c sits at (x, y) = (c, r) on the rectangular lattice and at
(c + (r mod 2) / 2, r sqrt(3) / 2) on the hexagonal one (odd rows shifted right by half a unit),
so that on both lattices the nearest units are at distance 1. The neighbourhood function takes the
Euclidean distance between these positions.

Adjacent units (the topographic error and the U-matrix): on the hexagonal lattice the 6 at
distance 1; on the rectangular one the 8 within sqrt(2), diagonals included, as MiniSom counts them.
"""

from __future__ import annotations

import math

import numpy as np

HEX_ROW = math.sqrt(3.0) / 2.0
"""Distance between the rows of the hexagonal lattice."""


def positions(rows: int, cols: int, topology: str) -> np.ndarray:
    """(rows * cols, 2) lattice positions (x, y) of the units, row-major."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    if topology == "hex":
        return np.column_stack([c + 0.5 * (r % 2), r * HEX_ROW]).astype(np.float64)
    return np.column_stack([c, r]).astype(np.float64)


def adjacent_within(topology: str) -> float:
    """Largest lattice distance at which two units count as adjacent (with room for rounding)."""
    return (1.0 if topology == "hex" else math.sqrt(2.0)) + 1e-9


RECT_OFFSETS = tuple((dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc)
HEX_OFFSETS = {0: ((-1, -1), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 0)),
               1: ((-1, 0), (-1, 1), (0, -1), (0, 1), (1, 0), (1, 1))}
"""(row, column) steps to the adjacent units: rectangular, and hexagonal by the parity of the row."""


def neighbours(rows: int, cols: int, topology: str) -> list[list[int]]:
    """The adjacent units of every unit, in increasing index."""
    out = []
    for u in range(rows * cols):
        r, c = divmod(u, cols)
        steps = HEX_OFFSETS[r % 2] if topology == "hex" else RECT_OFFSETS
        vs = [(r + dr) * cols + c + dc for dr, dc in steps if 0 <= r + dr < rows and 0 <= c + dc < cols]
        out.append(sorted(vs))
    return out


def neighbour_table(rows: int, cols: int, topology: str) -> np.ndarray:
    """`neighbours` as a (units, 8) int64 array padded with -1 (for the kernels)."""
    table = np.full((rows * cols, 8), -1, dtype=np.int64)
    for u, vs in enumerate(neighbours(rows, cols, topology)):
        table[u, : len(vs)] = vs
    return table


def edges(rows: int, cols: int, topology: str) -> np.ndarray:
    """(E, 2) pairs of units at lattice distance 1, the lines of the map drawn as a mesh: each unit to its
    right-hand neighbour and to those in the next row (below on the rectangular lattice; below left and
    right, by the row's parity, on the hexagonal one)."""
    out = []
    for u in range(rows * cols):
        r, c = divmod(u, cols)
        down = (((1, 0), (1, 1)) if r % 2 else ((1, -1), (1, 0))) if topology == "hex" else ((1, 0),)
        for dr, dc in ((0, 1),) + down:
            if 0 <= r + dr < rows and 0 <= c + dc < cols:
                out.append((u, (r + dr) * cols + c + dc))
    return np.array(out, dtype=np.int64).reshape(-1, 2)
