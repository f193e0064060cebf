"""Gradient check of BPTT (oracle O28): every tensor against central differences in float64.

    dE/dtheta_i ~ (E(theta + h e_i) - E(theta - h e_i)) / (2 h),   h = 1e-5

on the first `n_seq` training sequences with full BPTT (truncation makes the gradient differ from
the loss's on purpose, so the check turns it off). A tensor's error is its largest difference over
its largest gradient, as the backprop lab's check (`CheckRow`, shared).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from nnlab.core.backprop.gradcheck import CheckRow


def grad_check(model: Any, n_seq: int = 8, h: float = 1e-5, max_entries: int = 200) -> list[CheckRow]:
    """Check every tensor of `model` (an RNNModel) at its present weights."""
    from nnlab.core.rnn.seq_model import RNNModel

    m = RNNModel.__new__(RNNModel)
    m.__dict__.update(model.__dict__)
    m.params = dataclasses.replace(model.params, truncate=0)
    bt = m._batch(np.arange(min(n_seq, model.data.n)))
    theta = model.theta.copy()
    analytic = m.gradient(bt, theta)
    floor = 1e-6 * max(float(np.abs(analytic).max()), 1e-12)
    rng = np.random.default_rng(0)
    rows = []
    for name, (off, shape) in m.lay.offsets().items():
        size = int(np.prod(shape))
        if not size:
            continue
        idx = np.arange(size) if size <= max_entries else np.sort(rng.choice(size, max_entries, replace=False))
        num = np.empty(len(idx))
        for k, i in enumerate(idx):
            th = theta.copy()
            th[off + i] += h
            up = m.energy(bt, th)
            th[off + i] -= 2 * h
            num[k] = (up - m.energy(bt, th)) / (2 * h)
        a = analytic[off:off + size][idx]
        diff = np.abs(a - num)
        scale = max(float(np.abs(a).max()), float(np.abs(num).max()), floor)
        worst = int(idx[int(diff.argmax())])
        rows.append(CheckRow(name, float(diff.max() / scale), float(np.abs(a).max()),
                             tuple(int(v) for v in np.unravel_index(worst, shape)), len(idx)))
    return rows
