"""The neuron lab screen: HH, LIF, tuning curves, synapses, pairs, populations and activations."""

from __future__ import annotations

from typing import Any

from nnlab.core.knobs import ParamsBase
from nnlab.core.neuron.params import PARAMS_BY_MODEL
from nnlab.plotting.neuron_figures import DEFAULT_WINDOW, VIEWS, neuron_figures
from nnlab.plotting.spec import Figure, Picture
from nnlab.ui.lab_view import LabView

DEFAULT_SPEED = {"hh": 20.0, "lif": 0.1, "synapse": 0.2, "pair": 0.1, "population": 0.5}
"""Model time per wall-clock second while running, when the scenario does not say."""
CURSOR_PACE = 20.0
"""Cursor steps per second while the activation gallery runs."""
INLINE_STEPS = 20_000
"""Steps of dt a key may take on the UI thread; more go to a worker."""


HELP = """
# Neuron lab

Single neurons, synapses and small populations from the first lectures. Each model steps one
`dt` at a time (`n`), by 1 ms or to the next spike (`N`, `g` switches), or runs (`space`);
the equation pane shows the update in force with its current numbers, the inspector what the
step changed.

## Hodgkin-Huxley (model = "hh", lecture 1)

    C dV/dt = I - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
    dx/dt   = alpha_x(V) (1 - x) - beta_x(V) x = (x_inf(V) - x) / tau_x(V)     x = n, m, h

Units ms, mV, uA/cm^2. The notes give no constants: the defaults are the Hodgkin & Huxley 1952
set in the modern convention (rest -65 mV; C = 1 uF/cm^2; g_Na, g_K, g_L = 120, 36,
0.3 mS/cm^2; E_Na, E_K, E_L = 50, -77, -54.387 mV), *not from the lecture*. The notes quote
a resting potential near -70 mV; this set rests at -65 mV. The sodium current uses m^3 h
(one course sheet prints h^4: an erratum).

- *Integrators*: forward Euler (the course method), RK4, exponential Euler. Euler needs
  dt below about 0.05 ms; at 0.5 ms the gates overshoot and the lab pauses.
- *Views* (`v`): V and the gates against time; x_inf and tau_x against V (m is the fastest
  gate); the phase plane V against n.
- *F-I curve* (experiment = "fi"): the rate at each constant current. HH cannot fire slowly:
  the rate jumps from 0 to about 55 Hz between 6 and 6.5 uA/cm^2 (its rheobase).

Try: `neuron_hh_spike`, then i_ext = 5 (one onset spike), 6 (two, then rest) and 6.5 (repetitive firing).

## Leaky integrate-and-fire (model = "lif", lecture 2)

    tau_m dv/dt = v_in - v        v >= 1: spike, v <- 0, held for tau_ref
    G(v_in) = 1 / (tau_ref - tau_m ln(1 - 1/v_in))  for v_in > 1, else 0

Dimensionless v (threshold 1, reset 0), time in seconds; tau_m = 20 ms and tau_ref = 2 ms are
the lecture's "typical cortical" values. *Euler*: the spike is recorded at the end of the step
that reaches 1, and the neuron is held at 0 for round(tau_ref/dt) steps, so its rate is a
little below G. *Exact*: v <- v_in + (v - v_in) exp(-dt/tau_m), with the crossing placed inside
the step, which lands on G. (One course sheet prints the rate with tau_m in place of tau_ref
and ln(1 - v_th): an erratum.)

## Synapses (model = "synapse", lecture 4)

    h(t) = t^n exp(-t/tau_s) / (n! tau_s^(n+1))     (unit area; peak at t = n tau_s)
    s(t) = sum_p w h(t - t_p)                        (the filtered spike train)
    Euler (Algorithm 1): s <- s (1 - dt/tau_s); each spike adds w/tau_s

An order-n kernel is n+1 first-order filters in cascade. The Euler form keeps the area w of
each spike exactly; it oscillates when dt > tau_s and diverges when dt > 2 tau_s.

## Two neurons (model = "pair", lecture 5)

The presynaptic LIF neuron's spikes add w/tau_s to the current s of the postsynaptic one,
whose input is v_in_post + s. One spike injects w in total, so the mean drive is w times the
presynaptic rate. A negative w is inhibitory.

## Population (model = "population", lecture 26)

    J_i = alpha_i e_i x + beta_i,    a_i = G(J_i)

Encoders e = +1 or -1; gains and biases from random x-intercepts and maximum rates (the NEF
convention: intercepts U[-0.95, 0.95], rates U[100, 200] Hz; *not from the lecture*).

## Activation functions (model = "activation", lecture 3)

Logistic, arctan, tanh, threshold (1 at z = 0), ReLU (slope 0 chosen at z = 0) and softplus,
with their derivatives. The logistic slope is at most 1/4, at z = 0 (the notes say "at
sigma = 0": an erratum).
"""


class NeuronLab(LabView):
    """The neuron lab: one of six models, chosen by the `model` parameter."""

    def kind(self) -> str:
        p = self.params
        if getattr(p, "experiment", "run") == "fi":
            return "fi"
        return p.model

    def views(self) -> tuple[str, ...]:
        return VIEWS[self.kind()]

    def position(self, frame: Any) -> str:
        kind = self.kind()
        if kind == "fi":
            return f"input {frame.step} of {len(self.model.inputs)}"
        if kind == "activation":
            return f"z = {frame.t:.4g}"
        return super().position(frame)

    def figures(self, frame: Any) -> tuple[Figure, Figure | Picture]:
        return neuron_figures(frame, self.view, self.current_window())

    def current_window(self) -> float:
        if self.window:
            return self.window
        default = DEFAULT_WINDOW.get(self.kind(), 1.0)
        return min(default, self.scenario.duration()) if self.kind() in DEFAULT_WINDOW else default

    def help_markdown(self) -> str:
        return HELP

    def switch_model(self, name: str) -> ParamsBase:
        return PARAMS_BY_MODEL[name]()

    def step_mode(self, level: int) -> str:
        kind = self.kind()
        if kind == "fi":
            return "run" if level >= 1 else "inline"
        if kind == "activation":
            return "inline"
        name = self.model.step_levels()[level]
        if name == "spike" or (name == "ms" and self.model.steps_per_ms() > INLINE_STEPS):
            return "worker"
        return "inline"

    def remaining_steps(self) -> int:
        m = self.model
        p = self.params
        kind = self.kind()
        if kind == "fi":
            left = len(m.inputs) - m.steps_total
            if left <= 0:
                self.notify("the sweep is complete: r starts it again", timeout=3)
            return max(left, 0)
        if kind == "activation":
            left = int(round((p.z_max - m.z) / p.dt))
            if left <= 0:
                self.notify("the cursor is at z_max: r takes it back", timeout=3)
            return max(left, 0)
        total = max(1, int(round(self.scenario.duration() / p.dt)))
        left = total - m.steps_total
        return left if left > 0 else total

    def reached_end(self) -> bool:
        kind = self.kind()
        if kind in ("fi", "activation"):
            return False
        return self.model.steps_total >= int(round(self.scenario.duration() / self.params.dt))

    def pace(self) -> float | None:
        kind = self.kind()
        if kind == "fi":
            return None
        if kind == "activation":
            return CURSOR_PACE
        speed = self.scenario.run.speed or DEFAULT_SPEED[kind]
        return speed / self.params.dt
