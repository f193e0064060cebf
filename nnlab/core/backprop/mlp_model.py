"""The backprop lab's network: trained one operation, layer, batch or epoch at a time (lectures 8-14).

Stepping runs `ops.BatchPass` an operation at a time; whole epochs run in the numba kernel
(`kernels.train_batches`) for small layers, in numpy's BLAS (`blas_epoch`, float64 or float32)
for large ones, and operation by operation with batch normalisation or tied weights. `advance(n)`
trains n epochs. Every epoch draws the presentation order and the dropout draws from the
model's Generator, so a run is reproducible with or without the kernel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnlab.core.backprop import equations
from nnlab.core.backprop.network import (ACT_CODES, LOSS_CODES, OPT_CODES, Layout, accuracy, init_params,
                                         sample_losses)
from nnlab.core.backprop.ops import BatchPass, Net, Op, OptState, describe, eval_pass, plan
from nnlab.core.backprop.params import MLPParams
from nnlab.core.lab import Frame, restore_rng, snapshot_rng

KERNEL_MAX_WEIGHTS = 16_384
"""Largest weight matrix the numba kernel trains; larger layers go to numpy's BLAS matrix products."""


class ShapeError(ValueError):
    """Data that does not fit the network's layers: a one-line message."""


def load_data(p: MLPParams, rng: np.random.Generator) -> Any:
    """The training and test sets the params describe."""
    from nnlab.core.data import load_file, make_dataset, split

    if p.dataset == "file":
        ds = load_file(Path(p.data_file).expanduser(), Path(p.labels_file).expanduser() if p.labels_file else None)
    else:
        ds = make_dataset(p.dataset, p.n_samples, p.noise, rng)
    train, test = split(ds, p.test_fraction, rng)
    if ds.n_inputs != p.layers[0]:
        raise ShapeError(f"{p.data_file or p.dataset}: {ds.n_inputs} input columns, but layers starts with "
                         f"{p.layers[0]} units: set layers[0] = {ds.n_inputs}")
    if ds.y.shape[1] != p.layers[-1]:
        raise ShapeError(f"{p.data_file or p.dataset}: {ds.y.shape[1]} target columns, but layers ends with "
                         f"{p.layers[-1]} units: set the last size to {ds.y.shape[1]}")
    return ds, train, test


def make_net(p: MLPParams) -> Net:
    """The network settings of `p`."""
    layout = Layout(tuple(p.layers), p.tied, p.batchnorm)
    return Net(layout, p.activation, p.output, p.loss, p.reduction, p.penalty, p.weight_decay, p.dropout,
               p.optimizer, p.momentum_form == "convex", p.lr, p.momentum, p.beta2, p.delta)


