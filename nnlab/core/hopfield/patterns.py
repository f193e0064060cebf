"""The patterns a Hopfield network stores and the probes it starts from.

Patterns are rows of a (n, N) float64 array of +1 and -1, with a picture shape (rows, cols),
rows * cols = N. They come from the package's glyphs, from random draws (each bit +1 or -1
with probability 1/2), or from files: `.npz` with an array `patterns` of shape (n, N) or
(n, rows, cols), and `.txt`/`.pat` grids of `#` (or `X`, `1`, `+`) for +1 and `.` (or `-`,
`0`, `o`) for -1, one pattern per block of lines separated by a blank line. Values in a file
may be 0/1 or -1/+1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab.core.data.class_roots import REFUSED, outside_class
from nnlab.core.grids import picture_shape
from nnlab.core.hopfield.glyphs import glyph
from nnlab.core.hopfield.params import MAX_UNITS, HopfieldParams, is_pattern_file

ON = "#X1+"
OFF = ".-0o"


class PatternError(ValueError):
    """Patterns or a pattern file that cannot be used: a one-line message."""


@dataclass(frozen=True)
class PatternSet:
    """Stored patterns, their names and the shape they are drawn in."""

    x: np.ndarray
    """(n, N) of +1 / -1."""
    names: tuple[str, ...]
    shape: tuple[int, int]
    """(rows, cols) of the picture, rows * cols = N."""

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def N(self) -> int:
        return self.shape[0] * self.shape[1]


def _bipolar(a: np.ndarray, where: str) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if not np.isfinite(a).all():
        raise PatternError(f"{where}: expected values 0/1 or -1/+1, found NaN or infinity")
    vals = set(np.unique(a).tolist())
    if vals <= {0.0, 1.0}:
        return 2.0 * a - 1.0
    if vals <= {-1.0, 1.0}:
        return a
    bad = sorted(vals - {-1.0, 0.0, 1.0})
    raise PatternError(f"{where}: expected values 0/1 or -1/+1, found {bad[0]:g}")


def _read_npz(path: Path) -> tuple[np.ndarray, tuple[int, int]]:
    try:
        with np.load(path, allow_pickle=False) as z:
            if "patterns" not in z.files:
                raise PatternError(f"{path}: expected an array named `patterns`, found {', '.join(z.files) or 'none'}")
            a = z["patterns"]
    except (OSError, ValueError) as exc:
        if isinstance(exc, PatternError):
            raise
        raise PatternError(f"{path}: expected an .npz file with an array `patterns`, found an unreadable file "
                           f"({exc})") from None
    if a.ndim == 3:
        shape = (a.shape[1], a.shape[2])
        a = a.reshape(a.shape[0], -1)
    elif a.ndim == 2:
        shape = picture_shape(a.shape[1])
    else:
        raise PatternError(f"{path}: expected `patterns` of shape (n, N) or (n, rows, cols), found {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise PatternError(f"{path}: expected at least one pattern of at least one unit, found shape {a.shape}")
    return _bipolar(a, str(path)), shape


def _read_text(path: Path) -> tuple[np.ndarray, tuple[int, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatternError(f"{path}: cannot read the file ({getattr(exc, 'strerror', None) or exc})") from None
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(";"):
            continue
        if not s:
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append(s)
    blocks = [b for b in blocks if b]
    if not blocks:
        raise PatternError(f"{path}: expected grids of # and . separated by blank lines, found no pattern")
    pats = []
    shape = None
    for k, block in enumerate(blocks, start=1):
        widths = {len(row) for row in block}
        if len(widths) != 1:
            raise PatternError(f"{path}: pattern {k}: expected rows of one length, found lengths "
                               f"{', '.join(map(str, sorted(widths)))}")
        for row in block:
            for ch in row:
                if ch not in ON + OFF:
                    raise PatternError(f"{path}: pattern {k}: expected # or . (also X 1 + / - 0 o), found {ch!r}")
        this = (len(block), len(block[0]))
        if shape is None:
            shape = this
        elif this != shape:
            raise PatternError(f"{path}: pattern {k} is {this[0]}x{this[1]}, pattern 1 is {shape[0]}x{shape[1]}: "
                               "every pattern needs the same size")
        pats.append([1.0 if ch in ON else -1.0 for row in block for ch in row])
    assert shape is not None
    return np.array(pats), shape


def read_file(path: Path) -> tuple[np.ndarray, tuple[int, int]]:
    """The patterns of a file and their picture shape."""
    if outside_class(path):
        raise PatternError(f"{path}: expected {REFUSED}, found a path outside them")
    if not path.is_file():
        raise PatternError(f"{path}: no such pattern file")
    if path.suffix.lower() == ".npz":
        return _read_npz(path)
    return _read_text(path)


def stored_patterns(p: HopfieldParams, rng: np.random.Generator) -> PatternSet:
    """The patterns `p` names (glyphs and files, in order), or n_patterns random ones of n_units."""
    if not p.patterns:
        shape = picture_shape(p.n_units)
        x = np.where(rng.random((p.n_patterns, p.n_units)) < 0.5, -1.0, 1.0)
        return _checked(PatternSet(x, tuple(f"#{k + 1}" for k in range(p.n_patterns)), shape))
    rows: list[np.ndarray] = []
    names: list[str] = []
    shape: tuple[int, int] | None = None
    for item in p.patterns:
        if is_pattern_file(item):
            path = Path(item).expanduser()
            x, this = read_file(path)
            new = [f"{path.name}:{k + 1}" for k in range(len(x))]
        else:
            this = (p.glyph_size, p.glyph_size)
            x, new = glyph(item, p.glyph_size)[None, :], [item.upper()]
        if shape is not None and this != shape:
            raise PatternError(f"patterns: {item} is {this[0]}x{this[1]} but the patterns before it are "
                               f"{shape[0]}x{shape[1]}: every stored pattern needs the same size")
        shape = this
        rows.extend(x)
        names.extend(new)
    assert shape is not None
    return _checked(PatternSet(np.array(rows), tuple(names), shape))


def _checked(ps: PatternSet) -> PatternSet:
    if ps.N > MAX_UNITS:
        raise PatternError(f"patterns: expected at most {MAX_UNITS} units (W has N^2 entries), found "
                           f"{ps.shape[0]}x{ps.shape[1]} = {ps.N}")
    if ps.n > ps.N:
        raise PatternError(f"patterns: expected at most N = {ps.N} patterns, found {ps.n} (recall already fails "
                           f"beyond about 0.138 N = {0.138 * ps.N:.0f})")
    return ps


def flip(x: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """A copy of x with exactly round(fraction N) units, chosen at random, flipped."""
    out = x.copy()
    k = int(round(fraction * x.size))
    out[rng.choice(x.size, size=k, replace=False)] *= -1.0
    return out


def occlude(x: np.ndarray, shape: tuple[int, int], region: str, fraction: float,
            rng: np.random.Generator) -> np.ndarray:
    """A copy of x with a region of its picture set to random bits."""
    rows, cols = shape
    pic = x.reshape(shape).copy()
    kr, kc = int(round(fraction * rows)), int(round(fraction * cols))
    sl = {"bottom": np.s_[rows - kr:, :], "top": np.s_[:kr, :], "left": np.s_[:, :kc],
          "right": np.s_[:, cols - kc:]}[region]
    block = pic[sl]
    pic[sl] = np.where(rng.random(block.shape) < 0.5, -1.0, 1.0)
    return pic.ravel()


def mixture(patterns: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """sign(c1 x1 + c2 x2 + ...) over the first len(c) patterns, ties +1."""
    k = min(len(coefficients), len(patterns))
    s = np.asarray(coefficients[:k]) @ patterns[:k]
    return np.where(s >= 0, 1.0, -1.0)


def make_probe(p: HopfieldParams, ps: PatternSet, rng: np.random.Generator) -> np.ndarray:
    """The start state the params ask for."""
    if p.probe == "blank" or ps.n == 0:
        return -np.ones(ps.N)
    if p.target >= ps.n:
        raise PatternError(f"target: expected the index of a stored pattern, 0..{ps.n - 1}, found {p.target}")
    x = ps.x[p.target]
    if p.probe == "noise":
        return flip(x, p.noise, rng)
    if p.probe == "inverse":
        return flip(-x, p.noise, rng)
    if p.probe == "occlude":
        return occlude(x, ps.shape, p.region, p.occlude, rng)
    return mixture(ps.x, p.mixture)
