"""The parameters of a multilayer perceptron as one flat vector, and its activations and losses.

Column convention of the lectures (lecture 9): z[l+1] = W[l] h[l] + b[l+1], W[l] of shape
(units of layer l+1, units of layer l). Every tensor (W[l], b[l+1], and with batch
normalisation gamma[l], beta[l]) is a view into one flat vector, so optimisers, gradients
and snapshots work on whole vectors and the numba kernel sees the same memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ACT_CODES = {"identity": 0, "logistic": 1, "tanh": 2, "relu": 3, "softmax": 4}
LOSS_CODES = {"mse": 0, "bce": 1, "cce": 2}
OPT_CODES = {"sgd": 0, "momentum": 1, "nesterov": 2, "adagrad": 3, "rmsprop": 4, "adam": 5}

BN_EPS = 1e-5
"""epsilon of batch normalisation (the notes give none; 1e-5 as Ioffe & Szegedy)."""
BN_MOMENTUM = 0.9
"""Running averages for test time: r <- 0.9 r + 0.1 (batch statistic)."""


@dataclass
class Layout:
    """Where every tensor lives in the flat parameter vector."""

    sizes: tuple[int, ...]
    tied: bool = False
    batchnorm: bool = False
    names: list[str] = field(default_factory=list)
    offsets: dict[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)
    sizes_of: dict[str, int] = field(default_factory=dict)
    size: int = 0

    def __post_init__(self) -> None:
        off = 0
        L = len(self.sizes) - 1
        for l in range(L):
            entries: list[tuple[str, tuple[int, ...]]] = []
            if not (self.tied and l == 1):
                entries.append((f"W{l}", (self.sizes[l + 1], self.sizes[l])))
            entries.append((f"b{l + 1}", (self.sizes[l + 1],)))
            if self.batchnorm and l + 1 < L:
                entries += [(f"gamma{l + 1}", (self.sizes[l + 1],)), (f"beta{l + 1}", (self.sizes[l + 1],))]
            for name, shape in entries:
                self.names.append(name)
                self.offsets[name] = (off, shape)
                self.sizes_of[name] = int(np.prod(shape))
                off += self.sizes_of[name]
        self.size = off

    @property
    def n_layers(self) -> int:
        """Weight layers L (the network has L + 1 layers of units, input included)."""
        return len(self.sizes) - 1

    def view(self, flat: np.ndarray, name: str) -> np.ndarray:
        """The tensor `name` as a writable view into `flat`."""
        off, shape = self.offsets[name]
        return flat[off: off + self.sizes_of[name]].reshape(shape)

    def weight(self, flat: np.ndarray, l: int) -> np.ndarray:
        """W[l]; with tied weights W[1] is W[0] transposed."""
        if self.tied and l == 1:
            return self.view(flat, "W0").T
        return self.view(flat, f"W{l}")

    def weight_mask(self) -> np.ndarray:
        """1 where the flat vector holds a weight (the penalty applies), 0 for biases, gamma and beta."""
        mask = np.zeros(self.size)
        for name in self.names:
            if name.startswith("W"):
                self.view(mask, name)[...] = 1.0
        return mask


def label(name: str) -> str:
    """A tensor's name as the lectures write it: W0 -> W[0], gamma1 -> gamma[1]."""
    head = name.rstrip("0123456789")
    return f"{head}[{name[len(head):]}]"


def init_params(layout: Layout, init: str, scale: float, bias: float, rng: np.random.Generator) -> np.ndarray:
    """A new flat parameter vector: weights by `init` (lecture on initialisation), biases `bias`, gamma 1, beta 0."""
    theta = np.zeros(layout.size)
    for name in layout.names:
        v = layout.view(theta, name)
        if name.startswith("W"):
            n_out, n_in = v.shape
            if init == "constant":
                v[...] = scale
                continue
            sd = {"normal": abs(scale), "xavier": np.sqrt(2.0 / (n_in + n_out)), "he": np.sqrt(2.0 / n_in),
                  "he_avg": np.sqrt(4.0 / (n_in + n_out))}[init]
            v[...] = rng.normal(0.0, sd, size=v.shape)
        elif name.startswith("b"):
            v[...] = bias
        elif name.startswith("gamma"):
            v[...] = 1.0
    return theta


def activate(name: str, u: np.ndarray) -> np.ndarray:
    """h = f(u) row by row (softmax over each row, shifted by its maximum)."""
    if name == "identity":
        return u.copy()
    if name == "logistic":
        e = np.exp(-np.abs(u))
        return np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "tanh":
        return np.tanh(u)
    if name == "relu":
        return np.maximum(u, 0.0)
    if name == "softmax":
        e = np.exp(u - u.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def slope(name: str, u: np.ndarray, h: np.ndarray) -> np.ndarray:
    """f'(u) of an elementwise activation, from u and h = f(u) (ReLU's slope at 0 is taken as 0)."""
    if name == "identity":
        return np.ones_like(u)
    if name == "logistic":
        return h * (1.0 - h)
    if name == "tanh":
        return 1.0 - h * h
    if name == "relu":
        return (u > 0).astype(np.float64)
    raise ValueError(f"no elementwise slope for {name!r}")


def sample_losses(loss: str, output: str, u: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Loss of each sample (row): mse |y-t|^2, bce -sum t ln y + (1-t) ln(1-y), cce -sum t ln y.

    Cross-entropies are computed from the output layer's input u (log-sum-exp form), which is
    exact and never takes the log of 0.
    """
    if loss == "mse":
        return ((y - t) ** 2).sum(axis=1)
    if loss == "bce":
        return (np.maximum(u, 0.0) + np.log1p(np.exp(-np.abs(u))) - t * u).sum(axis=1)
    m = u.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(u - m).sum(axis=1))
    return (t * (lse[:, None] - u)).sum(axis=1)


def output_delta(loss: str, output: str, u: np.ndarray, y: np.ndarray, t: np.ndarray, scale: float) -> np.ndarray:
    """dE/du at the output for E = scale * sum of sample losses (scale 1/B for the mean)."""
    if (loss, output) in (("bce", "logistic"), ("cce", "softmax")):
        return (y - t) * scale
    g = 2.0 * (y - t) * scale
    if output == "softmax":
        return y * (g - (g * y).sum(axis=1, keepdims=True))
    return g * slope(output, u, y)


def accuracy(y: np.ndarray, t: np.ndarray, kind: str) -> float:
    """Fraction classified right: every output on the right side of 0.5 for binary targets, the largest
    output for classes; NaN for regression."""
    if kind == "regression" or not len(y):
        return float("nan")
    if kind == "binary":
        return float(np.mean(np.all((y >= 0.5) == (t >= 0.5), axis=1)))
    return float(np.mean(y.argmax(axis=1) == t.argmax(axis=1)))
