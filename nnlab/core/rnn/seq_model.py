"""A recurrent network trained by backpropagation through time, one gate, one time step, one sequence or one
epoch at a time (lectures 21, 22 and 25).

A batch of sequences goes through four phases:

    forward    t = 0 .. T-1: the cell's gates and states at t (`kernels.forward` over [t, t+1)), then y_t
    loss       E = (1/B) sum_b sum_t alpha_t C(y_t, t_t)
    backward   t = T-1 .. 0: dzo_t, dE/dh_t = V^T dzo_t + dh_next, the cell's deltas, the gradients
               accumulated, dh_next = dE/dh_{t-1} (`kernels.backward` over [t, t+1))
    update     g <- g clip/|g| when |g| > clip (clip > 0); then the backprop lab's optimiser on the flat vector

Stepping by gates reveals the operations of one time step one at a time; the numbers are those the
kernel computed for the whole step. A time step, a sequence and an epoch call the same kernels over
longer ranges, so every way of stepping reaches the same weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.backprop import optimizers
from nnlab.core.lab import Frame, restore_rng, snapshot_rng
from nnlab.core.rnn import fast_epoch
from nnlab.core.rnn import kernels as K
from nnlab.core.rnn.batch import Batch
from nnlab.core.rnn.network import Layout, init_params, output_code, output_delta, step_losses
from nnlab.core.rnn.params import RNNParams
from nnlab.core.rnn.tasks import SeqData, make_task

FORWARD_OPS = {"rnn": ("s", "h", "y"), "lstm": ("f", "i", "g", "c", "o", "h", "y"), "gru": ("r", "z", "n", "h", "y"),
               "mingru": ("z", "n", "h", "y")}
"""Operations of one forward time step, in the order the gate level reveals them."""
BACKWARD_OPS = {"rnn": ("dy", "dh", "ds"), "lstm": ("dy", "dh", "dc", "da", "dh_prev"),
                "gru": ("dy", "dh", "da", "dh_prev"), "mingru": ("dy", "dh", "da", "dh_prev")}
"""Operations of one backward time step."""
PHASES = ("forward", "loss", "backward", "update")


class RNNModel:
    """The network, its data and the batch in flight; see the module docstring."""

    def __init__(self, params: RNNParams, seed: int = 0, data: SeqData | None = None) -> None:
        self.params = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.data = data if data is not None else make_task(params, self.rng)
        d = self.data
        self.lay = Layout(params.cell, params.hidden, d.X, d.Y, params.gru_form == "reset_after")
        self.out = output_code(params.output, d.kind)
        if K.OUTPUTS[self.out] == "softmax" and d.kind != "classes":
            from nnlab.core.data.dataset import DataError

            raise DataError(params.data_file or f"task {params.task}", "class targets for a softmax output",
                            "real-valued targets")
        self.theta = init_params(self.lay, params.init, params.rho, params.forget_bias, self.rng)
        self.m = np.zeros_like(self.theta)
        self.a = np.zeros_like(self.theta)
        self.updates = 0
        self.epoch = 0
        self.batch_index = 0
        self.order: np.ndarray | None = None
        self.bt: Batch | None = None
        self.last: Batch | None = None
        """The last finished batch (shown between batches)."""
        self.phase = 0
        self.t = 0
        self.op = 0
        self.ops_done = 0
        self.said = "start: n computes the first gate of the first time step"
        self.loss_hist: list[float] = []
        self.acc_hist: list[float] = []
        self.batch_hist: list[float] = []
        self.before: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        """theta, m, a before the last update (for the equation pane)."""
        self.applied: np.ndarray | None = None
        """The gradient the last update applied (after clipping)."""
        self.hyper: dict[str, Any] = {}
        """The optimiser's settings and the clip of the last update (a live knob may change them since)."""
        self._blowup = ""
        with np.errstate(all="ignore"):
            self._evaluate()

    # -- protocol ---------------------------------------------------------------------------------
    @property
    def blowup(self) -> str:
        return self._blowup

    @property
    def steps_total(self) -> int:
        return self.epoch

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def default_steps(self) -> int:
        return max(self.params.epochs - self.epoch, 0)

    def set_params(self, params: RNNParams) -> None:
        self.params = params

    @property
    def B(self) -> int:
        bs = self.params.batch_size
        return self.data.n if bs == 0 else min(bs, self.data.n)

    @property
    def n_batches(self) -> int:
        return -(-self.data.n // self.B)

    @property
    def T(self) -> int:
        return self.data.T

    def tensors(self, flat: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """name -> view of a flat vector (default: the weights)."""
        return self.lay.views(self.theta if flat is None else flat)

    # -- batches ----------------------------------------------------------------------------------
    def _batch(self, rows: np.ndarray, dtype: type = np.float64, backward: bool = True) -> Batch:
        """The sequences `rows` as a batch (backward = False: no room for the backward pass)."""
        d = self.data
        tm = lambda a: np.ascontiguousarray(np.swapaxes(a[rows], 0, 1))  # noqa: E731
        bt = Batch(self.lay, tm(d.x), tm(d.target), tm(d.alpha), rows, dtype, backward)
        bt.theta = self.theta.copy()
        bt.truncate = self.params.truncate
        return bt

    def _next_rows(self) -> np.ndarray:
        if self.order is None:
            self.order = self.rng.permutation(self.data.n)
        return self.order[self.batch_index * self.B:(self.batch_index + 1) * self.B]

    def _kernel_args(self, bt: Batch, flat: np.ndarray) -> dict[str, np.ndarray]:
        v = self.lay.views(flat)
        bhn = v["b_hn"] if v["b_hn"].size else np.zeros(self.lay.H, flat.dtype)
        return {"Wh": v["W"], "Ux": v["U"], "bias": v["b"], "bhn": bhn, "V": v["V"], "c": v["c"]}

    def _forward(self, bt: Batch, t0: int, t1: int, flat: np.ndarray) -> None:
        w = self._kernel_args(bt, flat)
        p = self.params
        K.forward(K.CELLS.index(p.cell), self.lay.reset_after, K.ACTIVATIONS.index(p.activation), self.out, t0, t1,
                  bt.xs, bt.hs, bt.cs, bt.pre, bt.gates, bt.aux, bt.zo, bt.ys, w["Wh"], w["Ux"], w["bias"], w["bhn"],
                  w["V"], w["c"])

    def _loss(self, bt: Batch) -> None:
        ys, zo = bt.ys.astype(np.float64), bt.zo.astype(np.float64)
        bt.losses = step_losses(self.out, zo, ys, bt.target)
        bt.E = float((bt.alpha * bt.losses).sum() / bt.xs.shape[1])
        bt.dzo[...] = output_delta(self.out, ys, bt.target, bt.alpha)

    def _backward(self, bt: Batch, t1: int, t0: int, flat: np.ndarray) -> None:
        w = self._kernel_args(bt, flat)
        g = self.lay.views(bt.grad)
        gbhn = g["b_hn"] if g["b_hn"].size else np.zeros(self.lay.H, bt.grad.dtype)
        p = self.params
        bt.truncate = p.truncate
        K.backward(K.CELLS.index(p.cell), self.lay.reset_after, K.ACTIVATIONS.index(p.activation), p.truncate, t1,
                   t0, bt.xs, bt.hs, bt.cs, bt.pre, bt.gates, bt.aux, bt.dzo, w["Wh"], w["V"], bt.dh_next,
                   bt.dc_next, bt.dhs, bt.dcs, bt.da, g["W"], g["U"], g["b"], gbhn, g["V"], g["c"])

    def _update(self, bt: Batch) -> None:
        p = self.params
        g = bt.grad.astype(np.float64)
        self.before = (self.theta.copy(), self.m.copy(), self.a.copy())
        self.hyper = {"optimizer": p.optimizer, "convex": p.momentum_form == "convex", "lr": p.lr,
                      "beta1": p.momentum, "beta2": p.beta2, "delta": p.delta, "clip": p.clip}
        bt.clip_norm = self.apply_gradient(g)
        self.applied = g

    def apply_gradient(self, g: np.ndarray) -> float:
        """Clip g in place (g <- g clip/|g| when |g| > clip > 0), then one step of the backprop lab's optimiser;
        returns |g| before clipping."""
        p = self.params
        norm = float(np.sqrt((g * g).sum()))
        if p.clip > 0 and norm > p.clip:
            g *= p.clip / norm
        self.updates += 1
        optimizers.update(p.optimizer, p.momentum_form == "convex", self.theta, g, self.m, self.a, self.updates,
                          p.lr, p.momentum, p.beta2, p.delta)
        return norm

    def gradient(self, bt: Batch, flat: np.ndarray | None = None) -> np.ndarray:
        """dE/dtheta (flat, float64) of a batch's sequences at `flat` (default: the weights), by BPTT."""
        flat = self.theta if flat is None else flat
        fresh = self._batch(bt.rows)
        self._forward(fresh, 0, self.T, flat)
        self._loss(fresh)
        self._backward(fresh, self.T, 0, flat)
        return fresh.grad

    def energy(self, bt: Batch, flat: np.ndarray) -> float:
        """E of a batch's sequences at `flat`."""
        fresh = self._batch(bt.rows, backward=False)
        self._forward(fresh, 0, self.T, flat)
        self._loss(fresh)
        return fresh.E

    # -- one operation ----------------------------------------------------------------------------
    def _op(self) -> None:
        """One gate or operation: the smallest step."""
        p = self.params
        if self.bt is None:
            self.bt = self._batch(self._next_rows())
            self.phase, self.t, self.op = 0, 0, 0
        bt = self.bt
        name = PHASES[self.phase]
        if name == "forward":
            ops = FORWARD_OPS[p.cell]
            if self.op == 0:
                self._forward(bt, self.t, self.t + 1, self.theta)
            self.said = f"forward t = {self.t + 1}: {ops[self.op]}"
            self.op += 1
            if self.op == len(ops):
                self.op, self.t = 0, self.t + 1
                if self.t == self.T:
                    self.phase = 1
        elif name == "loss":
            self._loss(bt)
            self.said = f"loss E = {bt.E:.6g}"
            self.phase, self.t, self.op = 2, self.T - 1, 0
        elif name == "backward":
            ops = BACKWARD_OPS[p.cell]
            if self.op == 0:
                bt.carried_h[...], bt.carried_c[...] = bt.dh_next, bt.dc_next
                self._backward(bt, self.t + 1, self.t, self.theta)
            self.said = f"backward t = {self.t + 1}: {ops[self.op]}"
            self.op += 1
            if self.op == len(ops):
                self.op, self.t = 0, self.t - 1
                if self.t < 0:
                    self.phase = 3
        else:
            self._update(bt)
            self.said = f"update {self.updates} ({p.optimizer})"
            self._end_batch()
        self.ops_done += 1

    def _end_batch(self) -> None:
        self.batch_hist.append(self.bt.E)
        self.last, self.bt = self.bt, None
        self.phase, self.t, self.op = 0, 0, 0
        self.batch_index += 1
        if self.batch_index >= self.n_batches:
            self._end_epoch()

    def _end_epoch(self) -> None:
        self.epoch += 1
        self.batch_index = 0
        self.order = None
        self._evaluate()

    def _evaluate(self) -> None:
        """Loss (and accuracy for classes) of every sequence at the present weights: by the fused forward after
        training where it covers the cell, else by the kernels, whose batch the first frame shows."""
        if self.updates and fast_epoch.covers(self.params.cell):
            E, acc = fast_epoch.evaluate(self)
            self.loss_hist.append(E)
            if self.data.kind == "classes":
                self.acc_hist.append(acc)
            return
        bt = self._batch(np.arange(self.data.n), backward=False)
        self._forward(bt, 0, self.T, self.theta)
        self._loss(bt)
        self.loss_hist.append(bt.E)
        if self.data.kind == "classes":
            hit = bt.ys.argmax(axis=2) == bt.target.argmax(axis=2)
            w = bt.alpha > 0
            self.acc_hist.append(float(hit[w].mean()) if w.any() else float("nan"))
        self.evaluated = bt

    # -- whole batches ----------------------------------------------------------------------------
    def _train_rest_of_epoch(self) -> None:
        """Finish the batch in flight by operations, then the epoch's other batches whole: all but the last by
        `fast_epoch` where it covers the cell (the same numbers, fused), the last by the reference kernels, kept
        whole for the screen."""
        start = self.epoch
        while self.bt is not None:
            self._op()
        if self.epoch != start:
            return
        dtype = np.float32 if self.params.precision == "float32" else np.float64
        fast_epoch.train_all_but_last(self, dtype)
        while self.epoch == start and not self._blowup:
            bt = self._batch(self._next_rows(), dtype)
            flat = self.theta.astype(dtype)
            self._forward(bt, 0, self.T, flat)
            self._loss(bt)
            if not np.isfinite(bt.E):
                self.bt = bt
                return
            self._backward(bt, self.T, 0, flat)
            self._update(bt)
            self.bt = bt
            self._end_batch()
            self.ops_done += 1

    def _sound(self) -> bool:
        bt = self.bt if self.bt is not None else self.last
        loss_ok = bt is None or np.isfinite(bt.E) or bool(np.isnan(bt.losses).all())
        return bool(np.isfinite(self.theta).all() and loss_ok and np.isfinite(self.loss_hist[-1])
                    and (bt is None or (np.isfinite(bt.hs).all() and np.isfinite(bt.grad).all())))

    def _guard(self, good: dict[str, Any]) -> None:
        """Back to `good`, paused with the likely cause, when a state, the loss or a weight is not finite."""
        if self._sound():
            return
        self.restore(good)
        p = self.params
        if not np.isfinite(self.loss_hist[0]):
            self._blowup = ("the starting weights already give a NaN or infinite loss: the states overflow before "
                            "any update; lower rho" + (" or use a bounded activation (tanh, logistic)"
                                                       if p.activation in ("relu", "identity") else "")
                            + ", or scale the data down")
            return
        causes = [f"the learning rate lr = {p.lr:g} (try {p.lr / 10:g})"]
        if p.init == "orthogonal" and p.rho > 1:
            causes.append(f"the recurrent weights' radius rho = {p.rho:g} > 1")
        if p.clip == 0:
            causes.append("no gradient clipping (try clip = 1)")
        self._blowup = ("a state, the loss or a weight became NaN or infinite in epoch "
                        f"{self.epoch + 1}; likely causes: " + "; ".join(causes))

    # -- stepping ---------------------------------------------------------------------------------
    def step(self, level: int = 0) -> Frame:
        if self._blowup:
            with np.errstate(all="ignore"):
                return self.frame()
        good = self.snapshot()
        name = self.step_levels()[min(level, 3)]
        with np.errstate(all="ignore"):
            if name == "gate":
                self._op()
            elif name == "time step":
                phase, t = self.phase, self.t
                self._op()
                while self.bt is not None and self.phase == phase and self.t == t and self.op != 0:
                    self._op()
            elif name == "sequence":
                self._op()
                while self.bt is not None:
                    self._op()
            else:
                self._train_rest_of_epoch()
                self.said = f"epoch {self.epoch} trained"
            self._guard(good)
        return self.frame()

    def advance(self, n: int) -> int:
        """Train n epochs (finishing the current one first); stops at a blow-up."""
        done = 0
        with np.errstate(all="ignore"):
            for _ in range(n):
                if self._blowup:
                    break
                good = self.snapshot()
                self._train_rest_of_epoch()
                self._guard(good)
                if self._blowup:
                    break
                done += 1
        self.said = f"epoch {self.epoch} trained"
        return done

    # -- state ------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        keys = ("updates", "epoch", "batch_index", "phase", "t", "op", "ops_done", "said", "_blowup", "evaluated",
                "applied", "hyper")
        s = {k: getattr(self, k) for k in keys}
        s.update(theta=self.theta.copy(), m=self.m.copy(), a=self.a.copy(), rng=snapshot_rng(self.rng),
                 order=None if self.order is None else self.order.copy(),
                 bt=None if self.bt is None else self.bt.copy(), last=self.last,
                 before=self.before, lens=(len(self.loss_hist), len(self.acc_hist), len(self.batch_hist)))
        return s

    def restore(self, s: dict[str, Any]) -> None:
        for k, v in s.items():
            if k == "rng":
                restore_rng(self.rng, v)
            elif k == "lens":
                del self.loss_hist[v[0]:], self.acc_hist[v[1]:], self.batch_hist[v[2]:]
            elif k in ("theta", "m", "a"):
                setattr(self, k, v.copy())
            elif k == "bt":
                self.bt = None if v is None else v.copy()
            else:
                setattr(self, k, v)

    # -- outputs ----------------------------------------------------------------------------------
    def frame(self) -> Frame:
        from nnlab.core.rnn.frames import frame_of

        return frame_of(self)

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {"epochs": self.epoch, "final_loss": self.loss_hist[-1]}
        if self.data.kind == "classes":
            out["train_acc"] = self.acc_hist[-1]
        if self.params.grad_check:
            from nnlab.core.rnn.gradcheck import grad_check

            out["grad_check_max_rel_err"] = max(r.rel_err for r in grad_check(self))
        return out

    def shown(self) -> Batch:
        """The batch the screen shows: the one in flight, else the last finished one, else all sequences."""
        return self.bt if self.bt is not None else (self.last if self.last is not None else self.evaluated)

    def traces(self) -> dict[str, np.ndarray]:
        from nnlab.core.rnn.frames import sequence_arrays

        out: dict[str, np.ndarray] = {"loss": np.array(self.loss_hist), "batch_loss": np.array(self.batch_hist)}
        if self.acc_hist:
            out["accuracy"] = np.array(self.acc_hist)
        last = self._batch(np.array([self.data.n - 1]))
        self._forward(last, 0, self.T, self.theta)
        self._loss(last)
        self._backward(last, self.T, 0, self.theta)
        out.update(sequence_arrays(self, last, 0, complete=True))
        for name, v in self.tensors().items():
            if v.size:
                out["c_out" if name == "c" else name] = v.copy()
        return out
