"""The SOM training workload and its peers: nnlab's SOM lab, MiniSom 2.3.6, a hand-written numba loop and a
plain numpy loop.

The lecture's update (nnlab.core.som), for a sample x at step t of T = epochs x samples:

    BMU      b = argmin_u |x - W_u|^2                         (the first unit of least distance)
    update   W_u += eta(t) theta_u (x - W_u) for every unit u,  theta_u = exp(-d(u, b)^2 / (2 sigma(t)^2))
    decay    sigma(t) = sigma (sigma_end / sigma)^(t/T),  eta(t) = lr (lr_end / lr)^(t/T)   (exponential)

with d the Euclidean distance between lattice positions: unit u = r * cols + c sits at (c, r). One epoch
presents every sample once, in an order nnlab's model draws from its Generator (`rng.permutation(n)`, after
its initial weights). Every peer starts from nnlab's initial weights ("random": uniform in the middle fifth of
the data's range, seed 0) and presents the samples in nnlab's order with nnlab's t and T, so every peer
computes the same map; a run returns `_final`, a function giving its final (units, dim) weights in nnlab's
unit order, which `finish()` turns (after the timing) into the quantization error every peer is checked with.

MiniSom 2.3.6 (read from its source): `MiniSom(x, y, input_len, ...)` holds weights (x, y, input_len) and
the unit (i, j) at integer (i, j); with x = rows, unit (r, c) is weights[r, c], nnlab's unit r * cols + c in
row-major order. Its gaussian is separable, exp(-(i - i_b)^2 / 2 sigma^2) exp(-(j - j_b)^2 / 2 sigma^2),
which is exp(-d^2 / 2 sigma^2) on the Euclidean lattice distance (nnlab's kernel computes the same product).
`update(x, win, t, max_iteration)` calls `decay_function(learning_rate, t, max_iteration)` and
`sigma_decay_function(sigma, t, max_iteration)` with the constructor's starting values; `train(data,
num_iteration)` (use_epochs=False, random_order=False) presents data[t % len(data)] at t = 0, 1, ...,
num_iteration - 1 with max_iteration = num_iteration, so `train(x[order], n)` is nnlab's sequence, t and T.
`decay_function` takes a callable, but `sigma_decay_function` only one of three names
('inverse_decay_to_one', 'linear_decay_to_one' — both end at sigma = 1 — and 'asymptotic_decay', sigma / 3
at t = T): the exponential schedule is put in place of the chosen one after construction
(`_sigma_decay_function`, the attribute `update` calls). Both default to 'asymptotic_decay',
a / (1 + 2 t / T), which earlier MiniSom versions did not: hence everything passed explicitly here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np

from harness import Peer

MINISOM_VERSION = "2.3.6"


@dataclass(frozen=True)
class SOMSpec:
    """The workload: the data, the map and the schedule."""

    rows: int = 20
    cols: int = 20
    n: int = 10_000
    dim: int = 3
    epochs: int = 1
    sigma: float = 3.0
    sigma_end: float = 0.5
    lr: float = 0.5
    lr_end: float = 0.01
    seed: int = 0
    """nnlab's model seed: its initial weights (copied into the peers) and its epoch order."""
    data_seed: int = 1
    """Seed of the random colours."""

    @property
    def units(self) -> int:
        """Training samples of one run (one epoch)."""
        return self.n

    @property
    def map_units(self) -> int:
        return self.rows * self.cols

    @property
    def T(self) -> int:
        """Samples of the whole run, over which sigma and eta decay."""
        return self.epochs * self.n

    def describe(self) -> dict[str, Any]:
        return {"map": f"{self.rows} x {self.cols} rect", "units": self.map_units, "samples": self.n,
                "data": f"{self.n:,} random colours, U[0, 1]^3, numpy default_rng({self.data_seed}), given to nnlab "
                        "as MapData(x)",
                "epochs": self.epochs, "T": self.T, "neighbourhood": "gaussian exp(-d^2 / 2 sigma^2), d Euclidean "
                "lattice distance (unit (r, c) at (c, r))",
                "decay": f"exponential over T: sigma {self.sigma:g} -> {self.sigma_end:g}, lr {self.lr:g} -> "
                         f"{self.lr_end:g}, a (b/a)^(t/T)",
                "init": f"nnlab init='random' (uniform in the middle fifth of the data's range), seed {self.seed}, "
                        "copied into every peer",
                "order": "nnlab's: the model's rng.permutation(n) after its initial weights, for every peer"}


