"""Datasets read from files: CSV tables, NumPy .npz archives and MNIST's IDX files, gzipped or not.

CSV  numbers separated by commas (or semicolons, tabs, spaces), an optional header row (a first
     row that is not all numbers), blank lines and lines starting with # skipped. The last column
     is the target. It names classes when its values are whole numbers and there are 2 of them, or
     3 to 50 with at least two rows per value on average; class i is the i-th smallest value. Two
     classes make a "binary" set, more a one-hot "classes" set; any other target is "regression".
NPZ  arrays x, (n, d) or (n, rows, cols) images, and y: (n,) integer labels 0..k-1, (n,) real values
     or (n, k) targets. An optional string `kind` ("binary", "classes", "regression") overrides
     the guess (integer labels: binary for 2 classes, else classes; 2-D y: one-hot rows are
     classes, 0/1 values binary, anything else regression).
IDX  LeCun's MNIST format: bytes 00 00, a type code (08 ubyte, 09 byte, 0B int16, 0C int32,
     0D float32, 0E float64), the number of dimensions, each dimension as a big-endian uint32,
     then the data, big-endian and row-major. An (n, rows, cols) images file and an (n,) labels
     file make a one-hot "classes" set with k = max label + 1 (at least 2); ubyte pixels are
     divided by 255. Without labels_path, the labels file is the images file's name with
     "images" -> "labels" and "idx3" -> "idx1" (MNIST's naming), gzipped or not.

Gzip is recognised by its magic bytes 1f 8b, whatever the name says.
"""

from __future__ import annotations

import gzip
import io
import math
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from nnlab.core.data.class_roots import check_readable
from nnlab.core.data.dataset import KINDS, DataError, Dataset

SUFFIXES = (".csv", ".npz", ".idx", "-ubyte")
"""File name endings `load_file` reads, each optionally followed by .gz (e.g. .idx3-ubyte.gz)."""

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
"""IDX type code -> numpy dtype."""

MAX_CLASSES = 50
"""A CSV target column with more distinct whole numbers than this is a regression target."""


def load_file(path: str | Path, labels_path: str | Path | None = None) -> Dataset:
    """The dataset in `path`; labels_path is the IDX labels file of an IDX images file."""
    path = Path(path)
    where = str(path)
    name = path.name.lower().removesuffix(".gz")
    suffix = next((s for s in SUFFIXES if name.endswith(s)), None)
    if suffix is None and path.is_file():
        raise DataError(where, "a file name ending in " + ", ".join(SUFFIXES) + " (optionally + .gz)",
                        repr(path.name))
    raw = _read(path)
    if suffix in (".idx", "-ubyte"):
        return _load_idx(path, raw, labels_path)
    if labels_path is not None:
        raise DataError(where, "a separate labels file only with IDX images", f"labels_path {labels_path}")
    return _load_csv(path, raw) if suffix == ".csv" else _load_npz(path, raw)


def _read(path: Path) -> bytes:
    where = str(path)
    check_readable(path)
    if not path.exists():
        raise DataError(where, "no such file")
    if not path.is_file():
        raise DataError(where, "a file", "a directory")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(where, "a readable file", exc.strerror or type(exc).__name__) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(where, "complete gzip data", f"a damaged gzip stream ({exc})") from None
    return raw


read_bytes = _read
"""The bytes of a data file (gunzipped), or a DataError naming it: missing, a directory, unreadable, refused."""


def _dataset(where: str, *args: Any, **kwargs: Any) -> Dataset:
    try:
        return Dataset(*args, **kwargs)
    except DataError as exc:
        raise DataError(where, exc.expected, exc.found) from None


def _from_labels(where: str, name: str, x: np.ndarray, labels: np.ndarray, names: tuple[str, ...] = (),
                 kind: str | None = None, image_shape: tuple[int, int] | None = None) -> Dataset:
    k = max(int(labels.max()) + 1, 2)
    names = names or tuple(str(c) for c in range(k))
    if kind == "binary" or (kind is None and k == 2):
        y = labels[:, None].astype(np.float64)
        return _dataset(where, name, x, y, "binary", labels, names, image_shape)
    return _dataset(where, name, x, np.eye(k)[labels], "classes", labels, names, image_shape)


# CSV

