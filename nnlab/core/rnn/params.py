"""Knobs of the RNN lab (lectures 21, 22 and 25; the EE147 notes and cheat sheet, catalogue-001 section 7).

A recurrent cell unrolled over a sequence, trained by backpropagation through time: the vanilla
RNN h_t = sigma(U x_t + W h_{t-1} + b), y_t = out(V h_t + c); the LSTM; the GRU in both published
forms; minGRU. The optimisers are the backprop lab's.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnlab.core.backprop.params import OPTIMIZERS, optimizer_unused
from nnlab.core.knobs import ParamError, ParamsBase, knob

CELLS = ("rnn", "lstm", "gru", "mingru")
GATES = {"rnn": ("h",), "lstm": ("f", "i", "g", "o"), "gru": ("r", "z", "n"), "mingru": ("z", "n")}
"""Blocks of Wh, Ux and bias, and of the stored gates, in order (g: the LSTM's candidate c~; n: the
GRU's candidate h~)."""
ACTIVATIONS = ("tanh", "logistic", "relu", "identity")
OUTPUTS = ("identity", "logistic", "tanh", "softmax")
TASKS = ("even_numbers", "powers_of_two", "hello", "text", "sine", "scalar_memory", "long_lag", "adding",
         "random", "file")
"""Generated sequence tasks (nothing is downloaded), or `data_file`."""
CLASS_TASKS = ("hello", "text", "long_lag")
"""Tasks whose targets are classes (softmax output, cross-entropy)."""
OUTPUT_CHOICES = ("auto", "identity", "logistic", "tanh", "softmax")
RNN_LEVELS = ("gate", "time step", "sequence", "epoch")
"""Step sizes: one gate or operation of one time step; one time step (forward, then backward); one
sequence (a batch of them: forward, BPTT, update); one epoch."""
RNN_VIEWS = ("chain", "hidden", "gates", "cell", "grad_norm", "loss", "prediction", "scan", "check")
"""chain: the unrolled chain; hidden: h as an H x T picture; gates: every gate over time; cell: c_t over
time (LSTM); grad_norm: |dE/dh_t| against t (log); loss: per epoch; prediction: y against the target;
scan: minGRU's loop beside its parallel scan; check: the gradient against central differences."""
MAX_STEPS = 2000
"""Longest sequence."""


@dataclass(frozen=True)
class RNNParams(ParamsBase):
    """A recurrent network trained by backpropagation through time, one gate at a time."""

    cell: str = knob("rnn", "the recurrent cell: rnn (vanilla), lstm, gru, mingru (gates from x only; a parallel scan)",
                     choices=CELLS, live=False)
    gru_form: str = knob("reset_before", "GRU candidate: reset_before n = tanh(W_n (r h) + U_n x + b_n) (the notes, "
                         "the cheat sheet); reset_after n = tanh(U_n x + b_n + r (W_n h + b_hn)) (PyTorch, Cho v1)",
                         choices=("reset_before", "reset_after"), live=False)
    activation: str = knob("tanh", "sigma of the vanilla cell's hidden state: " + ", ".join(ACTIVATIONS),
                           choices=ACTIVATIONS, live=False)
    output: str = knob("auto", "output y = out(V h + c): auto (softmax for class targets, identity otherwise), "
                       "identity, logistic, tanh, softmax; softmax pairs with cross-entropy, the rest with "
                       "the squared error |y - t|^2", choices=OUTPUT_CHOICES, live=False)
    hidden: int = knob(8, "hidden units H", lo=1, hi=1024, live=False)
    inputs: int = knob(0, "input width X the network expects (0: whatever the task gives); task random: its width",
                       lo=0, hi=4096, live=False)
    task: str = knob("even_numbers", "training sequences: " + ", ".join(TASKS), choices=TASKS, live=False)
    data_file: str = knob("", "task = file: a .npz (x: (N, T) or (N, T, X); target/y optional, else next-step "
                          "prediction) or a .csv of one long series (a row per time step, cut into windows)",
                          live=False)
    text: str = knob("twinkle", "task = text: the bundled text (twinkle: Jane Taylor's 'The Star', 1806, public "
                     "domain) or any other string to learn", live=False)
    seq_len: int = knob(4, "time steps per sequence tau (the unrolled length)", lo=1, hi=MAX_STEPS, live=False)
    lag: int = knob(5, "long_lag: steps the first input must be held before it is asked for", lo=1, hi=MAX_STEPS,
                    live=False)
    memory_w: float = knob(0.9, "scalar_memory: w of the target h_n = w h_{n-1} + x_n", lo=-10.0, hi=10.0,
                           live=False)
    scale: float = knob(20.0, "even_numbers, powers_of_two: values divided by this", lo=1e-6, hi=1e9, live=False)
    n_sequences: int = knob(8, "sequences in the training set (hello: always 1)", lo=1, hi=100_000, live=False)
    loss_at: str = knob("task", "outputs that carry a target (alpha_t = 1): task (the task's own) or last (only the "
                        "last step, as for the gradient through time)", choices=("task", "last"), live=False)
    init: str = knob("uniform", "weights: uniform U(-1/sqrt H, 1/sqrt H) (PyTorch's); orthogonal: every recurrent "
                     "block rho Q, Q a random orthogonal matrix, inputs uniform", choices=("uniform", "orthogonal"),
                     live=False)
    rho: float = knob(1.0, "init = orthogonal: spectral radius of every recurrent block", lo=0.0, hi=100.0,
                      live=False)
    forget_bias: float = knob(0.0, "LSTM: added to the forget gate's starting biases b_f (PyTorch adds nothing; 1 or more "
                              "keeps c early in training)",
                              lo=-100.0, hi=100.0, live=False)
    optimizer: str = knob("sgd", "update rule (the backprop lab's): " + ", ".join(OPTIMIZERS), choices=OPTIMIZERS,
                          live=False)
    lr: float = knob(0.1, "learning rate kappa", lo=0.0, hi=100.0, lo_open=True)
    momentum: float = knob(0.9, "beta of momentum and Nesterov; beta1 of Adam", lo=0.0, hi=1.0, hi_open=True)
    momentum_form: str = knob("classical", "classical v <- beta v - kappa g, theta <- theta + v; convex V <- beta V "
                              "+ (1-beta) g, theta <- theta - kappa V", choices=("classical", "convex"), live=False)
    beta2: float = knob(0.999, "beta2 of Adam, rho of RMSProp", lo=0.0, hi=1.0, hi_open=True)
    delta: float = knob(1e-8, "stabiliser delta of AdaGrad, RMSProp and Adam", lo=0.0, hi=1.0, lo_open=True)
    batch_size: int = knob(1, "sequences per update (0: all of them)", lo=0, hi=100_000, live=False)
    epochs: int = knob(200, "epochs of a run", lo=1, hi=1_000_000)
    truncate: int = knob(0, "truncated BPTT: the error flows back inside chunks of p steps (0: full BPTT)", lo=0,
                         hi=MAX_STEPS)
    clip: float = knob(0.0, "gradient-norm clipping: g <- g clip/|g| when |g| > clip (0: none)", lo=0.0, hi=1e9)
    precision: str = knob("float64", "whole epochs in float64, or float32 (PyTorch's precision); stepping and the "
                          "gradient check stay float64", choices=("float64", "float32"), live=False)
    grad_check: bool = knob(False, "headless runs also report the gradient check (central differences)")
    view: str = knob("chain", "first view: " + ", ".join(RNN_VIEWS), choices=RNN_VIEWS)

    time_unit = "epoch"

    def step_levels(self) -> tuple[str, ...]:
        return RNN_LEVELS

    def unused(self) -> frozenset[str]:
        out = set()
        if self.cell != "gru":
            out.add("gru_form")
        if self.cell != "rnn":
            out.add("activation")
        if self.cell != "lstm":
            out.add("forget_bias")
        if self.init != "orthogonal" or self.cell == "mingru":
            out.add("rho")
        if self.task != "file":
            out.add("data_file")
        if self.task != "text":
            out.add("text")
        if self.task != "long_lag":
            out.add("lag")
        if self.task != "scalar_memory":
            out.add("memory_w")
        if self.task not in ("even_numbers", "powers_of_two"):
            out.add("scale")
        if self.task in ("hello", "file"):
            out.add("n_sequences")
        out |= optimizer_unused(self.optimizer)
        return frozenset(out)

    def check(self) -> None:
        if self.task == "file" and not self.data_file:
            raise ParamError("data_file", "a file name when task = file", "an empty string")
        if self.task == "long_lag" and self.lag > self.seq_len - 1:
            raise ParamError("lag", f"at most seq_len - 1 = {self.seq_len - 1} (the first input is asked for "
                             "lag steps later, inside the sequence)", str(self.lag))
        if self.task == "hello" and self.seq_len != 4:
            raise ParamError("seq_len", "4 for task hello (h, e, l, l -> e, l, l, o)", str(self.seq_len))
        if self.task == "text" and len(self.text) < 2:
            raise ParamError("text", "a text of at least 2 characters", repr(self.text))
        if self.output == "softmax" and self.task not in CLASS_TASKS + ("file",):
            raise ParamError("output", f"not softmax for task {self.task} (its targets are numbers, not classes)",
                             '"softmax"')
        if self.task in CLASS_TASKS and self.output not in ("auto", "softmax"):
            raise ParamError("output", f"auto or softmax for task {self.task} (its targets are classes)",
                             f'"{self.output}"')
        if self.task == "long_lag" and self.loss_at == "last" and self.lag != self.seq_len - 1:
            raise ParamError("loss_at", f"task for long_lag unless lag = seq_len - 1 (its only target is at step "
                             f"{self.lag}, the last step has none)", '"last"')
        if self.task == "adding" and self.seq_len < 2:
            raise ParamError("seq_len", "at least 2 for task adding (two marked positions)", str(self.seq_len))
