"""The LIF population workload and its peers: nnlab, Brian2, Nengo, a numpy loop and a numba loop.

    tau_m dv/dt = J_i - v,   v >= 1: spike, v <- 0, refractory tau_ref

N neurons with inputs J_i spread evenly over [j_low, j_high] (nnlab's ladder), no noise,
dt = 1 ms. Every peer records every spike (time and neuron). Conventions differ:
nnlab Euler, the numpy loop and the numba loop hold a neuron at 0 for round(tau_ref/dt)
steps after the step that reached 1; Brian2 stamps the spike at the start of that step and so
holds it one step fewer; Nengo and nnlab `exact` integrate exactly and place the spike inside
the step, so their rate is the analytic G(J) = 1 / (tau_ref - tau_m ln(1 - 1/J)).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np

from harness import Peer


@dataclass(frozen=True)
class LIFSpec:
    """The workload: sizes and constants (seconds)."""

    n: int = 1000
    steps: int = 10_000
    dt: float = 0.001
    tau_m: float = 0.02
    tau_ref: float = 0.002
    j_low: float = 0.5
    j_high: float = 3.0

    @property
    def inputs(self) -> np.ndarray:
        return np.linspace(self.j_low, self.j_high, self.n)

    @property
    def ref_steps(self) -> int:
        return int(round(self.tau_ref / self.dt))

    @property
    def units(self) -> int:
        return self.n * self.steps

    def describe(self) -> dict[str, Any]:
        return {"N": self.n, "steps": self.steps, "dt_s": self.dt, "T_s": self.steps * self.dt,
                "tau_m_s": self.tau_m, "tau_ref_s": self.tau_ref, "J": f"linspace({self.j_low}, {self.j_high}, {self.n})",
                "threshold": 1.0, "reset": 0.0, "units": self.units}


def spike_result(spike_t: np.ndarray, spike_i: np.ndarray, n: int) -> dict[str, Any]:
    """What every peer returns: the spikes and the count per neuron."""
    spike_i = np.asarray(spike_i, dtype=np.int64)
    return {"spike_t": np.asarray(spike_t, dtype=np.float64), "spike_i": spike_i,
            "counts": np.bincount(spike_i, minlength=n), "spikes_total": int(len(spike_i))}


# -- closed forms --------------------------------------------------------------------------------
def discrete_counts(spec: LIFSpec, hold: int) -> np.ndarray:
    """Spikes per neuron of the Euler update that holds `hold` steps after a spike.

    From v = 0, v_k = J (1 - (1 - a)^k) with a = dt/tau_m first reaches 1 after
    K = ceil(ln(1 - 1/J) / ln(1 - a)) steps; later spikes follow every K + hold steps.
    """
    J = spec.inputs
    a = spec.dt / spec.tau_m
    out = np.zeros(spec.n, dtype=np.int64)
    sup = J > 1.0
    K = np.ceil(np.log1p(-1.0 / J[sup]) / math.log1p(-a))
    fits = K <= spec.steps
    out[np.flatnonzero(sup)[fits]] = (np.floor((spec.steps - K[fits]) / (K[fits] + hold)) + 1).astype(np.int64)
    return out


def analytic_counts(spec: LIFSpec) -> np.ndarray:
    """Spikes per neuron of the exact LIF in T = steps dt: first at t1 = tau_m ln(J/(J-1)), then every tau_ref + t1."""
    J = spec.inputs
    T = spec.steps * spec.dt
    out = np.zeros(spec.n, dtype=np.int64)
    sup = J > 1.0
    t1 = -spec.tau_m * np.log1p(-1.0 / J[sup])
    fits = t1 <= T
    out[np.flatnonzero(sup)[fits]] = (np.floor((T - t1[fits]) / (spec.tau_ref + t1[fits]) + 1e-9) + 1).astype(np.int64)
    return out


def analytic_rate(spec: LIFSpec) -> np.ndarray:
    """G(J) in Hz for every neuron (0 at or below threshold)."""
    J = spec.inputs
    out = np.zeros(spec.n)
    sup = J > 1.0
    out[sup] = 1.0 / (spec.tau_ref - spec.tau_m * np.log1p(-1.0 / J[sup]))
    return out


# -- nnlab ----------------------------------------------------------------------------------------
def nnlab_peer(spec: LIFSpec, method: str) -> Peer:
    """nnlab's LIFModel.advance over the whole run (records 8 potentials and every spike)."""
    from nnlab.core.neuron.lif_model import LIFModel
    from nnlab.core.neuron.params import LIFParams

    params = LIFParams(v_in=spec.j_low, v_in_max=spec.j_high, n_neurons=spec.n, dt=spec.dt, tau_m=spec.tau_m,
                       tau_ref=spec.tau_ref, method=method)

    def setup() -> Callable[[], dict[str, Any]]:
        model = LIFModel(params, seed=0)

        def run() -> dict[str, Any]:
            model.advance(spec.steps)
            spike_t, spike_i = model.spikes()
            return spike_result(spike_t, spike_i, spec.n)

        return run

    convention = "hold round(tau_ref/dt) steps" if method == "euler" else "exact, spike inside the step"
    return Peer(f"nnlab LIFModel ({method})", setup, "nnlab", method, spec.units,
                f"{convention}; also records v of 8 neurons every step")


