"""Knobs of the backprop lab's multilayer perceptron (lectures 5-14, 16 and 23).

The `[params]` table of a backprop scenario names its mode (`mode = "mlp"`, "perceptron" or
"graph"); the other keys are the fields of that mode's dataclass. The MLP follows the column
convention of the lectures: z[l+1] = W[l] h[l] + b[l+1], W[l] of shape (units of l+1, units of l).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnlab.core.knobs import ParamError, ParamsBase, knob

MODES = ("mlp", "perceptron", "graph")
"""Modes of the backprop lab."""

DATASETS = ("or", "and", "xor", "nand", "circles", "moons", "spirals", "blobs", "sin", "line", "patterns8",
            "digits", "file")
"""Data sets an MLP can train on; "file" reads `data_file`."""

SHAPES: dict[str, tuple[int, int]] = {
    "or": (2, 1), "and": (2, 1), "xor": (2, 1), "nand": (2, 1), "circles": (2, 1), "moons": (2, 1),
    "spirals": (2, 1), "blobs": (2, 3), "sin": (1, 1), "line": (1, 1), "patterns8": (8, 8), "digits": (64, 10),
}
"""(inputs, outputs) of every generated data set."""

HIDDEN = ("logistic", "tanh", "relu", "identity")
OUTPUTS = ("logistic", "tanh", "relu", "identity", "softmax")
LOSSES = ("mse", "bce", "cce")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
INITS = ("normal", "xavier", "he", "he_avg", "constant")

MLP_LEVELS = ("op", "layer", "batch", "epoch")
"""Step sizes: one operation, one layer's operations, one mini-batch (a sample when batch_size = 1), one epoch."""

MLP_VIEWS = ("network", "curves", "boundary", "grads", "check")
"""What the upper plot shows."""


def optimizer_unused(optimizer: str) -> set[str]:
    """The optimiser knobs (momentum, momentum_form, beta2, delta) that `optimizer` does not read."""
    out = set()
    if optimizer not in ("momentum", "nesterov", "adam"):
        out.add("momentum")
    if optimizer not in ("momentum", "nesterov"):
        out.add("momentum_form")
    if optimizer not in ("rmsprop", "adam"):
        out.add("beta2")
    if optimizer in ("sgd", "momentum", "nesterov"):
        out.add("delta")
    return out


def mode_knob(name: str) -> Any:
    """The `mode` field every backprop Params class starts with."""
    return knob(name, "mode: mlp (train a network), perceptron (the threshold unit), graph (autodiff of an "
                "expression)", choices=MODES, live=False)


