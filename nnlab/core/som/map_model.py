"""A Kohonen map trained one stage, one sample or one epoch at a time (lecture 20, section 20.2).

For a sample x at step t of T = epochs x samples:

    draw      x = the next sample of this epoch's random order
    BMU       u = argmin_v |x - W_v|                          (competition)
    update    W_v += eta(t) theta(|p_v - p_u|; sigma(t)) (x - W_v) for every unit v
              sigma(t), eta(t): `kernels.decayed` from (sigma, lr) to (sigma_end, lr_end)

Stages and whole epochs call the same kernels, so they give the same map. After every epoch the
quantization error (mean |x - W_BMU|) and the topographic error (share of samples whose two
nearest units are not adjacent on the lattice) are measured on all the data; `metrics` measures
them again when samples have run since.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.data import DataError
from nnlab.core.lab import Frame, restore_rng, snapshot_rng
from nnlab.core.som import kernels as K
from nnlab.core.som.data import MapData, map_data
from nnlab.core.som.equations import equation_lines
from nnlab.core.som.lattice import edges, neighbour_table, positions
from nnlab.core.som.params import DECAYS, NEIGHBOURHOODS, SOMParams

STAGES = ("draw", "bmu", "update")
CHUNK = 2000
"""Samples trained between two checks for a blow-up (a paused run keeps the weights before the chunk)."""
RUNAWAY = 1000.0
"""Weights farther than this many data ranges from the data's centre count as a blow-up."""
MAX_UNITS_PER_SAMPLE = 2
"""A map may have at most this many units per sample (a word map leaves room between its words)."""
MOVED = 1e-3
"""A unit counts as moved by an update when eta theta is at least this (the highlighted units)."""


