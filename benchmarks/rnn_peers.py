"""The RNN training workloads and their peers: nnlab's RNN lab, PyTorch CPU and a plain numpy loop.

    forward   a_t = b + U x_t + W h_{t-1};  rnn: h_t = tanh(a_t);  lstm: f, i, o = logistic, g = tanh,
              c_t = f c_{t-1} + i g, h_t = o tanh(c_t);  y_t = V h_t + c
    loss      E = (1/B) sum_b sum_t |y_t - target_t|^2       (a loss at every step, nnlab's, summed over t)
    backward  BPTT through the whole sequence (no truncation, no clipping)
    update    theta <- theta - lr dE/dtheta                   (plain SGD)

One epoch: every sequence once, in a fresh random order, in batches. Every peer starts from nnlab's
initial weights: nnlab's LSTM blocks are f, i, g, o, PyTorch's i, f, g, o; nnlab has one bias b, PyTorch
b_ih + b_hh (b_ih = b, b_hh = 0). nnlab reads the sequences through task = "file" (an .npz of x (N, T, X)
and target (N, T, Y)).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from harness import Peer

TORCH_DEFAULT_THREADS: int | None = None


@dataclass(frozen=True)
class RNNSpec:
    """One workload."""

    name: str
    cell: str
    X: int
    H: int
    T: int
    n: int
    batch: int
    lr: float
    seed: int = 0
    data: str = "random"
    """random: x, target ~ N(0, 1); even: (2j, 2j+2, ...)/scale, target the next value (rnn_even_numbers)."""

    @property
    def n_batches(self) -> int:
        return -(-self.n // self.batch)

    def describe(self) -> dict[str, Any]:
        return {"cell": self.cell, "inputs": self.X, "hidden": self.H, "outputs": 1, "steps": self.T,
                "sequences": self.n, "batch": self.batch, "batches": self.n_batches, "lr": self.lr,
                "optimizer": "sgd", "loss": "squared error at every step, summed over t, mean over the batch",
                "data": self.data, "init": f"nnlab uniform (seed {self.seed}), copied into every peer"}


def make_data(spec: RNNSpec) -> tuple[np.ndarray, np.ndarray]:
    """x (N, T, X), target (N, T, 1), float64."""
    if spec.data == "even":
        v = 2.0 * (np.arange(spec.n)[:, None] + np.arange(spec.T + 1)) / (20.0 * spec.n / 8)
        return v[:, :-1, None].copy(), v[:, 1:, None].copy()
    rng = np.random.default_rng(1)
    return rng.standard_normal((spec.n, spec.T, spec.X)), rng.standard_normal((spec.n, spec.T, 1))


def write_npz(x: np.ndarray, target: np.ndarray, directory: str) -> str:
    path = os.path.join(directory, "rnn_bench.npz")
    np.savez(path, x=x, target=target)
    return path


# -- nnlab ----------------------------------------------------------------------------------------------
def nnlab_model(spec: RNNSpec, data_file: str, precision: str = "float64") -> Any:
    from nnlab.core.rnn.params import RNNParams
    from nnlab.core.rnn.seq_model import RNNModel

    p = RNNParams(cell=spec.cell, hidden=spec.H, task="file", data_file=data_file, seq_len=spec.T,
                  batch_size=spec.batch, lr=spec.lr, optimizer="sgd", output="identity", activation="tanh",
                  precision=precision, epochs=1_000_000)
    return RNNModel(p, spec.seed)


def nnlab_init(spec: RNNSpec, data_file: str) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in nnlab_model(spec, data_file).tensors().items()}


def nnlab_peer(spec: RNNSpec, data_file: str, precision: str, reference: bool = False,
               evaluate: bool = False) -> Peer:
    """nnlab `_train_rest_of_epoch()`: one epoch of training; reference = True: with the fused path switched
    off (the lecture's kernels, batch by batch). The epoch's end also evaluates the loss over every sequence
    (`RNNModel._evaluate`, a float64 forward pass by the reference kernels, what `advance` shows as the
    epoch's loss); like the PyTorch and numpy peers, which only train, the timed epoch leaves it out
    (`_evaluate` replaced on the instance) unless evaluate = True."""

    def setup() -> Callable[[], dict[str, Any]]:
        from nnlab.core.rnn import fast_epoch

        m = nnlab_model(spec, data_file, precision)
        if not evaluate:
            m._evaluate = lambda: None
        real = fast_epoch.train_all_but_last

        def run() -> dict[str, Any]:
            if reference:
                fast_epoch.train_all_but_last = lambda model, dt: None
            try:
                m._train_rest_of_epoch()
            finally:
                fast_epoch.train_all_but_last = real
            return {"epochs": m.epoch, "last_batch_E": m.batch_hist[-1]}

        return run

    what = "reference kernels" if reference else "fused epoch"
    label = f"nnlab {what}{' + evaluation' if evaluate else ''}, {precision}"
    note = "batch by batch through kernels.forward/backward" if reference else "fast_epoch + last batch by reference"
    if evaluate:
        note += "; + the loss of all sequences (fused forward, float64)"
    method = f"{'ref' if reference else 'fast'}{'_eval' if evaluate else ''}_{precision}"
    return Peer(label, setup, "nnlab", method, spec.n, note)


# -- PyTorch --------------------------------------------------------------------------------------------
def import_torch() -> Any:
    global TORCH_DEFAULT_THREADS
    import torch

    if TORCH_DEFAULT_THREADS is None:
        TORCH_DEFAULT_THREADS = torch.get_num_threads()
    return torch


def _lab_to_torch_rows(W: np.ndarray, cell: str) -> np.ndarray:
    """nnlab's gate blocks f, i, g, o -> PyTorch's i, f, g, o (the RNN has one block)."""
    if cell != "lstm":
        return W
    H = W.shape[0] // 4
    return np.concatenate([W[H:2 * H], W[:H], W[2 * H:]])


def torch_net(spec: RNNSpec, init: dict[str, np.ndarray], dtype: Any) -> tuple[Any, Any]:
    torch = import_torch()
    nn = torch.nn
    rec = (nn.LSTM(spec.X, spec.H) if spec.cell == "lstm" else nn.RNN(spec.X, spec.H, nonlinearity="tanh")).to(dtype)
    lin = nn.Linear(spec.H, 1).to(dtype)
    with torch.no_grad():
        rec.weight_hh_l0.copy_(torch.from_numpy(_lab_to_torch_rows(init["W"], spec.cell)))
        rec.weight_ih_l0.copy_(torch.from_numpy(_lab_to_torch_rows(init["U"], spec.cell)))
        rec.bias_ih_l0.copy_(torch.from_numpy(_lab_to_torch_rows(init["b"], spec.cell)))
        rec.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(init["V"]))
        lin.bias.copy_(torch.from_numpy(init["c"]))
    return rec, lin


def torch_loss(rec: Any, lin: Any, xb: Any, tb: Any) -> Any:
    out, _ = rec(xb)
    return ((lin(out) - tb) ** 2).sum() / xb.shape[1]


def torch_peer(spec: RNNSpec, x: np.ndarray, target: np.ndarray, init: dict[str, np.ndarray], dtype_name: str,
               threads: int | None) -> Peer:
    def setup() -> Callable[[], dict[str, Any]]:
        torch = import_torch()
        torch.set_num_threads(threads or TORCH_DEFAULT_THREADS)
        dtype = getattr(torch, dtype_name)
        rec, lin = torch_net(spec, init, dtype)
        opt = torch.optim.SGD(list(rec.parameters()) + list(lin.parameters()), lr=spec.lr)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(1, 0, 2))).to(dtype)
        tt = torch.from_numpy(np.ascontiguousarray(target.transpose(1, 0, 2))).to(dtype)
        gen = torch.Generator().manual_seed(0)

        def run() -> dict[str, Any]:
            perm = torch.randperm(spec.n, generator=gen)
            loss = None
            for s in range(0, spec.n, spec.batch):
                idx = perm[s:s + spec.batch]
                opt.zero_grad()
                loss = torch_loss(rec, lin, xt[:, idx], tt[:, idx])
                loss.backward()
                opt.step()
            return {"last_batch_E": float(loss.detach())}

        return run

    n = threads or TORCH_DEFAULT_THREADS
    kind = "nn.LSTM" if spec.cell == "lstm" else "nn.RNN"
    label = f"torch {dtype_name}, {'default threads' if threads is None else '1 thread'} ({n})"
    return Peer(label, setup, "torch", f"{dtype_name}_{'default' if threads is None else 1}", spec.n,
                f"{kind} + nn.Linear, autograd, optim.SGD")


# -- numpy ----------------------------------------------------------------------------------------------
def _sig(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def numpy_grads(cell: str, w: dict[str, np.ndarray], xs: np.ndarray, tg: np.ndarray) -> tuple[float, dict]:
    """E and dE/dw of a batch, xs (T, B, X), tg (T, B, 1), by matrix products per step (nnlab's layout)."""
    T, B, _ = xs.shape
    H = w["W"].shape[1]
    W, U, b, V, c = w["W"], w["U"], w["b"], w["V"], w["c"]
    hs = np.zeros((T + 1, B, H), xs.dtype)
    cs = np.zeros((T + 1, B, H), xs.dtype)
    gs = []
    for t in range(T):
        a = xs[t] @ U.T + hs[t] @ W.T + b
        if cell == "lstm":
            f, i, g, o = _sig(a[:, :H]), _sig(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), _sig(a[:, 3 * H:])
            cs[t + 1] = f * cs[t] + i * g
            hs[t + 1] = o * np.tanh(cs[t + 1])
            gs.append((f, i, g, o))
        else:
            hs[t + 1] = np.tanh(a)
    ys = hs[1:] @ V.T + c
    E = float(((ys - tg) ** 2).sum() / B)
    dzo = (2.0 / B) * (ys - tg)
    grads = {k: np.zeros_like(v) for k, v in w.items()}
    grads["V"] = np.einsum("tbq,tbk->qk", dzo, hs[1:])
    grads["c"] = dzo.sum(axis=(0, 1))
    dh_next = np.zeros((B, H), xs.dtype)
    dc_next = np.zeros((B, H), xs.dtype)
    for t in range(T - 1, -1, -1):
        dh = dzo[t] @ V + dh_next
        if cell == "lstm":
            f, i, g, o = gs[t]
            tc = np.tanh(cs[t + 1])
            dc = dc_next + dh * o * (1.0 - tc * tc)
            da = np.concatenate([dc * cs[t] * f * (1 - f), dc * g * i * (1 - i), dc * i * (1 - g * g),
                                 dh * tc * o * (1 - o)], axis=1)
            dc_next = dc * f
        else:
            da = dh * (1.0 - hs[t + 1] ** 2)
        grads["W"] += da.T @ hs[t]
        grads["U"] += da.T @ xs[t]
        grads["b"] += da.sum(axis=0)
        dh_next = da @ W
    return E, grads


def numpy_peer(spec: RNNSpec, x: np.ndarray, target: np.ndarray, init: dict[str, np.ndarray], dtype: str) -> Peer:
    def setup() -> Callable[[], dict[str, Any]]:
        w = {k: v.astype(dtype) for k, v in init.items() if v.size}
        xt = np.ascontiguousarray(x.transpose(1, 0, 2)).astype(dtype)
        tt = np.ascontiguousarray(target.transpose(1, 0, 2)).astype(dtype)
        rng = np.random.default_rng(0)

        def run() -> dict[str, Any]:
            perm = rng.permutation(spec.n)
            E = 0.0
            for s in range(0, spec.n, spec.batch):
                idx = perm[s:s + spec.batch]
                E, g = numpy_grads(spec.cell, w, xt[:, idx], tt[:, idx])
                for k in w:
                    w[k] -= spec.lr * g[k]
            return {"last_batch_E": E}

        return run

    return Peer(f"numpy loop, {dtype}", setup, "numpy", dtype, spec.n, "manual BPTT, a matrix product per step")


def peers(spec: RNNSpec, x: np.ndarray, target: np.ndarray, data_file: str) -> list[Peer]:
    init = nnlab_init(spec, data_file)
    out = [nnlab_peer(spec, data_file, "float64"), nnlab_peer(spec, data_file, "float32"),
           nnlab_peer(spec, data_file, "float32", evaluate=True),
           nnlab_peer(spec, data_file, "float64", reference=True), nnlab_peer(spec, data_file, "float32", True)]
    for dt in ("float32", "float64"):
        out += [torch_peer(spec, x, target, init, dt, None), torch_peer(spec, x, target, init, dt, 1)]
    out += [numpy_peer(spec, x, target, init, "float32"), numpy_peer(spec, x, target, init, "float64")]
    return out


# -- agreement --------------------------------------------------------------------------------------------
def agreement(spec: RNNSpec, x: np.ndarray, target: np.ndarray, data_file: str) -> dict[str, Any]:
    """One batch's gradients: nnlab (its reference kernels, float64) against torch float64 autograd and the
    numpy loop; and one epoch of nnlab's fused path against its reference path (max |theta difference|)."""
    from nnlab.core.rnn import fast_epoch

    torch = import_torch()
    m = nnlab_model(spec, data_file)
    init = {k: v.copy() for k, v in m.tensors().items()}
    rows = np.arange(min(spec.batch, spec.n))
    bt = m._batch(rows)
    g_lab = m.lay.views(m.gradient(bt))
    rec, lin = torch_net(spec, init, torch.float64)
    xb = torch.from_numpy(np.ascontiguousarray(x[rows].transpose(1, 0, 2)))
    tb = torch.from_numpy(np.ascontiguousarray(target[rows].transpose(1, 0, 2)))
    torch_loss(rec, lin, xb, tb).backward()
    g_torch = {"W": _lab_to_torch_rows(rec.weight_hh_l0.grad.numpy(), spec.cell),
               "U": _lab_to_torch_rows(rec.weight_ih_l0.grad.numpy(), spec.cell),
               "b": _lab_to_torch_rows(rec.bias_ih_l0.grad.numpy(), spec.cell),
               "V": lin.weight.grad.numpy(), "c": lin.bias.grad.numpy()}
    _, g_np = numpy_grads(spec.cell, {k: v for k, v in init.items() if v.size}, xb.numpy(), tb.numpy())
    scale = max(float(np.abs(g_torch[k]).max()) for k in g_torch)
    rel = lambda a: max(float(np.abs(a[k] - g_torch[k]).max()) for k in g_torch) / scale  # noqa: E731
    fast = nnlab_model(spec, data_file)
    fast._train_rest_of_epoch()
    real = fast_epoch.train_all_but_last
    fast_epoch.train_all_but_last = lambda model, dt: None
    try:
        ref = nnlab_model(spec, data_file)
        ref._train_rest_of_epoch()
    finally:
        fast_epoch.train_all_but_last = real
    f32 = nnlab_model(spec, data_file, "float32")
    f32._train_rest_of_epoch()
    return {"batch": len(rows), "grad_rel_diff": {"nnlab vs torch float64": rel(g_lab), "numpy float64 vs torch float64":
                                                 rel(g_np)},
            "epoch_theta_max_abs_diff": {"fused vs reference, float64": float(np.abs(fast.theta - ref.theta).max()),
                                         "fused float32 vs reference float64": float(np.abs(f32.theta - ref.theta).max())},
            "theta_moved_by": float(np.abs(ref.theta - m.theta).max())}


def temp_dir() -> str:
    return tempfile.mkdtemp(prefix="nnlab-rnn-bench-")
