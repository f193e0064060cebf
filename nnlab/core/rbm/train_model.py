"""An RBM trained by contrastive divergence, one half Gibbs step, one CD-k update or one epoch at a time
(lectures 18-20, Algorithm 2).

A CD-k update on a batch of B patterns v1 (each bit flipped with probability `noise`):

    up      h1 ~ P(h | v1)                    (recognition; P(h_j = 1 | v) = sigma((W v - c)_j / T))
    down    v2 ~ P(v | h)                     (generative; P(v_k = 1 | h) = sigma((W^T h - b)_k / T))
    up      h2 ~ P(h | v2)                    (down and up k times in all)
    update  W += kappa (S1 - S2), b -= gamma (v1 - v2), c -= gamma (h1 - h2),  S = h v^T / B

With `persistent` the negative chain starts from the chain's last hidden state instead of h1.
Every layer drawn takes one seed from the model's Generator when it runs and its uniforms from
the SplitMix64 stream of that seed (`kernels.uniform_at`), whatever the step size, so stepping
and whole epochs give the same run; whole epochs go through `cd_epoch`, the same updates over
preallocated buffers. After every epoch the reconstruction error and the free energy are
measured on at most EVAL_ROWS fixed training rows (and held-out rows), as Hinton's practical
guide (2010, section 6) compares free energies on a subset.

The dreams are drawn when they are looked at (the dreams view, `traces`): DREAM_STEPS Gibbs steps
of `chains` free-running chains at the current weights and T, from the same noise and with the same
uniforms every time (a Generator of their own), so they are a function of the weights alone and
change from one look to the next only where the model has changed.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nnlab.core.equation_terms import dot, fmt_of, plus
from nnlab.core.equation import Calc, EquationLine, Line, Num, fn
from nnlab.core.lab import Frame, restore_rng, snapshot_rng
from nnlab.core.rbm.cd_epoch import Buffers, finish_epoch
from nnlab.core.rbm.data import training_data
from nnlab.core.rbm.kernels import draw_layer, layer_seed, uniforms
from nnlab.core.rbm.readouts import readouts
from nnlab.core.grids import picture_shape
from nnlab.core.rbm.energy import MAX_EXACT_UNITS, cd_statistics, exact_joint, p_on
from nnlab.core.rbm.params import RBMParams


DREAM_STEPS = 50
"""Gibbs steps of the dream chains, from the same noise with the same draws at every look."""
EVAL_ROWS = 500
"""Training (and held-out) rows on which the reconstruction error and free energies are measured."""


class RBMTrainModel:
    """Weights, biases, the data, and where the current CD-k update stands; see the module docstring."""

    def __init__(self, params: RBMParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        data = training_data(params.dataset, params.n_samples, params.rare, params.data_file, self.rng)
        if data.shape[1] != params.n_visible:
            from nnlab.core.data import DataError

            raise DataError(params.data_file or params.dataset, f"{params.n_visible} columns (n_visible)",
                            f"{data.shape[1]}: set n_visible = {data.shape[1]}")
        n_test = int(round(params.test_fraction * len(data)))
        perm = self.rng.permutation(len(data))
        self.test = data[perm[:n_test]] if n_test else None
        self.train = data[perm[n_test:]] if n_test else data
        self._as: dict[type, np.ndarray] = {}
        self._buffers: Buffers | None = None
        n_h, n_v = params.n_hidden, params.n_visible
        self.W = self.rng.normal(0.0, params.init_scale, (n_h, n_v))
        self.b = np.zeros(n_v)
        self.c = np.zeros(n_h)
        self.epoch = 0
        self.batch = 0
        self.order: np.ndarray | None = None
        self.op = 0
        self.updates = 0
        self._gaps: tuple | None = None
        self.v1 = self.h1 = self.v = self.h = self.pv = self.ph = None
        self.chain: np.ndarray | None = None
        self.last: dict[str, Any] = {}
        self.stage = "start"
        self.recon: list[float] = []
        self.f_train: list[float] = []
        self.f_test: list[float] = []
        self._dream_key: tuple | None = None
        self._dreams = np.empty((0, n_v))
        self.data_freq = visible_histogram(self.train) if n_v + n_h <= MAX_EXACT_UNITS else None
        self._blowup = ""
        self._evaluate()

    # -- protocol ---------------------------------------------------------------------------------
    @property
    def blowup(self) -> str:
        """Why training stopped at the last good state (a weight or a read-out that cannot be represented), or ""."""
        return self._blowup

    def _unrepresentable(self) -> str:
        """What of W, b, c and the last read-outs is NaN or infinite, with what to change; "" when all are finite.
        (Each update moves a weight by at most kappa and a bias by at most gamma, so this guards the model's
        arithmetic rather than a reachable setting.)"""
        for name, a in (("weights W", self.W), ("visible biases b", self.b), ("hidden biases c", self.c)):
            if not np.isfinite(a).all():
                return f"the {name} overflowed; lower kappa and gamma"
        measured = (("reconstruction error", self.recon), ("free energy of the training rows", self.f_train),
                    ("free energy of the held-out rows", self.f_test))
        for name, values in measured:
            if values and not np.isfinite(values[-1]):
                return f"the {name} is not finite (the weights are too large to measure it); lower kappa and gamma"
        return ""

    def _guarded(self, action: Callable[[], None]) -> None:
        """Run `action`; if it leaves anything unrepresentable, go back to the state before it and say why."""
        before = self.snapshot()
        action()
        cause = self._unrepresentable()
        if cause:
            self.restore(before)
            self._blowup = cause
            self.stage = "stopped: " + cause

    @property
    def steps_total(self) -> int:
        return self.epoch

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        return max(self.params.epochs - self.epoch, 0)

    def set_params(self, params: RBMParams) -> None:
        self.params = params

    @property
    def T(self) -> float:
        return self.params.temperature_at(self.epoch)

    @property
    def n_batches(self) -> int:
        return -(-len(self.train) // self.params.batch_size)

    @property
    def ops_per_batch(self) -> int:
        """Half steps (1 + 2k) and the update."""
        return 2 * self.params.k + 2

    # -- the probabilities of the last layers drawn -------------------------------------------------
    @property
    def pv(self) -> np.ndarray | None:
        """P(v | h) of the last down pass."""
        self._settle()
        return self._pv

    @pv.setter
    def pv(self, value: np.ndarray | None) -> None:
        self._settle()
        self._pv = value

    @property
    def ph(self) -> np.ndarray | None:
        """P(h | v) of the last up pass."""
        self._settle()
        return self._ph

    @ph.setter
    def ph(self, value: np.ndarray | None) -> None:
        self._settle()
        self._ph = value

    def defer_probabilities(self, gv: np.ndarray, b: np.ndarray, gh: np.ndarray, c: np.ndarray, T: float) -> None:
        """pv and ph are P(on) of the gaps gv - b and gh - c at T, computed when first read (an epoch's last
        batch leaves them for the frame, which may never be drawn)."""
        self._gaps = (gv, b, gh, c, T)

    def _settle(self) -> None:
        if self._gaps is not None:
            gv, b, gh, c, T = self._gaps
            self._gaps = None
            self._pv, self._ph = p_on(gv - b, T), p_on(gh - c, T)

    # -- one operation ----------------------------------------------------------------------------
    def _begin_batch(self) -> None:
        if self.order is None:
            self.order = self.rng.permutation(len(self.train))
        B = self.params.batch_size
        rows = self.order[self.batch * B: (self.batch + 1) * B]
        v = self.train[rows]
        if self.params.noise > 0:
            v = np.where(uniforms(self.rng, v.shape) < self.params.noise, 1.0 - v, v)
        self.v1 = v
        self.v = self.v1
        self.pv = None

    def _sample_h(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(P(h | v), h drawn from it) at the current T."""
        return _draw(v @ self.W.T, self.c, self.T, self.rng)

    def _sample_v(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(P(v | h), v drawn from it) at the current T."""
        return _draw(h @ self.W, self.b, self.T, self.rng)

    def _up(self) -> None:
        self.ph, self.h = self._sample_h(self.v)

    def _down(self) -> None:
        self.pv, self.v = self._sample_v(self.h)

    def _update(self) -> None:
        p = self.params
        before = (float(self.W[0, 0]), float(self.b[0]), float(self.c[0]))
        dW, dv, dh = cd_statistics(self.v1, self.h1, self.v, self.h)
        self.W = self.W + p.kappa * dW
        self.b = self.b - p.gamma * dv
        self.c = self.c - p.gamma * dh
        if p.persistent:
            self.chain = self.chain.copy()
            self.chain[: len(self.h)] = self.h
        self.last = {"dW": dW, "db": -p.gamma * dv, "dc": -p.gamma * dh, "dv": dv, "dh": dh, "before": before,
                     "recon": float(((self.v1 - self.v) ** 2).mean())}
        self.updates += 1

    def _op(self) -> None:
        """The next operation of the current update: up, down, ..., update."""
        if self.op == 0:
            self._begin_batch()
            self._up()
            self.h1 = self.h
            if self.params.persistent:
                if self.chain is None or len(self.chain) < len(self.h1):
                    self.chain = self.h1.copy()
                self.h = self.chain[: len(self.h1)].copy()
            self.stage = "up: h1 ~ P(h | v1) (recognition)"
        elif self.op == self.ops_per_batch - 1:
            self._update()
            self.stage = "update: W += kappa (S1 - S2), b -= gamma (v1 - v2), c -= gamma (h1 - h2)"
        elif self.op % 2 == 1:
            self._down()
            self.stage = f"down {self.op // 2 + 1} of {self.params.k}: v ~ P(v | h) (generative)"
        else:
            self._up()
            self.stage = f"up {self.op // 2} of {self.params.k}: h ~ P(h | v)"
        self.op += 1
        if self.op == self.ops_per_batch:
            self.op = 0
            self.batch += 1
            if self.batch >= self.n_batches:
                self._end_epoch()

    def _end_epoch(self) -> None:
        self.batch = 0
        self.order = None
        self.epoch += 1
        self._evaluate()

    def dreams(self) -> np.ndarray:
        """The visible states of the dream chains after DREAM_STEPS Gibbs steps at the current W, b, c and T
        (see the module docstring); kept until the next update."""
        key = (self.updates, self.T, self.params.chains)
        if key != self._dream_key:
            g = np.random.default_rng([self.seed, 0xD2EA])
            v = (g.random((self.params.chains, len(self.b))) < 0.5).astype(np.float64)
            for _ in range(DREAM_STEPS):
                _, h = _draw(v @ self.W.T, self.c, self.T, g)
                _, v = _draw(h @ self.W, self.b, self.T, g)
            self._dreams, self._dream_key = v, key
        return self._dreams.copy()

    def _evaluate(self) -> None:
        T = self.params.temperature_at(max(self.epoch - 1, 0))
        recon, f_train = readouts(self.W, self.b, self.c, self.train[:EVAL_ROWS], T,
                                  self.train_as(np.float32)[:EVAL_ROWS])
        self.recon.append(recon)
        self.f_train.append(f_train)
        if self.test is not None:
            self.f_test.append(readouts(self.W, self.b, self.c, self.test[:EVAL_ROWS], T)[1])

    def train_as(self, dtype: type) -> np.ndarray:
        """The training rows in dtype (kept after the first call)."""
        if dtype not in self._as:
            self._as[dtype] = np.ascontiguousarray(self.train, dtype)
        return self._as[dtype]

    def _train_epoch(self) -> None:
        """Finish the current update by operations, then the epoch's other batches in `cd_epoch`."""
        start = self.epoch
        while self.op != 0 and self.epoch == start:
            self._op()
        if self.epoch == start:
            self._buffers = finish_epoch(self, self._buffers)
            self._end_epoch()

    # -- stepping ---------------------------------------------------------------------------------
    def step(self, level: int = 0) -> Frame:
        if not self._blowup:
            self._guarded(lambda: self._step(self.step_levels()[min(level, 2)]))
        return self.frame()

    def _step(self, name: str) -> None:
        if name == "half":
            self._op()
        elif name == "update":
            self._op()
            while self.op != 0:
                self._op()
        else:
            self._train_epoch()
            self.stage = f"epoch {self.epoch} trained (T = {self.T:g})"

    def advance(self, n: int) -> int:
        """Train n epochs (finishing the current one first); fewer at a blow-up."""
        for done in range(n):
            if not self._blowup:
                self._guarded(self._train_epoch)
            if self._blowup:
                return done
        return n

    # -- state ------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        keys = ("W", "b", "c", "epoch", "batch", "order", "op", "updates", "v1", "h1", "v", "h", "_pv", "_ph", "_gaps",
                "chain", "last", "stage", "_blowup")
        s = {k: getattr(self, k) for k in keys}
        s["lens"] = (len(self.recon), len(self.f_train), len(self.f_test))
        s["rng"] = snapshot_rng(self.rng)
        return s

    def restore(self, s: dict[str, Any]) -> None:
        for k, v in s.items():
            if k not in ("lens", "rng"):
                setattr(self, k, v)
        a, b, c = s["lens"]
        del self.recon[a:], self.f_train[b:], self.f_test[c:]
        restore_rng(self.rng, s["rng"])

    def frame(self) -> Frame:
        rows = (("epoch", f"{self.epoch}", f"of {self.params.epochs}"),
                ("batch", f"{self.batch}/{self.n_batches}", f"op {self.op}/{self.ops_per_batch}"),
                ("T", f"{self.T:g}", ""),
                ("recon", f"{self.recon[-1]:.4g}", "error"))
        n_h, n_v = self.W.shape

        def first(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[0].copy()

        data = {"W": self.W.copy(), "b": self.b.copy(), "c": self.c.copy(), "recon": np.array(self.recon),
                "f_train": np.array(self.f_train), "f_test": np.array(self.f_test), "v1": first(self.v1),
                "h1": first(self.h1), "v": first(self.v), "h": first(self.h), "pv": first(self.pv),
                "ph": first(self.ph), "op": self.op, "k": self.params.k, "vshape": picture_shape(n_v),
                "hshape": picture_shape(n_h), "T": self.T, "epoch": self.epoch}
        if self.params.view == "dreams":
            data["dreams"], data["dream_steps"] = self.dreams(), DREAM_STEPS
        if self.data_freq is not None:
            data["exact_v"] = exact_joint(self.W, self.b, self.c, 1.0).sum(axis=1)
            data["data_freq"] = self.data_freq
        return Frame(t=float(self.epoch), step=self.updates, stage=self.stage, values=rows, data=data,
                     equation=equation_lines(self), message=self._blowup)

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {"recon_error": self.recon[-1], "epochs": self.epoch}
        if self.f_test:
            out["free_energy_gap"] = self.f_test[-1] - self.f_train[-1]
        return out

    def traces(self) -> dict[str, np.ndarray]:
        return {"recon_error": np.array(self.recon), "W": self.W.copy(), "b": self.b.copy(), "c": self.c.copy(),
                "samples": self.dreams()}


def _draw(G: np.ndarray, bias: np.ndarray, T: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(P(on), the layer drawn from it) for the gaps G - bias (`kernels.draw_layer`, one seed from rng)."""
    P, S = np.empty_like(G), np.empty_like(G)
    draw_layer(G, bias, float(T), layer_seed(rng), P, S)
    return P, S


def visible_histogram(v: np.ndarray) -> np.ndarray:
    """Frequency of every visible state (counting order, the first unit the highest bit) in the rows of v."""
    n_v = v.shape[1]
    idx = (v @ (2 ** np.arange(n_v - 1, -1, -1))).astype(np.int64)
    return np.bincount(idx, minlength=2 ** n_v) / len(v)


def equation_lines(m: RBMTrainModel) -> tuple[EquationLine, ...]:
    """The operation in force and its numbers: unit 1 of sample 1 of the batch, or the first weight and biases."""
    op, k, p = m.op, m.params.k, m.params
    last = (op - 1) % m.ops_per_batch
    if m.v1 is None:
        return ("E(v, h) = -h^T W v + v^T b + h^T c;  P(on) = 1 / (1 + exp(-dE / T))",
                f"CD-{k}, kappa = {p.kappa:g}, gamma = {p.gamma:g}, T = {m.T:g}, batch {p.batch_size}")
    if last == 0:
        return (("h1 ~ P(h | v1): dE_j = (W v1 - c)_j, P(h_j = 1) = 1 / (1 + exp(-dE_j / T))",)
                + _unit_lines(m, "h_1", "(W v1 - c)_1", m.W[0], m.v1[0], m.c[0], m.ph[0, 0], m.h1[0, 0]))
    if last == m.ops_per_batch - 1:
        return ("W += kappa (S1 - S2), S = h v^T / B;  b -= gamma (v1 - v2);  c -= gamma (h1 - h2)",) + _update_lines(m)
    if last % 2 == 1:
        return (("v ~ P(v | h): dE_k = (W^T h - b)_k  (generative)",)
                + _unit_lines(m, "v_1", "(W^T h - b)_1", m.W[:, 0], m.h[0], m.b[0], m.pv[0, 0], m.v[0, 0]))
    return (("h ~ P(h | v): dE_j = (W v - c)_j  (recognition)",)
            + _unit_lines(m, "h_1", "(W v - c)_1", m.W[0], m.v[0], m.c[0], m.ph[0, 0], m.h[0, 0]))


def _unit_lines(m: RBMTrainModel, unit: str, gap_text: str, w: np.ndarray, other: np.ndarray, bias: float,
                p_on_drawn: float, drawn: float) -> tuple[Line, ...]:
    """Unit 1 of sample 1: its gap from the other layer, P(on) at T (the kernel's) and the state drawn."""
    gap = float(w @ other - bias)
    return (Line(f"unit {unit} of sample 1: ", Calc(f"dE = {gap_text} =", plus(dot(w, other), -float(bias)), gap,
                                                     fmt_of(gap, float(np.abs(w).sum() + abs(bias))))),
            Line(Calc(f"P({unit} = 1) = 1/(1 + exp(-dE/T)) =", 1 / (1 + fn("exp", -Num(gap) / Num(m.T, "g"))),
                      float(p_on_drawn), ".4f"), ", drew ", Num(float(drawn), "g")))


def _update_lines(m: RBMTrainModel) -> tuple[Line, ...]:
    """(S1 - S2)_11 counted over the batch, then W_11, b_1 and c_1 moved by it (when the update was stepped)."""
    d, p = m.last, m.params
    B = len(m.v1)
    on1 = int((m.h1[:, 0] * m.v1[:, 0]).sum())
    on2 = int((m.h[:, 0] * m.v[:, 0]).sum())
    s = float(d["dW"][0, 0])
    stats = Line(Calc("(S1 - S2)_11 = (sum_p h1 v1 - sum_p h2 v2)/B =",
                      (Num(on1, "d") - Num(on2, "d")) / Num(B, "d"), s),
                 ";  |v1 - v2|^2 = ", Num(d["recon"]))
    if "before" not in d:
        return (stats, Line("largest changes: |dW| ", Num(float(np.abs(p.kappa * d["dW"]).max())), ", |db| ",
                            Num(float(np.abs(d["db"]).max())), ", |dc| ", Num(float(np.abs(d["dc"]).max()))))
    w0, b0, c0 = (Num(x) for x in d["before"])
    kappa, gamma = Num(p.kappa, "g"), Num(p.gamma, "g")
    return (stats,
            Line(Calc("W_11 += kappa (S1 - S2)_11:", w0 + kappa * Num(s), float(m.W[0, 0])), ";  ",
                 Calc("b_1 -= gamma (v1 - v2)_1:", b0 - gamma * Num(float(d["dv"][0])), float(m.b[0])), ";  ",
                 Calc("c_1 -= gamma (h1 - h2)_1:", c0 - gamma * Num(float(d["dh"][0])), float(m.c[0]))))
