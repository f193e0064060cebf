"""Datasets: inputs, targets and the kind of task they pose, with a stratified shuffle split.

Targets follow lecture 5 (§5.3-5.5): a "binary" set has 0/1 targets for logistic outputs with
cross-entropy, a "classes" set has one-hot rows for a softmax output, a "regression" set has
real values for a linear output with MSE. Lecture 10 splits the data into a training and a test set.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

KINDS = ("binary", "classes", "regression")
"""Task kinds, i.e. what the targets `y` hold."""


class DataError(ValueError):
    """Unusable data, in one line: the file (or "dataset <name>"), what was expected and what was found."""

    def __init__(self, where: str, expected: str, found: str | None = None) -> None:
        text = f"{where}: {expected}" if found is None else f"{where}: expected {expected}, found {found}"
        super().__init__(" ".join(text.splitlines()))
        self.where = where
        self.expected = expected
        self.found = found


@dataclass(frozen=True)
class Dataset:
    """n samples of d inputs and k targets; a Dataset that exists is a consistent one.

    x: (n, d) float64.  y: (n, k) float64, one-hot rows for "classes", a 0/1 column (or k 0/1
    columns, as the autoencoder's patterns) for "binary", real values for "regression".
    labels: (n,) int64 class index, always given for "classes", given for a one-column "binary"
    set, None for regression.
    """

    name: str
    """Shown in the UI and in error messages."""
    x: np.ndarray
    """(n, d) float64 inputs."""
    y: np.ndarray
    """(n, k) float64 targets."""
    kind: str
    """"binary", "classes" or "regression"."""
    labels: np.ndarray | None = None
    """(n,) int64 class index, or None."""
    class_names: tuple[str, ...] = ()
    """Name of each class index (empty when there are no classes or no names)."""
    image_shape: tuple[int, int] | None = None
    """(rows, columns) when each input row is an image, e.g. (8, 8) for digits."""

    def __post_init__(self) -> None:
        where = f"dataset {self.name}"
        x = _float_table(self.x, "x", where)
        y = _float_table(self.y, "y", where)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        if self.kind not in KINDS:
            raise DataError(where, "kind " + ", ".join(KINDS), repr(self.kind))
        if len(y) != len(x):
            raise DataError(where, f"as many target rows as input rows ({len(x)})", str(len(y)))
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (len(x),) or labels.dtype.kind not in "iu":
                raise DataError(where, f"labels of shape ({len(x)},) and integer type",
                                f"shape {labels.shape} and type {labels.dtype}")
            object.__setattr__(self, "labels", labels.astype(np.int64))
        object.__setattr__(self, "class_names", tuple(self.class_names))
        if self.image_shape is not None:
            object.__setattr__(self, "image_shape", tuple(int(s) for s in self.image_shape))
            if len(self.image_shape) != 2 or self.image_shape[0] * self.image_shape[1] != x.shape[1]:
                raise DataError(where, f"an image shape with {x.shape[1]} pixels", str(self.image_shape))
        _check_targets(self, where)

    @property
    def n_inputs(self) -> int:
        """d, the number of input columns."""
        return self.x.shape[1]

    @property
    def n_outputs(self) -> int:
        """k, the number of target columns."""
        return self.y.shape[1]

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, idx: np.ndarray) -> Dataset:
        """The rows `idx` (indices or a boolean mask), in that order."""
        labels = None if self.labels is None else self.labels[idx]
        return dataclasses.replace(self, x=self.x[idx], y=self.y[idx], labels=labels)


def _float_table(a: np.ndarray, what: str, where: str) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise DataError(where, f"numbers in {what}", f"type {a.dtype}")
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise DataError(where, f"{what} with shape (n, columns), n and columns >= 1", f"shape {a.shape}")
    a = np.ascontiguousarray(a, dtype=np.float64)
    if not np.isfinite(a).all():
        row = int(np.flatnonzero(~np.isfinite(a).all(axis=1))[0])
        raise DataError(where, f"finite numbers in {what}", f"{a[row][~np.isfinite(a[row])][0]} in row {row + 1}")
    return a


def _check_targets(ds: Dataset, where: str) -> None:
    y, labels = ds.y, ds.labels
    if ds.kind == "regression":
        if labels is not None:
            raise DataError(where, "no labels for a regression set", "labels")
        return
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataError(where, f"targets 0 or 1 for a {ds.kind} set", "other values")
    if ds.kind == "classes":
        if labels is None:
            raise DataError(where, "labels for a classes set", "none")
        if y.shape[1] < 2 or not (y.sum(axis=1) == 1).all() or not (y.argmax(axis=1) == labels).all():
            raise DataError(where, "one-hot target rows matching the labels", "rows that do not")
        n_classes = y.shape[1]
    elif labels is None:
        n_classes = 2 if y.shape[1] == 1 else 0
    else:
        if y.shape[1] != 1 or not (y[:, 0] == labels).all():
            raise DataError(where, "one 0/1 target column equal to the labels", f"{y.shape[1]} columns")
        n_classes = 2
    if ds.class_names and len(ds.class_names) != n_classes:
        raise DataError(where, f"{n_classes} class names", str(len(ds.class_names)))


def split(ds: Dataset, test_fraction: float, rng: np.random.Generator) -> tuple[Dataset, Dataset | None]:
    """A training set and a test set (lecture 10), or (ds, None) when test_fraction is 0.

    The test set holds round(test_fraction n) samples, at least one and at most n - 1. With labels
    the split is stratified: each class gives its share, within one sample. Rows keep their
    original order inside each part; the same rng state gives the same split.
    """
    if not 0.0 <= test_fraction < 1.0:
        raise DataError(f"dataset {ds.name}", "a test fraction in [0, 1)", f"{test_fraction:g}")
    if test_fraction == 0.0:
        return ds, None
    n = len(ds)
    if n < 2:
        raise DataError(f"dataset {ds.name}", "at least 2 samples to split", str(n))
    n_test = min(max(round(test_fraction * n), 1), n - 1)
    order = rng.permutation(n)
    if ds.labels is not None:
        # Rank (i + 1/2) / n_c of each sample inside its class: taking the lowest ranks first
        # draws every class in proportion.
        labels = ds.labels[order]
        rank = np.empty(n)
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            rank[members] = (np.arange(len(members)) + 0.5) / len(members)
        order = order[np.argsort(rank, kind="stable")]
    return ds.subset(np.sort(order[n_test:])), ds.subset(np.sort(order[:n_test]))
