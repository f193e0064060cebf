"""The MLP training workloads and their peers: nnlab's backprop lab, a plain numpy loop and PyTorch CPU.

    forward   z1 = x W0^T + b1,  h1 = relu(z1),  z2 = h1 W1^T + b2,  y = softmax(z2)
    loss      E = (1/B) sum over the batch of -ln y[label]          (categorical cross-entropy, mean)
    backward  d2 = (y - t)/B,  dW1 = d2^T h1,  db2 = sum d2,  d1 = (d2 W1) * [z1 > 0],  dW0 = d1^T x,  db1 = sum d1
    update    W <- W - lr dW,  b <- b - lr db                        (plain SGD, lr 0.1)

One epoch: the training set in a fresh random order, in batches of 64 (the last one partial).
W[l] has shape (units out, units in), as nnlab's W[l] and torch's `Linear.weight`. nnlab runs in
float64 (its default) and with `precision="float32"` (PyTorch's precision); the numpy loop in both;
PyTorch in float32 (its normal use) and in float64, with its default threads and with one. Every peer starts
from the same weights (nnlab's He initialisation, copied into the others); each draws its own
order per epoch. For the agreement check, `agreement()` trains one epoch of every peer from the
same weights in nnlab's order and compares the weights.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from harness import Peer

TORCH_DEFAULT_THREADS: int | None = None
"""`torch.get_num_threads()` before any peer changed it (filled in when torch is imported)."""


@dataclass(frozen=True)
class MLPSpec:
    """One workload: the network, the data and the training settings."""

    name: str
    """"digits" (the bundled UCI 8x8 digits) or "random" (x uniform in [0, 1), random labels)."""
    layers: tuple[int, ...]
    n: int
    batch: int = 64
    lr: float = 0.1
    seed: int = 0
    """nnlab's model seed: its initial weights and its epoch order."""
    data_seed: int = 1
    """Seed of the random data set."""

    @property
    def n_batches(self) -> int:
        return (self.n + self.batch - 1) // self.batch

    @property
    def units(self) -> int:
        """Samples trained per epoch."""
        return self.n

    @property
    def weights(self) -> int:
        return sum(a * b + b for a, b in zip(self.layers[:-1], self.layers[1:]))

    def describe(self) -> dict[str, Any]:
        data = ("bundled UCI digits via nnlab.core.data.make_dataset('digits'), x = pixels/16" if self.name == "digits"
                else f"x ~ U[0,1)^{self.layers[0]}, labels uniform in 0..{self.layers[-1] - 1}, "
                     f"numpy default_rng({self.data_seed})")
        last = self.n - (self.n_batches - 1) * self.batch
        return {"layers": list(self.layers), "samples": self.n, "data": data, "batch": self.batch,
                "batches_per_epoch": self.n_batches, "last_batch": last, "lr": self.lr, "optimizer": "sgd",
                "hidden": "relu", "output": "softmax", "loss": "categorical cross-entropy, mean over the batch",
                "init": f"nnlab he (seed {self.seed}), copied into every peer", "parameters": self.weights,
                "units": self.units}


# -- numpy's BLAS threads -------------------------------------------------------------------------------
def _openblas() -> Any:
    """numpy's OpenBLAS (ctypes), found among the loaded libraries; None if it is not there."""
    import ctypes

    with open("/proc/self/maps") as f:
        paths = {ln.split()[-1] for ln in f if "openblas" in ln.split()[-1].lower() and ".so" in ln.split()[-1]}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", "_64", ""):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    return None


def blas_threads(n: int | None = None) -> int | None:
    """numpy's OpenBLAS thread count; sets it first when `n` is given. None when it cannot be found."""
    fns = _openblas()
    if fns is None:
        return None
    get, put = fns
    if n is not None:
        put(n)
    return int(get())


BLAS_DEFAULT_THREADS = blas_threads()
"""numpy's OpenBLAS threads at import (before any peer changed them)."""


