"""Many mini-batches of a multilayer perceptron's training as whole-array numpy operations.

The same computation as `kernels.train_batches` (lecture 9's algorithm in matrix form, rows as
samples: u[l+1] = h[l] W[l]^T + b[l+1], delta[l] = (delta[l+1] W[l]) * f'(u[l]),
dE/dW[l] = delta[l+1]^T h[l]), for layers too large for the kernel's plain loops: the matrix
products go to numpy's BLAS, in the dtype of `theta` (float64, or float32 as PyTorch trains).
Every buffer is allocated once per call and written with `out=`, so a batch costs its matrix
products and a few elementwise passes. Batch normalisation and tied weights take `ops.BatchPass`.
"""

from __future__ import annotations

import numpy as np

from nnlab.core.backprop.network import activate, output_delta, sample_losses
from nnlab.core.backprop.ops import Net
from nnlab.core.backprop.optimizers import update


def _activate_into(name: str, u: np.ndarray, h: np.ndarray) -> None:
    """h = f(u) written into h (the elementwise activations; softmax and logistic via `network.activate`)."""
    if name == "relu":
        np.maximum(u, 0, out=h)
    elif name == "tanh":
        np.tanh(u, out=h)
    elif name == "identity":
        h[...] = u
    else:
        h[...] = activate(name, u)


def _softmax_into(u: np.ndarray, h: np.ndarray, lse: np.ndarray) -> None:
    """h = softmax(u) row by row, and lse = log sum_k exp(u_k) of each row (for the loss)."""
    top = np.maximum.reduce(u, axis=1)
    np.subtract(u, top[:, None], out=h)
    np.exp(h, out=h)
    total = np.add.reduce(h, axis=1)
    h /= total[:, None]
    np.log(total, out=lse)
    lse += top


def class_labels(net: Net, y: np.ndarray) -> np.ndarray | None:
    """The class of every sample when the output is softmax with categorical cross-entropy on one-hot
    targets (then E = sum_p (lse(u_p) - u_p[label_p]) and dE/du = y - onehot need no target rows); else None."""
    if net.loss != "cce" or net.output != "softmax":
        return None
    labels = y.argmax(axis=1)
    if not np.array_equal(y, np.eye(y.shape[1], dtype=y.dtype)[labels]):
        return None
    return labels


def _slope_into(name: str, u: np.ndarray, h: np.ndarray, d: np.ndarray) -> None:
    """d *= f'(u) of a hidden activation, in place."""
    if name == "relu":
        d *= u > 0
    elif name == "logistic":
        d *= h * (1.0 - h)
    elif name == "tanh":
        d *= 1.0 - h * h


def train_batches_blas(net: Net, theta: np.ndarray, grad: np.ndarray, m: np.ndarray, a: np.ndarray, t: int,
                       x: np.ndarray, y: np.ndarray, order: np.ndarray, drop_u: np.ndarray, batch: int, first: int,
                       last: int, losses: np.ndarray, dnorm: np.ndarray, labels: np.ndarray | None = None) -> int:
    """Train batches first..last-1 of the epoch `order`; returns the optimiser's update count.

    Arguments as `kernels.train_batches`: batch k holds samples order[k*batch : (k+1)*batch],
    drop_u[k*batch + i] the uniform draws of its i-th sample for the hidden units (kept where
    u >= dropout); losses[k] gets the batch's loss E, dnorm[k, l-1] the norm of dE/du[l].
    `x`, `y`, `theta`, `grad`, `m` and `a` share one dtype. `labels`: `class_labels(net, y)` when the
    caller keeps it (it is computed here otherwise).
    """
    lay = net.layout
    sizes = lay.sizes
    L = lay.n_layers
    dt = theta.dtype
    W = [lay.view(theta, f"W{l}") for l in range(L)]
    b = [lay.view(theta, f"b{l + 1}") for l in range(L)]
    gW = [lay.view(grad, f"W{l}") for l in range(L)]
    gb = [lay.view(grad, f"b{l + 1}") for l in range(L)]
    h = [np.empty((batch, s), dt) for s in sizes]
    u = [np.empty((batch, s), dt) for s in sizes]
    d = [np.empty((batch, s), dt) for s in sizes]
    p = net.dropout
    keep = 1.0 / (1.0 - p) if p > 0 else 1.0
    cols = np.cumsum((0,) + sizes[1:-1])
    mean = net.reduction == "mean"
    lam = net.weight_decay
    n = len(order)
    views: dict[int, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {}
    if labels is None:
        labels = class_labels(net, y)
    lse = np.empty(batch, dt)
    arange = np.arange(batch)
    sgd = net.optimizer == "sgd"
    for k in range(first, last):
        start = k * batch
        bsz = min(n, start + batch) - start
        idx = order[start: start + bsz]
        if bsz not in views:
            views[bsz] = ([v[:bsz] for v in h], [v[:bsz] for v in u], [v[:bsz] for v in d])
        hk, uk, dk = views[bsz]
        np.take(x, idx, axis=0, out=hk[0], mode="clip")
        masks = {}
        for l in range(1, L + 1):
            np.matmul(hk[l - 1], W[l - 1].T, out=uk[l])
            uk[l] += b[l - 1]
            if l == L and labels is not None:
                _softmax_into(uk[l], hk[l], lse[:bsz])
            else:
                _activate_into(net.output if l == L else net.hidden, uk[l], hk[l])
            if p > 0 and l < L:
                masks[l] = (drop_u[start: start + bsz, cols[l - 1]: cols[l]] >= p) * dt.type(keep)
                hk[l] *= masks[l]
        scale = 1.0 / bsz if mean else 1.0
        if labels is not None:
            lab = labels[idx]
            rows = arange[:bsz]
            losses[k] = float(np.add.reduce(lse[:bsz]) - np.add.reduce(uk[L][rows, lab])) * scale
            dk[L][...] = hk[L]
            dk[L][rows, lab] -= 1.0
            dk[L] *= scale
        else:
            tb = y[idx]
            losses[k] = float(sample_losses(net.loss, net.output, uk[L], hk[L], tb).sum()) * scale
            dk[L][...] = output_delta(net.loss, net.output, uk[L], hk[L], tb, scale)
        for l in range(L, 0, -1):
            dnorm[k, l - 1] = np.sqrt(np.vdot(dk[l], dk[l]))
            np.matmul(dk[l].T, hk[l - 1], out=gW[l - 1])
            if lam > 0:
                gW[l - 1] += (lam * np.sign(W[l - 1])) if net.penalty == "l1" else (2.0 * lam) * W[l - 1]
            np.add.reduce(dk[l], axis=0, out=gb[l - 1])
            if l > 1:
                np.matmul(dk[l], W[l - 1], out=dk[l - 1])
                if l - 1 in masks:
                    dk[l - 1] *= masks[l - 1]
                    _slope_into(net.hidden, uk[l - 1], hk[l - 1] / keep, dk[l - 1])
                else:
                    _slope_into(net.hidden, uk[l - 1], hk[l - 1], dk[l - 1])
        t += 1
        if sgd:
            grad *= net.lr
            theta -= grad
        else:
            update(net.optimizer, net.convex, theta, grad, m, a, t, net.lr, net.beta1, net.beta2, net.delta)
    return t
