"""The Hodgkin-Huxley workloads (one neuron, a population) and their peers.

    C dV/dt = I - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
    dx/dt   = alpha_x(V) (1 - x) - beta_x(V) x             x = n, m, h

Units ms, mV, uA/cm^2, the 1952 constants in the modern convention (rest -65 mV), the same
rate functions as nnlab (alpha_n, alpha_m as quotients). Every peer starts at V = -65 mV with
the gates at their steady state there, gives neuron k the current I_low + k/(N-1) (I_high -
I_low) (nnlab's ladder; one neuron gets I_low) and records every upward crossing of 0 mV.
Integrators: forward Euler, classic RK4, exponential Euler (each gate relaxes exactly to its
x_inf(V) over the step, V to its instantaneous reversal potential, all from the old state).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np

from harness import Peer
from lif_peers import spike_result

C_M, G_NA, G_K, G_L = 1.0, 120.0, 36.0, 0.3
E_NA, E_K, E_L = 50.0, -77.0, -54.387
V_REST = -65.0
V_TH = 0.0
METHODS = ("euler", "rk4", "exp_euler")
BRIAN2_METHOD = {"euler": "euler", "rk4": "rk4", "exp_euler": "exponential_euler"}


@dataclass(frozen=True)
class HHSpec:
    """The workload: N neurons for `steps` steps of dt (ms) with a ladder of constant currents."""

    n: int = 1
    steps: int = 100_000
    dt: float = 0.01
    i_low: float = 10.0
    i_high: float = 10.0

    @property
    def currents(self) -> np.ndarray:
        return np.array([self.i_low]) if self.n == 1 else np.linspace(self.i_low, self.i_high, self.n)

    @property
    def units(self) -> int:
        return self.n * self.steps

    def shortened(self, steps: int) -> "HHSpec":
        return HHSpec(self.n, min(steps, self.steps), self.dt, self.i_low, self.i_high)

    def describe(self) -> dict[str, Any]:
        inputs = f"{self.i_low}" if self.n == 1 else f"linspace({self.i_low}, {self.i_high}, {self.n})"
        return {"N": self.n, "steps": self.steps, "dt_ms": self.dt, "T_ms": self.steps * self.dt,
                "I_uA_per_cm2": inputs, "v_init_mV": V_REST, "spike": "upward crossing of 0 mV",
                "units": self.units}


# -- rate functions (plain Python, for the initial state and the Python loop) ----------------------
def rates(v: float) -> tuple[float, float, float, float, float, float]:
    """(alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h) in 1/ms at v (mV)."""
    return (0.01 * (v + 55.0) / (1.0 - math.exp(-(v + 55.0) / 10.0)),
            0.125 * math.exp(-(v + 65.0) / 80.0),
            0.1 * (v + 40.0) / (1.0 - math.exp(-(v + 40.0) / 10.0)),
            4.0 * math.exp(-(v + 65.0) / 18.0),
            0.07 * math.exp(-(v + 65.0) / 20.0),
            1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0)))


def rest_gates() -> tuple[float, float, float]:
    """Steady-state n, m, h at the resting potential."""
    an, bn, am, bm, ah, bh = rates(V_REST)
    return an / (an + bn), am / (am + bm), ah / (ah + bh)


# -- nnlab ---------------------------------------------------------------------------------------
def nnlab_peer(spec: HHSpec, method: str) -> Peer:
    """nnlab's HHModel.advance over the whole run (records V, n, m, h of 8 neurons and every spike)."""
    from nnlab.core.neuron.hh_model import HHModel
    from nnlab.core.neuron.params import HHParams

    params = HHParams(i_ext=spec.i_low, i_ext_max=spec.i_high, n_neurons=spec.n, method=method, dt=spec.dt)

    def setup() -> Callable[[], dict[str, Any]]:
        model = HHModel(params, seed=0)

        def run() -> dict[str, Any]:
            model.advance(spec.steps)
            spike_t, spike_i = model.spikes()
            return spike_result(spike_t, spike_i, spec.n)

        return run

    return Peer(f"nnlab HHModel ({method})", setup, "nnlab", method, spec.units,
                f"records V, n, m, h of {min(spec.n, 8)} neuron(s) every step")