class MLPModel:
    """A multilayer perceptron and its training state; see the module docstring."""

    def __init__(self, params: MLPParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.data, self.train, self.test = load_data(params, self.rng)
        self.net = make_net(params)
        lay = self.net.layout
        self.theta = init_params(lay, params.init, params.init_scale, params.bias_init, self.rng)
        self.opt = OptState(np.zeros(lay.size), np.zeros(lay.size))
        self.running = {l: [np.zeros(lay.sizes[l]), np.ones(lay.sizes[l])] for l in range(1, lay.n_layers)}
        self.ops = plan(self.net)
        self.epoch = 0
        self.batch = 0
        self.order: np.ndarray | None = None
        self.drop_u = np.zeros((0, 0))
        self.bp: BatchPass | None = None
        self.last_bp: BatchPass | None = None
        self.op_index = 0
        self.last_op: Op | None = None
        self.before: tuple[float, float, float] | None = None
        """(theta, m, a) of the first entry of the tensor the last operation updated, before the update."""
        self.stage = "start"
        self.message = ""
        self.blowup = ""
        self.hist: dict[str, list[float]] = {"loss": [], "test_loss": [], "train_acc": [], "test_acc": []}
        self.batch_loss: list[float] = []
        self.dnorm: list[np.ndarray] = []
        self.ops_done = 0
        self._x32: tuple[np.ndarray, np.ndarray] | None = None
        self._labels: tuple[np.ndarray | None] | None = None
        self.shadows = {o: MLPModel(params.replace(optimizer=o, compare=()), seed) for o in params.compare
                        if o != params.optimizer}
        self._evaluate()

    # -- protocol ---------------------------------------------------------------------------------
    @property
    def steps_total(self) -> int:
        return self.epoch

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        """Epochs left of the scenario's `epochs`."""
        return max(self.params.epochs - self.epoch, 0)

    def set_params(self, params: MLPParams) -> None:
        self.params = params
        self.net = make_net(params)

    @property
    def n_batches(self) -> int:
        n = len(self.train.x)
        b = self.batch_size
        return (n + b - 1) // b

    @property
    def batch_size(self) -> int:
        bs = self.params.batch_size
        return len(self.train.x) if bs == 0 else min(bs, len(self.train.x))

    def _hidden_total(self) -> int:
        return int(sum(self.net.layout.sizes[1:-1]))

    def _begin_epoch(self) -> None:
        n = len(self.train.x)
        self.order = self.rng.permutation(n) if self.params.shuffle else np.arange(n)
        if self.params.dropout > 0:
            self.drop_u = self.rng.random((n, self._hidden_total()))
        else:
            self.drop_u = np.zeros((0, 0))

    def _masks(self, rows: slice) -> dict[int, np.ndarray]:
        p = self.params.dropout
        if p <= 0:
            return {}
        out = {}
        col = 0
        sizes = self.net.layout.sizes
        for l in range(1, len(sizes) - 1):
            u = self.drop_u[rows, col: col + sizes[l]]
            out[l] = (u >= p) / (1.0 - p)
            col += sizes[l]
        return out

    def _begin_batch(self) -> None:
        if self.order is None:
            self._begin_epoch()
        b = self.batch_size
        rows = slice(self.batch * b, min(len(self.train.x), (self.batch + 1) * b))
        idx = self.order[rows]
        self.bp = BatchPass(self.net, self.theta, self.train.x[idx], self.train.y[idx], self._masks(rows))
        self.batch_idx = idx
        self.op_index = 0
        self.last_bp = None

    def first_sample(self) -> int:
        """Row of the training set that is sample 1 (the first) of the batch the model is in, or of the next
        one; an order not drawn yet is read ahead from a copy of the Generator, which draws it first."""
        if self.last_op is not None and (self.bp is not None or self.last_bp is not None):
            return int(self.batch_idx[0])
        if self.order is not None:
            return int(self.order[self.batch * self.batch_size])
        if not self.params.shuffle:
            return 0
        ahead = np.random.Generator(type(self.rng.bit_generator)())
        ahead.bit_generator.state = self.rng.bit_generator.state
        return int(ahead.permutation(len(self.train.x))[0])

    def _end_batch(self) -> None:
        bp = self.bp
        self.batch_loss.append(bp.E)
        self.dnorm.append(np.array([float(np.sqrt((d * d).sum())) for d in bp.delta[1:]]))
        self.bp = None
        self.last_bp = bp
        self.batch += 1

    def _end_epoch(self) -> None:
        self.batch = 0
        self.order = None
        self.epoch += 1
        self._evaluate()
        for shadow in self.shadows.values():
            if not shadow.blowup:
                shadow.advance(1)

    def _evaluate(self) -> None:
        for prefix, ds in (("", self.train), ("test_", self.test)):
            if ds is None:
                self.hist["test_loss"].append(float("nan"))
                self.hist["test_acc"].append(float("nan"))
                continue
            y, u = self._outputs(ds.x)
            loss = float(sample_losses(self.net.loss, self.net.output, u, y, ds.y).mean())
            self.hist[prefix + "loss"].append(loss)
            self.hist[(prefix or "train_") + "acc"].append(accuracy(y, ds.y, ds.kind))
        if not np.isfinite(self.hist["loss"][-1]) or not np.isfinite(self.theta).all():
            self.blowup = self._blowup_text()

    def uses_kernel(self) -> bool:
        """True when epochs run in the numba kernel (float64, no batch norm, no tied weights, small layers)."""
        lay = self.net.layout
        return self.params.precision == "float64" and not (lay.batchnorm or lay.tied) and max(
            a * b for a, b in zip(lay.sizes[:-1], lay.sizes[1:])) <= KERNEL_MAX_WEIGHTS

    def _offsets(self) -> tuple[np.ndarray, np.ndarray]:
        lay = self.net.layout
        L = lay.n_layers
        return (np.array([lay.offsets[f"W{l}"][0] for l in range(L)], np.int64),
                np.array([lay.offsets[f"b{l + 1}"][0] for l in range(L)], np.int64))

    def _outputs(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(y, u) of the output layer at test time."""
        if self.uses_kernel():
            from nnlab.core.backprop.kernels import predict

            w_off, b_off = self._offsets()
            return predict(self.theta, np.array(self.net.layout.sizes, np.int64), w_off, b_off, x,
                           ACT_CODES[self.net.hidden], ACT_CODES[self.net.output])
        bp = eval_pass(self.net, self.theta, x, self.running)
        return bp.h[-1], bp.u[-1]

    def _blowup_text(self) -> str:
        return (f"the loss or a weight became NaN or infinite in epoch {self.epoch}: the learning rate "
                f"lr = {self.params.lr:g} is too large for this network (try lr = {self.params.lr / 10:g}).")

    # -- stepping ---------------------------------------------------------------------------------
    def step(self, level: int = 0) -> Frame:
        with np.errstate(all="ignore"):
            return self._step(level)

    def _step(self, level: int) -> Frame:
        self.message = ""
        if self.blowup:
            return self.frame()
        good = self.snapshot()
        name = self.step_levels()[min(level, 3)]
        if name == "op":
            self._op()
        elif name == "layer":
            self._op()
            while self.bp is not None and self.ops[self.op_index].group == self.last_op.group:
                self._op()
        elif name == "batch":
            self._op()
            while self.bp is not None:
                self._op()
        else:
            self._finish_epoch()
        self._check(good)
        return self.frame()

    def _check(self, good: Any) -> None:
        """Back to `good` with a message when a weight, the batch's loss or the epoch's loss is NaN or infinite."""
        batch_loss = self.bp.E if self.bp is not None and self.bp.losses is not None else 0.0
        if np.isfinite(self.theta).all() and np.isfinite(batch_loss) and np.isfinite(self.hist["loss"][-1]):
            return
        epoch = self.epoch
        self.restore(good)
        self.blowup = self._blowup_text().replace(f"epoch {self.epoch}", f"epoch {epoch}")

    def _op(self) -> None:
        if self.bp is None:
            self._begin_batch()
        op = self.ops[self.op_index]
        self.before = None
        if op.kind == "update":
            first = self.net.layout.offsets[op.tensor][0]
            self.before = (float(self.theta[first]), float(self.opt.m[first]), float(self.opt.a[first]))
        self.bp.run(op, self.opt, self.running)
        self.last_op = op
        self.op_index += 1
        self.ops_done += 1
        self.stage = describe(op, self.net)
        if self.op_index >= len(self.ops):
            self._end_batch()
            if self.batch >= self.n_batches:
                self._end_epoch()

    def _finish_epoch(self) -> None:
        start = self.epoch
        while self.bp is not None:
            self._op()
        if self.epoch == start:
            self._train_batches()
            self._end_epoch()
        self.last_op = None
        self.last_bp = None
        self.stage = f"epoch {self.epoch} trained"

    def _train_batches(self) -> None:
        """Train the epoch's remaining batches: in the numba kernel, in numpy's BLAS, or operation by
        operation (batch normalisation, tied weights)."""
        if self.order is None:
            self._begin_epoch()
        if self.uses_kernel():
            self._kernel(self.batch, self.n_batches)
            return
        if not (self.net.layout.batchnorm or self.net.layout.tied):
            self._blas(self.batch, self.n_batches)
            return
        while self.batch < self.n_batches:
            self._begin_batch()
            self.bp.run_all(self.ops, self.opt, self.running)
            self.ops_done += len(self.ops)
            self._end_batch()

    def _kernel(self, first: int, last: int) -> None:
        from nnlab.core.backprop.kernels import train_batches

        net = self.net
        lay = net.layout
        w_off, b_off = self._offsets()
        losses = np.zeros(last)
        dnorm = np.zeros((last, lay.n_layers))
        self.opt.t = train_batches(
            self.theta, np.zeros(lay.size), self.opt.m, self.opt.a, self.opt.t, np.array(lay.sizes, np.int64),
            w_off, b_off, self.train.x, self.train.y, self.order, self.drop_u, self.batch_size, first, last,
            ACT_CODES[net.hidden], ACT_CODES[net.output], LOSS_CODES[net.loss], net.reduction == "mean",
            net.penalty == "l1", net.weight_decay, net.dropout, OPT_CODES[net.optimizer], net.convex, net.lr,
            net.beta1, net.beta2, net.delta, losses, dnorm)
        self.batch_loss.extend(losses[first:last].tolist())
        self.dnorm.extend(list(dnorm[first:last]))
        self.ops_done += (last - first) * len(self.ops)
        self.batch = last

    def _blas(self, first: int, last: int) -> None:
        from nnlab.core.backprop.blas_epoch import class_labels, train_batches_blas

        losses = np.zeros(last)
        dnorm = np.zeros((last, self.net.layout.n_layers))
        if self.params.precision == "float32":
            if self._x32 is None:
                self._x32 = (self.train.x.astype(np.float32), self.train.y.astype(np.float32))
            x, y = self._x32
            theta, m, a = (v.astype(np.float32) for v in (self.theta, self.opt.m, self.opt.a))
        else:
            x, y, theta, m, a = self.train.x, self.train.y, self.theta, self.opt.m, self.opt.a
        if self._labels is None:
            self._labels = (class_labels(self.net, self.train.y),)
        self.opt.t = train_batches_blas(self.net, theta, np.empty_like(theta), m, a, self.opt.t, x, y, self.order,
                                        self.drop_u, self.batch_size, first, last, losses, dnorm, self._labels[0])
        if theta is not self.theta:
            self.theta[...], self.opt.m[...], self.opt.a[...] = theta, m, a
        self.batch_loss.extend(losses[first:last].tolist())
        self.dnorm.extend(list(dnorm[first:last]))
        self.ops_done += (last - first) * len(self.ops)
        self.batch = last

    def train_epoch(self) -> None:
        """One epoch of training without the evaluation that `advance` adds (for benchmarks)."""
        self._train_batches()
        self.batch = 0
        self.order = None
        self.epoch += 1

    def advance(self, n: int) -> int:
        """Train `n` epochs (finishing the current one first); stops at a blow-up."""
        with np.errstate(all="ignore"):
            return self._advance(n)

    def _advance(self, n: int) -> int:
        done = 0
        for _ in range(n):
            if self.blowup:
                break
            good = self.snapshot()
            self._finish_epoch()
            self._check(good)
            if self.blowup:
                break
            done += 1
        return done

    # -- state ------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole state; the per-epoch and per-batch histories only grow, so their lengths suffice
        (snapshots are restored newest first, as `b` and a blow-up rewind do)."""
        return {
            "theta": self.theta.copy(), "opt": self.opt.copy(),
            "running": {k: [a.copy() for a in v] for k, v in self.running.items()},
            "epoch": self.epoch, "batch": self.batch,
            "order": None if self.order is None else self.order.copy(), "drop_u": self.drop_u,
            "bp": None if self.bp is None else self.bp.copy(),
            "last_bp": None if self.last_bp is None else self.last_bp.copy(), "op_index": self.op_index, "last_op": self.last_op,
            "before": self.before, "stage": self.stage, "rng": snapshot_rng(self.rng),
            "epochs_seen": len(self.hist["loss"]), "batches_seen": len(self.batch_loss), "ops_done": self.ops_done, "params": self.params, "blowup": self.blowup,
            "batch_idx": getattr(self, "batch_idx", None),
            "shadows": {k: v.snapshot() for k, v in self.shadows.items()},
        }

    def restore(self, s: dict[str, Any]) -> None:
        self.theta[...] = s["theta"]
        self.opt = s["opt"].copy()
        self.running = {k: [a.copy() for a in v] for k, v in s["running"].items()}
        self.epoch, self.batch = s["epoch"], s["batch"]
        self.order = None if s["order"] is None else s["order"].copy()
        self.drop_u = s["drop_u"]
        self.bp = None if s["bp"] is None else s["bp"].copy()
        self.last_bp = None if s["last_bp"] is None else s["last_bp"].copy()
        for bp in (self.bp, self.last_bp):
            if bp is not None:
                bp.theta = self.theta
        self.op_index, self.last_op, self.before, self.stage = s["op_index"], s["last_op"], s["before"], s["stage"]
        restore_rng(self.rng, s["rng"])
        for series in self.hist.values():
            del series[s["epochs_seen"]:]
        del self.batch_loss[s["batches_seen"]:]
        del self.dnorm[s["batches_seen"]:]
        self.ops_done = s["ops_done"]
        self.params = s["params"]
        self.net = make_net(self.params)
        for bp in (self.bp, self.last_bp):
            if bp is not None:
                bp.net = self.net
        self.blowup = s["blowup"]
        self.batch_idx = s["batch_idx"]
        for k, v in s["shadows"].items():
            self.shadows[k].restore(v)
        self.message = ""

    # -- outputs ----------------------------------------------------------------------------------
    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's outputs for inputs `x` (test mode)."""
        return self._outputs(np.ascontiguousarray(x, dtype=np.float64))[0]

    def tensors(self) -> dict[str, np.ndarray]:
        """Every parameter tensor by its name (W0, b1, ...), copied."""
        return {n: self.net.layout.view(self.theta, n).copy() for n in self.net.layout.names}

    def gradient(self, x: np.ndarray, t: np.ndarray, masks: dict[int, np.ndarray] | None = None) -> np.ndarray:
        """dE~/dtheta (flat) on one batch in training mode, penalty included, by backprop."""
        bp = BatchPass(self.net, self.theta.copy(), x, t, masks or {})
        for op in self.ops:
            if op.kind == "update":
                break
            bp.run(op, None, None)
        return bp.grad

    def frame(self) -> Frame:
        return equations.frame_of(self)

    def metrics(self) -> dict[str, Any]:
        h = self.hist
        out: dict[str, Any] = {"epochs": self.epoch, "final_loss": h["loss"][-1]}
        if self.train.kind != "regression":
            out["train_acc"] = h["train_acc"][-1]
        if self.test is not None:
            out["test_loss"] = h["test_loss"][-1]
            if self.test.kind != "regression":
                out["test_acc"] = h["test_acc"][-1]
        if self.params.grad_check:
            from nnlab.core.backprop.gradcheck import grad_check

            out["grad_check_max_rel_err"] = max(r.rel_err for r in grad_check(self))
        return out

    def traces(self) -> dict[str, np.ndarray]:
        out = {k: np.array(v) for k, v in self.hist.items()}
        out["batch_loss"] = np.array(self.batch_loss)
        out["delta_norm"] = np.array(self.dnorm) if self.dnorm else np.zeros((0, self.net.layout.n_layers))
        for name, v in self.tensors().items():
            out[name] = v
        return out