# -- data -------------------------------------------------------------------------------------------
def load_data(spec: MLPSpec) -> tuple[np.ndarray, np.ndarray]:
    """(x, labels): (n, d) float64 inputs and (n,) int64 class indices, the same arrays for every peer."""
    if spec.name == "digits":
        from nnlab.core.data import make_dataset

        ds = make_dataset("digits", 0, 0.0, np.random.default_rng(0))
        return np.ascontiguousarray(ds.x), ds.labels.copy()
    rng = np.random.default_rng(spec.data_seed)
    x = rng.random((spec.n, spec.layers[0]))
    labels = rng.integers(0, spec.layers[-1], spec.n).astype(np.int64)
    return x, labels


def write_npz(x: np.ndarray, labels: np.ndarray, directory: str | None = None) -> str:
    """The data as an .npz for nnlab's dataset = "file" (keys x and y); returns its path."""
    directory = directory or tempfile.mkdtemp(prefix="nnlab-mlp-bench-")
    path = os.path.join(directory, "random.npz")
    np.savez(path, x=x, y=labels)
    return path


# -- nnlab --------------------------------------------------------------------------------------------
def nnlab_params(spec: MLPSpec, data_file: str | None, precision: str = "float64") -> Any:
    from nnlab.core.backprop.params import MLPParams

    common = dict(layers=tuple(spec.layers), activation="relu", output="softmax", loss="cce", init="he",
                  optimizer="sgd", lr=spec.lr, batch_size=spec.batch, shuffle=True, test_fraction=0.0,
                  precision=precision)
    if spec.name == "digits":
        return MLPParams(dataset="digits", **common)
    return MLPParams(dataset="file", data_file=data_file, **common)


def nnlab_model(spec: MLPSpec, data_file: str | None, batch_size: int | None = None,
                precision: str = "float64") -> Any:
    """A fresh nnlab MLPModel of the workload (seed spec.seed: always the same initial weights, in either
    precision: the canonical weights are float64)."""
    from nnlab.core.backprop.mlp_model import MLPModel

    p = nnlab_params(spec, data_file, precision)
    if batch_size is not None:
        p = p.replace(batch_size=batch_size)
    return MLPModel(p, spec.seed)


def nnlab_path(model: Any) -> str:
    """The path nnlab's whole epochs take: the numba kernel (float64, small layers), numpy's BLAS
    (`blas_epoch`, large layers or float32), or operation by operation (batch norm, tied weights)."""
    if model.uses_kernel():
        return "numba kernel"
    lay = model.net.layout
    if lay.batchnorm or lay.tied:
        return "numpy batch operations (BatchPass)"
    return f"numpy BLAS ({model.params.precision})"


def nnlab_peer(spec: MLPSpec, data_file: str | None, how: str, blas: int | None = None,
               precision: str = "float64") -> Peer:
    """nnlab `train_epoch()` (training only) or `advance(1)` (training plus the lab's per-epoch evaluation),
    in float64 (nnlab's default) or float32 (`precision="float32"`).

    `blas` sets numpy's OpenBLAS threads for this peer (None: numpy's default).
    """

    def setup() -> Callable[[], dict[str, Any]]:
        blas_threads(blas or BLAS_DEFAULT_THREADS)
        m = nnlab_model(spec, data_file, precision=precision)

        def run() -> dict[str, Any]:
            if how == "train_epoch":
                m.train_epoch()
            else:
                m.advance(1)
            return {"path": nnlab_path(m), "epochs": m.epoch}

        return run

    label = "nnlab MLPModel.train_epoch()" if how == "train_epoch" else "nnlab MLPModel.advance(1)"
    label += f", {precision}"
    note = ("training only" if how == "train_epoch" else
            "as the lab runs an epoch: training, then loss and accuracy on the training set (float64)")
    if precision == "float32":
        note += "; precision=\"float32\": weights copied to float32 and back around the epoch"
    method = how if precision == "float64" else f"{how}_f32"
    if blas is not None:
        label += f", BLAS {blas} thread" + ("s" if blas > 1 else "")
        note += f"; numpy's OpenBLAS limited to {blas} thread(s)"
        method = f"{method}_blas{blas}"
    return Peer(label, setup, "nnlab", method, spec.units, note)


