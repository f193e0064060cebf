"""Input waveforms of the neuron models, evaluated at the start of each step.

Each model's input splits into per-neuron factors and one time course shared by all neurons,
so kernels receive J_i(t_j) = gain[i] * drive[j] + bias[i] and numba never sees a callable.
"""

from __future__ import annotations

import numpy as np


def window(t: np.ndarray, t_on: float, t_off: float) -> np.ndarray:
    """1 where t_on <= t < t_off, else 0."""
    return ((t >= t_on) & (t < t_off)).astype(np.float64)


def ramp(t: np.ndarray, t_on: float, t_off: float) -> np.ndarray:
    """0 before t_on, rising linearly to 1 at t_off, then 1."""
    return np.clip((t - t_on) / (t_off - t_on), 0.0, 1.0)


def staircase(t: np.ndarray, t_on: float, levels: tuple[float, ...], duration: float) -> np.ndarray:
    """0 before t_on, then each level for `duration`, the last one held."""
    # clipped as floats: (t - t_on) / duration may pass int64's range (inf for a tiny duration)
    with np.errstate(over="ignore"):
        steps = np.clip(np.floor((t - t_on) / duration), 0, len(levels) - 1)
    out = np.asarray(levels, dtype=np.float64)[steps.astype(np.int64)]
    return np.where(t >= t_on, out, 0.0)


def ladder(first: float, last: float, n: int) -> np.ndarray:
    """Amplitudes first..last spread evenly over n neurons (just `first` for one neuron)."""
    if n == 1:
        return np.array([first], dtype=np.float64)
    return np.linspace(first, last, n)