# -- hand-written numba ----------------------------------------------------------------------------
@numba.njit(cache=False)
def _rates_nb(v):
    return (0.01 * (v + 55.0) / (1.0 - math.exp(-(v + 55.0) / 10.0)),
            0.125 * math.exp(-(v + 65.0) / 80.0),
            0.1 * (v + 40.0) / (1.0 - math.exp(-(v + 40.0) / 10.0)),
            4.0 * math.exp(-(v + 65.0) / 18.0),
            0.07 * math.exp(-(v + 65.0) / 20.0),
            1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0)))


@numba.njit(cache=False)
def _derivs_nb(v, n, m, h, current):
    an, bn, am, bm, ah, bh = _rates_nb(v)
    i_ion = G_NA * m**3 * h * (v - E_NA) + G_K * n**4 * (v - E_K) + G_L * (v - E_L)
    return (current - i_ion) / C_M, an * (1.0 - n) - bn * n, am * (1.0 - m) - bm * m, ah * (1.0 - h) - bh * h


@numba.njit(cache=False)
def hh_loop(V, n, m, h, current, method, dt, steps, spike_t, spike_i):
    """Advance every neuron `steps` steps (method 0 Euler, 1 RK4, 2 exponential Euler); returns spikes stored."""
    n_spk = 0
    for step in range(steps):
        for i in range(V.shape[0]):
            v0, n0, m0, h0, I = V[i], n[i], m[i], h[i], current[i]
            if method == 0:
                dv, dn, dm, dh = _derivs_nb(v0, n0, m0, h0, I)
                v1, n1, m1, h1 = v0 + dt * dv, n0 + dt * dn, m0 + dt * dm, h0 + dt * dh
            elif method == 1:
                k1 = _derivs_nb(v0, n0, m0, h0, I)
                k2 = _derivs_nb(v0 + dt / 2 * k1[0], n0 + dt / 2 * k1[1], m0 + dt / 2 * k1[2], h0 + dt / 2 * k1[3], I)
                k3 = _derivs_nb(v0 + dt / 2 * k2[0], n0 + dt / 2 * k2[1], m0 + dt / 2 * k2[2], h0 + dt / 2 * k2[3], I)
                k4 = _derivs_nb(v0 + dt * k3[0], n0 + dt * k3[1], m0 + dt * k3[2], h0 + dt * k3[3], I)
                v1 = v0 + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
                n1 = n0 + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
                m1 = m0 + dt / 6 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2])
                h1 = h0 + dt / 6 * (k1[3] + 2 * k2[3] + 2 * k3[3] + k4[3])
            else:
                an, bn, am, bm, ah, bh = _rates_nb(v0)
                n1 = an / (an + bn) + (n0 - an / (an + bn)) * math.exp(-dt * (an + bn))
                m1 = am / (am + bm) + (m0 - am / (am + bm)) * math.exp(-dt * (am + bm))
                h1 = ah / (ah + bh) + (h0 - ah / (ah + bh)) * math.exp(-dt * (ah + bh))
                g_na = G_NA * m0**3 * h0
                g_k = G_K * n0**4
                g = g_na + g_k + G_L
                e = (g_na * E_NA + g_k * E_K + G_L * E_L + I) / g
                v1 = e + (v0 - e) * math.exp(-dt * g / C_M)
            V[i], n[i], m[i], h[i] = v1, n1, m1, h1
            if v0 < V_TH <= v1:
                spike_t[n_spk] = step * dt + dt * (V_TH - v0) / (v1 - v0)
                spike_i[n_spk] = i
                n_spk += 1
    return n_spk


