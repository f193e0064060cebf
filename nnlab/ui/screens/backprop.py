"""The backprop lab screen: an MLP trained one operation at a time, the perceptron, and autodiff graphs."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from nnlab.core.backprop.params import MLP_VIEWS, params_by_mode
from nnlab.core.knobs import ParamsBase
from nnlab.plotting.backprop_figures import mlp_figures
from nnlab.ui.lab_view import LabView

HELP = """
# Backprop stepper

Train a network one operation at a time. `n` does one operation, `N` the next size up
(`g` chooses: layer, batch, epoch); `space` trains epoch after epoch; `b` steps back exactly.
The equation pane shows the operation with the numbers of the first sample (and first unit);
the lower plot shows the tensor it changed as a signed heatmap (`i` shows its numbers).
`v` cycles the upper plot: network, loss curves, decision map (or the fit of 1-D data),
gradient norm per layer, gradient check.

## The network (mode = "mlp", lectures 5, 8, 9)

Column convention of the lectures: W[l] has one row per unit of layer l+1.

    forward   z[l+1] = W[l] h[l] + b[l+1]        h[l+1] = f(z[l+1])
    output    delta[L] = dE/dz[L]                 (= (y - t)/B for logistic + bce, softmax + cce)
    backward  dE/dW[l] = delta[l+1] h[l]^T        (an outer product, summed over the batch)
              delta[l] = f'(z[l]) * (W[l]^T delta[l+1])
    update    each tensor by the optimiser

