"""The Hodgkin-Huxley model of the neuron lab (lecture 1): state, inputs, frames and traces."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.lab import Frame, readonly
from nnlab.core.neuron.equations import hh_currents, hh_lines
from nnlab.core.neuron.kernels.hh import BLOWUP_H, BLOWUP_M, BLOWUP_N, hh_advance, hh_curves, hh_rates
from nnlab.core.neuron.kernels.synapse import ou_noise
from nnlab.core.neuron.params import HHParams
from nnlab.core.neuron.spiking import SpikingModel
from nnlab.core.neuron.stimulus import ladder, ramp, staircase, window
from nnlab.core.traces import Trace

METHODS = {"euler": 0, "rk4": 1, "exp_euler": 2}
RECORDED = 8
"""Neurons whose V, n, m, h are kept every step (spikes are kept for all)."""
GATE_V = np.linspace(-100.0, 50.0, 301)
"""Membrane potentials of the gates view (mV)."""

def suggested_dt(method: str, dt: float) -> float:
    """A smaller step (ms) to suggest after `method` failed at `dt`."""
    comfortable = {"euler": 0.02, "rk4": 0.05, "exp_euler": 0.05}[method]
    return min(comfortable, dt / 4.0)


class HHModel(SpikingModel):
    """N Hodgkin-Huxley neurons; neuron k gets the input amplitude of the ladder i_ext..i_ext_max."""

    ms_per_unit = 1.0

    def __init__(self, params: HHParams, seed: int = 0) -> None:
        super().__init__(params, seed, params.n_neurons)
        N = params.n_neurons
        self.R = min(N, RECORDED)
        if params.init == "zeros":
            self.V = np.zeros(N)
            self.n = np.zeros(N)
            self.m = np.zeros(N)
            self.h = np.zeros(N)
        else:
            x_inf, _ = gate_curves(np.array([params.v_init]), params.rates == "course")
            self.V = np.full(N, params.v_init)
            self.n = np.full(N, x_inf[0, 0])
            self.m = np.full(N, x_inf[1, 0])
            self.h = np.full(N, x_inf[2, 0])
        self.eta = 0.0
        self.rec = {name: Trace((self.R,)) for name in ("v", "n", "m", "h")}
        self.current = Trace()
        self.t.append(np.array([0.0]))
        for name, arr in (("v", self.V), ("n", self.n), ("m", self.m), ("h", self.h)):
            self.rec[name].append(arr[None, : self.R])
        self.current.append(np.array([self._current0(0.0)]))
        self._curves: tuple[Any, np.ndarray, np.ndarray] | None = None

    # -- state --------------------------------------------------------------------------------
    def _arrays(self) -> dict[str, Any]:
        return {"V": self.V, "n": self.n, "m": self.m, "h": self.h, "eta": self.eta}

    def _traces(self) -> list[Trace]:
        return [self.t, self.current, *self.rec.values()]

    def amplitudes(self) -> np.ndarray:
        p = self.params
        if p.input == "staircase":
            return np.ones(self.n_neurons)
        return ladder(p.i_ext, p.i_ext_max, self.n_neurons)

    def _shape(self, t: np.ndarray) -> np.ndarray:
        p = self.params
        if p.input == "constant":
            return np.ones_like(t)
        if p.input in ("step", "noisy"):
            return window(t, p.t_on, p.t_off)
        if p.input == "ramp":
            return ramp(t, p.t_on, p.t_off)
        return staircase(t, p.t_on, p.levels, p.level_time)

    def _current0(self, t: float) -> float:
        return float(self.amplitudes()[0] * self._shape(np.array([t]))[0])

    def _inputs(self, k: int) -> dict[str, np.ndarray]:
        p = self.params
        t = (self.step_count + np.arange(k)) * p.dt
        noise = np.zeros(k)
        if p.input == "noisy":
            xi = self.rng.standard_normal(k)
            self.eta = ou_noise(self.eta, xi, p.dt, p.noise_tau, noise)
            noise *= p.noise_sigma * window(t, p.t_on, p.t_off)
        return {"shape": self._shape(t), "noise": noise, "amp": self.amplitudes()}

    def _kernel(self, inputs: dict[str, np.ndarray], start: int, k: int, room: int) -> tuple[int, int]:
        p = self.params
        st, si = self._spike_room(room)
        rec = [self.rec[name].reserve(k) for name in ("v", "n", "m", "h")]
        cur = self.current.reserve(k)
        shape = inputs["shape"][start : start + k]
        noise = inputs["noise"][start : start + k]
        done, n_spk, status = hh_advance(
            self.V, self.n, self.m, self.h, inputs["amp"], shape, noise, METHODS[p.method], p.dt, p.c_m, p.g_na,
            p.g_k, p.g_l, p.e_na, p.e_k, p.e_l, p.rates == "course", p.v_spike, self.step_count,
            *rec, st, si, 0)
        cur[:done] = inputs["amp"][0] * shape[:done] + noise[:done]
        self._commit([*self.rec.values(), self.current], done, n_spk)
        return done, status

    def _blowup_text(self, status: int) -> str:
        p = self.params
        what = {BLOWUP_N: "the gate n", BLOWUP_M: "the gate m", BLOWUP_H: "the gate h"}.get(status, "V")
        where = "left [0, 1]" if status in (BLOWUP_N, BLOWUP_M, BLOWUP_H) else "left +-1000 mV"
        t = self.time() + p.dt
        advice = f"try dt <= {suggested_dt(p.method, p.dt):.3g} ms"
        if p.method != "exp_euler":
            advice += ", or method exp_euler (stable for the gates at any step)"
        return (f"{what} {where} at t = {t:.4g} ms: the step dt = {p.dt:g} ms is too large for {p.method}; "
                f"{advice}.")

    # -- views ----------------------------------------------------------------------------------
    def curves(self) -> tuple[np.ndarray, np.ndarray]:
        """Steady states and time constants of n, m, h over GATE_V (cached per rate set)."""
        key = self.params.rates
        if self._curves is None or self._curves[0] != key:
            x_inf, tau = gate_curves(GATE_V, key == "course")
            self._curves = (key, x_inf, tau)
        return self._curves[1], self._curves[2]

    def currents(self) -> dict[str, float]:
        """Ionic currents of neuron 0 now (uA/cm^2), positive outward."""
        i_na, i_k, i_l = hh_currents(self.params, self.V[0], self.n[0], self.m[0], self.h[0])
        return {"I_Na": i_na, "I_K": i_k, "I_L": i_l}

    def input_now(self) -> float:
        """The input current of neuron 0 that the knobs give now, for the next step (uA/cm^2); a noisy
        input's noise is taken at its last value."""
        p = self.params
        t = np.array([self.time()])
        current = self.amplitudes()[0] * self._shape(t)[0]
        if p.input == "noisy":
            current += p.noise_sigma * self.eta * window(t, p.t_on, p.t_off)[0]
        return float(current)

    def frame(self) -> Frame:
        p = self.params
        t = self.t.view()
        cur = self.current.view()
        rv = self.rec["v"].view()
        prev = max(len(t) - 2, 0)
        values = []
        for label, name, fmt in (("V mV", "v", ".3f"), ("n", "n", ".4f"), ("m", "m", ".4f"), ("h", "h", ".4f")):
            arr = self.rec[name].view()[:, 0]
            values.append((label, format(arr[-1], fmt), f"{arr[-1] - arr[prev]:+.2g}"))
        i_next = self.input_now()
        values.append(("I uA/cm2", f"{i_next:.3f}", f"{i_next - cur[-1]:+.2g}"))
        ions = self.currents()
        for name, val in ions.items():
            values.append((name, f"{val:.3f}", ""))
        an, bn, am, bm, ah, bh = hh_rates(float(self.V[0]), p.rates == "course")
        after = tuple(float(self.rec[x].view()[-1, 0]) for x in ("v", "n", "m", "h"))
        before = tuple(float(self.rec[x].view()[-2, 0]) for x in ("v", "n", "m", "h")) if len(t) > 1 else None
        eq = self.with_pending(hh_lines(self.step_params, before, after, float(cur[-1])))
        spike_t, spike_i = self.spikes()
        x_inf, tau = self.curves()
        data = {
            "kind": "hh",
            "params": p,
            "i_now": i_next,
            "t": readonly(t),
            "v": readonly(rv),
            "n": readonly(self.rec["n"].view()),
            "m": readonly(self.rec["m"].view()),
            "h": readonly(self.rec["h"].view()),
            "current": readonly(cur),
            "spike_t": readonly(spike_t),
            "spike_i": readonly(spike_i),
            "n_neurons": self.n_neurons,
            "amplitudes": self.amplitudes(),
            "gate_v": GATE_V,
            "threshold": p.v_spike,
            "x_inf": x_inf,
            "tau": tau,
            "rates_now": (an, bn, am, bm, ah, bh),
        }
        return Frame(t=self.time(), step=self.step_count, stage=self.stage, equation=eq, values=tuple(values),
                     data=data, message=self.blowup or self.message)

    def traces(self) -> dict[str, np.ndarray]:
        squeeze = (lambda a: a[:, 0]) if self.R == 1 else (lambda a: a)
        return {
            "t": self.t.view().copy(),
            "v": squeeze(self.rec["v"].view()).copy(),
            "n": squeeze(self.rec["n"].view()).copy(),
            "m": squeeze(self.rec["m"].view()).copy(),
            "h": squeeze(self.rec["h"].view()).copy(),
            "i_ext": self.current.view().copy(),
            "spike_t": self.spike_t.view().copy(),
            "spike_i": self.spike_i.view().copy(),
        }


def gate_curves(V: np.ndarray, course: bool) -> tuple[np.ndarray, np.ndarray]:
    """(x_inf, tau) of shape (3, len(V)) for gates n, m, h."""
    x_inf = np.empty((3, len(V)))
    tau = np.empty((3, len(V)))
    hh_curves(np.ascontiguousarray(V, dtype=np.float64), course, x_inf, tau)
    return x_inf, tau