def _state(spec: HHSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n0, m0, h0 = rest_gates()
    return np.full(spec.n, V_REST), np.full(spec.n, n0), np.full(spec.n, m0), np.full(spec.n, h0)


def numba_peer(spec: HHSpec, method: str) -> Peer:
    """`hh_loop` above, compiled at the first run of the first method (no cache)."""

    def setup() -> Callable[[], dict[str, Any]]:
        V, n, m, h = _state(spec)
        current = spec.currents
        cap = spec.n * (int(spec.steps * spec.dt / 2.0) + 2)
        spike_t = np.empty(cap)
        spike_i = np.empty(cap, dtype=np.int64)

        def run() -> dict[str, Any]:
            n_spk = hh_loop(V, n, m, h, current, METHODS.index(method), spec.dt, spec.steps, spike_t, spike_i)
            return spike_result(spike_t[:n_spk], spike_i[:n_spk], spec.n)

        return run

    note = "one kernel for all three methods: the compile is charged to the first" if method == "euler" else ""
    return Peer(f"numba @njit (hand-written loop, {method})", setup, "numba", method, spec.units, note)


# -- plain Python and numpy --------------------------------------------------------------------------
def python_peer(spec: HHSpec) -> Peer:
    """One neuron, forward Euler, Python floats and the math module."""

    def setup() -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            v, n, m, h = V_REST, *rest_gates()
            current = float(spec.currents[0])
            dt = spec.dt
            times = []
            for step in range(spec.steps):
                an, bn, am, bm, ah, bh = rates(v)
                i_ion = G_NA * m**3 * h * (v - E_NA) + G_K * n**4 * (v - E_K) + G_L * (v - E_L)
                v1 = v + dt * (current - i_ion) / C_M
                n += dt * (an * (1.0 - n) - bn * n)
                m += dt * (am * (1.0 - m) - bm * m)
                h += dt * (ah * (1.0 - h) - bh * h)
                if v < V_TH <= v1:
                    times.append(step * dt + dt * (V_TH - v) / (v1 - v))
                v = v1
            return spike_result(np.array(times), np.zeros(len(times)), 1)

        return run

    return Peer("python scalar loop (math module)", setup, "python", "euler", spec.units)


def numpy_peer(spec: HHSpec) -> Peer:
    """Forward Euler vectorised over neurons, a Python loop over steps."""

    def setup() -> Callable[[], dict[str, Any]]:
        V, n, m, h = _state(spec)
        current = spec.currents

        def run() -> dict[str, Any]:
            nonlocal V, n, m, h
            dt = spec.dt
            times, idx = [], []
            for step in range(spec.steps):
                an = 0.01 * (V + 55.0) / (1.0 - np.exp(-(V + 55.0) / 10.0))
                bn = 0.125 * np.exp(-(V + 65.0) / 80.0)
                am = 0.1 * (V + 40.0) / (1.0 - np.exp(-(V + 40.0) / 10.0))
                bm = 4.0 * np.exp(-(V + 65.0) / 18.0)
                ah = 0.07 * np.exp(-(V + 65.0) / 20.0)
                bh = 1.0 / (1.0 + np.exp(-(V + 35.0) / 10.0))
                i_ion = G_NA * m**3 * h * (V - E_NA) + G_K * n**4 * (V - E_K) + G_L * (V - E_L)
                V1 = V + dt * (current - i_ion) / C_M
                n = n + dt * (an * (1.0 - n) - bn * n)
                m = m + dt * (am * (1.0 - m) - bm * m)
                h = h + dt * (ah * (1.0 - h) - bh * h)
                fired = np.flatnonzero((V < V_TH) & (V1 >= V_TH))
                if len(fired):
                    idx.append(fired)
                    times.append(step * dt + dt * (V_TH - V[fired]) / (V1[fired] - V[fired]))
                V = V1
            if not idx:
                return spike_result(np.zeros(0), np.zeros(0), spec.n)
            return spike_result(np.concatenate(times), np.concatenate(idx), spec.n)

        return run

    return Peer("numpy (vectorised over neurons, python step loop)", setup, "numpy", "euler", spec.units)


# -- Brian2 --------------------------------------------------------------------------------------------
BRIAN2_EQS = """
dv/dt = (I - g_na*m**3*h*(v - e_na) - g_k*n**4*(v - e_k) - g_l*(v - e_l)) / c_m : volt
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
alpha_n = 0.01/mV*(v + 55*mV)/(1 - exp(-(v + 55*mV)/(10*mV)))/ms : Hz
beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
alpha_m = 0.1/mV*(v + 40*mV)/(1 - exp(-(v + 40*mV)/(10*mV)))/ms : Hz
beta_m = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
I : amp/meter**2 (constant)
"""
"""Brian2's form of the same model (textbook quotients, as Brian2's own HH examples; no exprel)."""


def brian2_peer(spec: HHSpec, method: str, target: str, cache_dir: str, label_note: str = "") -> Peer:
    """A Brian2 NeuronGroup with a SpikeMonitor (threshold and refractoriness: V above 0 mV)."""
    import brian2 as b2

    from brian2_common import configure, run_network

    ucm2 = b2.cmetre**2
    namespace = {"c_m": C_M * b2.ufarad / ucm2, "g_na": G_NA * b2.msiemens / ucm2, "g_k": G_K * b2.msiemens / ucm2,
                 "g_l": G_L * b2.msiemens / ucm2, "e_na": E_NA * b2.mV, "e_k": E_K * b2.mV, "e_l": E_L * b2.mV}

    def setup() -> Callable[[], dict[str, Any]]:
        configure(target, cache_dir)
        group = b2.NeuronGroup(spec.n, BRIAN2_EQS, threshold="v > 0*mV", refractory="v > 0*mV",
                               method=BRIAN2_METHOD[method], dt=spec.dt * b2.ms, namespace=namespace, name=f"hh_{spec.n}")
        n0, m0, h0 = rest_gates()
        group.v = V_REST * b2.mV
        group.n, group.m, group.h = n0, m0, h0
        group.I = spec.currents * b2.uamp / ucm2
        monitor = b2.SpikeMonitor(group, name=f"hh_{spec.n}_spikes")
        net = b2.Network(group, monitor)

        def run() -> dict[str, Any]:
            out = run_network(net, spec.steps * spec.dt * b2.ms)
            out.update(spike_result(np.asarray(monitor.t / b2.ms), np.asarray(monitor.i), spec.n))
            return out

        return run

    label = f"brian2 {target} target ({BRIAN2_METHOD[method]})"
    note = "time = Brian2 main loop; spike stamped at the step start" + (f"; {label_note}" if label_note else "")
    return Peer(label + (f", {spec.steps * spec.dt:g} ms" if label_note else ""), setup, "brian2", method,
                spec.units, note)


def single_peers(spec: HHSpec, brian2_short_steps: int, brian2_cache: str | None = None) -> list[Peer]:
    """Peers of the one-neuron run, nnlab first."""
    cache = brian2_cache or tempfile.mkdtemp(prefix="nnlab-bench-brian2-")
    short = spec.shortened(brian2_short_steps)
    return [
        *[nnlab_peer(spec, m) for m in METHODS],
        *[numba_peer(spec, m) for m in METHODS],
        python_peer(spec),
        *[brian2_peer(spec, m, "cython", cache) for m in METHODS],
        brian2_peer(short, "exp_euler", "numpy", cache,
                    f"shortened run ({short.steps} steps): over 100 us per step for one neuron"),
    ]


def population_peers(spec: HHSpec, brian2_cache: str | None = None) -> list[Peer]:
    """Peers of the population run, nnlab first."""
    cache = brian2_cache or tempfile.mkdtemp(prefix="nnlab-bench-brian2-")
    return [
        *[nnlab_peer(spec, m) for m in METHODS],
        *[numba_peer(spec, m) for m in METHODS],
        numpy_peer(spec),
        *[brian2_peer(spec, m, "cython", cache) for m in METHODS],
        brian2_peer(spec, "exp_euler", "numpy", cache),
    ]
