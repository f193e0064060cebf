"""The leaky integrate-and-fire model of the neuron lab (lecture 2), and the LIF population (lecture 26).

Both integrate tau_m dv/dt = J - v with threshold 1 and reset 0; they differ in how J is made:
LIF neurons get a ladder of inputs v_in..v_in_max through one waveform, population neurons get
J = alpha e x(t) + beta with random gains, biases and encoders (the NEF convention).

The exact method may fire several spikes in one step (dt longer than tau_ref); the spike buffer
keeps room for the most one neuron can fire, floor(dt / (tau_ref + tau_m ln(J/(J-1)))) + 2.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any

import numpy as np

from nnlab.core.equation import Calc, EquationLine, Line, Num, fn
from nnlab.core.lab import Frame, readonly
from nnlab.core.neuron.analytic import lif_rate, nef_gain_bias
from nnlab.core.neuron.equations import lif_lines
from nnlab.core.neuron.kernels.lif import CROWDED, lif_euler_advance, lif_exact_advance
from nnlab.core.neuron.kernels.synapse import ou_noise
from nnlab.core.neuron.params import LIFParams, PopulationParams
from nnlab.core.neuron.spiking import SpikingModel
from nnlab.core.neuron.stimulus import ladder, window
from nnlab.core.traces import Trace

RECORDED = 8
"""Neurons whose potential is kept every step (spikes are kept for all)."""
MAX_ROOM = 1 << 24
"""Most spikes the buffer takes in one kernel call."""


def spikes_per_step(dt: float, tau_m: float, tau_ref: float, j_max: float) -> float:
    """Most spikes an exactly integrated LIF neuron with input at most j_max fires in one step of dt.

    Consecutive spikes are at least gap = tau_ref + tau_m ln(J/(J-1)) apart, so a step holds at most
    floor(dt / gap) + 1 of them; one more covers rounding. inf when gap is 0."""
    if not j_max > 1.0:
        return 1.0
    gap = tau_ref + tau_m * math.log1p(1.0 / (j_max - 1.0))
    return math.floor(dt / gap) + 2.0 if gap > 0 else math.inf


class LIFBase(SpikingModel):
    """N LIF neurons with J_i = gain[i] * drive(t) + bias[i]; subclasses define gain, bias and drive."""

    ms_per_unit = 1000.0

    def __init__(self, params: Any, seed: int, n_neurons: int) -> None:
        super().__init__(params, seed, n_neurons)
        self.R = min(n_neurons, RECORDED)
        self.v = np.zeros(n_neurons)
        self.ref = np.zeros(n_neurons)
        self._fired = np.zeros(n_neurons)
        self.last = np.zeros(3)
        """v, refractory left and J of neuron 0 at the start of the last step (the kernel writes it)."""
        self._crowded = (0.0, 0.0)
        self.eta = 0.0
        self.rec_v = Trace((self.R,))
        self.drive = Trace()
        self.t.append(np.array([0.0]))
        self.rec_v.append(self.v[None, : self.R])
        self.drive.append(self._drive(np.array([0.0]), np.zeros(1)))

    @abstractmethod
    def gain_bias(self) -> tuple[np.ndarray, np.ndarray]:
        """Gain alpha and bias beta of every neuron (J = alpha x + beta)."""

    @abstractmethod
    def _drive(self, t: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """Input J of the recorded neurons at times t."""

    def _arrays(self) -> dict[str, Any]:
        return {"v": self.v, "ref": self.ref, "eta": self.eta, "last": self.last}

    def _traces(self) -> list[Trace]:
        return [self.t, self.rec_v, self.drive]

    def _noise(self, t: np.ndarray) -> np.ndarray:
        return np.zeros(len(t))

    def _inputs(self, k: int) -> dict[str, np.ndarray]:
        t = (self.step_count + np.arange(k)) * self.dt
        return {"drive": self._drive(t, self._noise(t))}

    def _kernel(self, inputs: dict[str, np.ndarray], start: int, k: int, room: int) -> tuple[int, int]:
        p = self.params
        drive = inputs["drive"][start : start + k]
        gain, bias = self.gain_bias()
        rec = self.rec_v.reserve(k)
        if p.method == "euler":
            st, si = self._spike_room(room)
            done, n_spk, status = lif_euler_advance(self.v, self.ref, gain, bias, drive, p.dt, p.tau_m,
                                                    float(self.ref_steps()), self.step_count, rec, st, si, 0,
                                                    self._fired, self.last)
        else:
            j_max = float(np.max(np.maximum(gain * drive.max(), gain * drive.min()) + bias))
            most = spikes_per_step(p.dt, p.tau_m, p.tau_ref, j_max)
            if self.n_neurons * most > MAX_ROOM:
                self._crowded = (most, j_max)
                return 0, CROWDED
            st, si = self._spike_room(max(room, int(self.n_neurons * most)))
            done, n_spk, status = lif_exact_advance(self.v, self.ref, gain, bias, drive, p.dt, p.tau_m, p.tau_ref,
                                                    int(most), self.step_count, rec, st, si, 0, self.last)
            self._crowded = (most, j_max)
        self.drive.reserve(k)[:done] = drive[:done]
        self._commit([self.rec_v, self.drive], done, n_spk)
        return done, status

    def ref_steps(self) -> int:
        """Whole steps a neuron is held at 0 after a spike under Euler: round(tau_ref / dt)."""
        return int(round(self.params.tau_ref / self.params.dt))

    def set_params(self, params: Any) -> None:
        if self.params.method != params.method:
            self.ref[:] = 0.0
        super().set_params(params)

    def _blowup_text(self, status: int) -> str:
        p = self.params
        most, j_max = self._crowded
        shown = "more" if math.isinf(most) else f"up to {most:.3g}"
        return (f"the exact method stopped at t = {self.time():.4g} s: a neuron with J up to {j_max:.4g} fires "
                f"{shown} spikes in one step of dt = {p.dt:g} s (tau_ref = {p.tau_ref:g} s, tau_m = {p.tau_m:g} s), "
                "more than the spike buffer holds; take a smaller dt or a longer tau_ref.")

    def inputs_now(self) -> np.ndarray:
        """J of every neuron that the knobs give now, for the next step (a noisy input's noise at its last value)."""
        gain, bias = self.gain_bias()
        return gain * self._drive(np.array([self.time()]), self._noise_now())[0] + bias

    def _noise_now(self) -> np.ndarray:
        return np.zeros(1)

    def isi_rate(self, neuron: int = 0) -> float:
        """1 / mean inter-spike interval of one neuron (Hz), 0 with fewer than two spikes."""
        st, si = self.spikes()
        mine = st[si == neuron]
        return 1.0 / float(np.mean(np.diff(mine))) if len(mine) >= 2 else 0.0

    def _equation(self) -> tuple[EquationLine, ...]:
        """The LIF update of neuron 0 in the last step (see `lif_lines`)."""
        t = self.t.view()
        last = self.last if len(t) > 1 else None
        return lif_lines(self.step_params, last, float(self.rec_v.view()[-1, 0]), float(self.ref[0]),
                         self.last_step_spikes(0), float(t[-2]) if len(t) > 1 else 0.0)

    def _values(self) -> tuple[tuple[str, str, str], ...]:
        rv = self.rec_v.view()[:, 0]
        prev = rv[-2] if len(rv) > 1 else rv[-1]
        st, si = self.spikes()
        mine = st[si == 0]
        isi = float(mine[-1] - mine[-2]) if len(mine) >= 2 else float("nan")
        rate = self.metrics()["rate_hz"]
        ref = f"{self.ref[0]:.0f} steps" if self.params.method == "euler" else f"{self.ref[0] * 1000:.3g} ms"
        return (
            ("v", f"{rv[-1]:.4f}", f"{rv[-1] - prev:+.3g}"),
            ("J", f"{self.inputs_now()[0]:.4f}", ""),
            ("spikes", str(len(st)), ""),
            ("ISI ms", "-" if np.isnan(isi) else f"{isi * 1000:.3f}", ""),
            ("1/ISI Hz", "-" if np.isnan(isi) else f"{1 / isi:.2f}", ""),
            ("mean Hz", f"{rate:.2f}", ""),
            ("held", ref, ""),
        )

    def _data(self) -> dict[str, Any]:
        st, si = self.spikes()
        gain, bias = self.gain_bias()
        return {
            "gain0": float(gain[0]),
            "bias0": float(bias[0]),
            "t": readonly(self.t.view()),
            "v": readonly(self.rec_v.view()),
            "drive": readonly(self.drive.view()),
            "spike_t": readonly(st),
            "spike_i": readonly(si),
            "n_neurons": self.n_neurons,
        }

    def traces(self) -> dict[str, np.ndarray]:
        v = self.rec_v.view()
        return {
            "t": self.t.view().copy(),
            "v": (v[:, 0] if self.R == 1 else v).copy(),
            "input": self.drive.view().copy(),
            "spike_t": self.spike_t.view().copy(),
            "spike_i": self.spike_i.view().copy(),
        }


class LIFModel(LIFBase):
    """LIF neurons; neuron k gets v_in + k/(N-1) (v_in_max - v_in) through the chosen waveform."""

    def __init__(self, params: LIFParams, seed: int = 0) -> None:
        super().__init__(params, seed, params.n_neurons)

    def gain_bias(self) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        amps = ladder(p.v_in, p.v_in_max, self.n_neurons)
        if p.input == "step":
            return amps, np.zeros(self.n_neurons)
        return np.ones(self.n_neurons), amps

    def _noise_now(self) -> np.ndarray:
        p = self.params
        return np.array([p.noise_sigma * self.eta if p.input == "noisy" else 0.0])

    def _noise(self, t: np.ndarray) -> np.ndarray:
        p = self.params
        out = np.zeros(len(t))
        if p.input == "noisy":
            xi = self.rng.standard_normal(len(t))
            self.eta = ou_noise(self.eta, xi, p.dt, p.noise_tau, out)
            out *= p.noise_sigma
        return out

    def _drive(self, t: np.ndarray, noise: np.ndarray) -> np.ndarray:
        p = self.params
        if p.input == "step":
            return window(t, p.t_on, p.t_off)
        if p.input == "sine":
            return p.sine_amp * np.sin(2 * np.pi * p.sine_freq * t)
        return noise

    def frame(self) -> Frame:
        data = self._data()
        data["kind"] = "lif"
        data["v_in"] = ladder(self.params.v_in, self.params.v_in_max, self.n_neurons)
        data["analytic_hz"] = float(lif_rate(self.inputs_now()[0], self.params.tau_m, self.params.tau_ref))
        return Frame(t=self.time(), step=self.step_count, stage=self.stage,
                     equation=self.with_pending(self._equation()), values=self._values(), data=data,
                     message=self.blowup or self.message)


class PopulationModel(LIFBase):
    """N LIF neurons encoding x: J_i = alpha_i e_i x + beta_i, gains from random intercepts and max rates."""

    def __init__(self, params: PopulationParams, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        n = params.n_neurons
        self.encoders = rng.choice(np.array([-1.0, 1.0]), size=n)
        self.intercepts = rng.uniform(params.x_int_lo, params.x_int_hi, size=n)
        self.max_rates = rng.uniform(params.max_rate_lo, params.max_rate_hi, size=n)
        self.alpha, self.beta = nef_gain_bias(self.intercepts, self.max_rates, params.tau_m, params.tau_ref)
        super().__init__(params, seed, n)
        self._x_grid = np.linspace(-1.0, 1.0, 201)

    def gain_bias(self) -> tuple[np.ndarray, np.ndarray]:
        return self.alpha * self.encoders, self.beta

    def _drive(self, t: np.ndarray, noise: np.ndarray) -> np.ndarray:
        p = self.params
        if p.input == "constant":
            return np.full(len(t), p.x)
        if p.input == "sine":
            return np.sin(2 * np.pi * p.sine_freq * t)
        return np.clip(-1.0 + 2.0 * t / p.ramp_time, -1.0, 1.0)

    def tuning(self, x: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(x, rates) with rates[i, k] = G(alpha_i e_i x_k + beta_i), the analytic tuning curves (Hz)."""
        x = self._x_grid if x is None else x
        J = self.alpha[:, None] * self.encoders[:, None] * x[None, :] + self.beta[:, None]
        return x, lif_rate(J, self.params.tau_m, self.params.tau_ref)

    def frame(self) -> Frame:
        data = self._data()
        data["kind"] = "population"
        x, rates = self.tuning()
        data["x_grid"] = x
        data["tuning"] = rates
        x_now = float(self._drive(np.array([self.time()]), np.zeros(1))[0])
        data["x_now"] = x_now
        data["encoders"] = self.encoders
        data["intercepts"] = self.intercepts
        J = self.inputs_now()
        values = (
            ("x", f"{x_now:+.4f}", ""),
            ("neurons", str(self.n_neurons), ""),
            ("active", str(int(np.sum(lif_rate(J, self.params.tau_m, self.params.tau_ref) > 0))), ""),
            ("spikes", str(len(self.spike_t)), ""),
            ("mean rate", f"{self.metrics()['rate_hz']:.2f} Hz", ""),
        )
        lif = self._equation()
        eq = ("J_i = alpha_i e_i x + beta_i ;  a_i = G(J_i) = 1 / (tau_ref - tau_m ln(1 - 1/J_i))", lif[1],
              *self._encoding(), *lif[2:])
        return Frame(t=self.time(), step=self.step_count, stage=self.stage, equation=self.with_pending(eq),
                     values=values, data=data, message=self.blowup or self.message)

    def _encoding(self) -> tuple[EquationLine, ...]:
        """Neuron 0's input J in the last step, as the kernel formed it, and its rate G(J)."""
        if len(self.t) < 2:
            return ()
        p = self.step_params
        x, J = float(self.drive.view()[-1]), float(self.last[2])
        calc = Calc("neuron 0: J = alpha e x + beta =", Num(self.alpha[0], ".4g") * Num(self.encoders[0], "g")
                    * Num(x, ".4f") + Num(self.beta[0], ".4g"), J, ".4f")
        if J <= 1:
            return (Line(calc, ";  G(J) = 0 Hz (J <= 1)"),)
        rate = Calc("G(J) =", 1 / (Num(p.tau_ref, "g") - Num(p.tau_m, "g") * fn("ln", 1 - 1 / Num(J, ".4f"))),
                    float(lif_rate(J, p.tau_m, p.tau_ref)), ".2f")
        return (Line(calc, ";  ", rate, " Hz"),)

    def metrics(self) -> dict[str, Any]:
        out = super().metrics()
        x, rates = self.tuning(np.linspace(-1.0, 1.0, 21))
        out["inputs"] = [float(v) for v in x]
        out["rates_hz"] = [[float(r) for r in row] for row in rates]
        return out

    def traces(self) -> dict[str, np.ndarray]:
        out = super().traces()
        x, rates = self.tuning()
        out.update(x_grid=x, tuning=rates, gain=self.alpha, bias=self.beta, encoders=self.encoders,
                   intercepts=self.intercepts, max_rates=self.max_rates)
        return out
