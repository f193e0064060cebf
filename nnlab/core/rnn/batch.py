"""One batch of sequences in flight through the RNN lab: its inputs and targets, every state, gate and delta of
the forward pass and BPTT (time-major, as `kernels` reads them), the gradient, and the weights it ran with."""

from __future__ import annotations

import numpy as np

from nnlab.core.rnn.network import Layout


class Batch:
    """The arrays of one batch in flight: inputs, targets, every state, gate and delta, the gradient."""

    def __init__(self, lay: Layout, xs: np.ndarray, target: np.ndarray, alpha: np.ndarray, rows: np.ndarray,
                 dtype: type = np.float64, backward: bool = True) -> None:
        T, B, _ = xs.shape
        H, GH, Y = lay.H, lay.G * lay.H, lay.Y
        z = lambda *s: np.zeros(s, dtype)  # noqa: E731
        self.rows = rows
        self.xs, self.target, self.alpha = xs.astype(dtype), target, alpha
        self.hs, self.cs = z(T + 1, B, H), z(T + 1, B, H)
        Tb = T if backward else 0
        self.pre, self.gates, self.da = z(T, B, GH), z(T, B, GH), z(Tb, B, GH)
        self.aux, self.dhs, self.dcs = z(T, B, H), z(Tb, B, H), z(Tb, B, H)
        self.zo, self.ys = z(T, B, Y), z(T, B, Y)
        self.dzo = z(T, B, Y)
        self.dh_next, self.dc_next = z(B, H), z(B, H)
        self.carried_h, self.carried_c = z(B, H), z(B, H)
        """dh_next and dc_next as the last backward step received them (for the equation pane)."""
        self.grad = np.zeros(lay.size, dtype)
        self.losses = np.full((T, B), np.nan)
        self.E = float("nan")
        self.clip_norm = float("nan")
        """|g| before clipping (NaN until the update)."""
        self.theta: np.ndarray | None = None
        """The weights the batch's passes ran with (set by the model)."""
        self.truncate = 0
        """The truncation its backward pass used."""

    def copy(self) -> "Batch":
        new = object.__new__(Batch)
        for k, v in self.__dict__.items():
            setattr(new, k, v.copy() if isinstance(v, np.ndarray) else v)
        return new
