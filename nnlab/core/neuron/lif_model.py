"""The leaky integrate-and-fire model of the neuron lab (lecture 2), and the LIF population (lecture 26).

Both integrate tau_m dv/dt = J - v with threshold 1 and reset 0; they differ in how J is made:
LIF neurons get a ladder of inputs v_in..v_in_max through one waveform, population neurons get
J = alpha e x(t) + beta with random gains, biases and encoders (the NEF convention).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from nnlab.core.lab import Frame, readonly
from nnlab.core.neuron.analytic import lif_rate, nef_gain_bias
from nnlab.core.neuron.kernels.lif import lif_euler_advance, lif_exact_advance
from nnlab.core.neuron.kernels.synapse import ou_noise
from nnlab.core.neuron.params import LIFParams, PopulationParams
from nnlab.core.neuron.spiking import SpikingModel
from nnlab.core.neuron.stimulus import ladder, window
from nnlab.core.traces import Trace

RECORDED = 8
"""Neurons whose potential is kept every step (spikes are kept for all)."""


class LIFBase(SpikingModel):
    """N LIF neurons with J_i = gain[i] * drive(t) + bias[i]; subclasses define gain, bias and drive."""

    ms_per_unit = 1000.0

    def __init__(self, params: Any, seed: int, n_neurons: int) -> None:
        super().__init__(params, seed, n_neurons)
        self.R = min(n_neurons, RECORDED)
        self.v = np.zeros(n_neurons)
        self.ref = np.zeros(n_neurons)
        self._fired = np.zeros(n_neurons)
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
        return {"v": self.v, "ref": self.ref, "eta": self.eta}

    def _traces(self) -> list[Trace]:
        return [self.t, self.rec_v, self.drive]

    def _noise(self, t: np.ndarray) -> np.ndarray:
        return np.zeros(len(t))

    def _inputs(self, k: int) -> dict[str, np.ndarray]:
        t = (self.step_count + np.arange(k)) * self.dt
        return {"drive": self._drive(t, self._noise(t))}

    def _kernel(self, inputs: dict[str, np.ndarray], start: int, k: int, room: int) -> tuple[int, int]:
        p = self.params
        st, si = self._spike_room(room)
        rec = self.rec_v.reserve(k)
        drive = inputs["drive"][start : start + k]
        gain, bias = self.gain_bias()
        if p.method == "euler":
            done, n_spk, status = lif_euler_advance(self.v, self.ref, gain, bias, drive, p.dt, p.tau_m,
                                                    float(self.ref_steps()), self.step_count, rec, st, si, 0,
                                                    self._fired)
        else:
            done, n_spk, status = lif_exact_advance(self.v, self.ref, gain, bias, drive, p.dt, p.tau_m, p.tau_ref,
                                                    self.step_count, rec, st, si, 0)
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
        return ""

    def inputs_now(self) -> np.ndarray:
        """J of every neuron in the last step."""
        gain, bias = self.gain_bias()
        return gain * self.drive.view()[-1] + bias

    def isi_rate(self, neuron: int = 0) -> float:
        """1 / mean inter-spike interval of one neuron (Hz), 0 with fewer than two spikes."""
        st, si = self.spikes()
        mine = st[si == neuron]
        return 1.0 / float(np.mean(np.diff(mine))) if len(mine) >= 2 else 0.0

    def _equation(self, J: float) -> tuple[str, ...]:
        p = self.params
        v = float(self.v[0])
        if p.method == "euler":
            a = p.dt / p.tau_m
            return (
                "tau_m dv/dt = J - v ;  v >= 1: spike, v <- 0, hold round(tau_ref/dt) steps",
                "forward Euler:  v <- v + (dt / tau_m) (J - v)",
                f"v <- {v:.4f} + ({p.dt:g} / {p.tau_m:g}) ({J:.4f} - {v:.4f}) = {v + a * (J - v):.4f}"
                + ("   (refractory: held at 0)" if self.ref[0] > 0 else ""),
            )
        decay = np.exp(-p.dt / p.tau_m)
        return (
            "tau_m dv/dt = J - v ;  v >= 1: spike at the crossing time, v <- 0, hold tau_ref",
            "exact:  v <- J + (v - J) exp(-dt / tau_m)",
            f"v <- {J:.4f} + ({v:.4f} - {J:.4f}) * {decay:.5f} = {J + (v - J) * decay:.4f}"
            + ("   (refractory)" if self.ref[0] > 0 else ""),
        )

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
                     equation=self._equation(float(self.inputs_now()[0])), values=self._values(), data=data,
                     message=self.message)


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
        x_now = float(self.drive.view()[-1])
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
        eq = (
            "J_i = alpha_i e_i x + beta_i ;  a_i = G(J_i) = 1 / (tau_ref - tau_m ln(1 - 1/J_i))",
            f"neuron 0: J = {self.alpha[0]:.3f} * ({self.encoders[0]:+.0f}) * {x_now:+.3f} + {self.beta[0]:.3f} "
            f"= {J[0]:.4f}  ->  G(J) = {float(lif_rate(J[0], self.params.tau_m, self.params.tau_ref)):.2f} Hz",
        )
        return Frame(t=self.time(), step=self.step_count, stage=self.stage, equation=eq, values=values, data=data,
                     message=self.message)

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