def _load_csv(path: Path, raw: bytes) -> Dataset:
    where = str(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(where, "UTF-8 text", f"byte {raw[exc.start]:02x} at offset {exc.start}") from None
    lines = [(i, line) for i, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise DataError(where, "a table of numbers", "an empty file")
    sep = next((s for s in ",;\t" if s in lines[0][1]), None)
    first = _cells(lines[0][1], sep)
    width = len(first)
    if width < 2:
        raise DataError(where, "at least 2 columns (the inputs, then the target)", f"1 in row {lines[0][0]}")
    if any(_number(c) is None for c in first):
        lines = lines[1:]
        if not lines:
            raise DataError(where, "rows of numbers below the header", "only the header row")
    table = _parse_table(where, lines, sep, width)
    return _csv_dataset(where, path.name, table[:, :-1], table[:, -1])


def _cells(line: str, sep: str | None) -> list[str]:
    return [c.strip() for c in line.split(sep)]


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _check_width(where: str, row: int, cells: list[str], width: int) -> None:
    if len(cells) != width:
        raise DataError(where, f"{width} columns in row {row}, as in the first row", str(len(cells)))


def _parse_table(where: str, lines: list[tuple[int, str]], sep: str | None, width: int) -> np.ndarray:
    """np.loadtxt for speed; on any doubt, a cell-by-cell pass that names the bad cell."""
    try:
        table = np.loadtxt(io.StringIO("\n".join(line for _, line in lines)), delimiter=sep, comments=None,
                           ndmin=2, dtype=np.float64)
        if table.shape == (len(lines), width) and np.isfinite(table).all():
            return table
    except ValueError:
        pass
    table = np.empty((len(lines), width))
    for r, (row, line) in enumerate(lines):
        cells = _cells(line, sep)
        _check_width(where, row, cells, width)
        for c, cell in enumerate(cells):
            value = _number(cell)
            if value is None or not math.isfinite(value):
                raise DataError(where, f"a finite number in row {row}, column {c + 1}", repr(cell[:40]))
            table[r, c] = value
    return table


def _csv_dataset(where: str, name: str, x: np.ndarray, t: np.ndarray) -> Dataset:
    values = np.unique(t)
    m = len(values)
    if (t == np.round(t)).all() and (m == 2 or 2 < m <= MAX_CLASSES and 2 * m <= len(t)):
        labels = np.searchsorted(values, t).astype(np.int64)
        return _from_labels(where, name, x, labels, tuple(str(int(v)) for v in values))
    return _dataset(where, name, x, t[:, None], "regression")


# NPZ

def _load_npz(path: Path, raw: bytes) -> Dataset:
    where = str(path)
    try:
        archive = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        raise DataError(where, "a NumPy .npz archive (np.savez)", "a file that is not one") from None
    if isinstance(archive, np.ndarray):
        raise DataError(where, "a NumPy .npz archive (np.savez)", "a single .npy array")
    with archive:
        keys = archive.files
        if "x" not in keys or "y" not in keys:
            raise DataError(where, "arrays named x and y", "keys " + ", ".join(keys) if keys else "no arrays")
        try:
            x, y = archive["x"], archive["y"]
            kind = archive["kind"] if "kind" in keys else None
        except ValueError:
            raise DataError(where, "arrays of numbers", "pickled object arrays") from None
    for what, a in (("x", x), ("y", y)):
        if a.dtype.kind not in "biuf":
            raise DataError(where, f"numbers in {what}", f"type {a.dtype}")
    if kind is not None:
        kind = _kind(where, kind)
    if not 1 <= x.ndim <= 3:
        raise DataError(where, "x of shape (n,), (n, d) or (n, rows, cols)", f"shape {x.shape}")
    if not 1 <= y.ndim <= 2:
        raise DataError(where, "y of shape (n,) or (n, k)", f"shape {y.shape}")
    if len(y) != len(x):
        raise DataError(where, f"as many rows in y as in x ({len(x)})", str(len(y)))
    if len(x) == 0:
        raise DataError(where, "at least 1 row in x", "0")
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    image_shape = x.shape[1:] if x.ndim == 3 else None
    x = x.reshape(len(x), -1)
    if y.ndim == 1:
        if kind == "regression" or (kind is None and y.dtype.kind == "f"):
            return _dataset(where, path.name, x, y[:, None], "regression", image_shape=image_shape)
        if not ((y == np.round(y)).all() and y.min() >= 0):
            raise DataError(where, "class labels 0, 1, 2, ... in y", f"{y[(y != np.round(y)) | (y < 0)][0]}")
        return _from_labels(where, path.name, x, y.astype(np.int64), kind=kind, image_shape=image_shape)
    kind = kind or _guess_kind(y)
    labels = None
    if kind == "classes" or (kind == "binary" and y.shape[1] == 1):
        labels = y.argmax(axis=1) if kind == "classes" else y[:, 0].astype(np.int64)
    return _dataset(where, path.name, x, y, kind, labels, image_shape=image_shape)


def _kind(where: str, kind: np.ndarray) -> str:
    value = kind.item() if kind.ndim == 0 else None
    text = value.decode(errors="replace") if isinstance(value, bytes) else value
    if text not in KINDS:
        raise DataError(where, "kind " + ", ".join(KINDS), repr(text) if kind.ndim == 0 else f"shape {kind.shape}")
    return str(text)


def _guess_kind(y: np.ndarray) -> str:
    if not np.isin(y, (0, 1)).all():
        return "regression"
    return "classes" if y.shape[1] >= 2 and (y.sum(axis=1) == 1).all() else "binary"


# IDX

def _parse_idx(where: str, raw: bytes) -> np.ndarray:
    if len(raw) < 4:
        raise DataError(where, "an IDX header of at least 4 bytes", f"{len(raw)} bytes")
    if raw[0] or raw[1]:
        raise DataError(where, "IDX magic bytes 00 00", f"{raw[0]:02x} {raw[1]:02x}")
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        raise DataError(where, "an IDX type code " + ", ".join(f"{c:02x}" for c in IDX_TYPES), f"{code:02x}")
    if ndim == 0:
        raise DataError(where, "at least 1 dimension in the IDX header", "0")
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise DataError(where, f"a header of {start} bytes for {ndim} dimensions", f"{len(raw)} bytes")
    dims = struct.unpack(f">{ndim}I", raw[4:start])
    dtype = np.dtype(IDX_TYPES[code])
    size = math.prod(dims) * dtype.itemsize
    if len(raw) - start != size:
        shape = " x ".join(map(str, dims))
        raise DataError(where, f"{size} bytes of data ({shape} of type {code:02x})", str(len(raw) - start))
    return np.frombuffer(raw, dtype, offset=start).reshape(dims)


def _load_idx(path: Path, raw: bytes, labels_path: str | Path | None) -> Dataset:
    where = str(path)
    images = _parse_idx(where, raw)
    if images.ndim != 3:
        hint = " (a labels file?)" if images.ndim == 1 else ""
        raise DataError(where, "an images file (3 dimensions)", f"{images.ndim} dimension(s){hint}")
    labels_path = Path(labels_path) if labels_path is not None else _labels_beside(path)
    if labels_path is None:
        raise DataError(where, "a labels file (labels_path, or this name with images -> labels, idx3 -> idx1)",
                        "none")
    lwhere = str(labels_path)
    labels = _parse_idx(lwhere, _read(labels_path))
    if labels.ndim != 1:
        raise DataError(lwhere, "a labels file (1 dimension)", f"{labels.ndim} dimensions")
    if labels.dtype.kind not in "iu":
        raise DataError(lwhere, "integer labels (type code 08, 09, 0b or 0c)", f"type {labels.dtype}")
    if len(images) == 0:
        raise DataError(where, "at least 1 image", "0")
    if len(labels) != len(images):
        raise DataError(where, f"as many labels as images ({len(images)})", f"{len(labels)} in {labels_path}")
    if labels.min() < 0:
        raise DataError(lwhere, "labels >= 0", str(labels.min()))
    n, rows, cols = images.shape
    x = images.reshape(n, rows * cols).astype(np.float64)
    if images.dtype == np.uint8:
        x /= 255.0
    labels = labels.astype(np.int64)
    return _from_labels(where, path.name, x, labels, kind="classes", image_shape=(rows, cols))


def _labels_beside(path: Path) -> Path | None:
    if "images" not in path.name:
        return None
    name = path.name.replace("images", "labels").replace("idx3", "idx1")
    for candidate in (name, name.removesuffix(".gz") if name.endswith(".gz") else name + ".gz"):
        if path.with_name(candidate).is_file():
            return path.with_name(candidate)
    return None
