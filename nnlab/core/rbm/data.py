"""Binary training data for the RBM lab: the lecture's one-hot example, bars and stripes, the digits, files.

onehot3 (Example 18.1/20.1): [1,0,0], [0,1,0], [0,0,1] frequent, each of the other five
3-bit patterns rare (a fraction `rare` of the samples, spread evenly). bars_stripes: 4x4
pictures, either every row or every column on or off at random (MacKay's bars and stripes).
digits: the bundled 8x8 digits, a pixel on when its grey level is at least 8 of 16. Files:
`.npz` with an array `x` (or `patterns`), a `.csv` of numbers, or MNIST IDX images; values in
[0, 1] are binarised at 0.5.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from nnlab.core.data import DataError
from nnlab.core.data.class_roots import check_readable

ONE_HOT = np.eye(3)
RARE = np.array([[0, 0, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]], dtype=np.float64)


def onehot3(n: int, rare: float, rng: np.random.Generator) -> np.ndarray:
    """n samples of the lecture's example."""
    is_rare = rng.random(n) < rare
    out = ONE_HOT[rng.integers(0, 3, n)]
    out[is_rare] = RARE[rng.integers(0, 5, int(is_rare.sum()))]
    return out


def bars_stripes(n: int, rng: np.random.Generator, side: int = 4) -> np.ndarray:
    """n side x side pictures, flattened: rows (stripes) or columns (bars) on with probability 1/2 each."""
    lines = (rng.random((n, side)) < 0.5).astype(np.float64)
    pics = np.repeat(lines[:, :, None], side, axis=2)
    bars = rng.random(n) < 0.5
    pics[bars] = pics[bars].transpose(0, 2, 1)
    return pics.reshape(n, side * side)


def digits() -> np.ndarray:
    """The bundled 8x8 digits (1,797), on where the grey level is at least 8 of 16."""
    from nnlab.core.data import make_dataset

    return (make_dataset("digits", 0, 0.0, np.random.default_rng(0)).x >= 0.5).astype(np.float64)


def _binary(x: np.ndarray, where: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise DataError(where, "a non-empty table of samples (rows) by units (columns)", f"shape {x.shape}")
    if not np.isfinite(x).all():
        raise DataError(where, "values in [0, 1]", "NaN or infinity")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0 or hi > 1:
        raise DataError(where, "values in [0, 1] (binarised at 0.5)", f"values from {lo:g} to {hi:g}")
    return (x >= 0.5).astype(np.float64)


def load(path: Path) -> np.ndarray:
    """Binary rows from a .npz, .csv or IDX file."""
    where = str(path)
    check_readable(path)
    if not path.is_file():
        raise DataError(where, "no such file")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as z:
                key = "x" if "x" in z.files else "patterns" if "patterns" in z.files else None
                if key is None:
                    raise DataError(where, "an array named x or patterns", ", ".join(z.files) or "none")
                x = z[key]
        except (OSError, ValueError) as exc:
            if isinstance(exc, DataError):
                raise
            raise DataError(where, "a readable .npz file", str(exc)) from None
        return _binary(x.reshape(len(x), -1), where)
    if name.endswith(".csv"):
        try:
            x = np.loadtxt(io.StringIO(path.read_text(encoding="utf-8")), delimiter=",", ndmin=2)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise DataError(where, "a .csv of numbers separated by commas", str(exc).splitlines()[0]) from None
        return _binary(x, where)
    from nnlab.core.data import load_file

    return _binary(load_file(path).x, where)


def training_data(dataset: str, n_samples: int, rare: float, data_file: str, rng: np.random.Generator
                  ) -> np.ndarray:
    """The rows the params name."""
    if dataset == "onehot3":
        return onehot3(n_samples, rare, rng)
    if dataset == "bars_stripes":
        return bars_stripes(n_samples, rng)
    if dataset == "digits":
        return digits()
    return load(Path(data_file).expanduser())