SPEC = SOMSpec()


# -- data and the common check -------------------------------------------------------------------------------
def load_data(spec: SOMSpec) -> np.ndarray:
    """(n, 3) float64 colours, the same array for every peer."""
    return np.random.default_rng(spec.data_seed).random((spec.n, spec.dim))


def quantization_error(W: np.ndarray, x: np.ndarray, chunk: int = 1000) -> float:
    """Mean over the samples of the distance to the nearest unit, from differences (not the |x|^2 - 2 x.w +
    |w|^2 expansion), in float64: the check every peer gets."""
    W = np.asarray(W, dtype=np.float64)
    total = 0.0
    for s in range(0, len(x), chunk):
        d = ((x[s:s + chunk, None, :] - W[None, :, :]) ** 2).sum(axis=2)
        total += float(np.sqrt(d.min(axis=1)).sum())
    return total / len(x)


def finish(result: dict[str, Any], x: np.ndarray, W_nnlab: np.ndarray | None = None) -> None:
    """Replace a run's `_final` (after the timing) with its final weights' QE and max |W - W_nnlab|."""
    final = result.pop("_final", None)
    if final is None:
        return
    W = np.asarray(final(), dtype=np.float64)
    result["W"] = W
    result["qe"] = quantization_error(W, x)
    if W_nnlab is not None:
        result["max_abs_diff_W_nnlab"] = float(np.abs(W - W_nnlab).max())


# -- nnlab -----------------------------------------------------------------------------------------------------
def nnlab_params(spec: SOMSpec) -> Any:
    from nnlab.core.som.params import SOMParams

    return SOMParams(dataset="colours", n_samples=spec.n, rows=spec.rows, cols=spec.cols, topology="rect",
                     neighbourhood="gaussian", sigma=spec.sigma, sigma_end=spec.sigma_end, lr=spec.lr,
                     lr_end=spec.lr_end, decay="exponential", epochs=spec.epochs, init="random")


def nnlab_model(spec: SOMSpec, x: np.ndarray) -> Any:
    from nnlab.core.som.data import MapData
    from nnlab.core.som.map_model import SOMModel

    return SOMModel(nnlab_params(spec), spec.seed, data=MapData(x))


