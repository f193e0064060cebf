"""Knobs of the neuron lab, one frozen dataclass per neuron model.

The `[params]` table of a neuron scenario names its model (`model = "hh"`); the other keys
are the fields of that model's dataclass. HH runs in ms, mV and uA/cm^2 (lecture 1, with the
Hodgkin & Huxley 1952 constants, which the notes leave out); LIF, synapses and populations
run in seconds with the dimensionless membrane potential of lecture 2 (threshold 1, reset 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnlab.core.knobs import ParamError, ParamsBase, knob

MODELS = ("hh", "lif", "synapse", "pair", "population", "activation")
"""Neuron models, in the order the lab offers them."""

HH1952 = "Hodgkin & Huxley 1952 (default, not from the lecture)"

TIME_LEVELS = ("dt", "ms", "spike")
"""Step sizes of the time models: one dt, 1 ms of model time, up to the next spike."""
FI_LEVELS = ("point", "sweep")
"""Step sizes of an F-I sweep: one input value, the rest of the sweep."""


def _model_knob(name: str) -> Any:
    return knob(name, "neuron model: " + ", ".join(MODELS), choices=MODELS, live=False)


def check_settle(p: Any, duration: float) -> None:
    """An F-I sweep counts the spikes after `settle` of each input's `duration`: refuse a settle that leaves
    no time to count (every rate would read 0 Hz while the neuron fires)."""
    if p.experiment == "fi" and p.settle >= duration:
        raise ParamError("settle", f"less than the duration per input, run.duration = {duration:g} {p.time_unit} "
                         "(only spikes after settle count, so the duration must be longer than settle)",
                         f"{p.settle:g} {p.time_unit}")


def _check_window(p: Any, start: str, stop: str) -> None:
    if getattr(p, stop) <= getattr(p, start):
        raise ParamError(stop, f"a time after {start} = {getattr(p, start):g}", f"{getattr(p, stop):g}")


@dataclass(frozen=True)
class HHParams(ParamsBase):
    """Hodgkin-Huxley point neuron (lecture 1): C dV/dt = I - g_Na m^3 h (V-E_Na) - g_K n^4 (V-E_K) - g_L (V-E_L)."""

    model: str = _model_knob("hh")
    experiment: str = knob("run", "run: simulate in time; fi: sweep the input and plot the firing rate",
                           choices=("run", "fi"), live=False)
    method: str = knob("euler", "integrator: forward Euler, classic Runge-Kutta 4, exponential Euler",
                       choices=("euler", "rk4", "exp_euler"))
    dt: float = knob(0.01, "time step", unit="ms", lo=0.001, hi=1.0)
    c_m: float = knob(1.0, "membrane capacitance C", unit="uF/cm^2", lo=0.0, hi=100.0, lo_open=True, source=HH1952)
    g_na: float = knob(120.0, "maximum sodium conductance", unit="mS/cm^2", lo=0.0, hi=1000.0, source=HH1952)
    g_k: float = knob(36.0, "maximum potassium conductance", unit="mS/cm^2", lo=0.0, hi=1000.0, source=HH1952)
    g_l: float = knob(0.3, "leak conductance", unit="mS/cm^2", lo=0.0, hi=100.0, source=HH1952)
    e_na: float = knob(50.0, "sodium reversal potential", unit="mV", lo=-200.0, hi=200.0, source=HH1952)
    e_k: float = knob(-77.0, "potassium reversal potential", unit="mV", lo=-200.0, hi=200.0, source=HH1952)
    e_l: float = knob(-54.387, "leak reversal potential", unit="mV", lo=-200.0, hi=200.0, source=HH1952)
    rates: str = knob("hh1952", "rate functions: hh1952 (beta_m = 4 exp(-(V+65)/18)) or course "
                      "(beta_m = 4 exp(-0.0556 (V+65)), as the course notebook)", choices=("hh1952", "course"))
    init: str = knob("rest", "start state: rest (V = v_init, gates at steady state) or zeros (V = n = m = h = 0)",
                     choices=("rest", "zeros"), live=False)
    v_init: float = knob(-65.0, "initial membrane potential for init = rest", unit="mV", lo=-150.0, hi=100.0,
                         live=False)
    i_ext: float = knob(10.0, "input current amplitude", unit="uA/cm^2", lo=-500.0, hi=500.0)
    input: str = knob("constant", "input shape: constant, step (on between t_on and t_off), ramp (0 at t_on "
                      "to i_ext at t_off), noisy (i_ext plus smooth noise), staircase (levels)",
                      choices=("constant", "step", "ramp", "noisy", "staircase"))
    t_on: float = knob(0.0, "input start time (step, ramp, noisy, staircase)", unit="ms", lo=0.0)
    t_off: float = knob(float("inf"), "input stop time (step, ramp, noisy)", unit="ms", lo=0.0, allow_inf=True)
    noise_sigma: float = knob(2.0, "standard deviation of the input noise", unit="uA/cm^2", lo=0.0, hi=500.0)
    noise_tau: float = knob(2.0, "correlation time of the input noise", unit="ms", lo=0.0, hi=1000.0, lo_open=True)
    levels: tuple[float, ...] = knob((-5.0, 0.0, 3.0, 6.0, 10.0, 20.0), "staircase input levels", unit="uA/cm^2",
                                     lo=-500.0, hi=500.0)
    level_time: float = knob(50.0, "time on each staircase level", unit="ms", lo=0.0, hi=1e6, lo_open=True)
    n_neurons: int = knob(1, "number of neurons (with more than one, neuron k gets i_ext + k/(N-1) (i_ext_max "
                          "- i_ext))", lo=1, hi=100_000, live=False)
    i_ext_max: float = knob(20.0, "input amplitude of the last neuron when n_neurons > 1", unit="uA/cm^2",
                            lo=-500.0, hi=500.0)
    v_spike: float = knob(0.0, "a spike is an upward crossing of this potential", unit="mV",
                                  lo=-100.0, hi=100.0)
    fi_min: float = knob(0.0, "smallest input of the F-I sweep", unit="uA/cm^2", lo=-500.0, hi=500.0, live=False)
    fi_max: float = knob(50.0, "largest input of the F-I sweep", unit="uA/cm^2", lo=-500.0, hi=500.0, live=False)
    fi_points: int = knob(26, "number of inputs in the F-I sweep", lo=2, hi=1000, live=False)
    settle: float = knob(200.0, "F-I sweep: spikes before this time are onset, not counted in the rate",
                         unit="ms", lo=0.0)
    view: str = knob("trace", "first view: trace (V and gates over time), gates (steady states and time "
                     "constants against V), phase (V against n)", choices=("trace", "gates", "phase"))

    time_unit = "ms"
    default_duration = 100.0
    default_duration_fi = 500.0

    def check_fi_duration(self, duration: float) -> None:
        """Refuse an F-I sweep whose `duration` per input is not longer than `settle` (see `check_settle`)."""
        check_settle(self, duration)

    def step_levels(self) -> tuple[str, ...]:
        return FI_LEVELS if self.experiment == "fi" else TIME_LEVELS

    def unused(self) -> frozenset[str]:
        out = set()
        if self.experiment == "fi":
            out |= {"i_ext", "input", "t_on", "t_off", "noise_sigma", "noise_tau", "levels", "level_time",
                    "n_neurons", "i_ext_max", "view"}
        else:
            out |= {"fi_min", "fi_max", "fi_points", "settle"}
            if self.input == "constant":
                out |= {"t_on", "t_off"}
            if self.input != "noisy":
                out |= {"noise_sigma", "noise_tau"}
            if self.input == "staircase":
                out |= {"i_ext", "t_off", "n_neurons", "i_ext_max"}
            else:
                out |= {"levels", "level_time"}
            if self.n_neurons == 1:
                out.add("i_ext_max")
        if self.init == "zeros":
            out.add("v_init")
        return frozenset(out)

    def check(self) -> None:
        if self.input in ("step", "ramp", "noisy"):
            _check_window(self, "t_on", "t_off")
        if self.input == "ramp" and self.t_off == float("inf"):
            raise ParamError("t_off", "a finite time for a ramp", "inf")
        if self.input == "staircase" and not self.levels:
            raise ParamError("levels", "at least one level", "an empty list")
        if self.experiment == "fi" and self.fi_max <= self.fi_min:
            raise ParamError("fi_max", f"a value above fi_min = {self.fi_min:g}", f"{self.fi_max:g}")


@dataclass(frozen=True)
class LIFParams(ParamsBase):
    """Leaky integrate-and-fire neuron (lecture 2): tau_m dv/dt = v_in - v, spike and reset at v = 1."""

    model: str = _model_knob("lif")
    experiment: str = knob("run", "run: simulate in time; fi: sweep v_in and plot the rate against G(v_in)",
                           choices=("run", "fi"), live=False)
    method: str = knob("euler", "euler: v += dt (v_in - v)/tau_m, refractory for round(tau_ref/dt) steps; "
                       "exact: exponential update with the spike time placed inside the step",
                       choices=("euler", "exact"))
    dt: float = knob(1e-4, "time step", unit="s", lo=1e-6, hi=0.01)
    tau_m: float = knob(0.02, "membrane time constant", unit="s", lo=0.0, hi=1.0, lo_open=True)
    tau_ref: float = knob(0.002, "refractory period", unit="s", lo=0.0, hi=0.1)
    v_in: float = knob(2.0, "input (dimensionless; the neuron fires when it is above 1)", lo=-100.0, hi=100.0)
    input: str = knob("constant", "input shape: constant, step (on between t_on and t_off), sine (v_in plus "
                      "sine_amp sin(2 pi sine_freq t)), noisy (v_in plus smooth noise)",
                      choices=("constant", "step", "sine", "noisy"))
    t_on: float = knob(0.0, "input start time (step)", unit="s", lo=0.0)
    t_off: float = knob(float("inf"), "input stop time (step)", unit="s", lo=0.0, allow_inf=True)
    sine_amp: float = knob(0.5, "amplitude of the sine input", lo=0.0, hi=100.0)
    sine_freq: float = knob(2.0, "frequency of the sine input", unit="Hz", lo=0.0, hi=1000.0)
    noise_sigma: float = knob(0.5, "standard deviation of the input noise", lo=0.0, hi=100.0)
    noise_tau: float = knob(0.005, "correlation time of the input noise", unit="s", lo=0.0, hi=10.0, lo_open=True)
    n_neurons: int = knob(1, "number of neurons (with more than one, neuron k gets v_in + k/(N-1) (v_in_max "
                          "- v_in))", lo=1, hi=1_000_000, live=False)
    v_in_max: float = knob(3.0, "input of the last neuron when n_neurons > 1", lo=-100.0, hi=100.0)
    fi_min: float = knob(0.0, "smallest v_in of the F-I sweep", lo=-100.0, hi=100.0, live=False)
    fi_max: float = knob(10.0, "largest v_in of the F-I sweep", lo=-100.0, hi=100.0, live=False)
    fi_points: int = knob(41, "number of inputs in the F-I sweep", lo=2, hi=1000, live=False)
    settle: float = knob(0.0, "F-I sweep: spikes before this time are not counted in the rate", unit="s", lo=0.0)

    time_unit = "s"
    default_duration = 0.5
    default_duration_fi = 2.0

    def check_fi_duration(self, duration: float) -> None:
        """Refuse an F-I sweep whose `duration` per input is not longer than `settle` (see `check_settle`)."""
        check_settle(self, duration)

    def step_levels(self) -> tuple[str, ...]:
        return FI_LEVELS if self.experiment == "fi" else TIME_LEVELS

    def unused(self) -> frozenset[str]:
        out = set()
        if self.experiment == "fi":
            out |= {"v_in", "input", "t_on", "t_off", "sine_amp", "sine_freq", "noise_sigma", "noise_tau",
                    "n_neurons", "v_in_max"}
        else:
            out |= {"fi_min", "fi_max", "fi_points", "settle"}
            if self.input != "step":
                out |= {"t_on", "t_off"}
            if self.input != "sine":
                out |= {"sine_amp", "sine_freq"}
            if self.input != "noisy":
                out |= {"noise_sigma", "noise_tau"}
            if self.n_neurons == 1:
                out.add("v_in_max")
        return frozenset(out)

    def check(self) -> None:
        if self.input == "step":
            _check_window(self, "t_on", "t_off")
        if self.experiment == "fi" and self.fi_max <= self.fi_min:
            raise ParamError("fi_max", f"a value above fi_min = {self.fi_min:g}", f"{self.fi_max:g}")


@dataclass(frozen=True)
class SynapseParams(ParamsBase):
    """Post-synaptic current kernels and filtered spike trains (lecture 4)."""

    model: str = _model_knob("synapse")
    tau_s: float = knob(0.01, "synaptic time constant", unit="s", lo=0.0, hi=2.0, lo_open=True)
    n: int = knob(0, "kernel order: h(t) = t^n exp(-t/tau_s) / (n! tau_s^(n+1))", lo=0, hi=5, live=False)
    dt: float = knob(1e-3, "time step of the Euler form", unit="s", lo=1e-6, hi=0.5, live=False)
    train: str = knob("poisson", "presynaptic spikes: poisson (random at `rate`), regular (every 1/rate), "
                      "times (the list spike_times)", choices=("poisson", "regular", "times"), live=False)
    rate: float = knob(40.0, "presynaptic rate for poisson and regular trains", unit="Hz", lo=0.0, hi=1000.0,
                       live=False)
    spike_times: tuple[float, ...] = knob((0.1, 0.15, 0.4), "spike times for train = times", unit="s", lo=0.0,
                                          live=False)
    weight: float = knob(1.0, "connection weight w (each spike adds w/tau_s to the current)", lo=-100.0,
                         hi=100.0, live=False)
    view: str = knob("train", "first view: kernels (h(t) for n = 0, 1, 2) or train (a spike train filtered "
                     "by the kernel: the convolution and its Euler form)", choices=("kernels", "train"))

    time_unit = "s"
    default_duration = 0.5

    def unused(self) -> frozenset[str]:
        return frozenset({"rate"} if self.train == "times" else {"spike_times"})

    def check(self) -> None:
        if self.train == "times" and not self.spike_times:
            raise ParamError("spike_times", "at least one spike time", "an empty list")


@dataclass(frozen=True)
class PairParams(ParamsBase):
    """Two LIF neurons joined by a synapse (lecture 5): tau_s ds/dt = -s, s += w/tau_s per presynaptic spike."""

    model: str = _model_knob("pair")
    dt: float = knob(1e-4, "time step", unit="s", lo=1e-6, hi=0.01)
    tau_m: float = knob(0.02, "membrane time constant of both neurons", unit="s", lo=0.0, hi=1.0, lo_open=True)
    tau_ref: float = knob(0.002, "refractory period of both neurons", unit="s", lo=0.0, hi=0.1)
    tau_s: float = knob(0.01, "synaptic time constant", unit="s", lo=0.0, hi=2.0, lo_open=True)
    v_in: float = knob(2.0, "input to the presynaptic neuron", lo=-100.0, hi=100.0)
    v_in_post: float = knob(0.0, "constant input to the postsynaptic neuron besides the synapse", lo=-100.0,
                            hi=100.0)
    weight: float = knob(0.03, "weight of the synapse (negative: inhibitory)", lo=-100.0, hi=100.0)

    time_unit = "s"
    default_duration = 0.5


GAIN_Z_MAX = 25.0
"""Largest z = (1/r_max - tau_ref) / tau_m of a population neuron. Its gain is alpha = (J_max - 1) / (1 - x_int)
with J_max - 1 = 1 / (exp(z) - 1), so beyond z = 25 (J_max - 1 below 1.4e-11) J = 1 + (J - 1) keeps fewer
than 16 bits of J - 1, and beyond z = 37 alpha is 0: every neuron silent, where the rates should reach r_max."""


@dataclass(frozen=True)
class PopulationParams(ParamsBase):
    """N LIF neurons encoding x in [-1, 1] (lecture 26): J = alpha e x + beta, rate G(J)."""

    model: str = _model_knob("population")
    n_neurons: int = knob(20, "number of neurons", lo=1, hi=10_000, live=False)
    dt: float = knob(1e-3, "time step", unit="s", lo=1e-6, hi=0.01)
    method: str = knob("exact", "euler or exact LIF update (see the LIF model)", choices=("euler", "exact"))
    tau_m: float = knob(0.02, "membrane time constant", unit="s", lo=0.0, hi=1.0, lo_open=True, live=False)
    tau_ref: float = knob(0.002, "refractory period", unit="s", lo=0.0, hi=0.1, live=False)
    max_rate_lo: float = knob(100.0, "smallest rate at |x| = 1", unit="Hz", lo=0.0, hi=1000.0, lo_open=True,
                              live=False, source="NEF convention (default, not from the lecture)")
    max_rate_hi: float = knob(200.0, "largest rate at |x| = 1", unit="Hz", lo=0.0, hi=1000.0, lo_open=True,
                              live=False, source="NEF convention (default, not from the lecture)")
    x_int_lo: float = knob(-0.95, "smallest x-intercept (where a neuron starts to fire)", lo=-1.0, hi=1.0, lo_open=True, hi_open=True,
                               live=False, source="NEF convention (default, not from the lecture)")
    x_int_hi: float = knob(0.95, "largest x-intercept", lo=-1.0, hi=1.0, lo_open=True, hi_open=True,
                               live=False, source="NEF convention (default, not from the lecture)")
    input: str = knob("ramp", "x(t): ramp (from -1 to 1 over the run), sine, constant",
                      choices=("ramp", "sine", "constant"))
    x: float = knob(0.5, "value of x for input = constant", lo=-1.0, hi=1.0)
    ramp_time: float = knob(2.0, "time the ramp takes from x = -1 to x = 1", unit="s", lo=0.0, hi=1000.0,
                            lo_open=True)
    sine_freq: float = knob(1.0, "frequency of the sine input", unit="Hz", lo=0.0, hi=100.0)

    time_unit = "s"
    default_duration = 2.0

    def unused(self) -> frozenset[str]:
        by_input = {"ramp": "ramp_time", "sine": "sine_freq", "constant": "x"}
        return frozenset(knob for shape, knob in by_input.items() if shape != self.input)

    def check(self) -> None:
        if self.max_rate_hi < self.max_rate_lo:
            raise ParamError("max_rate_hi", f"at least max_rate_lo = {self.max_rate_lo:g}", f"{self.max_rate_hi:g}")
        if self.x_int_hi < self.x_int_lo:
            raise ParamError("x_int_hi", f"at least x_int_lo = {self.x_int_lo:g}", f"{self.x_int_hi:g}")
        top = 1.0 / self.tau_ref if self.tau_ref > 0 else float("inf")
        if self.max_rate_hi >= top:
            raise ParamError("max_rate_hi", f"below 1/tau_ref = {top:g} Hz", f"{self.max_rate_hi:g}")
        slowest = 1.0 / self.max_rate_lo - self.tau_ref
        if not slowest <= GAIN_Z_MAX * self.tau_m:
            why = (f"(1/max_rate_lo - tau_ref) / tau_m at most {GAIN_Z_MAX:g}: beyond it a neuron reaches max_rate "
                   "only for J within 1e-11 of 1, and float64 rounds its gain alpha towards 0")
            least = slowest / GAIN_Z_MAX
            if least <= 1.0:
                raise ParamError("tau_m", f"at least {least:.3g} s with max_rate_lo = {self.max_rate_lo:g} Hz and "
                                 f"tau_ref = {self.tau_ref:g} s, {why}; or a larger max_rate_lo", f"{self.tau_m:g} s")
            raise ParamError("max_rate_lo", f"at least {1.0 / (self.tau_ref + GAIN_Z_MAX * self.tau_m):.3g} Hz with "
                             f"tau_m = {self.tau_m:g} s and tau_ref = {self.tau_ref:g} s, {why}; or a larger tau_m",
                             f"{self.max_rate_lo:g} Hz")


@dataclass(frozen=True)
class ActivationParams(ParamsBase):
    """Activation functions and their derivatives (lecture 3)."""

    model: str = _model_knob("activation")
    function: str = knob("logistic", "function under the cursor",
                         choices=("logistic", "arctan", "tanh", "threshold", "relu", "softplus"))
    z_min: float = knob(-6.0, "left end of the z axis", lo=-100.0, hi=100.0)
    z_max: float = knob(6.0, "right end of the z axis", lo=-100.0, hi=100.0)
    z_start: float = knob(-6.0, "where the cursor starts", lo=-100.0, hi=100.0, live=False)
    dt: float = knob(0.1, "cursor step: how far n moves z", lo=0.001, hi=10.0)

    time_unit = "z"
    default_duration = 12.0

    def step_levels(self) -> tuple[str, ...]:
        return ("step", "unit")

    def check(self) -> None:
        if self.z_max <= self.z_min:
            raise ParamError("z_max", f"a value above z_min = {self.z_min:g}", f"{self.z_max:g}")


PARAMS_BY_MODEL: dict[str, type[ParamsBase]] = {
    "hh": HHParams,
    "lif": LIFParams,
    "synapse": SynapseParams,
    "pair": PairParams,
    "population": PopulationParams,
    "activation": ActivationParams,
}

NeuronParams = HHParams | LIFParams | SynapseParams | PairParams | PopulationParams | ActivationParams


def params_class(table: dict[str, Any]) -> type[ParamsBase]:
    """The Params class that a `[params]` table selects with its `model` key (default hh)."""
    model = table.get("model", "hh")
    if model not in PARAMS_BY_MODEL:
        raise ParamError("model", "one of " + ", ".join(f'"{m}"' for m in MODELS), repr(model))
    return PARAMS_BY_MODEL[model]
