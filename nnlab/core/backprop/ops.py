"""One mini-batch of training as a list of operations, each a step of the stepper (lecture 9 algorithm).

    forward   z[l+1] = W[l] h[l] + b[l+1]                       (a row per sample: Z = H W^T + b)
              (batch norm) u = gamma (z - mu) / sqrt(var + eps) + beta
              h[l+1] = f(u[l+1])
              (dropout) h <- h * m / (1 - p)                    hidden layers, training only
    loss      E = (1/B) sum_p L(y_p, t_p)  (or the sum)  [+ lambda sum W^2 | lambda sum |W|]
    backward  delta[L] = dE/dz[L]                               (y - t for logistic + bce, softmax + cce)
              dE/dW[l] = delta[l+1] h[l]^T,  dE/db[l+1] = sum over samples of delta[l+1]
              delta[l] = f'(z[l]) * (W[l]^T delta[l+1])          (times m / (1 - p) under dropout)
    update    each tensor by the optimiser

The same code runs an operation at a time (the stepper) and a whole batch at once (the numpy
path, which batch normalisation and tied weights use; the numba kernel covers the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core.backprop.network import (BN_EPS, BN_MOMENTUM, Layout, activate, label, output_delta, sample_losses,
                                         slope)
from nnlab.core.backprop.optimizers import RULES, rule_key, update


@dataclass(frozen=True)
class Net:
    """The fixed settings of a network: its layout and how it computes."""

    layout: Layout
    hidden: str
    output: str
    loss: str
    reduction: str
    penalty: str
    weight_decay: float
    dropout: float
    optimizer: str
    convex: bool
    lr: float
    beta1: float
    beta2: float
    delta: float

    def act(self, layer: int) -> str:
        """Activation of unit layer `layer` (1..L)."""
        return self.output if layer == self.layout.n_layers else self.hidden

    def penalty_value(self, theta: np.ndarray, mask: np.ndarray) -> float:
        """lambda sum W^2 (l2) or lambda sum |W| (l1) over the weights."""
        if self.weight_decay == 0:
            return 0.0
        w = theta * mask
        return self.weight_decay * float((w * w).sum() if self.penalty == "l2" else np.abs(w).sum())

    def penalty_grad(self, w: np.ndarray) -> np.ndarray:
        """2 lambda W (l2) or lambda sign(W) (l1)."""
        if self.penalty == "l2":
            return 2.0 * self.weight_decay * w
        return self.weight_decay * np.sign(w)


@dataclass(frozen=True)
class Op:
    """One operation: its kind, the layer it acts on (or the tensor it updates), and its step group."""

    kind: str
    """affine, bn, act, drop, loss, delta, grad, back, bn_back, update."""
    layer: int = 0
    tensor: str = ""
    group: str = ""
    """Ops of one group form one `layer` step: "forward 1", "output", "backward 2", "update 1"."""


def plan(net: Net, train: bool = True) -> list[Op]:
    """Every operation of one mini-batch, in order."""
    lay = net.layout
    L = lay.n_layers
    ops: list[Op] = []
    for l in range(1, L + 1):
        g = f"forward {l}"
        ops.append(Op("affine", l, group=g))
        if lay.batchnorm and l < L:
            ops.append(Op("bn", l, group=g))
        ops.append(Op("act", l, group=g))
        if train and net.dropout > 0 and l < L:
            ops.append(Op("drop", l, group=g))
    ops += [Op("loss", L, group="output"), Op("delta", L, group="output")]
    for l in range(L, 0, -1):
        g = f"backward {l}"
        ops.append(Op("grad", l, group=g))
        if l > 1:
            ops.append(Op("back", l, group=g))
            if lay.batchnorm:
                ops.append(Op("bn_back", l - 1, group=g))
    for name in lay.names:
        ops.append(Op("update", tensor=name, group=f"update {unit_layer(name)}"))
    return ops


def unit_layer(name: str) -> int:
    """The layer of units a tensor feeds: W0 and b1 both feed layer 1."""
    head = name.rstrip("0123456789")
    k = int(name[len(head):])
    return k + 1 if head == "W" else k


class BatchPass:
    """The arrays of one mini-batch's forward and backward pass; `run(op)` performs one operation."""

    def __init__(self, net: Net, theta: np.ndarray, x: np.ndarray, t: np.ndarray, masks: dict[int, np.ndarray],
                 train: bool = True) -> None:
        L = net.layout.n_layers
        self.net = net
        self.theta = theta
        self.train = train
        self.t = t
        self.B = len(x)
        self.scale = 1.0 / self.B if net.reduction == "mean" else 1.0
        self.h: list[Any] = [x] + [None] * L
        self.z: list[Any] = [None] * (L + 1)
        self.u: list[Any] = [None] * (L + 1)
        self.bn: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.masks = masks
        self.delta: list[Any] = [None] * (L + 1)
        self.du: list[Any] = [None] * (L + 1)
        self.grad = np.zeros(net.layout.size)
        self.losses: np.ndarray | None = None
        self.E = float("nan")
        self.changed = ""
        """Name of the array the last operation wrote, e.g. "z[1]" or "dE/dW[0]"."""

    def copy(self) -> "BatchPass":
        """A deep copy (arrays copied) that shares nothing writable with this one, except theta."""
        other = BatchPass.__new__(BatchPass)
        other.__dict__.update(self.__dict__)
        for key in ("h", "z", "u", "delta", "du"):
            setattr(other, key, [None if a is None else a.copy() for a in getattr(self, key)])
        other.bn = {k: tuple(a.copy() for a in v) for k, v in self.bn.items()}
        other.grad = self.grad.copy()
        other.losses = None if self.losses is None else self.losses.copy()
        return other

    # -- forward ---------------------------------------------------------------------------------
    def run(self, op: Op, state: "OptState | None" = None, running: dict[int, list[np.ndarray]] | None = None) -> None:
        """Perform `op`; updates need the optimiser state; batch norm in training updates `running`."""
        getattr(self, "_" + op.kind)(op, state, running)

    def _affine(self, op: Op, state: Any, running: Any) -> None:
        l = op.layer
        lay = self.net.layout
        W = lay.weight(self.theta, l - 1)
        b = lay.view(self.theta, f"b{l}")
        self.z[l] = self.h[l - 1] @ W.T + b
        self.u[l] = self.z[l]
        self.changed = f"z[{l}]"

    def _bn(self, op: Op, state: Any, running: dict[int, list[np.ndarray]] | None) -> None:
        l = op.layer
        lay = self.net.layout
        gamma = lay.view(self.theta, f"gamma{l}")
        beta = lay.view(self.theta, f"beta{l}")
        z = self.z[l]
        if self.train:
            mu = z.mean(axis=0)
            var = z.var(axis=0)
            if running is not None:
                running[l][0] = BN_MOMENTUM * running[l][0] + (1 - BN_MOMENTUM) * mu
                running[l][1] = BN_MOMENTUM * running[l][1] + (1 - BN_MOMENTUM) * var
        else:
            mu, var = running[l][0], running[l][1]
        xhat = (z - mu) / np.sqrt(var + BN_EPS)
        self.bn[l] = (xhat, mu, var)
        self.u[l] = gamma * xhat + beta
        self.changed = f"u[{l}]"

    def _act(self, op: Op, state: Any, running: Any) -> None:
        l = op.layer
        self.h[l] = activate(self.net.act(l), self.u[l])
        self.changed = f"h[{l}]"

    def _drop(self, op: Op, state: Any, running: Any) -> None:
        l = op.layer
        self.h[l] = self.h[l] * self.masks[l]
        self.changed = f"h[{l}]"

    def _loss(self, op: Op, state: Any, running: Any) -> None:
        L = op.layer
        self.losses = sample_losses(self.net.loss, self.net.output, self.u[L], self.h[L], self.t)
        self.E = float(self.losses.sum() * self.scale)
        self.changed = "E"

    # -- backward --------------------------------------------------------------------------------
    def _delta(self, op: Op, state: Any, running: Any) -> None:
        L = op.layer
        self.delta[L] = output_delta(self.net.loss, self.net.output, self.u[L], self.h[L], self.t, self.scale)
        self.changed = f"delta[{L}]"

    def _grad(self, op: Op, state: Any, running: Any) -> None:
        l = op.layer
        lay = self.net.layout
        d = self.delta[l]
        dW = d.T @ self.h[l - 1]
        if lay.tied and l == 2:
            gW = lay.view(self.grad, "W0")
            gW += dW.T
        else:
            lay.view(self.grad, f"W{l - 1}")[...] += dW
        lay.view(self.grad, f"b{l}")[...] = d.sum(axis=0)
        if self.net.weight_decay and not (lay.tied and l == 2):
            name = f"W{l - 1}"
            lay.view(self.grad, name)[...] += self.net.penalty_grad(lay.view(self.theta, name))
        self.changed = f"dE/dW[{l - 1}]"

    def _back(self, op: Op, state: Any, running: Any) -> None:
        l = op.layer
        lay = self.net.layout
        g = self.delta[l] @ lay.weight(self.theta, l - 1)
        if (l - 1) in self.masks:
            g = g * self.masks[l - 1]
        g = g * slope(self.net.hidden, self.u[l - 1], self.h_pre(l - 1))
        if lay.batchnorm:
            self.du[l - 1] = g
            self.changed = f"dE/du[{l - 1}]"
        else:
            self.delta[l - 1] = g
            self.changed = f"delta[{l - 1}]"

    def h_pre(self, l: int) -> np.ndarray:
        """h[l] before dropout (f(u[l])), which the slope needs."""
        if l in self.masks:
            return activate(self.net.hidden, self.u[l])
        return self.h[l]

    def _bn_back(self, op: Op, state: Any, running: Any) -> None:
        l = op.layer
        lay = self.net.layout
        xhat, mu, var = self.bn[l]
        g = self.du[l]
        gamma = lay.view(self.theta, f"gamma{l}")
        lay.view(self.grad, f"gamma{l}")[...] = (g * xhat).sum(axis=0)
        lay.view(self.grad, f"beta{l}")[...] = g.sum(axis=0)
        m = len(g)
        dxhat = g * gamma
        self.delta[l] = (m * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (m * np.sqrt(var + BN_EPS))
        self.changed = f"delta[{l}]"

    # -- update ----------------------------------------------------------------------------------
    def _update(self, op: Op, state: "OptState", running: Any) -> None:
        net = self.net
        lay = net.layout
        if op.tensor == lay.names[0]:
            state.t += 1
        off = lay.offsets[op.tensor][0]
        sl = slice(off, off + lay.sizes_of[op.tensor])
        update(net.optimizer, net.convex, self.theta[sl], self.grad[sl], state.m[sl], state.a[sl], state.t, net.lr,
               net.beta1, net.beta2, net.delta)
        self.changed = label(op.tensor)

    def run_all(self, ops: list[Op], state: "OptState", running: dict[int, list[np.ndarray]] | None) -> None:
        """Perform every operation of `ops`."""
        for op in ops:
            self.run(op, state, running)


@dataclass
class OptState:
    """Optimiser state over the flat parameter vector: first moment or velocity m, squared average a, count t."""

    m: np.ndarray
    a: np.ndarray
    t: int = 0

    def copy(self) -> "OptState":
        return OptState(self.m.copy(), self.a.copy(), self.t)


def eval_pass(net: Net, theta: np.ndarray, x: np.ndarray, running: dict[int, list[np.ndarray]]) -> BatchPass:
    """The forward pass of `x` at test time (no dropout; batch norm with its running averages)."""
    bp = BatchPass(net, theta, x, np.zeros((len(x), net.layout.sizes[-1])), {}, train=False)
    for op in plan(net, train=False):
        if op.kind == "loss":
            break
        bp.run(op, None, running)
    return bp


def describe(op: Op, net: Net) -> str:
    """The operation in words for the status line."""
    l = op.layer
    return {
        "affine": f"z[{l}] = W[{l - 1}] h[{l - 1}] + b[{l}]",
        "bn": f"batch norm of layer {l}",
        "act": f"h[{l}] = {net.act(l)}(z[{l}])",
        "drop": f"dropout on layer {l}",
        "loss": "the loss E",
        "delta": f"output delta[{l}] = dE/dz[{l}]",
        "grad": f"dE/dW[{l - 1}] = delta[{l}] h[{l - 1}]^T",
        "back": f"delta[{l - 1}] = f'(z[{l - 1}]) * W[{l - 1}]^T delta[{l}]",
        "bn_back": f"back through batch norm of layer {l}",
        "update": f"update {label(op.tensor)}",
    }[op.kind]


def rule(net: Net) -> str:
    """The optimiser's update as the equation pane shows it."""
    return RULES[rule_key(net.optimizer, "convex" if net.convex else "classical")]