def reference(spec: SOMSpec, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W0, order): nnlab's initial weights (units, dim) and the order its first epoch presents the samples in
    (the model's next `rng.permutation(n)`, as `SOMModel._train_epoch` draws it)."""
    m = nnlab_model(spec, x)
    return m.Wt.T.copy(), m.rng.permutation(m.n)


def kernel_args(m: Any) -> tuple:
    """`kernels.train_samples`'s arguments after (Wt, data, order), for the first epoch of model `m`."""
    from nnlab.core.som.params import DECAYS, NEIGHBOURHOODS

    p = m.params
    return (0, m.T, p.sigma, p.sigma_end, p.lr, p.lr_end, DECAYS.index(p.decay), NEIGHBOURHOODS.index(p.neighbourhood),
            p.inhibition, p.rows, p.cols, p.topology == "hex", m._dist, m._theta, m._fy, m._fx, m._grid)


def run_epoch(m: Any) -> int:
    """Train a fresh model's whole run (here one epoch) as the lab's run does: `advance(default_steps())`.
    `advance` counted epochs at nnlab 80a43e0 (default_steps() = 1 here) and counts samples since
    (default_steps() = 10,000); either way the call is one epoch. Returns the argument."""
    k = int(m.default_steps())
    m.advance(k)
    return k


def nnlab_peer(spec: SOMSpec, x: np.ndarray) -> Peer:
    """`SOMModel.advance` over the run (one epoch) as the lab runs it: the samples, then QE and TE on all the
    data."""

    def setup() -> Callable[[], dict[str, Any]]:
        m = nnlab_model(spec, x)
        evaluations = len(m.qe)

        def run() -> dict[str, Any]:
            k = run_epoch(m)
            return {"advance_arg": k, "epoch": m.epoch, "i": m.i, "evaluations": len(m.qe) - evaluations,
                    "nnlab_qe": m.qe[-1], "nnlab_te": m.te[-1], "_final": lambda: m.Wt.T.copy()}

        return run

    note = (f"as the lab runs an epoch, advance(default_steps()) on a fresh model: {spec.n:,} samples in the "
            f"model's own random order, then its read-outs, quantization and topographic error on all {spec.n:,} "
            "samples (`kernels.evaluate`: a second BMU search of every sample, which no peer does); setup builds "
            "the model")
    return Peer("nnlab advance, one epoch", setup, "nnlab", "advance", spec.units, note)


def nnlab_kernel_peer(spec: SOMSpec, x: np.ndarray) -> Peer:
    """`kernels.train_samples` alone, one call for the epoch, in the order advance would draw."""
    from nnlab.core.som import kernels as K

    def setup() -> Callable[[], dict[str, Any]]:
        m = nnlab_model(spec, x)
        order = m.rng.permutation(m.n)
        args = kernel_args(m)

        def run() -> dict[str, Any]:
            K.train_samples(m.Wt, m.x, order, *args)
            return {"_final": lambda: m.Wt.T.copy()}

        return run

    note = ("for information: the training alone, one `kernels.train_samples` call for the epoch in the order "
            "advance draws, no evaluation; setup builds the model and draws the order")
    return Peer("nnlab kernel train_samples (training only)", setup, "nnlab", "kernel", spec.units, note)


# -- MiniSom ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpDecay:
    """MiniSom's decay signature f(start, t, max_iter) computing nnlab's exponential schedule
    start (end / start)^(t / max_iter)."""

    end: float

    def __call__(self, start: float, t: float, max_iter: float) -> float:
        return start * (self.end / start) ** (t / max_iter)


def minisom_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("minisom")


def minisom_model(spec: SOMSpec, W0: np.ndarray) -> Any:
    """MiniSom with the gaussian, the rectangular lattice and nnlab's exponential schedule for both sigma and
    the learning rate passed explicitly, weights set to nnlab's initial ones."""
    from minisom import MiniSom

    som = MiniSom(spec.rows, spec.cols, spec.dim, sigma=spec.sigma, learning_rate=spec.lr,
                  decay_function=ExpDecay(spec.lr_end), neighborhood_function="gaussian", topology="rectangular",
                  activation_distance="euclidean", random_seed=spec.seed, sigma_decay_function="asymptotic_decay")
    # 2.3.6 takes only a name for sigma's decay; put the exponential schedule where update() looks it up.
    som._sigma_decay_function = ExpDecay(spec.sigma_end)
    som._weights = W0.reshape(spec.rows, spec.cols, spec.dim).copy()
    return som


Reference = Callable[[], tuple[np.ndarray, np.ndarray]]
"""`reference(spec, x)`, computed at the first call (after nnlab's warm-up, so that nnlab's first run shows
its cold compile) and kept."""


def minisom_peer(spec: SOMSpec, x: np.ndarray, ref: Reference) -> Peer:
    """`MiniSom.train(x[order], n)`: sequential presentation of the reordered data, t = 0 .. n - 1, max_iter n."""

    def setup() -> Callable[[], dict[str, Any]]:
        W0, order = ref()
        xo = np.ascontiguousarray(x[order])
        som = minisom_model(spec, W0)

        def run() -> dict[str, Any]:
            som.train(xo, spec.T)
            return {"_final": lambda: som.get_weights().reshape(spec.map_units, spec.dim).copy()}

        return run

    note = ("MiniSom's own training loop (train, use_epochs=False, in order): per sample winner() (norm of x - W "
            "over the map, argmin) and update() (a separable 20 x 20 gaussian from two meshgrids, einsum); given "
            "nnlab's order as its data (permuted in setup, untimed); construction (setup: MiniSom(...), the weights "
            "copied in) not timed")
    return Peer(f"MiniSom {minisom_version()} train, nnlab's order", setup, "minisom", "train", spec.units, note)


# -- hand-written numba ----------------------------------------------------------------------------------------
@numba.njit(cache=True)
def hand_epoch(W: np.ndarray, x: np.ndarray, order: np.ndarray, cols: int, T: int, sigma0: float, sigma1: float,
               lr0: float, lr1: float) -> None:
    """One epoch on (units, dim) weights: squared distances unit by unit, argmin, then exp(-d^2 / 2 s^2) per
    unit and the update; the schedule a (b/a)^(t/T) per sample."""
    units, dim = W.shape
    for i in range(order.shape[0]):
        frac = i / T
        s = sigma0 * (sigma1 / sigma0) ** frac
        eta = lr0 * (lr1 / lr0) ** frac
        xi = x[order[i]]
        best = 0
        low = np.inf
        for u in range(units):
            d = 0.0
            for k in range(dim):
                e = W[u, k] - xi[k]
                d += e * e
            if d < low:
                low = d
                best = u
        rb = best // cols
        cb = best % cols
        two_s2 = 2.0 * s * s
        for u in range(units):
            dr = u // cols - rb
            dc = u % cols - cb
            h = eta * np.exp(-(dr * dr + dc * dc) / two_s2)
            for k in range(dim):
                W[u, k] += h * (xi[k] - W[u, k])


def hand_numba_peer(spec: SOMSpec, x: np.ndarray, ref: Reference) -> Peer:
    def setup() -> Callable[[], dict[str, Any]]:
        W0, order = ref()
        W = W0.copy()

        def run() -> dict[str, Any]:
            hand_epoch(W, x, order, spec.cols, spec.T, spec.sigma, spec.sigma_end, spec.lr, spec.lr_end)
            return {"_final": lambda: W.copy()}

        return run

    note = ("@numba.njit(cache=True), one call for the epoch: weights (units, dim), a loop over units for the "
            "squared distances and the argmin, then one exp per unit (d^2 = dr^2 + dc^2) and the update")
    return Peer("numba @njit, hand-written loop", setup, "numba", "hand", spec.units, note)


# -- numpy -----------------------------------------------------------------------------------------------------
def lattice_positions(spec: SOMSpec) -> np.ndarray:
    """(units, 2) positions (c, r) of the units, as nnlab's rect lattice."""
    r, c = np.divmod(np.arange(spec.map_units), spec.cols)
    return np.column_stack([c, r]).astype(np.float64)


def numpy_epoch(W: np.ndarray, x: np.ndarray, order: np.ndarray, pos: np.ndarray, T: int, sigma0: float,
                sigma1: float, lr0: float, lr1: float) -> None:
    """One epoch, a Python loop over the samples, each vectorised over the units."""
    for i, j in enumerate(order):
        frac = i / T
        s = sigma0 * (sigma1 / sigma0) ** frac
        eta = lr0 * (lr1 / lr0) ** frac
        xi = x[j]
        b = int(np.argmin(((W - xi) ** 2).sum(axis=1)))
        d2 = ((pos - pos[b]) ** 2).sum(axis=1)
        W += (eta * np.exp(-d2 / (2.0 * s * s)))[:, None] * (xi - W)


def numpy_peer(spec: SOMSpec, x: np.ndarray, ref: Reference) -> Peer:
    pos = lattice_positions(spec)

    def setup() -> Callable[[], dict[str, Any]]:
        W0, order = ref()
        W = W0.copy()

        def run() -> dict[str, Any]:
            numpy_epoch(W, x, order, pos, spec.T, spec.sigma, spec.sigma_end, spec.lr, spec.lr_end)
            return {"_final": lambda: W.copy()}

        return run

    note = "per sample: squared distances to all units, argmin, exp(-d^2 / 2 s^2) on the lattice positions, update"
    return Peer("numpy, Python loop over samples", setup, "numpy", "loop", spec.units, note)


# -- every peer ------------------------------------------------------------------------------------------------
def peers(spec: SOMSpec, x: np.ndarray) -> tuple[list[Peer], Reference]:
    """(peers, the reference: nnlab's initial weights and first-epoch order), nnlab first."""
    ref = functools.cache(lambda: reference(spec, x))
    return ([nnlab_peer(spec, x), nnlab_kernel_peer(spec, x), minisom_peer(spec, x, ref),
             hand_numba_peer(spec, x, ref), numpy_peer(spec, x, ref)], ref)


# -- untimed measurements --------------------------------------------------------------------------------------
def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    import time

    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(ts))