# -- plain numpy and hand-written numba ------------------------------------------------------------
def numpy_peer(spec: LIFSpec) -> Peer:
    """Vectorised over neurons, a Python loop over steps; nnlab's Euler convention."""

    def setup() -> Callable[[], dict[str, Any]]:
        J = spec.inputs
        v = np.zeros(spec.n)
        ref = np.zeros(spec.n, dtype=np.int64)

        def run() -> dict[str, Any]:
            a = spec.dt / spec.tau_m
            times, idx = [], []
            for step in range(spec.steps):
                held = ref > 0
                v[:] += a * (J - v)
                v[held] = 0.0
                ref[held] -= 1
                fired = np.flatnonzero(v >= 1.0)
                if len(fired):
                    v[fired] = 0.0
                    ref[fired] = spec.ref_steps
                    idx.append(fired)
                    times.append(np.full(len(fired), (step + 1) * spec.dt))
            if not idx:
                return spike_result(np.zeros(0), np.zeros(0), spec.n)
            return spike_result(np.concatenate(times), np.concatenate(idx), spec.n)

        return run

    return Peer("numpy (vectorised over neurons, python step loop)", setup, "numpy", "euler", spec.units,
                "hold round(tau_ref/dt) steps")


@numba.njit(cache=False)
def lif_loop(v, ref, J, a, ref_steps, steps, dt, spike_t, spike_i):
    """The natural branchy LIF loop: hold, else integrate, then threshold; returns spikes stored."""
    n_spk = 0
    for step in range(steps):
        for i in range(v.shape[0]):
            if ref[i] > 0:
                ref[i] -= 1
                continue
            v[i] += a * (J[i] - v[i])
            if v[i] >= 1.0:
                v[i] = 0.0
                ref[i] = ref_steps
                spike_t[n_spk] = (step + 1) * dt
                spike_i[n_spk] = i
                n_spk += 1
    return n_spk


def numba_peer(spec: LIFSpec) -> Peer:
    """`lif_loop` above, compiled at the first run (no cache)."""

    def setup() -> Callable[[], dict[str, Any]]:
        J = spec.inputs
        v = np.zeros(spec.n)
        ref = np.zeros(spec.n, dtype=np.int64)
        cap = spec.n * (spec.steps // (spec.ref_steps + 1) + 1)
        spike_t = np.empty(cap)
        spike_i = np.empty(cap, dtype=np.int64)

        def run() -> dict[str, Any]:
            n_spk = lif_loop(v, ref, J, spec.dt / spec.tau_m, spec.ref_steps, spec.steps, spec.dt, spike_t, spike_i)
            return spike_result(spike_t[:n_spk], spike_i[:n_spk], spec.n)

        return run

    return Peer("numba @njit (hand-written branchy loop)", setup, "numba", "euler", spec.units,
                "hold round(tau_ref/dt) steps")


# -- Brian2 -----------------------------------------------------------------------------------------
def brian2_peer(spec: LIFSpec, target: str, cache_dir: str) -> Peer:
    """A Brian2 NeuronGroup (Euler, `unless refractory`) with a SpikeMonitor, on the numpy or cython target."""
    import brian2 as b2

    from brian2_common import configure, run_network

    eqs = """
    dv/dt = (J - v) / tau : 1 (unless refractory)
    J : 1 (constant)
    """

    def setup() -> Callable[[], dict[str, Any]]:
        configure(target, cache_dir)
        group = b2.NeuronGroup(spec.n, eqs, threshold="v >= 1", reset="v = 0", refractory=spec.tau_ref * b2.second,
                               method="euler", dt=spec.dt * b2.second, namespace={"tau": spec.tau_m * b2.second},
                               name="lif")
        group.J = spec.inputs
        monitor = b2.SpikeMonitor(group, name="lif_spikes")
        net = b2.Network(group, monitor)

        def run() -> dict[str, Any]:
            out = run_network(net, spec.steps * spec.dt * b2.second)
            out.update(spike_result(np.asarray(monitor.t / b2.second), np.asarray(monitor.i), spec.n))
            return out

        return run

    return Peer(f"brian2 ({target} target)", setup, "brian2", "euler", spec.units,
                "spike stamped at the step start: holds one step fewer; time = Brian2 main loop")


# -- Nengo --------------------------------------------------------------------------------------------
def nengo_peer(spec: LIFSpec) -> Peer:
    """A Nengo LIF ensemble (gain 1, bias J) on the reference simulator, probing the neurons' output."""
    import nengo

    def setup() -> Callable[[], dict[str, Any]]:
        with nengo.Network(seed=0) as net:
            # Nengo starts voltages at random by default; every peer here starts at v = 0.
            lif = nengo.LIF(tau_rc=spec.tau_m, tau_ref=spec.tau_ref,
                            initial_state={"voltage": nengo.dists.Choice([0.0]), "refractory_time": nengo.dists.Choice([0.0])})
            ens = nengo.Ensemble(spec.n, 1, neuron_type=lif, gain=np.ones(spec.n), bias=spec.inputs)
            probe = nengo.Probe(ens.neurons, "output")
        sim = nengo.Simulator(net, dt=spec.dt, progress_bar=False)

        def run() -> dict[str, Any]:
            with sim:
                sim.run_steps(spec.steps, progress_bar=False)
            fired = sim.data[probe] > 0
            step, idx = np.nonzero(fired)
            return spike_result((step + 1) * spec.dt, idx, spec.n)

        return run

    return Peer("nengo (LIF ensemble, reference simulator)", setup, "nengo", "exact", spec.units,
                "exact update, spike time interpolated inside the step; Simulator build = setup")


def peers(spec: LIFSpec, brian2_cache: str | None = None) -> list[Peer]:
    """Every LIF peer, nnlab first."""
    cache = brian2_cache or tempfile.mkdtemp(prefix="nnlab-bench-brian2-")
    return [
        nnlab_peer(spec, "euler"),
        nnlab_peer(spec, "exact"),
        numba_peer(spec),
        numpy_peer(spec),
        brian2_peer(spec, "numpy", cache),
        brian2_peer(spec, "cython", cache),
        nengo_peer(spec),
    ]
