"""Synapse models of the neuron lab: a filtered spike train (lecture 4) and two LIF neurons joined by a synapse (lecture 5)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.lab import Frame, readonly
from nnlab.core.neuron.analytic import filtered_train, psc_kernel
from nnlab.core.neuron.kernels.lif import pair_advance
from nnlab.core.neuron.kernels.synapse import psc_euler
from nnlab.core.neuron.params import PairParams, SynapseParams
from nnlab.core.neuron.spiking import SpikingModel
from nnlab.core.traces import Trace

DIVERGED = 2
"""Status: the Euler form of the filter left any sensible range (dt > 2 tau_s)."""


class SynapseModel(SpikingModel):
    """A presynaptic spike train filtered by the PSC kernel: the convolution beside its Euler form."""

    ms_per_unit = 1000.0

    def __init__(self, params: SynapseParams, seed: int = 0) -> None:
        super().__init__(params, seed, 1)
        self.stages = np.zeros(params.n + 1)
        self.euler = Trace()
        self.exact = Trace()
        self.t.append(np.array([0.0]))
        self.euler.append(np.array([0.0]))
        self.exact.append(np.array([0.0]))
        self._times = np.sort(np.asarray(params.spike_times, dtype=np.float64))

    def _arrays(self) -> dict[str, Any]:
        return {"stages": self.stages}

    def _traces(self) -> list[Trace]:
        return [self.t, self.euler, self.exact]

    def _inputs(self, k: int) -> dict[str, np.ndarray]:
        p = self.params
        steps = self.step_count + 1 + np.arange(k)
        if p.train == "poisson":
            counts = self.rng.poisson(p.rate * p.dt, size=k).astype(np.float64)
        elif p.train == "regular":
            if p.rate <= 0:
                counts = np.zeros(k)
            else:
                period = 1.0 / p.rate
                before = np.floor((steps - 1) * p.dt / period + 1e-9)
                after = np.floor(steps * p.dt / period + 1e-9)
                counts = (after - before).astype(np.float64)
        else:
            idx = np.round(self._times / p.dt).astype(np.int64)
            counts = np.zeros(k)
            inside = (idx >= steps[0]) & (idx <= steps[-1])
            np.add.at(counts, idx[inside] - steps[0], 1.0)
        return {"counts": counts, "t": steps * p.dt}

    def _kernel(self, inputs: dict[str, np.ndarray], start: int, k: int, room: int) -> tuple[int, int]:
        p = self.params
        counts = inputs["counts"][start : start + k]
        t = inputs["t"][start : start + k]
        out = self.euler.reserve(k)
        psc_euler(counts, p.weight, p.dt, p.tau_s, self.stages, out)
        st, si = self._spike_room(max(room, int(counts.sum()) + 1))
        hit = np.repeat(t, counts.astype(np.int64))
        st[: len(hit)] = hit
        si[: len(hit)] = 0
        self._commit_spikes(len(hit))
        exact = self.exact.reserve(k)
        recent = self.spike_t.view()
        recent = recent[recent >= t[0] - 40.0 * p.tau_s * (p.n + 1)]
        exact[:] = filtered_train(t, recent, p.n, p.tau_s, p.weight)
        big = np.abs(out) > 1e6 * (abs(p.weight) / p.tau_s + 1.0)
        done = int(np.argmax(big)) if big.any() else k
        self._commit([self.euler, self.exact], done, 0)
        return done, (DIVERGED if done < k else 0)

    def _commit_spikes(self, n: int) -> None:
        self.spike_t.commit(n)
        self.spike_i.commit(n)

    def _blowup_text(self, status: int) -> str:
        p = self.params
        return (f"the Euler form of the synaptic current diverged: dt / tau_s = {p.dt / p.tau_s:.3g} > 2, so each "
                f"step multiplies s by {1 - p.dt / p.tau_s:.3g}; take dt < 2 tau_s = {2 * p.tau_s:g} s "
                "(dt < tau_s to avoid oscillation).")

    def frame(self) -> Frame:
        p = self.params
        t = self.t.view()
        eu = self.euler.view()
        ex = self.exact.view()
        ratio = p.dt / p.tau_s
        note = ""
        if ratio > 2:
            note = f"dt / tau_s = {ratio:.3g} > 2: the Euler form diverges"
        elif ratio > 1:
            note = f"dt / tau_s = {ratio:.3g} > 1: the Euler form oscillates"
        kt = np.linspace(0.0, 8.0 * p.tau_s, 400)
        kernels = np.stack([psc_kernel(kt, n, p.tau_s) for n in (0, 1, 2)])
        prev = eu[-2] if len(eu) > 1 else eu[-1]
        arrived = len(self.spike_t) and self.spike_t.view()[-1] >= self.time() - 1e-12
        eq = (
            f"h(t) = t^n exp(-t/tau_s) / (n! tau_s^(n+1)),  n = {p.n}, tau_s = {p.tau_s:g} s;  "
            "s(t) = sum_p w h(t - t_p)",
            "Euler (Algorithm 1): s <- s (1 - dt/tau_s); a spike adds w/tau_s" +
            ("; order n = n+1 filters in cascade" if p.n else ""),
            f"s <- {prev:.4f} * (1 - {p.dt:g}/{p.tau_s:g})" + (f" + {p.weight:g}/{p.tau_s:g}" if arrived else "")
            + f" = {eu[-1]:.4f}    convolution: {ex[-1]:.4f}",
        )
        values = (
            ("s Euler", f"{eu[-1]:.4f}", f"{eu[-1] - prev:+.4g}"),
            ("s exact", f"{ex[-1]:.4f}", ""),
            ("error", f"{eu[-1] - ex[-1]:+.4g}", ""),
            ("spikes", str(len(self.spike_t)), ""),
            ("area so far", f"{float(np.sum(eu[1:])) * p.dt:.4f}", ""),
            ("dt/tau_s", f"{ratio:.3g}", ""),
        )
        data = {
            "kind": "synapse",
            "t": readonly(t),
            "euler": readonly(eu),
            "exact": readonly(ex),
            "spike_t": readonly(self.spike_t.view()),
            "kernel_t": kt,
            "kernels": kernels,
            "order": p.n,
        }
        return Frame(t=self.time(), step=self.step_count, stage=self.stage, equation=eq, values=values, data=data,
                     message=self.blowup or self.message or note)

    def traces(self) -> dict[str, np.ndarray]:
        return {
            "t": self.t.view().copy(),
            "current_euler": self.euler.view().copy(),
            "current_exact": self.exact.view().copy(),
            "spike_t": self.spike_t.view().copy(),
            "spike_i": self.spike_i.view().copy(),
        }


class PairModel(SpikingModel):
    """A presynaptic LIF neuron driving a postsynaptic one through s: tau_s ds/dt = -s, s += w/tau_s per spike."""

    ms_per_unit = 1000.0

    def __init__(self, params: PairParams, seed: int = 0) -> None:
        super().__init__(params, seed, 2)
        self.state = np.zeros(5)
        self.rec = Trace((3,))
        self.t.append(np.array([0.0]))
        self.rec.append(self.state[None, :3])

    def _arrays(self) -> dict[str, Any]:
        return {"state": self.state}

    def _traces(self) -> list[Trace]:
        return [self.t, self.rec]

    def _inputs(self, k: int) -> dict[str, np.ndarray]:
        return {}

    def _kernel(self, inputs: dict[str, np.ndarray], start: int, k: int, room: int) -> tuple[int, int]:
        p = self.params
        st, si = self._spike_room(room)
        rec = self.rec.reserve(k)
        done, n_spk, status = pair_advance(self.state, p.v_in, p.v_in_post, p.weight, p.dt, p.tau_m, p.tau_s,
                                           float(round(p.tau_ref / p.dt)), self.step_count, rec, st, si, 0)
        self._commit([self.rec], done, n_spk)
        return done, status

    def _blowup_text(self, status: int) -> str:
        return ""

    def frame(self) -> Frame:
        p = self.params
        r = self.rec.view()
        st, si = self.spikes()
        prev = r[-2] if len(r) > 1 else r[-1]
        seconds = max(self.time(), 1e-12)
        pre_rate = float(np.sum(si == 0)) / seconds
        post_rate = float(np.sum(si == 1)) / seconds
        J_post = p.v_in_post + r[-1, 2]
        values = (
            ("v pre", f"{r[-1, 0]:.4f}", f"{r[-1, 0] - prev[0]:+.4g}"),
            ("v post", f"{r[-1, 1]:.4f}", f"{r[-1, 1] - prev[1]:+.4g}"),
            ("s", f"{r[-1, 2]:.4f}", f"{r[-1, 2] - prev[2]:+.4g}"),
            ("pre Hz", f"{pre_rate:.2f}", ""),
            ("post Hz", f"{post_rate:.2f}", ""),
            ("mean J_post", f"{p.v_in_post + p.weight * pre_rate:.3f}", ""),
        )
        s_now = float(r[-1, 2])
        eq = (
            "tau_m dv/dt = J - v (both);  tau_s ds/dt = -s;  presynaptic spike: s <- s + w/tau_s",
            f"J_post = v_in_post + s = {p.v_in_post:g} {'+' if s_now >= 0 else '-'} {abs(s_now):.4f} = {J_post:.4f};"
            f"  mean J_post = v_in_post + w r_pre = {p.v_in_post + p.weight * pre_rate:.3f}",
            f"s <- {prev[2]:.4f} (1 - {p.dt:g}/{p.tau_s:g}) = {prev[2] * (1 - p.dt / p.tau_s):.4f}"
            + ("   (+ w/tau_s on a spike)" if p.weight else ""),
        )
        data = {
            "kind": "pair",
            "t": readonly(self.t.view()),
            "v_pre": readonly(r[:, 0]),
            "v_post": readonly(r[:, 1]),
            "s": readonly(r[:, 2]),
            "spike_t": readonly(st),
            "spike_i": readonly(si),
            "weight": p.weight,
        }
        return Frame(t=self.time(), step=self.step_count, stage=self.stage, equation=eq, values=values, data=data,
                     message=self.message)

    def metrics(self) -> dict[str, Any]:
        out = super().metrics()
        st, si = self.spikes()
        seconds = self.time()
        out["pre_rate_hz"] = float(np.sum(si == 0)) / seconds if seconds > 0 else 0.0
        out["post_rate_hz"] = float(np.sum(si == 1)) / seconds if seconds > 0 else 0.0
        return out

    def traces(self) -> dict[str, np.ndarray]:
        r = self.rec.view()
        return {
            "t": self.t.view().copy(),
            "v": r[:, :2].copy(),
            "s": r[:, 2].copy(),
            "spike_t": self.spike_t.view().copy(),
            "spike_i": self.spike_i.view().copy(),
        }