def nnlab_evaluate_ms(spec: SOMSpec, x: np.ndarray, repeat: int = 7) -> dict[str, Any]:
    """nnlab's per-epoch read-out alone, `kernels.evaluate` (QE and TE on all the data) after an epoch, median
    ms."""
    from nnlab.core.som import kernels as K

    out: dict[str, Any] = {}
    try:
        m = nnlab_model(spec, x)
        run_epoch(m)
        out["evaluate_ms"] = median_ms(lambda: K.evaluate(m.Wt, m.x, m.adjacent, m.bmus, m.hits, m._dist), repeat)
        out["evaluate_rows"] = int(m.n)
    except Exception as exc:  # noqa: BLE001 - a model that is being changed
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def minisom_facts(spec: SOMSpec, x: np.ndarray, W0: np.ndarray, order: np.ndarray) -> dict[str, Any]:
    """What the installed MiniSom does, checked against nnlab: the decay functions it takes and its defaults,
    its schedule here against nnlab's at every t, its gaussian against nnlab's neighbourhood kernel and against
    exp(-d^2 / 2 sigma^2) on the Euclidean lattice distance, and the winner of its first sample."""
    from minisom import MiniSom

    from nnlab.core.som import kernels as K

    out: dict[str, Any] = {"version": minisom_version()}
    try:
        MiniSom(spec.rows, spec.cols, spec.dim, sigma=spec.sigma, sigma_decay_function=ExpDecay(spec.sigma_end))
        out["sigma_decay_function_callable"] = "accepted"
    except ValueError as exc:
        out["sigma_decay_function_callable"] = f"refused: ValueError: {exc}"
    d = MiniSom(spec.rows, spec.cols, spec.dim)
    T = spec.T
    out["defaults"] = {"decay_function": d._learning_rate_decay_function.__name__,
                       "sigma_decay_function": d._sigma_decay_function.__name__,
                       "lr_at_T_over_lr0": d._learning_rate_decay_function(1.0, T, T),
                       "sigma_at_T_over_sigma0": d._sigma_decay_function(1.0, T, T),
                       "neighborhood_function": d.neighborhood.__name__, "topology": d.topology}
    som = minisom_model(spec, W0)
    m = nnlab_model(spec, x)
    ts = np.arange(T)
    nn = np.array([m.sigma_eta(int(t)) for t in ts])
    ms = np.array([(som._sigma_decay_function(som._sigma, t, T), som._learning_rate_decay_function(
        som._learning_rate, t, T)) for t in ts])
    out["schedule_max_abs_diff"] = {"sigma": float(np.abs(ms[:, 0] - nn[:, 0]).max()),
                                    "eta": float(np.abs(ms[:, 1] - nn[:, 1]).max())}
    out["schedule_last_sample"] = {"t": T - 1, "sigma": float(ms[-1, 0]), "eta": float(ms[-1, 1])}
    r, c = np.divmod(np.arange(spec.map_units), spec.cols)
    theta = np.zeros(spec.map_units)
    fy, fx = np.empty((2, spec.rows)), np.empty((2, 2, spec.cols))
    grid = np.stack([np.arange(spec.cols, dtype=np.float64), np.arange(spec.cols) + 0.5])
    vs_nnlab = vs_direct = 0.0
    for s in (spec.sigma, 1.3, spec.sigma_end):
        for b in range(spec.map_units):
            g = som.neighborhood((b // spec.cols, b % spec.cols), s).reshape(-1)
            K.neighbourhood(theta, b, spec.rows, spec.cols, False, s, K.GAUSSIAN, 0.1, fy, fx, grid)
            direct = np.exp(-((r - b // spec.cols) ** 2 + (c - b % spec.cols) ** 2) / (2.0 * s * s))
            vs_nnlab = max(vs_nnlab, float(np.abs(g - theta).max()))
            vs_direct = max(vs_direct, float(np.abs(g - direct).max()))
    out["gaussian_max_abs_diff"] = {"vs_nnlab_kernel": vs_nnlab, "vs_exp_of_squared_euclidean_distance": vs_direct,
                                    "sigmas": [spec.sigma, 1.3, spec.sigma_end]}
    x0 = x[order[0]]
    win = som.winner(x0)
    out["first_winner"] = {"minisom": [int(win[0]), int(win[1])],
                           "nnlab_unit": int(K.find_bmu(m.Wt, x0, np.empty(spec.map_units))),
                           "minisom_as_unit": int(win[0]) * spec.cols + int(win[1])}
    return out


def minisom_train_fn(spec: SOMSpec, x: np.ndarray, W0: np.ndarray, order: np.ndarray) -> Callable[[], None]:
    """One MiniSom epoch from nnlab's initial weights (for the profile)."""
    xo = np.ascontiguousarray(x[order])
    som = minisom_model(spec, W0)

    def fn() -> None:
        som._weights = W0.reshape(spec.rows, spec.cols, spec.dim).copy()
        som.train(xo, spec.T)

    return fn


def exp_share(spec: SOMSpec) -> dict[str, float]:
    """Exponentials per sample: the hand loop's (one per unit) and nnlab's separable kernel's (rows + cols)."""
    return {"hand_loop": float(spec.map_units), "nnlab_separable": float(spec.rows + spec.cols),
            "minisom_separable_but_full_grid": float(2 * spec.map_units)}

