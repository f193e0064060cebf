"""Append-only trace buffers that frames can view without copying, and truncate on rewind."""

from __future__ import annotations

import numpy as np


class Trace:
    """A growable array of rows; views of the filled part stay valid when it grows."""

    def __init__(self, row_shape: tuple[int, ...] = (), dtype: type = np.float64, capacity: int = 1024) -> None:
        self._buf = np.empty((max(capacity, 1), *row_shape), dtype=dtype)
        self.n = 0

    def reserve(self, extra: int) -> np.ndarray:
        """Room for `extra` more rows; returns the slice to fill (call `commit` after)."""
        need = self.n + extra
        if need > len(self._buf):
            cap = max(need, 2 * len(self._buf))
            grown = np.empty((cap, *self._buf.shape[1:]), dtype=self._buf.dtype)
            grown[: self.n] = self._buf[: self.n]
            self._buf = grown
        return self._buf[self.n : need]

    def commit(self, count: int) -> None:
        """Mark `count` reserved rows as filled."""
        self.n += count

    def append(self, rows: np.ndarray) -> None:
        """Append rows (copying them)."""
        rows = np.asarray(rows, dtype=self._buf.dtype)
        self.reserve(len(rows))[...] = rows
        self.commit(len(rows))

    def view(self) -> np.ndarray:
        """The filled rows (a view; do not write)."""
        return self._buf[: self.n]

    def truncate(self, n: int) -> None:
        """Forget rows from `n` on (after a rewind)."""
        self.n = min(self.n, n)

    def __len__(self) -> int:
        return self.n
