"""Numba kernels of the neuron lab, and `warmup` that compiles them all into numba's cache."""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.core.warmup import compile_steps


def warmup(progress: Callable[[int, int, str], None] | None = None) -> None:
    """Compile (or load from the cache) every neuron kernel, reporting (done, total, name)."""
    steps: list[tuple[str, Callable[[], object]]] = [
        ("numba", lambda: __import__("nnlab.core._jit")),
        ("hh_advance", _hh),
        ("hh_curves", _curves),
        ("lif_euler_advance", _lif_euler),
        ("lif_exact_advance", _lif_exact),
        ("pair_advance", _pair),
        ("psc_euler", _psc),
        ("ou_noise", _ou),
    ]
    compile_steps(steps, progress)


def _hh() -> None:
    from nnlab.core.neuron.kernels.hh import hh_advance

    z = np.zeros(1)
    rec = [np.zeros((1, 1)) for _ in range(4)]
    hh_advance(np.full(1, -65.0), z.copy(), z.copy(), z.copy(), z.copy(), np.ones(1), np.zeros(1), 0, 0.01, 1.0,
               120.0, 36.0, 0.3, 50.0, -77.0, -54.387, False, 0.0, 0, *rec, np.zeros(4), np.zeros(4, np.int64), 0)


def _curves() -> None:
    from nnlab.core.neuron.kernels.hh import hh_curves

    hh_curves(np.zeros(2), False, np.zeros((3, 2)), np.zeros((3, 2)))


def _lif_euler() -> None:
    from nnlab.core.neuron.kernels.lif import lif_euler_advance

    lif_euler_advance(np.zeros(1), np.zeros(1), np.ones(1), np.zeros(1), np.ones(1), 1e-4, 0.02, 20.0, 0,
                      np.zeros((1, 1)), np.zeros(4), np.zeros(4, np.int64), 0, np.zeros(1), np.zeros(3))


def _lif_exact() -> None:
    from nnlab.core.neuron.kernels.lif import lif_exact_advance

    lif_exact_advance(np.zeros(1), np.zeros(1), np.ones(1), np.zeros(1), np.ones(1), 1e-4, 0.02, 0.002, 1, 0,
                      np.zeros((1, 1)), np.zeros(4), np.zeros(4, np.int64), 0, np.zeros(3))


def _pair() -> None:
    from nnlab.core.neuron.kernels.lif import pair_advance

    pair_advance(np.zeros(5), 2.0, 0.0, 0.03, 1e-4, 0.02, 0.01, 20.0, 0, np.zeros((1, 3)), np.zeros(4),
                 np.zeros(4, np.int64), 0, np.zeros(6))


def _psc() -> None:
    from nnlab.core.neuron.kernels.synapse import psc_euler

    psc_euler(np.zeros(1), 1.0, 1e-3, 0.01, 1e12, np.zeros(1), np.zeros(1), np.zeros(2))


def _ou() -> None:
    from nnlab.core.neuron.kernels.synapse import ou_noise

    ou_noise(0.0, np.zeros(1), 1e-3, 0.01, np.zeros(1))
