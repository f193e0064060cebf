"""Activation functions and their derivatives (lecture 3; softplus from the EE notes).

    logistic  sigma(z) = 1 / (1 + e^-z)          sigma' = sigma (1 - sigma), at most 1/4 at z = 0
    arctan    arctan(z)                         1 / (1 + z^2)
    tanh      tanh(z)                           1 - tanh^2
    threshold 1 if z >= 0 else 0                0 (almost everywhere)
    ReLU      max(0, z)                         1 for z > 0, 0 for z <= 0 (0 chosen at z = 0)
    softplus  log(1 + e^z)                      sigma(z)
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def logistic(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))


def d_logistic(z: np.ndarray) -> np.ndarray:
    s = logistic(z)
    return s * (1.0 - s)


def softplus(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray], str]] = {
    "logistic": (logistic, d_logistic, "sigma(z) = 1/(1+e^-z);  sigma'(z) = sigma(z)(1 - sigma(z))"),
    "arctan": (np.arctan, lambda z: 1.0 / (1.0 + np.asarray(z, dtype=np.float64) ** 2),
               "arctan(z);  arctan'(z) = 1/(1 + z^2)"),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, "tanh(z);  tanh'(z) = 1 - tanh(z)^2"),
    "threshold": (lambda z: (np.asarray(z) >= 0).astype(np.float64), lambda z: np.zeros_like(np.asarray(z, float)),
                  "1 if z >= 0 else 0;  derivative 0 (undefined at z = 0)"),
    "relu": (lambda z: np.maximum(np.asarray(z, dtype=np.float64), 0.0),
             lambda z: (np.asarray(z) > 0).astype(np.float64), "max(0, z);  1 if z > 0 else 0 (0 chosen at z = 0)"),
    "softplus": (softplus, logistic, "log(1 + e^z);  softplus'(z) = sigma(z)"),
}
"""name -> (f, f', formula as shown on screen)."""