# -- numpy ----------------------------------------------------------------------------------------------
def numpy_epoch(Ws: list[np.ndarray], bs: list[np.ndarray], x: np.ndarray, labels: np.ndarray, order: np.ndarray,
                batch: int, lr: float) -> None:
    """One epoch of mini-batch SGD in `order`, updating Ws and bs in place: the natural vectorised loop."""
    L = len(Ws)
    n = len(order)
    for start in range(0, n, batch):
        idx = order[start:start + batch]
        B = len(idx)
        hs = [x[idx]]
        for l in range(L):
            z = hs[l] @ Ws[l].T + bs[l]
            hs.append(np.maximum(z, 0.0) if l < L - 1 else z)
        z = hs[L]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        y[np.arange(B), labels[idx]] -= 1.0
        d = y / B
        for l in range(L - 1, -1, -1):
            gW = d.T @ hs[l]
            gb = d.sum(axis=0)
            if l > 0:
                d = (d @ Ws[l]) * (hs[l] > 0)
            Ws[l] -= lr * gW
            bs[l] -= lr * gb


def numpy_weights(init: dict[str, np.ndarray], dtype: str = "float64") -> tuple[list[np.ndarray], list[np.ndarray]]:
    L = len(init) // 2
    return ([init[f"W{l}"].astype(dtype) for l in range(L)], [init[f"b{l + 1}"].astype(dtype) for l in range(L)])


def numpy_peer(spec: MLPSpec, x: np.ndarray, labels: np.ndarray, init: dict[str, np.ndarray],
               dtype: str = "float64", blas: int | None = None) -> Peer:
    """The numpy loop in float64 (nnlab's default precision) or float32 (PyTorch's)."""
    xd = x.astype(dtype)

    def setup() -> Callable[[], dict[str, Any]]:
        blas_threads(blas or BLAS_DEFAULT_THREADS)
        Ws, bs = numpy_weights(init, dtype)
        rng = np.random.default_rng(spec.seed)

        def run() -> dict[str, Any]:
            numpy_epoch(Ws, bs, xd, labels, rng.permutation(spec.n), spec.batch, spec.lr)
            return {}

        return run

    label = f"numpy {dtype}, vectorised, Python loop over batches"
    note = "forward, softmax-CE backward, SGD; no loss value computed"
    if blas is not None:
        label += f", BLAS {blas} thread" + ("s" if blas > 1 else "")
        note += f"; OpenBLAS limited to {blas} thread(s)"
    return Peer(label, setup, "numpy", dtype if blas is None else f"{dtype}_blas{blas}", spec.units, note)


# -- PyTorch --------------------------------------------------------------------------------------------------
def import_torch() -> Any:
    """torch, recording its default thread count the first time."""
    global TORCH_DEFAULT_THREADS
    import torch

    if TORCH_DEFAULT_THREADS is None:
        TORCH_DEFAULT_THREADS = torch.get_num_threads()
    return torch


