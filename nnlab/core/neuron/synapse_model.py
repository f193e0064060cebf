"""Synapse models of the neuron lab: a filtered spike train (lecture 4) and two LIF neurons joined by a synapse (lecture 5)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.lab import Frame, readonly
from nnlab.core.neuron.analytic import filtered_train, psc_kernel
from nnlab.core.neuron.equations import pair_lines, synapse_lines
from nnlab.core.neuron.kernels.lif import BLOWUP_S, pair_advance
from nnlab.core.neuron.kernels.synapse import psc_euler
from nnlab.core.neuron.params import PairParams, SynapseParams
from nnlab.core.neuron.spiking import SpikingModel
from nnlab.core.traces import Trace

DIVERGED, UNREPRESENTABLE = 2, 3
"""Status: the Euler form of the filter left any sensible range (dt > 2 tau_s, or w/tau_s beyond float64);
the convolution is beyond float64 (h(0) = 1/tau_s overflows)."""


class SynapseModel(SpikingModel):
    """A presynaptic spike train filtered by the PSC kernel: the convolution beside its Euler form."""

    ms_per_unit = 1000.0

    def __init__(self, params: SynapseParams, seed: int = 0) -> None:
        super().__init__(params, seed, 1)
        self.stages = np.zeros(params.n + 1)
        self.last = np.zeros(params.n + 2)
        """The stages at the start of the last step, then its spike count (the kernel writes it)."""
        self.euler = Trace()
        self.exact = Trace()
        self.t.append(np.array([0.0]))
        self.euler.append(np.array([0.0]))
        self.exact.append(np.array([0.0]))
        self._times = np.sort(np.asarray(params.spike_times, dtype=np.float64))

    def _arrays(self) -> dict[str, Any]:
        return {"stages": self.stages, "last": self.last}

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
        limit = 1e6 * (abs(p.weight) / p.tau_s + 1.0)
        done = psc_euler(counts, p.weight, p.dt, p.tau_s, limit, self.stages, out, self.last)
        status = DIVERGED if done < k else 0
        hit = np.repeat(t[:done], counts[:done].astype(np.int64))
        st, si = self._spike_room(max(room, len(hit) + 1))
        st[: len(hit)] = hit
        si[: len(hit)] = 0
        self._commit_spikes(len(hit))
        exact = self.exact.reserve(k)
        recent = self.spike_t.view()
        recent = recent[recent >= t[0] - 40.0 * p.tau_s * (p.n + 1)]
        exact[:done] = filtered_train(t[:done], recent, p.n, p.tau_s, p.weight)
        bad = ~np.isfinite(exact[:done])
        if bad.any():
            done, status = int(np.argmax(bad)), UNREPRESENTABLE
        self._commit([self.euler, self.exact], done, 0)
        return done, status

    def _commit_spikes(self, n: int) -> None:
        self.spike_t.commit(n)
        self.spike_i.commit(n)

    def _blowup_text(self, status: int) -> str:
        p = self.params
        t = self.time() + p.dt
        if status == UNREPRESENTABLE:
            return (f"the convolution s(t) = sum_p w h(t - t_p) is beyond float64 at t = {t:.4g} s: h peaks near "
                    f"1/tau_s = {1 / p.tau_s:.3g}; raise tau_s.")
        if p.dt / p.tau_s > 2:
            return (f"the Euler form of the synaptic current diverged at t = {t:.4g} s: dt / tau_s = "
                    f"{p.dt / p.tau_s:.3g} > 2, so each step multiplies s by {1 - p.dt / p.tau_s:.3g}; take "
                    f"dt < 2 tau_s = {2 * p.tau_s:g} s (dt < tau_s to avoid oscillation), or raise tau_s.")
        return (f"the synaptic current s left float64 at t = {t:.4g} s: a spike adds w/tau_s = "
                f"{p.weight / p.tau_s:.3g}; raise tau_s or lower the weight.")

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
        eq = self.with_pending(synapse_lines(self.step_params, self.last if len(t) > 1 else None, self.stages,
                                             float(ex[-1])))
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
        self.last = np.zeros(6)
        """The state at the start of the last step and the J_post it used (the kernel writes it)."""
        self.rec = Trace((3,))
        self.t.append(np.array([0.0]))
        self.rec.append(self.state[None, :3])

    def _arrays(self) -> dict[str, Any]:
        return {"state": self.state, "last": self.last}

    def _traces(self) -> list[Trace]:
        return [self.t, self.rec]

    def _inputs(self, k: int) -> dict[str, np.ndarray]:
        return {}

    def _kernel(self, inputs: dict[str, np.ndarray], start: int, k: int, room: int) -> tuple[int, int]:
        p = self.params
        st, si = self._spike_room(room)
        rec = self.rec.reserve(k)
        done, n_spk, status = pair_advance(self.state, p.v_in, p.v_in_post, p.weight, p.dt, p.tau_m, p.tau_s,
                                           float(round(p.tau_ref / p.dt)), self.step_count, rec, st, si, 0,
                                           self.last)
        self._commit([self.rec], done, n_spk)
        return done, status

    def _blowup_text(self, status: int) -> str:
        p = self.params
        t = self.time() + p.dt
        if status == BLOWUP_S:
            if p.dt / p.tau_s > 2:
                cause = (f"dt / tau_s = {p.dt / p.tau_s:.3g} > 2, so each step multiplies s by "
                         f"{1 - p.dt / p.tau_s:.3g}; take dt < 2 tau_s = {2 * p.tau_s:.3g} s or raise tau_s")
            else:
                cause = f"a spike adds w/tau_s = {p.weight / p.tau_s:.3g}; raise tau_s or lower the weight"
            return f"the synaptic current s left the finite range at t = {t:.4g} s: {cause}."
        return (f"a membrane potential v left the finite range at t = {t:.4g} s: dt / tau_m = {p.dt / p.tau_m:.3g}; "
                f"take dt < tau_m = {p.tau_m:.3g} s or raise tau_m.")

    def frame(self) -> Frame:
        p = self.params
        r = self.rec.view()
        st, si = self.spikes()
        prev = r[-2] if len(r) > 1 else r[-1]
        seconds = max(self.time(), 1e-12)
        pre_rate = float(np.sum(si == 0)) / seconds
        post_rate = float(np.sum(si == 1)) / seconds
        s_now = float(r[-1, 2])
        mean_j = p.v_in_post + p.weight * pre_rate
        values = (
            ("v pre", f"{r[-1, 0]:.4f}", f"{r[-1, 0] - prev[0]:+.4g}"),
            ("v post", f"{r[-1, 1]:.4f}", f"{r[-1, 1] - prev[1]:+.4g}"),
            ("s", f"{s_now:.4f}", f"{s_now - prev[2]:+.4g}"),
            ("J pre", f"{p.v_in:.4g}", "v_in"),
            ("J post", f"{p.v_in_post + s_now:.4f}", "v_in_post + s"),
            ("w/tau_s", f"{p.weight / p.tau_s:.4g}", "per spike"),
            ("pre Hz", f"{pre_rate:.2f}", ""),
            ("post Hz", f"{post_rate:.2f}", ""),
            ("mean J_post", f"{mean_j:.3f}", ""),
        )
        pre_spiked, post_spiked = (len(self.last_step_spikes(i)) > 0 for i in (0, 1))
        eq = self.with_pending(pair_lines(self.step_params, self.last if len(r) > 1 else None, r[-1], pre_spiked,
                                          post_spiked, mean_j))
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
                     message=self.blowup or self.message)

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
