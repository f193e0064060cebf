"""Gradient check (lecture 7): backprop against central differences in float64.

    dE/dtheta_i ~ (E(theta + h e_i) - E(theta - h e_i)) / (2 h),   h = 1e-5

on a fixed batch (the first `n_samples` training samples) with the dropout mask held fixed
and batch normalisation in training mode, penalty included. The error of a tensor is the
largest |backprop - central difference| over its entries divided by its largest gradient,
so entries near zero do not turn rounding into large relative errors; a tensor whose gradient
is zero (a bias that batch normalisation absorbs) is measured against 1e-6 of the largest
gradient of the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core.backprop.network import label
from nnlab.core.backprop.ops import BatchPass

TOLERANCE = 1e-6
"""Relative errors above this are shown as mismatches."""


@dataclass(frozen=True)
class CheckRow:
    """The check of one tensor."""

    tensor: str
    """Name as the lectures write it, e.g. W[0]."""
    rel_err: float
    max_grad: float
    """Largest |dE/dtheta| of the tensor (backprop)."""
    worst: tuple[int, ...]
    """Index of the entry with the largest difference."""
    checked: int
    """Entries compared (all, or a random subset of large tensors)."""

    @property
    def ok(self) -> bool:
        return self.rel_err <= TOLERANCE


def grad_check(model: Any, n_samples: int = 32, h: float = 1e-5, max_entries: int = 400) -> list[CheckRow]:
    """Check every tensor of `model` (an MLPModel) at its present parameters."""
    net = model.net
    lay = net.layout
    x = model.train.x[:n_samples]
    t = model.train.y[:n_samples]
    masks = {}
    if net.dropout > 0:
        rng = np.random.default_rng(model.seed + 1)
        for l in range(1, lay.n_layers):
            masks[l] = (rng.random((len(x), lay.sizes[l])) >= net.dropout) / (1.0 - net.dropout)
    theta = model.theta.copy()
    analytic = model.gradient(x, t, masks)
    weight_mask = lay.weight_mask()
    forward = [op for op in model.ops if op.kind in ("affine", "bn", "act", "drop", "loss")]

    def energy(th: np.ndarray) -> float:
        bp = BatchPass(net, th, x, t, masks)
        for op in forward:
            bp.run(op, None, None)
        return bp.E + net.penalty_value(th, weight_mask)

    rng = np.random.default_rng(0)
    floor = 1e-6 * max(float(np.abs(analytic).max()), 1e-12)
    rows = []
    for name in lay.names:
        off, shape = lay.offsets[name]
        size = lay.sizes_of[name]
        idx = np.arange(size) if size <= max_entries else np.sort(rng.choice(size, max_entries, replace=False))
        a = analytic[off: off + size][idx]
        num = np.empty(len(idx))
        for k, i in enumerate(idx):
            th = theta.copy()
            th[off + i] += h
            up = energy(th)
            th[off + i] -= 2 * h
            num[k] = (up - energy(th)) / (2 * h)
        diff = np.abs(a - num)
        scale = max(float(np.abs(a).max()), float(np.abs(num).max()), floor)
        worst = int(idx[int(diff.argmax())])
        rows.append(CheckRow(label(name), float(diff.max() / scale), float(np.abs(a).max()),
                             tuple(int(v) for v in np.unravel_index(worst, shape)), len(idx)))
    return rows