@dataclass(frozen=True)
class MLPParams(ParamsBase):
    """A multilayer perceptron trained by backpropagation, one operation at a time."""

    mode: str = mode_knob("mlp")
    dataset: str = knob("xor", "training data: " + ", ".join(DATASETS), choices=DATASETS, live=False)
    data_file: str = knob("", "dataset = file: a .csv (last column the target), .npz (x, y) or MNIST IDX images",
                          live=False)
    labels_file: str = knob("", "dataset = file with IDX images: the IDX labels file", live=False)
    n_samples: int = knob(200, "samples drawn for circles, moons, spirals, blobs, sin, line, patterns8",
                          lo=1, hi=100_000, live=False)
    noise: float = knob(0.1, "noise of the generated data (standard deviation)", lo=0.0, hi=10.0, live=False)
    test_fraction: float = knob(0.0, "fraction held out as the test set", lo=0.0, hi=0.9, live=False)
    layers: tuple[int, ...] = knob((2, 2, 1), "units per layer, input to output", lo=1, hi=4096, live=False)
    activation: str = knob("logistic", "hidden activation: " + ", ".join(HIDDEN), choices=HIDDEN, live=False)
    output: str = knob("logistic", "output activation: " + ", ".join(OUTPUTS), choices=OUTPUTS, live=False)
    loss: str = knob("bce", "loss per sample: mse |y - t|^2, bce -sum t ln y + (1-t) ln(1-y), cce -sum t ln y",
                     choices=LOSSES, live=False)
    reduction: str = knob("mean", "E over a batch: mean (1/B) sum of the sample losses, or sum",
                          choices=("mean", "sum"), live=False)
    init: str = knob("xavier", "weights: normal(0, init_scale^2), xavier N(0, 2/(n_in+n_out)), he N(0, 2/n_in), "
                     "he_avg N(0, 4/(n_in+n_out)) (the notes' He), constant (every weight init_scale)",
                     choices=INITS, live=False)
    init_scale: float = knob(1.0, "init = normal: standard deviation; init = constant: the weight", lo=-100.0,
                             hi=100.0, live=False)
    bias_init: float = knob(0.0, "every bias at the start", lo=-100.0, hi=100.0, live=False)
    optimizer: str = knob("sgd", "update rule: " + ", ".join(OPTIMIZERS), choices=OPTIMIZERS, live=False)
    lr: float = knob(0.5, "learning rate kappa", lo=0.0, hi=100.0, lo_open=True)
    momentum: float = knob(0.9, "beta of momentum and Nesterov; beta1 of Adam", lo=0.0, hi=1.0, hi_open=True)
    momentum_form: str = knob("classical", "classical: v <- beta v - kappa g, theta <- theta + v; convex (the "
                              "lecture's form 2): V <- beta V + (1-beta) g, theta <- theta - kappa V",
                              choices=("classical", "convex"), live=False)
    beta2: float = knob(0.999, "decay of the squared-gradient average: beta2 of Adam, rho of RMSProp", lo=0.0,
                        hi=1.0, hi_open=True)
    delta: float = knob(1e-8, "stabiliser delta of AdaGrad, RMSProp and Adam", lo=0.0, hi=1.0, lo_open=True)
    batch_size: int = knob(0, "samples per update; 0 = the whole training set (batch GD), 1 = one sample (SGD)",
                           lo=0, hi=100_000, live=False)
    shuffle: bool = knob(True, "present the training set in a new random order every epoch", live=False)
    epochs: int = knob(2000, "epochs of a run", lo=1, hi=1_000_000)
    penalty: str = knob("l2", "weight penalty: l2 adds lambda sum W^2, l1 adds lambda sum |W|", choices=("l2", "l1"))
    weight_decay: float = knob(0.0, "penalty strength lambda (weights only, not biases)", lo=0.0, hi=10.0)
    dropout: float = knob(0.0, "fraction of hidden units dropped per sample while training (inverted dropout)",
                          lo=0.0, hi=0.95)
    batchnorm: bool = knob(False, "batch normalisation of every hidden layer, after W h + b, before the activation",
                           live=False)
    tied: bool = knob(False, "autoencoder with tied weights: decoder W[1] = W[0] transposed (layers n, k, n)",
                      live=False)
    precision: str = knob("float64", "whole epochs in float64, or in float32 with numpy's float32 matrix products "
                          "(PyTorch's precision; faster on large layers); stepping, evaluation and the "
                          "gradient check stay float64", choices=("float64", "float32"), live=False)
    compare: tuple[str, ...] = knob((), "optimisers trained beside this one from the same start, for the loss "
                                    "curves (e.g. sgd, momentum, rmsprop, adam)", choices=OPTIMIZERS, live=False)
    grad_check: bool = knob(False, "headless runs also report the gradient check (central differences)")
    view: str = knob("network", "first view: " + ", ".join(MLP_VIEWS), choices=MLP_VIEWS)

    time_unit = "epoch"

    def step_levels(self) -> tuple[str, ...]:
        return MLP_LEVELS

    def unused(self) -> frozenset[str]:
        out = set()
        if self.dataset != "file":
            out |= {"data_file", "labels_file"}
        if self.dataset in ("or", "and", "xor", "nand", "digits", "file"):
            out |= {"n_samples", "noise"}
        out |= optimizer_unused(self.optimizer)
        if self.init not in ("normal", "constant"):
            out.add("init_scale")
        if self.weight_decay == 0:
            out.add("penalty")
        return frozenset(out)

    def check(self) -> None:
        if len(self.layers) < 2:
            raise ParamError("layers", "at least two sizes (inputs and outputs)", f"{len(self.layers)}")
        if self.dataset in SHAPES:
            n_in, n_out = SHAPES[self.dataset]
            if self.layers[0] != n_in:
                raise ParamError("layers", f"{n_in} input units for dataset {self.dataset}", f"{self.layers[0]}")
            if self.layers[-1] != n_out:
                raise ParamError("layers", f"{n_out} output units for dataset {self.dataset}", f"{self.layers[-1]}")
        if self.dataset == "file" and not self.data_file:
            raise ParamError("data_file", "a file name when dataset = file", "an empty string")
        if self.loss == "cce" and self.output != "softmax":
            raise ParamError("output", "softmax with loss = cce (categorical cross-entropy needs outputs that sum "
                             "to 1)", f'"{self.output}"')
        if self.loss == "bce" and self.output != "logistic":
            raise ParamError("output", "logistic with loss = bce (binary cross-entropy needs outputs in (0, 1))",
                             f'"{self.output}"')
        if self.output == "softmax" and self.layers[-1] < 2:
            raise ParamError("layers", "at least 2 output units for a softmax output", f"{self.layers[-1]}")
        if self.tied and (len(self.layers) != 3 or self.layers[0] != self.layers[2]):
            raise ParamError("tied", "layers of the form [n, k, n] for tied weights",
                             "layers " + str(list(self.layers)))
        if self.tied and self.batchnorm:
            raise ParamError("batchnorm", "false with tied weights", "true")
        if self.precision == "float32" and (self.tied or self.batchnorm):
            raise ParamError("precision", "float64 with batch normalisation or tied weights (they train operation "
                             "by operation in float64)", '"float32"')


def params_by_mode() -> dict[str, type[ParamsBase]]:
    """mode -> its Params class."""
    from nnlab.core.backprop.graph import GraphParams
    from nnlab.core.backprop.perceptron import PerceptronParams

    return {"mlp": MLPParams, "perceptron": PerceptronParams, "graph": GraphParams}


def params_class(table: dict[str, Any]) -> type[ParamsBase]:
    """The Params class that a `[params]` table selects with its `mode` key (default mlp)."""
    mode = table.get("mode", "mlp")
    if mode not in MODES:
        raise ParamError("mode", "one of " + ", ".join(f'"{m}"' for m in MODES), repr(mode))
    return MLPParams if mode == "mlp" else params_by_mode()[mode]
