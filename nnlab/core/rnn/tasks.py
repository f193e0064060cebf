"""The RNN lab's sequence tasks, generated from the model's Generator (nothing is downloaded), or read from a file.

    even_numbers   x = (2j, 2j+2, ..., ) / scale, target the next value      (lecture 21: "0, 2, 4, 6, ...")
    powers_of_two  x = m_j (1, 2, 4, ...) / scale, m_j = 1 + j/N              ("1, 2, 4, 8, ..."; m_0 = 1)
    hello          "hell" -> "ello", vocabulary h, e, l, o (one-hot)          (the EE notes' 4-unit example)
    text           windows of a text, next character (one-hot)
    sine           x_t = sin(omega t + phi), target x_{t+1}
    scalar_memory  x_n ~ N(0, 1), target h_n = w h_{n-1} + x_n = sum_k w^(n-k) x_k   (the cheat sheet's example)
    long_lag       x_t = +-1 at random; at step `lag` the class of x_0 (a target there only), the later inputs
                   as loud as the one to remember (Hochreiter and Schmidhuber's distractors)
    adding         (value, marker) pairs, values ~ U(0, 1), two markers; at the last step the sum of the two
                   marked values (Hochreiter and Schmidhuber 1997)
    random         x ~ N(0, 1) of width `inputs`, targets ~ N(0, 1)
    file           .npz: x (N, T) or (N, T, X); target (or y) (N, T) or (N, T, Y) optional, integer targets are
                   classes; an optional mask (N, T) marks the steps with a target. Without a target, the
                   next step is predicted. .csv: one long series, a row per time step (a header row is
                   skipped), cut into windows of seq_len + 1 for next-step prediction.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab.core.data.dataset import DataError
from nnlab.core.data.files import read_bytes
from nnlab.core.rnn.params import RNNParams

BUNDLED_TEXT = Path(__file__).with_name("twinkle.txt")
"""Jane Taylor's "The Star" (1806), public domain (LICENSE-twinkle.txt)."""
MAX_SEQUENCES = 100_000


@dataclass(frozen=True)
class SeqData:
    """N sequences of T steps: x (N, T, X), target (N, T, Y) (one-hot rows for classes), alpha (N, T) the weight
    of each step's loss (0 where there is no target)."""

    x: np.ndarray
    target: np.ndarray
    alpha: np.ndarray
    kind: str
    """"classes" (one-hot targets) or "regression"."""
    vocab: tuple[str, ...] = ()
    """Names of the classes (characters for text tasks), in one-hot order."""
    about: str = ""
    """One line saying what the sequences are."""

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def T(self) -> int:
        return self.x.shape[1]

    @property
    def X(self) -> int:
        return self.x.shape[2]

    @property
    def Y(self) -> int:
        return self.target.shape[2]


