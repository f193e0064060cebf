"""The RNN lab's parameters as one flat vector, their initialisation, the loss, and the parameter counts.

Tensors (column convention of lecture 21; a gated cell stacks its blocks in the order of
`kernels.GATES`, and each block's W_g X_t with X_t = (h_{t-1}, x_t) is split as W_g h + U_g x, X26):

    W   (G H, H)   recurrent weights (none for minGRU)         U  (G H, X)  input weights
    b   (G H,)     biases                                      b_hn (H,)    GRU reset_after: the bias inside r (...)
    V   (Y, H)     output weights                              c  (Y,)      output bias

Loss (lecture 21): E = (1/B) sum_b sum_t alpha_t C(y_t, t_t) over a batch of B sequences, with
C = |y - t|^2 for identity, logistic and tanh outputs (the backprop lab's MSE) and the cross-entropy
-sum t ln y for a softmax output (computed from zo by log-sum-exp).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlab.core.rnn.params import GATES, OUTPUTS

TENSORS = ("W", "U", "b", "b_hn", "V", "c")


@dataclass(frozen=True)
class Layout:
    """Where each tensor lives in the flat parameter vector."""

    cell: str
    H: int
    X: int
    Y: int
    reset_after: bool = False

    @property
    def G(self) -> int:
        return len(GATES[self.cell])

    def shapes(self) -> dict[str, tuple[int, ...]]:
        G, H, X, Y = self.G, self.H, self.X, self.Y
        return {"W": (0 if self.cell == "mingru" else G * H, H), "U": (G * H, X), "b": (G * H,),
                "b_hn": (H if self.cell == "gru" and self.reset_after else 0,), "V": (Y, H), "c": (Y,)}

    def offsets(self) -> dict[str, tuple[int, tuple[int, ...]]]:
        out, off = {}, 0
        for name, shape in self.shapes().items():
            out[name] = (off, shape)
            off += int(np.prod(shape))
        return out

    @property
    def size(self) -> int:
        return sum(int(np.prod(s)) for s in self.shapes().values())

    def views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """name -> a view of `flat` with the tensor's shape."""
        return {n: flat[o:o + int(np.prod(s))].reshape(s) for n, (o, s) in self.offsets().items()}

    def cell_count(self) -> int:
        """Parameters of the recurrent cell (W, U, b, b_hn), without the output layer."""
        s = self.shapes()
        return sum(int(np.prod(s[n])) for n in ("W", "U", "b", "b_hn"))

    def vanilla_count(self) -> int:
        """H (H + X) + H: the vanilla cell of the same sizes."""
        return self.H * (self.H + self.X) + self.H


def count_text(lay: Layout) -> str:
    """The cell's parameter count against the vanilla cell's (LSTM 4x, GRU 3x, minGRU 2 H (X + 1))."""
    n, v = lay.cell_count(), lay.vanilla_count()
    H, X = lay.H, lay.X
    if lay.cell == "rnn":
        return f"{n:,} cell parameters: H (H + X) + H = {H}({H} + {X}) + {H}"
    if lay.cell == "lstm":
        return f"{n:,} cell parameters: 4 (H (H + X) + H), 4x the vanilla cell's {v:,}"
    if lay.cell == "gru":
        extra = f" + H ({H}, b_hn)" if lay.reset_after else ""
        return f"{n:,} cell parameters: 3 (H (H + X) + H){extra}, 3x the vanilla cell's {v:,}"
    return f"{n:,} cell parameters: 2 H (X + 1) = 2 x {H} x ({X} + 1), no recurrent weights"


def count_note(lay: Layout) -> str:
    """The parameter count's rule, short enough for an inspector row."""
    v = lay.vanilla_count()
    return {"rnn": "H (H + X) + H", "lstm": f"4x the vanilla {v:,}",
            "gru": f"3x the vanilla {v:,}" + (" + H" if lay.reset_after else ""),
            "mingru": "2 H (X + 1), no W"}[lay.cell]


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random n x n orthogonal matrix (QR of a Gaussian matrix, signs fixed so it is uniformly distributed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))


def init_params(lay: Layout, init: str, rho: float, forget_bias: float, rng: np.random.Generator) -> np.ndarray:
    """Every entry U(-1/sqrt H, 1/sqrt H) (PyTorch's); with init = orthogonal every recurrent block is rho Q;
    the LSTM's forget-gate biases get `forget_bias` added."""
    k = 1.0 / np.sqrt(lay.H)
    theta = rng.uniform(-k, k, lay.size)
    v = lay.views(theta)
    if init == "orthogonal" and lay.cell != "mingru":
        for g in range(lay.G):
            v["W"][g * lay.H:(g + 1) * lay.H] = rho * orthogonal(lay.H, rng)
    if lay.cell == "lstm":
        v["b"][:lay.H] += forget_bias
    return theta


def output_code(output: str, kind: str) -> int:
    """Index in kernels.OUTPUTS of an `output` knob value (auto: softmax for classes, else identity)."""
    if output == "auto":
        output = "softmax" if kind == "classes" else "identity"
    return OUTPUTS.index(output)


def step_losses(out: int, zo: np.ndarray, y: np.ndarray, target: np.ndarray) -> np.ndarray:
    """C(y_t, t_t) of every (t, b): (T, B) from zo, y, target (T, B, Y)."""
    if OUTPUTS[out] == "softmax":
        m = zo.max(axis=2, keepdims=True)
        lse = m[..., 0] + np.log(np.exp(zo - m).sum(axis=2))
        return (target * (lse[..., None] - zo)).sum(axis=2)
    return ((y - target) ** 2).sum(axis=2)


def output_delta(out: int, y: np.ndarray, target: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """dzo = dE/dzo_t = (alpha_t / B) dC/dzo: (y - t) for softmax + cross-entropy, 2 (y - t) out'(zo) otherwise."""
    B = y.shape[1]
    g = (y - target) if OUTPUTS[out] == "softmax" else 2.0 * (y - target)
    if OUTPUTS[out] == "logistic":
        g = g * y * (1.0 - y)
    elif OUTPUTS[out] == "tanh":
        g = g * (1.0 - y * y)
    return np.ascontiguousarray(g * (alpha / B)[..., None])
