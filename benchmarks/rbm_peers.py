"""The RBM training workloads and their peers: nnlab's RBM lab, scikit-learn's BernoulliRBM, a plain numpy
CD-1 loop and the same loop in PyTorch CPU.

The lecture's conventions (nnlab.core.rbm.params): binary units, W of shape (n_h, n_v),

    E(v, h) = -h^T W v + v^T b + h^T c,   P(h = 1 | v) = sigmoid(W v - c),   P(v = 1 | h) = sigmoid(W^T h - b)
    CD-1 on a batch v1 of B rows:  h1 ~ P(h | v1),  v2 ~ P(v | h1),  h2 ~ P(h | v2)      (sampled binary states)
    update  W += lr (h1^T v1 - h2^T v2) / B,  b -= lr mean(v1 - v2),  c -= lr mean(h1 - h2)     (lr 0.1)

One epoch: every training row once, in batches of 100 (the last one partial). nnlab, the numpy loop and
PyTorch draw a fresh random order per epoch; scikit-learn's `fit` takes the rows in their order, in
`gen_even_slices` batches. scikit-learn runs persistent CD (its "SML"): the negative chain continues from
the last batch's hidden samples, and its statistics use P(h | v), not sampled h; it writes the model as
P(h | v) = sigmoid(components_ v + intercept_hidden_), so W = components_, c = -intercept_hidden_,
b = -intercept_visible_. nnlab runs CD-1 and PCD (`persistent=True`), so PCD is the like-for-like
algorithm against scikit-learn.

Every peer but scikit-learn's `fit` (which draws its own N(0, 0.01^2) weights inside the call) starts from
nnlab's initial weights (N(0, 0.1^2), seed 0) and zero biases. A run returns `_final`, a function giving its
final (W, b, c) in float64 in the lecture's convention; `finish()` turns it, after the timing, into the
reconstruction MSE every peer is checked with.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from harness import Peer
from mlp_peers import import_torch


@dataclass(frozen=True)
class RBMSpec:
    """One workload: the data, the machine and the training settings."""

    name: str
    """"digits" (the bundled 8x8 digits, binarised by nnlab) or "random" (random bits, P(1) = 0.5)."""
    n_visible: int
    n_hidden: int
    n: int
    batch: int = 100
    lr: float = 0.1
    k: int = 1
    seed: int = 0
    """nnlab's model seed: its initial weights (copied into the peers) and its epoch order."""
    data_seed: int = 1
    """Seed of the random data set."""

    @property
    def units(self) -> int:
        """Training samples per epoch."""
        return self.n

    @property
    def n_batches(self) -> int:
        return -(-self.n // self.batch)

    def describe(self) -> dict[str, Any]:
        data = ("bundled UCI digits as nnlab's RBM lab reads them (dataset='digits': a pixel on at grey level >= 8 "
                "of 16), model.train of RBMTrainModel" if self.name == "digits"
                else f"{self.n} x {self.n_visible} bits, P(1) = 0.5, numpy default_rng({self.data_seed}); nnlab "
                     "reads them from an .npz (dataset='file')")
        return {"visible": self.n_visible, "hidden": self.n_hidden, "samples": self.n, "data": data,
                "batch": self.batch, "batches_per_epoch": self.n_batches,
                "last_batch": self.n - (self.n_batches - 1) * self.batch, "lr_weights_and_biases": self.lr,
                "k": self.k, "init": f"nnlab N(0, 0.1^2) (seed {self.seed}), zero biases, copied into every peer but "
                                     "sklearn fit (its own N(0, 0.01^2))", "units": self.units}


SPECS = {"digits": RBMSpec("digits", 64, 100, 1797), "random": RBMSpec("random", 784, 256, 10_000)}


# -- data ---------------------------------------------------------------------------------------------------
def load_data(spec: RBMSpec, directory: str) -> tuple[np.ndarray, str | None]:
    """(x, data_file): the (n, n_v) float64 0/1 rows every peer trains on, and the .npz nnlab reads (None for
    digits, which nnlab bundles)."""
    if spec.name == "digits":
        x = nnlab_model(spec, None).train
        if x.shape != (spec.n, spec.n_visible):
            raise RuntimeError(f"nnlab's digits: expected {(spec.n, spec.n_visible)}, found {x.shape}")
        return np.ascontiguousarray(x), None
    x = (np.random.default_rng(spec.data_seed).random((spec.n, spec.n_visible)) < 0.5).astype(np.float64)
    path = os.path.join(directory, "rbm-random.npz")
    np.savez(path, x=x.astype(np.uint8))  # nnlab's loader takes an array `x` of values in [0, 1]
    return x, path


def cleanup(path: str | None) -> None:
    if path:
        Path(path).unlink(missing_ok=True)


# -- the check every peer gets ---------------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return expit(z)


def recon_mse(W: np.ndarray, b: np.ndarray, c: np.ndarray, x: np.ndarray) -> float:
    """Mean over all rows and units of (v - sigmoid(W^T sigmoid(W v - c) - b))^2, in float64."""
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    r = sigmoid(sigmoid(x @ W.T - c) @ W - b)
    return float(((x - r) ** 2).mean())


def finish(result: dict[str, Any], x: np.ndarray) -> None:
    """Replace a run's `_final` (after the timing) with the reconstruction MSE of its final weights."""
    final = result.pop("_final", None)
    if final is not None:
        result["recon_mse"] = recon_mse(*final(), x)


def f64(*arrays: Any) -> tuple[np.ndarray, ...]:
    return tuple(np.array(a, dtype=np.float64) for a in arrays)


# -- nnlab ------------------------------------------------------------------------------------------------
def has_precision() -> bool:
    """Whether RBMParams has the `precision` knob yet."""
    from nnlab.core.rbm.params import RBMParams

    return "precision" in {f.name for f in dataclasses.fields(RBMParams)}


def nnlab_params(spec: RBMSpec, data_file: str | None, persistent: bool = False, precision: str = "float64") -> Any:
    """RBMParams of the workload; `precision` is passed only when RBMParams has the knob (float32 needs it)."""
    from nnlab.core.rbm.params import RBMParams

    common = dict(n_visible=spec.n_visible, n_hidden=spec.n_hidden, test_fraction=0.0, kappa=spec.lr, gamma=spec.lr,
                  k=spec.k, batch_size=spec.batch, persistent=persistent, epochs=1, init_scale=0.1, chains=16)
    if has_precision():
        common["precision"] = precision
    elif precision != "float64":
        raise TypeError("RBMParams has no `precision` knob yet")
    if spec.name == "digits":
        return RBMParams(dataset="digits", **common)
    return RBMParams(dataset="file", data_file=data_file, **common)


def nnlab_model(spec: RBMSpec, data_file: str | None, persistent: bool = False, precision: str = "float64") -> Any:
    from nnlab.core.rbm.train_model import RBMTrainModel

    return RBMTrainModel(nnlab_params(spec, data_file, persistent, precision), spec.seed)


def nnlab_label(persistent: bool, precision: str) -> str:
    return f"nnlab advance(1), {'PCD' if persistent else 'CD-1'}, {precision}"


def nnlab_note(eval_rows: int | None) -> str:
    rows = f"{eval_rows:,}" if eval_rows else "the"
    return (f"as the lab runs an epoch: the CD updates, then its read-outs (reconstruction error and mean free "
            f"energy of {rows} training rows); the dreams are drawn only when the dreams view shows them (timed "
            f"apart below)")


def precision_doc() -> str:
    """RBMParams' own words on its `precision` knob ("" before it exists)."""
    from nnlab.core.rbm.params import RBMParams

    f = next((f for f in dataclasses.fields(RBMParams) if f.name == "precision"), None)
    return f.metadata["knob"].doc if f is not None else ""


def nnlab_peer(spec: RBMSpec, data_file: str | None, persistent: bool, precision: str,
               eval_rows: int | None = None, second: bool = False) -> Peer | dict[str, str]:
    """nnlab `RBMTrainModel.advance(1)`; setup builds the model (and with `second` trains its first epoch, so
    that the run is its second). A dict (label, note) when it cannot run. `eval_rows`: the rows nnlab's
    bookkeeping evaluates (for the note)."""
    label = nnlab_label(persistent, precision) + (", 2nd epoch" if second else "")
    try:
        nnlab_params(spec, data_file, persistent, precision)
    except (TypeError, ValueError) as exc:
        return {"label": label, "note": f"skipped: RBMParams refuses precision={precision!r} ({exc})"}

    def setup() -> Callable[[], dict[str, Any]]:
        m = nnlab_model(spec, data_file, persistent, precision)
        if second:
            m.advance(1)

        def run() -> dict[str, Any]:
            m.advance(1)
            return {"epochs": m.epoch, "W_dtype": str(np.asarray(m.W).dtype), "_final": lambda: f64(m.W, m.b, m.c),
                    "nnlab_recon": float(m.recon[-1])}

        return run

    method = f"{'pcd' if persistent else 'cd1'}_{precision}" + ("_2nd" if second else "")
    note = nnlab_note(eval_rows)
    note += ("; the second epoch of a model (setup trains the first)" if second else
             "; the first epoch of a freshly built model (its one-off costs included)")
    if persistent:
        note += "; persistent CD: the negative chain continues from the last update's hidden states"
    if precision != "float64":
        note += f"; precision={precision!r} (RBMParams: \"{precision_doc()}\")"
    return Peer(label, setup, "nnlab", method, spec.units, note)


# -- scikit-learn -----------------------------------------------------------------------------------------
def sklearn_fit_peer(spec: RBMSpec, x: np.ndarray, dtype: str) -> Peer:
    """`BernoulliRBM(...).fit(X)` with n_iter=1: the timed call includes fit's own setup (validation, init)."""
    from sklearn.neural_network import BernoulliRBM

    xd = np.ascontiguousarray(x, dtype=dtype)

    def setup() -> Callable[[], dict[str, Any]]:
        rbm = BernoulliRBM(n_components=spec.n_hidden, learning_rate=spec.lr, batch_size=spec.batch, n_iter=1,
                           random_state=spec.seed)

        def run() -> dict[str, Any]:
            rbm.fit(xd)
            return {"components_dtype": str(rbm.components_.dtype),
                    "intercept_hidden_dtype": str(rbm.intercept_hidden_.dtype),
                    "h_samples_dtype": str(rbm.h_samples_.dtype),
                    "_final": lambda: f64(rbm.components_, -rbm.intercept_visible_, -rbm.intercept_hidden_)}

        return run

    note = ("persistent CD (SML), statistics from P(h|v); rows in their order; the timed fit call includes its "
            "validation of X and its own init (N(0, 0.01^2), seed 0, not nnlab's weights)")
    return Peer(f"sklearn BernoulliRBM.fit, n_iter=1, {dtype}", setup, "sklearn", f"pcd_{dtype}", spec.units, note)


def sklearn_partial_peer(spec: RBMSpec, x: np.ndarray, W0: np.ndarray) -> Peer:
    """`partial_fit` once per batch (fit's batches), from nnlab's initial weights set before the first call."""
    from sklearn.neural_network import BernoulliRBM
    from sklearn.utils import gen_even_slices

    slices = list(gen_even_slices(spec.n_batches * spec.batch, spec.n_batches, n_samples=spec.n))

    def setup() -> Callable[[], dict[str, Any]]:
        rbm = BernoulliRBM(n_components=spec.n_hidden, learning_rate=spec.lr, batch_size=spec.batch,
                           random_state=spec.seed)
        rbm.components_ = np.asfortranarray(W0)  # the layout fit gives it
        rbm.intercept_hidden_ = np.zeros(spec.n_hidden)
        rbm.intercept_visible_ = np.zeros(spec.n_visible)
        rbm.h_samples_ = np.zeros((spec.batch, spec.n_hidden))
        rbm.random_state_ = np.random.RandomState(spec.seed)
        rbm.n_features_in_ = spec.n_visible
        rbm._n_features_out = spec.n_hidden

        def run() -> dict[str, Any]:
            for s in slices:
                rbm.partial_fit(x[s])
            return {"components_dtype": str(rbm.components_.dtype),
                    "_final": lambda: f64(rbm.components_, -rbm.intercept_visible_, -rbm.intercept_hidden_)}

        return run

    note = ("persistent CD as fit, from nnlab's initial weights; every call validates its batch and sklearn's "
            "parameters (float64 only: partial_fit converts X to float64)")
    return Peer("sklearn partial_fit per batch, float64", setup, "sklearn", "pcd_float64_partial", spec.units, note)


# -- numpy ------------------------------------------------------------------------------------------------------
def numpy_epoch(W: np.ndarray, b: np.ndarray, c: np.ndarray, x: np.ndarray, order: np.ndarray, batch: int,
                lr: float, rng: np.random.Generator) -> None:
    """One CD-1 epoch in `order`, updating W, b, c in place, in their dtype: the natural vectorised loop."""
    dt = W.dtype
    with np.errstate(over="ignore"):  # exp of a large gap: inf, whose sigmoid is 0 as it should be
        for start in range(0, len(order), batch):
            v1 = x[order[start:start + batch]]
            B = len(v1)
            p = 1.0 / (1.0 + np.exp(c - v1 @ W.T))
            h1 = (rng.random(p.shape, dtype=dt) < p).astype(dt)
            p = 1.0 / (1.0 + np.exp(b - h1 @ W))
            v2 = (rng.random(p.shape, dtype=dt) < p).astype(dt)
            p = 1.0 / (1.0 + np.exp(c - v2 @ W.T))
            h2 = (rng.random(p.shape, dtype=dt) < p).astype(dt)
            W += (lr / B) * (h1.T @ v1 - h2.T @ v2)
            b -= lr * (v1 - v2).mean(axis=0)
            c -= lr * (h1 - h2).mean(axis=0)


def numpy_peer(spec: RBMSpec, x: np.ndarray, W0: np.ndarray, dtype: str) -> Peer:
    xd = x.astype(dtype)

    def setup() -> Callable[[], dict[str, Any]]:
        W, b, c = W0.astype(dtype), np.zeros(spec.n_visible, dtype), np.zeros(spec.n_hidden, dtype)
        rng = np.random.default_rng(spec.seed)

        def run() -> dict[str, Any]:
            numpy_epoch(W, b, c, xd, rng.permutation(spec.n), spec.batch, spec.lr, rng)
            return {"_final": lambda: f64(W, b, c)}

        return run

    return Peer(f"numpy CD-1 loop, {dtype}", setup, "numpy", f"cd1_{dtype}", spec.units,
                "sampled states, sigmoid as 1/(1+exp(-x)), uniforms in the working dtype; nothing else computed")


# -- PyTorch -----------------------------------------------------------------------------------------------------
def torch_native_threads() -> int:
    """torch's intra-op threads in a process without the *_NUM_THREADS variables this script sets."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                             "OPENBLAS_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.get_num_threads())"], env=env,
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def torch_epoch(W: Any, b: Any, c: Any, xt: Any, perm: Any, batch: int, lr: float, gen: Any) -> None:
    """The numpy loop in torch: sigmoid, bernoulli, in-place updates."""
    torch = import_torch()
    with torch.no_grad():
        for start in range(0, len(perm), batch):
            v1 = xt[perm[start:start + batch]]
            B = len(v1)
            h1 = torch.bernoulli(torch.sigmoid(v1 @ W.T - c), generator=gen)
            v2 = torch.bernoulli(torch.sigmoid(h1 @ W - b), generator=gen)
            h2 = torch.bernoulli(torch.sigmoid(v2 @ W.T - c), generator=gen)
            W.add_(h1.T @ v1 - h2.T @ v2, alpha=lr / B)
            b.sub_((v1 - v2).mean(dim=0), alpha=lr)
            c.sub_((h1 - h2).mean(dim=0), alpha=lr)


def torch_peer(spec: RBMSpec, x: np.ndarray, W0: np.ndarray, dtype_name: str, threads: int) -> Peer:
    torch = import_torch()
    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
    xt = torch.from_numpy(x).to(dtype)

    def setup() -> Callable[[], dict[str, Any]]:
        torch.set_num_threads(threads)
        W = torch.from_numpy(W0).to(dtype).clone()
        b, c = torch.zeros(spec.n_visible, dtype=dtype), torch.zeros(spec.n_hidden, dtype=dtype)
        gen = torch.Generator().manual_seed(spec.seed)

        def run() -> dict[str, Any]:
            torch_epoch(W, b, c, xt, torch.randperm(spec.n, generator=gen), spec.batch, spec.lr, gen)
            return {"threads": torch.get_num_threads(), "_final": lambda: f64(W.numpy(), b.numpy(), c.numpy())}

        return run

    label = f"torch CD-1 loop, {dtype_name}, {threads} thread" + ("s" if threads > 1 else "")
    return Peer(label, setup, "torch", f"cd1_{dtype_name}_t{threads}", spec.units,
                "torch.no_grad(), sigmoid + bernoulli, in-place updates, indexing by torch.randperm")


# -- every peer --------------------------------------------------------------------------------------------------
def peers(spec: RBMSpec, x: np.ndarray, data_file: str | None, torch_threads: list[int],
          eval_rows: int | None = None) -> tuple[list[Peer], list[dict[str, str]], np.ndarray]:
    """(peers, skipped peers with the reason, nnlab's initial W), nnlab first."""
    W0 = nnlab_model(spec, data_file).W.copy()
    out: list[Peer] = []
    skipped: list[dict[str, str]] = []
    for precision in ("float64", "float32"):
        for persistent in (False, True):
            p = nnlab_peer(spec, data_file, persistent, precision, eval_rows)
            (out if isinstance(p, Peer) else skipped).append(p)
    for precision in ("float64", "float32"):
        p = nnlab_peer(spec, data_file, False, precision, eval_rows, second=True)
        (out if isinstance(p, Peer) else skipped).append(p)
    out += [sklearn_fit_peer(spec, x, "float64"), sklearn_fit_peer(spec, x, "float32"),
            sklearn_partial_peer(spec, x, W0), numpy_peer(spec, x, W0, "float64"), numpy_peer(spec, x, W0, "float32")]
    out += [torch_peer(spec, x, W0, dt, n) for dt in ("float32", "float64") for n in torch_threads]
    return out, skipped, W0


# -- untimed measurements --------------------------------------------------------------------------------------
def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    import time

    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(ts))


def nnlab_bookkeeping(spec: RBMSpec, data_file: str | None, repeat: int = 5) -> dict[str, Any]:
    """What nnlab does besides training, timed alone (median ms): `_evaluate()` after every epoch (reconstruction
    error and free energies of at most EVAL_ROWS rows), and `dreams()` when the dreams view is drawn after an
    update (its chains from their noise)."""
    from nnlab.core.rbm import train_model as tm

    out: dict[str, Any] = {}
    try:
        m = nnlab_model(spec, data_file)
        out["evaluate_rows"] = min(tm.EVAL_ROWS, len(m.train))
        out["evaluate_ms"] = median_ms(m._evaluate, repeat)

        def dreams() -> None:
            m._dream_key = None
            m.dreams()

        out["dream_ms"] = median_ms(dreams, repeat)
        out["dream_chains"] = m.params.chains
        out["dream_steps"] = tm.DREAM_STEPS
    except Exception as exc:  # noqa: BLE001 - private methods of a model that is being changed
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def floors(spec: RBMSpec, repeat: int = 3) -> dict[str, dict[str, float]]:
    """Median ms per epoch of the pieces of a CD-1 epoch alone, per dtype, at numpy's BLAS threads: the five
    matrix products (v1 W^T, h1 W, v2 W^T, h1^T v1, h2^T v2), uniforms for every unit of v2, h1 and h2
    (Generator.random; sklearn's RandomState.uniform draws float64 only), and the logistic function on as many
    values (numpy's 1/(1 + exp(-x)) and scipy's expit). sklearn draws fewer uniforms (no h1 sample)."""
    from scipy.special import expit

    rng = np.random.default_rng(0)
    B, nv, nh, nb = spec.batch, spec.n_visible, spec.n_hidden, spec.n_batches
    out: dict[str, dict[str, float]] = {}
    for dt in ("float64", "float32"):
        v = (rng.random((B, nv)) < 0.5).astype(dt)
        h = (rng.random((B, nh)) < 0.5).astype(dt)
        W = rng.normal(0.0, 0.1, (nh, nv)).astype(dt)
        gh, gv = v @ W.T, h @ W

        def gemm() -> None:
            for _ in range(nb):
                v @ W.T, h @ W, v @ W.T, h.T @ v, h.T @ v

        def draws() -> None:
            for _ in range(nb):
                rng.random((B, nv), dtype=dt), rng.random((B, nh), dtype=dt), rng.random((B, nh), dtype=dt)

        def numpy_sigmoid() -> None:
            for _ in range(nb):
                1.0 / (1.0 + np.exp(-gh)), 1.0 / (1.0 + np.exp(-gv)), 1.0 / (1.0 + np.exp(-gh))

        def scipy_expit() -> None:
            for _ in range(nb):
                expit(gh), expit(gv), expit(gh)

        out[dt] = {"5 matrix products": median_ms(gemm, repeat),
                   "uniforms (Generator.random)": median_ms(draws, repeat),
                   "1/(1+exp(-x))": median_ms(numpy_sigmoid, repeat), "scipy expit": median_ms(scipy_expit, repeat)}
    rs = np.random.RandomState(0)

    def rs_draws() -> None:
        for _ in range(nb):
            rs.uniform(size=(B, nv)), rs.uniform(size=(B, nh)), rs.uniform(size=(B, nh))

    out["float64"]["uniforms (RandomState.uniform)"] = median_ms(rs_draws, repeat)
    return out


def sklearn_fit_overhead(spec: RBMSpec, x: np.ndarray, repeat: int = 5) -> dict[str, float]:
    """Median ms of `fit` with n_iter=0 (validation of X and init, no epoch), per dtype."""
    from sklearn.neural_network import BernoulliRBM

    out = {}
    for dtype in ("float64", "float32"):
        xd = np.ascontiguousarray(x, dtype=dtype)
        rbm = BernoulliRBM(n_components=spec.n_hidden, learning_rate=spec.lr, batch_size=spec.batch, n_iter=0,
                           random_state=spec.seed)
        out[dtype] = median_ms(lambda: rbm.fit(xd), repeat)
    return out


def sklearn_init_mse(spec: RBMSpec, x: np.ndarray) -> float:
    """Reconstruction MSE of the weights sklearn's fit starts from (RandomState(seed).normal(0, 0.01))."""
    W = np.random.RandomState(spec.seed).normal(0, 0.01, (spec.n_hidden, spec.n_visible))
    return recon_mse(W, np.zeros(spec.n_visible), np.zeros(spec.n_hidden), x)


def temp_dir() -> str:
    return tempfile.mkdtemp(prefix="nnlab-rbm-bench-")

