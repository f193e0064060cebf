"""Training data for the SOM lab: generated 2-D and colour sets, the digits, the words, the user's files.

    square    U[0, 1]^2 (the catalogue's oracle O27)
    ring      uniform on the annulus 0.25 <= |x - (0.5, 0.5)| <= 0.5
    clusters  two Gaussian blobs, sd 0.08, at (0.3, 0.3) and (0.7, 0.7) (labels 0 and 1)
    colours   U[0, 1]^3, read as (red, green, blue)
    digits    the bundled 8x8 digits, grey levels / 16 (labels 0-9)
    words     `words.WORDS`, one row per word (labels: the words)
    file      a .csv of numbers (one sample a row; a first row without numbers is a header) or a .npz
              with an array x (n, d) or (n, rows, cols), and optionally y: (n,) whole-number labels
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab.core.data import DataError
from nnlab.core.data.class_roots import check_readable


@dataclass(frozen=True)
class MapData:
    """Samples to map, with optional labels."""

    x: np.ndarray
    """(n, d) float64."""
    labels: np.ndarray | None = None
    """(n,) int64 index into `names`, or None."""
    names: tuple[str, ...] = ()
    """Name of each label index."""
    image_shape: tuple[int, int] | None = None
    """(rows, cols) when a sample is a picture (digits)."""


def square(n: int, rng: np.random.Generator) -> MapData:
    return MapData(rng.random((n, 2)))


def ring(n: int, rng: np.random.Generator) -> MapData:
    r = np.sqrt(rng.uniform(0.25 ** 2, 0.5 ** 2, n))
    a = rng.uniform(0.0, 2.0 * np.pi, n)
    return MapData(np.column_stack([0.5 + r * np.cos(a), 0.5 + r * np.sin(a)]))


def clusters(n: int, rng: np.random.Generator) -> MapData:
    labels = np.arange(n) % 2
    centres = np.array([[0.3, 0.3], [0.7, 0.7]])
    return MapData(centres[labels] + rng.normal(0.0, 0.08, (n, 2)), labels.astype(np.int64), ("A", "B"))


def colours(n: int, rng: np.random.Generator) -> MapData:
    return MapData(rng.random((n, 3)))


def digits() -> MapData:
    from nnlab.core.data import make_dataset

    d = make_dataset("digits", 0, 0.0, np.random.default_rng(0))
    return MapData(d.x, d.labels, tuple(str(i) for i in range(10)), (8, 8))


def words() -> MapData:
    from nnlab.core.som.words import word_vectors

    x, names = word_vectors()
    return MapData(x, np.arange(len(names), dtype=np.int64), names)


def _table(x: np.ndarray, where: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:
        x = x.reshape(len(x), -1)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise DataError(where, "a non-empty table of samples (rows) by inputs (columns)", f"shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise DataError(where, "numbers", f"values of type {x.dtype}")
    x = x.astype(np.float64)
    if not np.isfinite(x).all():
        raise DataError(where, "finite numbers", "NaN or infinity")
    return x


def load(path: Path) -> MapData:
    """Samples (and labels) from a .csv or .npz file."""
    where = str(path)
    check_readable(path)
    if not path.is_file():
        raise DataError(where, "no such file")
    name = path.name.lower()
    if name.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as z:
                if "x" not in z.files:
                    raise DataError(where, "an array named x", ", ".join(z.files) or "no arrays")
                x = _table(z["x"], where)
                y = z["y"] if "y" in z.files else None
        except (OSError, ValueError) as exc:
            if isinstance(exc, DataError):
                raise
            raise DataError(where, "a readable .npz file", str(exc).splitlines()[0]) from None
        if y is None:
            return MapData(x)
        y = np.asarray(y)
        whole = np.issubdtype(y.dtype, np.integer) or (np.issubdtype(y.dtype, np.floating) and
                                                         bool(np.all(np.isfinite(y) & (y == np.round(y)))))
        if y.shape != (len(x),) or not whole:
            raise DataError(where, f"y: {len(x)} whole numbers (one label a sample)", f"shape {y.shape}, "
                            f"type {y.dtype}")
        values, index = np.unique(y.astype(np.int64), return_inverse=True)
        return MapData(x, index.astype(np.int64), tuple(str(v) for v in values))
    if name.endswith(".csv"):
        try:
            lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines()
                     if ln.strip() and not ln.lstrip().startswith("#")]
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(where, "a readable text file", str(exc)) from None
        if lines and _header_row(lines[0]):
            lines = lines[1:]
        if not lines:
            raise DataError(where, "rows of numbers separated by commas", "no data rows")
        try:
            x = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", ndmin=2)
        except ValueError as exc:
            raise DataError(where, "rows of numbers separated by commas", str(exc).splitlines()[0]) from None
        return MapData(_table(x, where))
    raise DataError(where, "a file name ending in .csv or .npz", repr(path.name))


def _header_row(line: str) -> bool:
    """True when no field of the line is a number (column names)."""
    for field in line.split(","):
        try:
            float(field)
        except ValueError:
            continue
        return False
    return True


def map_data(dataset: str, n_samples: int, data_file: str, rng: np.random.Generator) -> MapData:
    """The samples the params name."""
    if dataset == "square":
        return square(n_samples, rng)
    if dataset == "ring":
        return ring(n_samples, rng)
    if dataset == "clusters":
        return clusters(n_samples, rng)
    if dataset == "colours":
        return colours(n_samples, rng)
    if dataset == "digits":
        return digits()
    if dataset == "words":
        return words()
    return load(Path(data_file).expanduser())
