"""The RNN lab's screen: a recurrent cell unrolled over a sequence and trained by backpropagation through
time, one gate, one time step, one sequence or one epoch at a time (lectures 21, 22 and 25)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.binding import Binding

from nnlab.core.knobs import ParamsBase
from nnlab.core.rnn.params import RNN_VIEWS, RNNParams
from nnlab.plotting.rnn_figures import current_step, rnn_figures
from nnlab.ui.lab_view import LabView

HELP = """\
# RNN lab (lectures 21, 22 and 25; the EE notes and cheat sheet)

A recurrent network unrolled over a sequence of T steps and trained by backpropagation through time
(BPTT). The screen follows sequence 1 of the batch in flight; a step the forward or backward pass
has not reached yet shows "·" or stays dark.

## The cells (`cell`)

*Vanilla RNN* (lecture 21), sigma = `activation`:

    s_t = U x_t + W h_(t-1) + b        h_t = sigma(s_t)        y_t = out(V h_t + c)

*LSTM* (lecture 22), X_t = (h_(t-1), x_t), gates stored in the order f, i, g, o (PyTorch orders
them i, f, g, o):

    f_t = logistic(W_f X_t + b_f)      i_t = logistic(W_i X_t + b_i)      o_t = logistic(W_o X_t + b_o)
    c~_t = tanh(W_c X_t + b_c)         c_t = f_t c_(t-1) + i_t c~_t       h_t = o_t tanh(c_t)

`forget_bias` is added to the starting b_f (PyTorch adds nothing; 1 or more keeps c early on).

*GRU* (the EE notes): the update gate z ~ 1 keeps the old state. The notes call it u and PyTorch
z; the cheat sheet writes g = 1 - z (disagreement X25).

    r_t = logistic(W_r h_(t-1) + U_r x_t + b_r)     z_t = logistic(W_z h_(t-1) + U_z x_t + b_z)
    h_t = (1 - z_t) h~_t + z_t h_(t-1)

`gru_form` chooses the candidate: reset_before `h~_t = tanh(W_n (r_t h_(t-1)) + U_n x_t + b_n)`
(the notes, the cheat sheet); reset_after `h~_t = tanh(U_n x_t + b_n + r_t (W_n h_(t-1) + b_hn))`
(PyTorch, Cho et al. v1).

*minGRU* (the cheat sheet, section 14.4; Feng et al. 2024): gates from x only, and z ~ 1 takes the
new state:

    z_t = logistic(U_z x_t + b_z)      h~_t = U_h x_t + b_h      h_t = (1 - z_t) h_(t-1) + z_t h~_t

So h_t = a_t h_(t-1) + b_t with a = 1 - z, b = z h~: a linear recurrence that a parallel scan
solves in ceil(log2 T) rounds (the `scan` view sets it beside the loop).

Parameters: an LSTM has 4 times the vanilla cell's, a GRU 3 times, minGRU 2H(X + 1).

## Training

Loss (lecture 21): E = (1/B) sum_b sum_t alpha_t C(y_t, t_t), with alpha_t = 1 where a step has a
target; C = |y - t|^2, or the cross-entropy -sum t ln y for a softmax output (then dC/dzo = y - t).

BPTT as lecture 21 writes it, from t = T back to 1:

    dE/dh_t = V^T dzo_t + dh_next          dh_next = dE/dh_t through h_(t+1)
    vanilla: ds_t = sigma'(s_t) dE/dh_t;  dW += ds_t h_(t-1)^T,  dU += ds_t x_t^T,  db += ds_t;
             dh_next = W^T ds_t

The notes give only dE/dc_t for the gated cells (dE/dc_t = dc_next + dE/dh_t o_t (1 - tanh^2 c_t));
their full backward passes (every gate's delta, the reset path of the GRU, minGRU's) are derived
here and checked against central differences (`c`).

*Truncation* (`truncate` = p): the carried dh_next (and dc_next) is cut to 0 at every multiple of
p, as `h.detach()` every p steps does. *Clipping* (`clip`): g <- g clip/|g| when |g| > clip.
For a logistic vanilla RNN with the loss at the last step, |dE/dh_t| <= |dE/dh_T| (|W|_2/4)^(T-t),
since sigma' <= 1/4: the `grad_norm` view draws this bound.

*Views* (`v`): chain (x_t, h_t, y_t against the target, |dE/dh_t|), hidden (h as H x T, dE/dh
below), gates, cell (LSTM), grad_norm, loss, prediction, scan (minGRU), check.

## Keys

`n` one gate or operation (forward, loss, backward, update), `N` one time step, then one
sequence (forward, BPTT, update) or one epoch (`g` chooses), `b` back, `space` run, `v` views,
`c` gradient check.

Try: `rnn_hello`, `rnn_even_numbers`, `rnn_powers_of_two`, `rnn_scalar_memory`, `rnn_sine`,
`rnn_text`, `rnn_gradient_through_time`, `rnn_gradient_clipping`, `rnn_truncated_bptt`,
`rnn_adding`, `lstm_gate_viewer`, `lstm_hold_memory`, `lstm_vs_rnn_long_lag`, `gru_conventions`,
`mingru_scan`.
"""


class RNNLab(LabView):
    """The RNN lab over an RNNModel; the cell is chosen by the `cell` parameter."""

    BINDINGS = [Binding("c", "check", "Grad check", show=False)]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._check: tuple[int, Any] | None = None

    def installed(self) -> None:
        self._check = None

    def views(self) -> tuple[str, ...]:
        return RNN_VIEWS

    def initial_view(self) -> str:
        view = getattr(self.params, "view", None)
        return view if view in RNN_VIEWS else RNN_VIEWS[0]

    def position(self, frame: Any) -> str:
        d = frame.data
        where = f"epoch {d['epoch']}  batch {d['batch'] + 1}/{d['n_batches']}"
        cur = current_step(d)
        if d["phase"] == "idle":
            return f"{where}  between batches"
        return f"{where}  {d['phase']}" + (f" t={cur + 1}" if cur is not None else "")

    def figures(self, frame: Any) -> tuple[Any, Any]:
        if self.view == "check" and self.model is not None and not self.running:
            frame = self._with_check(frame)
        return rnn_figures(frame, self.view)

    def _with_check(self, frame: Any) -> Any:
        from nnlab.core.rnn.gradcheck import grad_check

        key = self.model.ops_done
        if self._check is None or self._check[0] != key:
            self._check = (key, grad_check(self.model))
        return replace(frame, data={**frame.data, "check": self._check[1]})

    def help_markdown(self) -> str:
        return HELP

    def switch_model(self, name: str) -> ParamsBase:
        return RNNParams()

    def step_mode(self, level: int) -> str:
        return "worker" if self.model.step_levels()[level] == "epoch" else "inline"

    def pace(self) -> float | None:
        return self.scenario.run.speed or max(1.0, self.params.epochs / 10.0)

    def action_check(self) -> None:
        if self.model is None or self.running:
            return
        self.view = "check"
        self.show_frame(self.model.frame())
