"""The course's small datasets, generated from a seeded rng, and the bundled 8x8 digits.

    or, and, xor, nand  the four rows [0,0], [0,1], [1,0], [1,1] with their gate's 0/1 target
                        (lecture 6's OR example, lecture 5's XOR table, lecture 6's "XOR" that is NAND)
    circles   inner ring r = 0.5 (class 0), outer ring r = 1.0 (class 1)
    moons     two interleaving half circles of radius 1 (scikit-learn's make_moons), shifted by
              (-0.5, -0.25) to be centred: class 0 the upper moon, class 1 the lower
    spirals   two arms r = 1.5 u, theta = 3.5 pi u (+ pi for class 1), u ~ U[0, 1]
              (TensorFlow Playground's spiral, scaled from radius 5 to 1.5)
    blobs     three Gaussian blobs centred on the unit circle at 90, 210 and 330 degrees, one-hot targets
    sin       x ~ U[0, 1], y = sin(2 pi x) + N(0, noise^2)  (lecture 11's universal approximation demo)
    line      x ~ U[-1, 1], y = 0.4 x - 0.9 + N(0, noise^2)  (Example 10.1 of lecture 10)
    patterns8 n distinct random 8-bit patterns with y = x  (lecture 16's 8-3-8 autoencoder, n = 5)
    digits    the 1,797 8x8 UCI digits bundled in digits.npz, pixels 0..16 scaled to [0, 1]

The 2-D sets add N(0, noise^2) to each coordinate, have n_samples rows split as evenly as
possible between the classes, and come shuffled. x of sin and line is not sorted. The gates
and digits ignore n_samples and noise. Every random draw comes from the given rng.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

from nnlab.core.data.dataset import DataError, Dataset

TOY = ("or", "and", "xor", "nand", "circles", "moons", "spirals", "blobs", "sin", "line", "patterns8", "digits")
"""Names `make_dataset` accepts."""

GATES = {"or": (0, 1, 1, 1), "and": (0, 0, 0, 1), "xor": (0, 1, 1, 0), "nand": (1, 1, 1, 0)}
"""Targets of the logic gates for the inputs [0,0], [0,1], [1,0], [1,1]."""

DIGITS_FILE = Path(__file__).with_name("digits.npz")

_N_CLASSES = {"circles": 2, "moons": 2, "spirals": 2, "blobs": 3, "sin": 1, "line": 1, "patterns8": 1}


def make_dataset(name: str, n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """The toy set `name` with n_samples rows and noise standard deviation `noise`."""
    where = f"dataset {name}"
    if name not in TOY:
        raise DataError(where, "one of " + ", ".join(TOY), repr(name))
    if name in GATES:
        return _gate(name)
    if name == "digits":
        return _digits()
    if not (noise >= 0.0 and math.isfinite(noise)):
        raise DataError(where, "a noise standard deviation >= 0", f"{noise:g}")
    low, high = _N_CLASSES[name], 256 if name == "patterns8" else 1_000_000
    if not low <= n_samples <= high:
        raise DataError(where, f"between {low} and {high} samples", str(n_samples))
    if name == "sin":
        x = rng.uniform(0.0, 1.0, n_samples)
        return _regression(name, x, np.sin(2 * np.pi * x) + rng.normal(0.0, noise, n_samples))
    if name == "line":
        x = rng.uniform(-1.0, 1.0, n_samples)
        return _regression(name, x, 0.4 * x - 0.9 + rng.normal(0.0, noise, n_samples))
    if name == "patterns8":
        return _patterns8(n_samples, rng)
    labels = np.repeat(np.arange(_N_CLASSES[name]), _class_sizes(n_samples, _N_CLASSES[name]))
    x = _POINTS[name](labels, rng) + rng.normal(0.0, noise, (n_samples, 2))
    order = rng.permutation(n_samples)
    return _classified(name, x[order], labels[order])


def _class_sizes(n: int, k: int) -> list[int]:
    return [n // k + (c < n % k) for c in range(k)]


def _circles(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    theta = rng.uniform(0.0, 2 * np.pi, len(labels))
    r = np.where(labels == 0, 0.5, 1.0)
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def _moons(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    theta = rng.uniform(0.0, np.pi, len(labels))
    upper = np.column_stack([np.cos(theta), np.sin(theta)])
    lower = np.column_stack([1.0 - np.cos(theta), 0.5 - np.sin(theta)])
    return np.where((labels == 0)[:, None], upper, lower) - (0.5, 0.25)


def _spirals(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.uniform(0.0, 1.0, len(labels))
    theta = 3.5 * np.pi * u + np.pi * labels
    return 1.5 * u[:, None] * np.column_stack([np.sin(theta), np.cos(theta)])


def _blobs(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    angles = np.radians([90.0, 210.0, 330.0])
    return np.column_stack([np.cos(angles), np.sin(angles)])[labels]


_POINTS = {"circles": _circles, "moons": _moons, "spirals": _spirals, "blobs": _blobs}


def _classified(name: str, x: np.ndarray, labels: np.ndarray) -> Dataset:
    k = max(int(labels.max()) + 1, 2)
    names = tuple(str(c) for c in range(k))
    if k == 2:
        return Dataset(name, x, labels[:, None].astype(np.float64), "binary", labels, names)
    return Dataset(name, x, np.eye(k)[labels], "classes", labels, names)


def _regression(name: str, x: np.ndarray, y: np.ndarray) -> Dataset:
    return Dataset(name, x[:, None], y[:, None], "regression")


def _gate(name: str) -> Dataset:
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return _classified(name, x, np.array(GATES[name], dtype=np.int64))


def _patterns8(n: int, rng: np.random.Generator) -> Dataset:
    codes = rng.choice(256, size=n, replace=False)
    bits = ((codes[:, None] >> np.arange(7, -1, -1)) & 1).astype(np.float64)
    return Dataset("patterns8", bits, bits.copy(), "binary")


@functools.cache
def _digit_arrays() -> tuple[np.ndarray, np.ndarray]:
    with np.load(DIGITS_FILE) as f:
        return f["images"], f["labels"]


def _digits() -> Dataset:
    images, labels = _digit_arrays()
    labels = labels.astype(np.int64)
    x = images.reshape(len(images), -1) / 16.0
    return Dataset("digits", x, np.eye(10)[labels], "classes", labels, tuple("0123456789"), (8, 8))