def _seq(x: np.ndarray, target: np.ndarray, alpha: np.ndarray | None = None, kind: str = "regression",
         vocab: tuple[str, ...] = (), about: str = "") -> SeqData:
    x = np.asarray(x, np.float64)
    target = np.asarray(target, np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    if target.ndim == 2:
        target = target[:, :, None]
    if alpha is None:
        alpha = np.ones(x.shape[:2])
    return SeqData(np.ascontiguousarray(x), np.ascontiguousarray(target), np.ascontiguousarray(alpha, np.float64),
                   kind, vocab, about)


def _one_hot(idx: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[idx]


def _chars(text: str, T: int, n: int, rng: np.random.Generator, where: str) -> SeqData:
    vocab = tuple(sorted(set(text)))
    if len(text) < T + 1:
        raise DataError(where, f"a text of at least seq_len + 1 = {T + 1} characters", f"{len(text)}")
    codes = np.array([vocab.index(ch) for ch in text])
    starts = rng.integers(0, len(text) - T, n) if n < len(text) - T else np.arange(len(text) - T)
    win = codes[starts[:, None] + np.arange(T + 1)]
    return _seq(_one_hot(win[:, :-1], len(vocab)), _one_hot(win[:, 1:], len(vocab)), kind="classes", vocab=vocab,
                about=f"{len(starts)} windows of {T} characters, next character; vocabulary of {len(vocab)}")


def make_task(p: RNNParams, rng: np.random.Generator) -> SeqData:
    """The training sequences of `p` (every random draw from `rng`), with `loss_at` applied."""
    data = _make(p, rng)
    if p.inputs and data.X != p.inputs:
        raise DataError(p.data_file or f"task {p.task}", f"{p.inputs} inputs a step (inputs = {p.inputs})",
                        f"{data.X}")
    if p.loss_at == "last":
        alpha = np.zeros_like(data.alpha)
        alpha[:, -1] = 1.0
        data = SeqData(data.x, data.target, alpha, data.kind, data.vocab, data.about + "; loss at the last step only")
    return data


def _make(p: RNNParams, rng: np.random.Generator) -> SeqData:
    T, N = p.seq_len, p.n_sequences
    steps = np.arange(T + 1)
    if p.task == "even_numbers":
        v = 2.0 * (np.arange(N)[:, None] + steps) / p.scale
        return _seq(v[:, :-1], v[:, 1:], about=f"even numbers 2j, 2j+2, ... / {p.scale:g}, j = 0..{N - 1}; "
                    "predict the next")
    if p.task == "powers_of_two":
        v = (1.0 + np.arange(N)[:, None] / N) * 2.0 ** steps / p.scale
        return _seq(v[:, :-1], v[:, 1:], about=f"m (1, 2, 4, ...) / {p.scale:g}, m from 1 to {1 + (N - 1) / N:.3g}; "
                    "predict the next")
    if p.task == "hello":
        vocab = ("h", "e", "l", "o")
        codes = np.array([[0, 1, 2, 2, 3]])
        return _seq(_one_hot(codes[:, :-1], 4), _one_hot(codes[:, 1:], 4), kind="classes", vocab=vocab,
                    about='"hell" -> "ello": the next character, vocabulary h, e, l, o')
    if p.task == "text":
        text = BUNDLED_TEXT.read_text() if p.text == "twinkle" else p.text
        return _chars(text, T, N, rng, "text" if p.text != "twinkle" else "twinkle.txt")
    if p.task == "sine":
        omega = rng.uniform(0.2, 0.6, (N, 1))
        v = np.sin(omega * steps + rng.uniform(0, 2 * np.pi, (N, 1)))
        return _seq(v[:, :-1], v[:, 1:], about="sin(omega t + phi), omega in [0.2, 0.6]; predict the next value")
    if p.task == "scalar_memory":
        x = rng.standard_normal((N, T))
        h = np.zeros((N, T))
        prev = np.zeros(N)
        for n in range(T):
            prev = p.memory_w * prev + x[:, n]
            h[:, n] = prev
        return _seq(x, h, about=f"h_n = {p.memory_w:g} h_(n-1) + x_n, x_n ~ N(0, 1)")
    if p.task == "long_lag":
        signs = rng.integers(0, 2, (N, T))
        first = signs[:, 0]
        x = 2.0 * signs - 1.0
        target = np.zeros((N, T, 2))
        target[:, p.lag] = _one_hot(first, 2)
        alpha = np.zeros((N, T))
        alpha[:, p.lag] = 1.0
        return _seq(x, target, alpha, "classes", ("-1", "+1"), f"x_t = +-1 at random; recall x_0 at step {p.lag}")
    if p.task == "adding":
        x = np.zeros((N, T, 2))
        x[:, :, 0] = rng.uniform(0, 1, (N, T))
        half = max(T // 2, 1)
        a = rng.integers(0, half, N)
        b = rng.integers(half, T, N)
        rows = np.arange(N)
        x[rows, a, 1] = x[rows, b, 1] = 1.0
        target = np.zeros((N, T, 1))
        target[:, -1, 0] = x[rows, a, 0] + x[rows, b, 0]
        alpha = np.zeros((N, T))
        alpha[:, -1] = 1.0
        return _seq(x, target, alpha, about="(value, marker) pairs; the sum of the two marked values at the end")
    if p.task == "random":
        X = p.inputs or 1
        return _seq(rng.standard_normal((N, T, X)), rng.standard_normal((N, T, 1)),
                    about=f"x ~ N(0, 1) of width {X}, targets ~ N(0, 1)")
    return _from_file(p)


def _from_file(p: RNNParams) -> SeqData:
    path = Path(p.data_file).expanduser()
    where = str(path)
    name = path.name.lower()
    if not name.endswith((".npz", ".csv")):
        raise DataError(where, "a .npz or .csv file", repr(path.name))
    raw = read_bytes(path)
    if name.endswith(".csv"):
        return _from_csv(where, raw, p.seq_len)
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(where, "a NumPy .npz archive", f"unreadable data ({exc})") from None
    if "x" not in arrays:
        raise DataError(where, "an array named x (N, T) or (N, T, X)", "arrays " + ", ".join(sorted(arrays)) or "none")
    x = arrays["x"]
    if x.dtype.kind not in "iuf" or x.ndim not in (2, 3):
        raise DataError(where, "x: numbers of shape (N, T) or (N, T, X)", f"{x.dtype} of shape {x.shape}")
    if x.ndim == 2:
        x = x[:, :, None]
    if 0 in x.shape:
        raise DataError(where, "x with at least one sequence of at least one step", f"shape {x.shape}")
    if len(x) > MAX_SEQUENCES:
        raise DataError(where, f"at most {MAX_SEQUENCES:,} sequences", f"{len(x):,}")
    _fits(where, x.shape[0], x.shape[1], x.shape[2])
    x = x.astype(np.float64)
    if not np.isfinite(x).all():
        raise DataError(where, "finite numbers in x", "nan or inf")
    t = arrays.get("target", arrays.get("y"))
    alpha = None
    if t is None:
        if x.shape[1] < 2:
            raise DataError(where, "sequences of at least 2 steps (next-step prediction)", f"{x.shape[1]}")
        return _seq(x[:, :-1], x[:, 1:], about=f"{len(x)} sequences from {path.name}; predict the next step")
    if t.dtype.kind not in "iuf" or t.shape[:2] != x.shape[:2] or t.ndim not in (2, 3):
        raise DataError(where, f"target of shape {x.shape[:2]} or {x.shape[:2] + ('Y',)}",
                        f"{t.dtype} of shape {t.shape}")
    if "mask" in arrays:
        alpha = arrays["mask"].astype(np.float64)
        if alpha.shape != x.shape[:2]:
            raise DataError(where, f"mask of shape {x.shape[:2]}", f"{alpha.shape}")
    if t.dtype.kind in "iu" and t.ndim == 2:
        if t.min() < 0:
            raise DataError(where, "class targets >= 0", str(t.min()))
        k = max(int(t.max()) + 1, 2)
        if k > 1000:
            raise DataError(where, "at most 1,000 classes", f"{k}")
        return _seq(x, _one_hot(t, k), alpha, "classes", tuple(str(i) for i in range(k)),
                    f"{len(x)} sequences from {path.name}; {k} classes")
    t = t.astype(np.float64)
    if not np.isfinite(t).all():
        raise DataError(where, "finite numbers in target", "nan or inf")
    return _seq(x, t, alpha, about=f"{len(x)} sequences from {path.name}")


def _fits(where: str, n: int, steps: int, width: int) -> None:
    """Refuse, before allocating, windows whose copies (inputs, targets, a batch) would not fit in memory."""
    from nnlab.core.memory import MB, limit

    cap, source = limit()
    need = 4 * n * steps * width * 8
    if cap is not None and need > cap:
        raise DataError(where, f"sequences that fit in memory ({cap // MB:,} MB, {source})",
                        f"{n:,} windows of {steps:,} steps x {width} columns ({need // MB:,} MB); lower seq_len")


def _from_csv(where: str, raw: bytes, T: int) -> SeqData:
    rows: list[list[float]] = []
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c for c in line.replace(";", ",").replace("\t", ",").replace(" ", ",").split(",") if c]
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if not rows:
                continue
            raise DataError(where, f"numbers on line {number}", repr(line[:40])) from None
        if rows and len(values) != len(rows[0]):
            raise DataError(where, f"{len(rows[0])} columns on line {number} (as the first row)", f"{len(values)}")
        rows.append(values)
    series = np.array(rows, np.float64)
    if len(series) < T + 1:
        raise DataError(where, f"at least seq_len + 1 = {T + 1} rows", f"{len(series)}")
    if not np.isfinite(series).all():
        raise DataError(where, "finite numbers", "nan or inf")
    n = min(len(series) - T, MAX_SEQUENCES)
    _fits(where, n, T + 1, series.shape[1])
    win = series[np.arange(n)[:, None] + np.arange(T + 1)]
    return _seq(win[:, :-1], win[:, 1:], about=f"{n} windows of {T} rows of {Path(where).name}; predict the next row")