def initial_weights(params: SOMParams, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(units, dim) starting weights: random (uniform in the middle fifth of every input's range, a ball the
    map unfolds from), sample (random data rows, without repeats while there are enough), or pca (a
    rows x cols grid spanning +-1 standard deviation along the first two principal components)."""
    units = params.rows * params.cols
    lo, hi = x.min(axis=0), x.max(axis=0)
    if params.init == "random":
        return lo + (hi - lo) * rng.uniform(0.4, 0.6, (units, x.shape[1]))
    if params.init == "sample":
        return x[rng.choice(len(x), units, replace=units > len(x))].copy()
    mean = x.mean(axis=0)
    xc = x - mean
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    spread = s / np.sqrt(max(len(x) - 1, 1))
    pc1 = vt[0] * spread[0]
    pc2 = vt[1] * spread[1] if len(vt) > 1 else np.zeros_like(pc1)
    r, c = np.divmod(np.arange(units), params.cols)
    a = np.linspace(-1.0, 1.0, params.cols)[c] if params.cols > 1 else np.zeros(units)
    b = np.linspace(-1.0, 1.0, params.rows)[r] if params.rows > 1 else np.zeros(units)
    if params.rows > params.cols:
        a, b = b, a
    return mean + a[:, None] * pc1 + b[:, None] * pc2


class SOMModel:
    """The map's weights, the data, and where the current sample stands; see the module docstring."""

    def __init__(self, params: SOMParams, seed: int = 0, data: MapData | None = None) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.data = data if data is not None else map_data(params.dataset, params.n_samples, params.data_file,
                                                            self.rng)
        x = self.data.x
        where = params.data_file or f"dataset {params.dataset}"
        if params.dim and x.shape[1] != params.dim:
            raise DataError(where, f"{params.dim} columns (dim = {params.dim})", f"{x.shape[1]}")
        units = params.rows * params.cols
        if units > MAX_UNITS_PER_SAMPLE * len(x):
            raise DataError(where, f"at least {-(-units // MAX_UNITS_PER_SAMPLE)} samples for a {params.rows} x "
                            f"{params.cols} map (at most {MAX_UNITS_PER_SAMPLE} units a sample; beyond that most "
                            "units win nothing), or a smaller map", f"{len(x)} samples")
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self._centre = (self.x.max(axis=0) + self.x.min(axis=0)) / 2.0
        self._span = max(float((self.x.max(axis=0) - self.x.min(axis=0)).max()), 1e-12)
        self.Wt = np.ascontiguousarray(initial_weights(params, self.x, self.rng).T)
        self.pos = positions(params.rows, params.cols, params.topology)
        self.adjacent = neighbour_table(params.rows, params.cols, params.topology)
        self.edges = edges(params.rows, params.cols, params.topology)
        dim = self.x.shape[1]
        self._dist, self._theta = np.empty(units), np.zeros(units)
        self._fy, self._fx = np.empty((2, params.rows)), np.empty((2, 2, params.cols))
        self._grid = np.stack([np.arange(params.cols, dtype=np.float64), np.arange(params.cols) + 0.5])
        self.bmus = np.zeros(len(self.x), np.int64)
        self.hits = np.zeros(units, np.int64)
        self.epoch = 0
        self.i = 0
        self.stage = 0
        self.order: np.ndarray | None = None
        self.sample = -1
        self.xv = np.zeros(dim)
        self.bmu = -1
        self.bmu_dist = float("nan")
        self.moved = np.zeros(units, bool)
        self.said = "start: press n to draw a sample"
        self.used: dict[str, Any] | None = None
        """The last update made stage by stage: its t, sigma and eta, the BMU and a unit beside it ("units";
        -1 for none), the input farthest from the BMU's weight ("dim"), and the two units' weight for that
        input before the update ("before") and their theta ("theta")."""
        self.qe: list[float] = []
        self.te: list[float] = []
        self._blowup = ""
        self._evaluate()

    # -- protocol ---------------------------------------------------------------------------------
    @property
    def units(self) -> int:
        return self.params.rows * self.params.cols

    @property
    def n(self) -> int:
        return len(self.x)

    @property
    def t(self) -> int:
        """Samples presented since the start."""
        return self.epoch * self.n + self.i

    @property
    def T(self) -> int:
        return self.params.epochs * self.n

    @property
    def blowup(self) -> str:
        return self._blowup

    @property
    def steps_total(self) -> int:
        return self.t

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        """Samples left in the run."""
        return max(self.T - self.t, 0)

    def set_params(self, params: SOMParams) -> None:
        self.params = params

    def sigma_eta(self, t: int | None = None) -> tuple[float, float]:
        """(sigma, eta) in force at sample t (default: now)."""
        p = self.params
        frac = (self.t if t is None else t) / self.T
        code = DECAYS.index(p.decay)
        return K.decayed(p.sigma, p.sigma_end, frac, code), K.decayed(p.lr, p.lr_end, frac, code)

    def _kernel_args(self) -> tuple:
        p = self.params
        return (p.rows, p.cols, p.topology == "hex")

    # -- one stage --------------------------------------------------------------------------------
    def _stage(self) -> None:
        if self._blowup:
            return
        p = self.params
        if self.stage == 0:
            if self.order is None:
                self.order = self.rng.permutation(self.n)
            self.sample = int(self.order[self.i])
            self.xv = self.x[self.sample].copy()
            self.bmu, self.moved = -1, np.zeros(self.units, bool)
            self.said = f"draw: sample {self.i + 1} of {self.n} (row {self.sample})"
        elif self.stage == 1:
            self.bmu = int(K.find_bmu(self.Wt, self.xv, self._dist))
            self.bmu_dist = float(np.sqrt(self._dist[self.bmu]))
            r, c = divmod(self.bmu, p.cols)
            self.said = f"BMU: unit ({r}, {c}) at distance {self.bmu_dist:.4g}"
        else:
            s, eta = self.sigma_eta()
            before = self.Wt.copy()
            K.neighbourhood(self._theta, self.bmu, *self._kernel_args(), s, NEIGHBOURHOODS.index(p.neighbourhood),
                            p.inhibition, self._fy, self._fx, self._grid)
            K.update(self.Wt, self.xv, self._theta, eta)
            units = (self.bmu, int(self.adjacent[self.bmu][0]))
            dim = int(np.argmax(np.abs(self.xv - before[:, self.bmu])))
            self.used = {"t": self.t, "sigma": s, "eta": eta, "units": units, "dim": dim,
                         "before": tuple(float(before[dim, u]) for u in units),
                         "theta": tuple(float(self._theta[u]) for u in units)}
            if self._ran_away(before):
                self.said = "paused: " + self._blowup
                return
            self.moved = np.abs(eta * self._theta) >= MOVED
            self.said = f"update: {int(self.moved.sum())} units moved (sigma = {s:.3g}, eta = {eta:.3g})"
            self.i += 1
            if self.i >= self.n:
                self._end_epoch()
        self.stage = (self.stage + 1) % 3

    def _end_epoch(self) -> None:
        self.i = 0
        self.order = None
        self.epoch += 1
        self._evaluate()

    def _ran_away(self, before: np.ndarray) -> bool:
        """True, with the weights put back to `before` and the run paused, when the last update left them
        non-finite or more than RUNAWAY data ranges from the data."""
        W = self.Wt
        if np.isfinite(W).all() and float(np.abs(W - self._centre[:, None]).max()) <= RUNAWAY * self._span:
            return False
        self.Wt = before
        self._blowup = ("the weights ran away from the data (the update pushes units away without bound: "
                        "mexican_hat inhibition too strong for this lr); lower inhibition or lr")
        return True

    def _evaluate(self) -> None:
        qe, te = K.evaluate(self.Wt, self.x, self.adjacent, self.bmus, self.hits, self._dist)
        self.qe.append(float(qe))
        self.te.append(float(te))

    def _train(self, n: int) -> int:
        """Present n samples: the current one finished by stages (it counts as one), the rest in
        `kernels.train_samples`, epoch by epoch. Returns the samples presented (fewer at a blow-up)."""
        done = 0
        if self.stage != 0:
            while self.stage != 0 and not self._blowup:
                self._stage()
            done = 1
        p = self.params
        while done < n and not self._blowup:
            if self.order is None:
                self.order = self.rng.permutation(self.n)
            chunk = np.ascontiguousarray(self.order[self.i:self.i + min(n - done, CHUNK)])
            before = self.Wt.copy()
            K.train_samples(self.Wt, self.x, chunk, self.t, self.T, p.sigma, p.sigma_end, p.lr, p.lr_end,
                            DECAYS.index(p.decay), NEIGHBOURHOODS.index(p.neighbourhood), p.inhibition,
                            *self._kernel_args(), self._dist, self._theta, self._fy, self._fx, self._grid)
            if self._ran_away(before):
                break
            self.sample = int(chunk[-1])
            self.xv = self.x[self.sample].copy()
            self.bmu = -1
            self.i += len(chunk)
            done += len(chunk)
            if self.i >= self.n:
                self._end_epoch()
        self.moved = np.zeros(self.units, bool)
        return done

    def _train_epoch(self) -> None:
        """Finish the current epoch."""
        self._train(self.n - self.i)
        self.said = f"epoch {self.epoch} trained"

    # -- stepping ---------------------------------------------------------------------------------
    def step(self, level: int = 0) -> Frame:
        name = self.step_levels()[min(level, 2)]
        if self._blowup:
            return self.frame()
        if name == "stage":
            self._stage()
        elif name == "sample":
            self._stage()
            while self.stage != 0 and not self._blowup:
                self._stage()
        else:
            self._train_epoch()
        return self.frame()

    def advance(self, n: int) -> int:
        """Present n samples (a run goes sample by sample, so that the map moves on screen between epochs)."""
        if self._blowup:
            return 0
        done = self._train(n)
        self.said = f"epoch {self.epoch}, sample {self.i} of {self.n}"
        return done

    # -- state ------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        keys = ("epoch", "i", "stage", "order", "sample", "bmu", "bmu_dist", "said", "_blowup", "used")
        s = {k: getattr(self, k) for k in keys}
        s.update(Wt=self.Wt.copy(), xv=self.xv.copy(), moved=self.moved.copy(),
                 bmus=self.bmus.copy(), hits=self.hits.copy(), lens=(len(self.qe), len(self.te)),
                 rng=snapshot_rng(self.rng))
        return s

    def restore(self, s: dict[str, Any]) -> None:
        for k, v in s.items():
            if k == "rng":
                restore_rng(self.rng, v)
            elif k == "lens":
                del self.qe[v[0]:], self.te[v[1]:]
            elif isinstance(v, np.ndarray) and k != "order":
                setattr(self, k, v.copy())
            else:
                setattr(self, k, v)

    @property
    def weights(self) -> np.ndarray:
        """(rows, cols, dim) copy of the weights."""
        p = self.params
        return self.Wt.T.reshape(p.rows, p.cols, -1).copy()

    def u_matrix(self) -> np.ndarray:
        """(units,) mean distance from each unit's weights to its adjacent units' weights."""
        W = self.Wt.T
        ok = self.adjacent >= 0
        d = np.sqrt(((W[np.where(ok, self.adjacent, 0)] - W[:, None, :]) ** 2).sum(axis=2))
        return np.where(ok, d, 0.0).sum(axis=1) / np.maximum(ok.sum(axis=1), 1)

    def frame(self) -> Frame:
        p = self.params
        s, eta = self.sigma_eta()
        qe = self.qe[-1] if self.qe else float("nan")
        te = self.te[-1] if self.te else float("nan")
        rows = (("epoch", f"{self.epoch}", f"of {p.epochs}"),
                ("sample", f"{self.i}/{self.n}", f"next: {STAGES[self.stage]}"),
                ("sigma", f"{s:.4g}", p.decay),
                ("eta", f"{eta:.4g}", p.decay),
                ("QE", f"{qe:.4g}", "mean |x - W_BMU|"),
                ("TE", f"{100 * te:.3g} %", "BMUs not adjacent"))
        data: dict[str, Any] = {
            "W": self.Wt.T.copy(), "rows": p.rows, "cols": p.cols, "topology": p.topology, "pos": self.pos,
            "edges": self.edges,
            "x": self.x, "labels": self.data.labels, "names": self.data.names, "image_shape": self.data.image_shape,
            "sample": self.xv.copy() if self.sample >= 0 else None, "bmu": self.bmu, "moved": self.moved.copy(),
            "qe": np.array(self.qe), "te": np.array(self.te), "hits": self.hits.copy(), "bmus": self.bmus.copy(),
            "umatrix": self.u_matrix(), "t": self.t, "T": self.T, "n": self.n, "epoch": self.epoch,
            "schedule": self.schedule(), "sigma": s, "eta": eta, "stage": self.stage,
            "dataset": p.dataset, "neighbourhood": p.neighbourhood, "inhibition": p.inhibition}
        return Frame(t=float(self.epoch), step=self.t, stage=self.said, values=rows, data=data,
                     equation=equation_lines(self), message=self._blowup)

    def schedule(self, points: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t, sigma(t), eta(t)) at `points` times over the run."""
        ts = np.linspace(0, self.T, points)
        pairs = np.array([self.sigma_eta(int(t)) for t in ts])
        return ts, pairs[:, 0], pairs[:, 1]

    def errors_now(self) -> tuple[float, float]:
        """(QE, TE) of the map as it is: the last epoch's measurement, or measured now when samples of an
        unfinished epoch have moved it since (the BMUs and hits of the last epoch stay as they are)."""
        if self.i == 0:
            return self.qe[-1], self.te[-1]
        qe, te = K.evaluate(self.Wt, self.x, self.adjacent, np.empty_like(self.bmus), np.empty_like(self.hits),
                            np.empty(self.units))
        return float(qe), float(te)

    def metrics(self) -> dict[str, Any]:
        qe, te = self.errors_now()
        return {"qe": qe, "te": te, "epochs": self.epoch}

    def traces(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "qe": np.array(self.qe), "te": np.array(self.te),
                "hits": self.hits.reshape(self.params.rows, self.params.cols).copy()}