*Losses* (per sample; E is their mean over the batch, or their sum with reduction = "sum"):
MSE |y - t|^2 (lecture 5's form; some sheets put 1/2 in front, which halves the gradient),
binary cross-entropy -sum t ln y + (1-t) ln(1-y) with a logistic output, categorical
cross-entropy -sum t ln y with softmax. The notes drop the 1/P of the mean in the gradient
(erratum E10): here E and its gradient always agree.

*Initialisation*: normal(0, init_scale^2); Xavier N(0, 2/(n_in + n_out)); He N(0, 2/n_in) (the
standard He); he_avg N(0, 4/(n_in + n_out)), the variant the EE notes print; constant (for the
chains of lecture 12).

*Penalties* (weights only): l2 adds lambda sum W^2 (gradient 2 lambda W, lecture 10), l1 adds
lambda sum |W| (gradient lambda sign W).

*Dropout*: inverted dropout on hidden units while training: h <- h m / (1 - p), so test time
uses the whole network unscaled; the mask enters the backward pass (erratum E8).

*Batch normalisation*: after W h + b, before the activation (Ioffe & Szegedy 2015), eps = 1e-5,
running averages (0.9) at test time; the bias before it has no effect (its gradient is 0).

*Optimisers*: SGD; momentum in the classical form v <- beta v - kappa g, theta <- theta + v
(the textbook form) or the lecture's convex form V <- beta V + (1 - beta) g, theta <- theta -
kappa V (momentum_form); Nesterov (reparameterised, EE notes); AdaGrad; RMSProp; Adam with bias
correction.

*Tied weights* (autoencoders, lecture 16): the decoder is W[0]^T and its gradient is the exact
shared one, dE/dW[0] (encoder) + (dE/dW[1])^T (decoder); the notes' formula is garbled (E11).

*Precision*: stepping, evaluation and the gradient check are float64. Whole epochs run in a
numba kernel for small layers and in numpy's BLAS for large ones; precision = "float32" trains
epochs in float32, as PyTorch does (about 1.5x faster on layers like 784-128; weights agree
with float64 to single precision).

*Gradient check*: central differences (E(theta + h) - E(theta - h)) / 2h, h = 1e-5 in float64,
on 32 samples with the dropout mask held fixed; the error of a tensor is the largest difference
divided by its largest gradient. Above 1e-6 it is a mismatch.

## The perceptron (mode = "perceptron", lecture 6)

A threshold unit y = 1 iff w.x + b >= 0, E = t - y, w <- w + eta E x, b <- b + eta E. The
notes print b <- b + E t (erratum E4): with it the OR example never converges (bias_rule =
"printed" shows this). XOR is not linearly separable: no epoch without errors. The notes'
"XOR" table is NAND (E5).

## Expression graphs (mode = "graph", EE notes and lectures on automatic differentiation)

Forward in topological order, then reverse mode: each node adds local gradient x upstream
gradient to each of its inputs; where paths converge the contributions add up. "·" means
not computed yet (different from 0).

Try: `backprop_xor` (step one sample through every operation), `backprop_vanishing`,
`backprop_optimisers`, `backprop_digits`.
"""


class BackpropLab(LabView):
    """The backprop lab: one of three modes, chosen by the `mode` parameter."""

    BINDINGS = [
        Binding("i", "toggle_values", "Values", show=False),
        Binding("c", "check", "Grad check", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.show_values = False
        self._check: tuple[int, Any] | None = None

    def mode(self) -> str:
        return getattr(self.params, "mode", "mlp")

    def installed(self) -> None:
        self._check = None

    def views(self) -> tuple[str, ...]:
        mode = self.mode()
        if mode == "mlp":
            d = self.frame.data if self.frame is not None else {}
            if self.frame is not None and "boundary" not in d and "fit" not in d:
                return tuple(v for v in MLP_VIEWS if v != "boundary")
            return MLP_VIEWS
        from nnlab.plotting import backprop_small_figures as small

        return small.PERCEPTRON_VIEWS if mode == "perceptron" else small.GRAPH_VIEWS

    def initial_view(self) -> str:
        view = getattr(self.params, "view", None)
        return view if view in self.views() else self.views()[0]

    def position(self, frame: Any) -> str:
        if self.mode() == "mlp":
            d = frame.data
            return f"epoch {d['epoch']}  batch {d['batch_now']}/{d['n_batches']}  op {frame.step}"
        return f"step {frame.step}"

    def figures(self, frame: Any) -> tuple[Any, Any]:
        mode = self.mode()
        if mode == "mlp":
            if self.view == "check" and self.model is not None and not self.running:
                frame = self._with_check(frame)
            return mlp_figures(frame, self.view, self.show_values)
        from nnlab.plotting import backprop_small_figures as small

        if mode == "perceptron":
            return small.perceptron_figures(frame, self.view)
        return small.graph_figures(frame, self.view)

    def _with_check(self, frame: Any) -> Any:
        from dataclasses import replace

        from nnlab.core.backprop.gradcheck import grad_check

        key = self.model.ops_done
        if self._check is None or self._check[0] != key or self._check[1] is None:
            self._check = (key, grad_check(self.model))
        return replace(frame, data={**frame.data, "check": self._check[1]})

    def help_markdown(self) -> str:
        return HELP

    def switch_model(self, name: str) -> ParamsBase:
        return params_by_mode()[name]()

    def step_mode(self, level: int) -> str:
        if self.mode() == "perceptron":
            return "worker" if level >= 2 else "inline"
        if self.mode() != "mlp":
            return "inline"
        return "worker" if self.model.step_levels()[level] == "epoch" else "inline"

    def remaining_steps(self) -> int:
        m = self.model
        if self.mode() == "mlp":
            left = self.params.epochs - m.epoch
            return left if left > 0 else self.params.epochs
        left = m.default_steps()
        if left <= 0:
            self.notify("finished: r starts again", timeout=3)
        return left

    def reached_end(self) -> bool:
        if self.mode() == "mlp":
            return self.model.epoch >= self.params.epochs
        return False

    def pace(self) -> float | None:
        if self.mode() == "mlp":
            return self.scenario.run.speed or max(1.0, self.params.epochs / 10.0)
        return self.scenario.run.speed or 10.0

    def action_toggle_values(self) -> None:
        self.show_values = not self.show_values
        if self.frame is not None:
            self.show_frame(self.frame)

    def action_check(self) -> None:
        if self.mode() != "mlp" or self.model is None or self.running:
            return
        self.view = "check"
        self.show_frame(self.model.frame())