def torch_net(spec: MLPSpec, init: dict[str, np.ndarray], dtype: Any) -> Any:
    """nn.Sequential(Linear, ReLU, Linear, ...) holding nnlab's initial weights."""
    torch = import_torch()
    nn = torch.nn
    mods: list[Any] = []
    L = len(spec.layers) - 1
    for l in range(L):
        lin = nn.Linear(spec.layers[l], spec.layers[l + 1]).to(dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(init[f"W{l}"]))
            lin.bias.copy_(torch.from_numpy(init[f"b{l + 1}"]))
        mods.append(lin)
        if l < L - 1:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def torch_epoch(net: Any, opt: Any, loss_fn: Any, xt: Any, yt: Any, perm: Any, batch: int) -> Any:
    """One epoch of the standard loop: zero_grad, forward, loss, backward, step; returns the last loss."""
    loss = None
    for start in range(0, len(perm), batch):
        idx = perm[start:start + batch]
        opt.zero_grad()
        loss = loss_fn(net(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return loss


def torch_weights(net: Any) -> dict[str, np.ndarray]:
    lins = [m for m in net if hasattr(m, "weight")]
    out = {}
    for l, lin in enumerate(lins):
        out[f"W{l}"] = lin.weight.detach().double().numpy().copy()
        out[f"b{l + 1}"] = lin.bias.detach().double().numpy().copy()
    return out


def torch_peer(spec: MLPSpec, x: np.ndarray, labels: np.ndarray, init: dict[str, np.ndarray], dtype_name: str,
               threads: int | None, loader: bool = False) -> Peer:
    """PyTorch CPU: `threads` None leaves torch's default; `loader` uses a DataLoader over a TensorDataset."""
    torch = import_torch()
    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
    n_threads = TORCH_DEFAULT_THREADS if threads is None else threads

    def setup() -> Callable[[], dict[str, Any]]:
        blas_threads(BLAS_DEFAULT_THREADS)
        torch.set_num_threads(n_threads)
        xt = torch.from_numpy(x).to(dtype)
        yt = torch.from_numpy(labels)
        net = torch_net(spec, init, dtype)
        opt = torch.optim.SGD(net.parameters(), lr=spec.lr)
        loss_fn = torch.nn.CrossEntropyLoss()
        gen = torch.Generator().manual_seed(spec.seed)
        if loader:
            from torch.utils.data import DataLoader, TensorDataset

            dl = DataLoader(TensorDataset(xt, yt), batch_size=spec.batch, shuffle=True, generator=gen)

            def run() -> dict[str, Any]:
                for xb, yb in dl:
                    opt.zero_grad()
                    loss = loss_fn(net(xb), yb)
                    loss.backward()
                    opt.step()
                return {"threads": torch.get_num_threads()}

            return run

        def run() -> dict[str, Any]:
            torch_epoch(net, opt, loss_fn, xt, yt, torch.randperm(spec.n, generator=gen), spec.batch)
            return {"threads": torch.get_num_threads()}

        return run

    which = "default threads" if threads is None else f"{threads} thread" + ("s" if threads > 1 else "")
    label = f"torch {dtype_name}, {which} ({n_threads})" if threads is None else f"torch {dtype_name}, {which}"
    if loader:
        label += ", DataLoader"
    note = ("DataLoader(TensorDataset, batch_size=64, shuffle=True): the tutorial form" if loader else
            "nn.Sequential, CrossEntropyLoss, optim.SGD; indexing by torch.randperm")
    return Peer(label, setup, "torch", dtype_name, spec.units, note)


def peers(spec: MLPSpec, x: np.ndarray, labels: np.ndarray, data_file: str | None) -> list[Peer]:
    """Every peer of one workload, nnlab first. Where nnlab's float64 epochs take numpy's BLAS (layers
    too large for the kernel), nnlab and the numpy loop also run with numpy's OpenBLAS limited to 1 thread,
    in both precisions."""
    m = nnlab_model(spec, data_file)
    init = m.tensors()
    one_thread = not m.uses_kernel() and BLAS_DEFAULT_THREADS is not None and BLAS_DEFAULT_THREADS > 1
    out = [nnlab_peer(spec, data_file, how, precision=prec) for how in ("train_epoch", "advance")
           for prec in ("float64", "float32")]
    if one_thread:
        out += [nnlab_peer(spec, data_file, "train_epoch", blas=1),
                nnlab_peer(spec, data_file, "train_epoch", blas=1, precision="float32")]
    out.append(numpy_peer(spec, x, labels, init))
    out.append(numpy_peer(spec, x, labels, init, "float32"))
    if one_thread:
        out += [numpy_peer(spec, x, labels, init, blas=1), numpy_peer(spec, x, labels, init, "float32", blas=1)]
    return out + [
        torch_peer(spec, x, labels, init, "float32", None),
        torch_peer(spec, x, labels, init, "float32", 1),
        torch_peer(spec, x, labels, init, "float64", None),
        torch_peer(spec, x, labels, init, "float64", 1),
        torch_peer(spec, x, labels, init, "float32", None, loader=True),
    ]


# -- agreement ---------------------------------------------------------------------------------------------------
def max_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


def agreement(spec: MLPSpec, x: np.ndarray, labels: np.ndarray, data_file: str | None) -> dict[str, Any]:
    """One epoch of every peer from nnlab's initial weights in nnlab's epoch order; max |w - w_nnlab|.

    nnlab draws its order with `_begin_epoch()` (m.order = m.rng.permutation(n)); `train_epoch()`
    then trains in that order. A second model of the same seed runs `advance(1)`, which draws
    the same order from the same generator state.
    """
    torch = import_torch()
    blas_threads(BLAS_DEFAULT_THREADS)
    m = nnlab_model(spec, data_file)
    same_x = bool(np.array_equal(m.train.x, x))
    same_labels = bool(np.array_equal(m.train.y.argmax(axis=1), labels))
    init = m.tensors()
    m._begin_epoch()
    order = m.order.copy()
    m.train_epoch()
    ref = m.tensors()
    m2 = nnlab_model(spec, data_file)
    m2.advance(1)
    m32 = nnlab_model(spec, data_file, precision="float32")
    same_init = max_diff(init, m32.tensors()) == 0.0
    m32._begin_epoch()
    same_order = bool(np.array_equal(m32.order, order))
    m32.train_epoch()
    change = max_diff(ref, init)
    out: dict[str, Any] = {
        "nnlab_path": nnlab_path(m),
        "nnlab_float32_path": nnlab_path(m32),
        "nnlab_float32_same_initial_weights_and_order": same_init and same_order,
        "data_identical_to_nnlab_train_set": same_x and same_labels,
        "max_abs_weight_change_in_the_epoch": change,
        "max_abs_weight": max(float(np.abs(v).max()) for v in ref.values()),
        "nnlab_train_loss_after_epoch": m2.hist["loss"][-1],
        "nnlab_train_acc_after_epoch": m2.hist["train_acc"][-1],
        "max_abs_weight_diff": {"nnlab advance(1)": max_diff(ref, m2.tensors()),
                                "nnlab float32": max_diff(ref, m32.tensors())},
    }
    Ws, bs = numpy_weights(init)
    numpy_epoch(Ws, bs, x, labels, order, spec.batch, spec.lr)
    got = {**{f"W{l}": w for l, w in enumerate(Ws)}, **{f"b{l + 1}": b for l, b in enumerate(bs)}}
    out["max_abs_weight_diff"]["numpy float64"] = max_diff(ref, got)
    Ws, bs = numpy_weights(init, "float32")
    numpy_epoch(Ws, bs, x.astype(np.float32), labels, order, spec.batch, spec.lr)
    got = {**{f"W{l}": w.astype(np.float64) for l, w in enumerate(Ws)},
           **{f"b{l + 1}": b.astype(np.float64) for l, b in enumerate(bs)}}
    out["max_abs_weight_diff"]["numpy float32"] = max_diff(ref, got)
    perm = torch.from_numpy(order)
    for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        net = torch_net(spec, init, dtype)
        torch_epoch(net, torch.optim.SGD(net.parameters(), lr=spec.lr), torch.nn.CrossEntropyLoss(),
                    torch.from_numpy(x).to(dtype), torch.from_numpy(labels), perm, spec.batch)
        out["max_abs_weight_diff"][f"torch {name}"] = max_diff(ref, torch_weights(net))
    return out


def data_file_for(spec: MLPSpec, x: np.ndarray, labels: np.ndarray, directory: str | None = None) -> str | None:
    """The .npz nnlab reads for the random workload (None for digits, which nnlab bundles)."""
    if spec.name == "digits":
        return None
    return write_npz(x, labels, directory)


def cleanup(path: str | None) -> None:
    if path:
        p = Path(path)
        p.unlink(missing_ok=True)
        try:
            p.parent.rmdir()
        except OSError:
            pass
