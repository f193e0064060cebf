"""F-I (tuning) curves of the neuron lab: simulate one input after another and plot the firing rate.

For LIF the analytic G(v_in) of lecture 2 is drawn beside the simulated rates; for HH the
curve shows the rheobase, the smallest current that gives repetitive firing (lecture 1).
The rate of one run is (spikes - 1) / (last - first spike time) over the spikes after
`settle`, so onset spikes do not count as firing; fewer than two such spikes give 0. A cell that
blows up stops the sweep with its cause (`blowup`), keeping the points swept before it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.equation import Calc, EquationLine, Line, Num, fn
from nnlab.core.lab import Frame
from nnlab.core.neuron.analytic import lif_euler_rate, lif_rate
from nnlab.core.neuron.equations import rate_calc
from nnlab.core.neuron.hh_model import HHModel
from nnlab.core.neuron.lif_model import LIFModel
from nnlab.core.neuron.params import HHParams, LIFParams


def steady_rate(spike_t: np.ndarray, settle: float, ms_per_unit: float) -> float:
    """Firing rate (Hz) from the spikes after `settle` (model time units)."""
    late = spike_t[spike_t >= settle]
    if len(late) < 2:
        return 0.0
    return (len(late) - 1) / (float(late[-1] - late[0]) * ms_per_unit / 1000.0)


class FIModel:
    """Sweeps the input of one HH or LIF neuron over fi_points values; one step is one value."""

    def __init__(self, params: HHParams | LIFParams, seed: int = 0, duration: float | None = None) -> None:
        self.duration = duration or params.default_duration_fi
        params.check_fi_duration(self.duration)
        self.params = params
        self.seed = seed
        self.inputs = np.linspace(params.fi_min, params.fi_max, params.fi_points)
        self.rates: list[float] = []
        self.last: dict[str, np.ndarray] = {}
        self.step_count = 0
        self.stage = "start"
        self.message = ""
        self._blowup = ""
        self.is_hh = isinstance(params, HHParams)

    @property
    def blowup(self) -> str:
        """Why the sweep stopped on a blow-up of its cell, or ""."""
        return self._blowup

    @property
    def steps_total(self) -> int:
        return self.step_count

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def set_params(self, params: Any) -> None:
        params.check_fi_duration(self.duration)
        self.params = params
        self._blowup = ""

    def time(self) -> float:
        return float(self.step_count)

    def done(self) -> bool:
        return self.step_count >= len(self.inputs)

    def _cell(self, x: float) -> HHModel | LIFModel:
        p = self.params
        if self.is_hh:
            return HHModel(p.replace(experiment="run", input="constant", i_ext=float(x), n_neurons=1), self.seed)
        return LIFModel(p.replace(experiment="run", input="constant", v_in=float(x), n_neurons=1), self.seed)

    def advance(self, n: int) -> int:
        self._blowup = ""
        taken = 0
        while taken < n and not self.done():
            x = self.inputs[self.step_count]
            cell = self._cell(x)
            cell.advance(int(round(self.duration / self.params.dt)))
            if cell.blowup:
                self._blowup = f"F-I sweep stopped at input {x:g}: {cell.blowup}"
                break
            st, _ = cell.spikes()
            self.rates.append(steady_rate(st, self.params.settle, cell.ms_per_unit))
            self.last = {"t": cell.t.view().copy(), "v": cell.traces()["v"].copy(), "x": float(x),
                         "spike_t": st.copy(), "settle": self.params.settle}
            self.step_count += 1
            taken += 1
        self.stage = f"input {self.inputs[self.step_count - 1]:g}: {self.rates[-1]:.2f} Hz" if self.rates else "start"
        if self.done():
            self.message = self.message or "sweep complete"
        return taken

    def step(self, level: int = 0) -> Frame:
        self.message = ""
        self.advance(1 if level == 0 else len(self.inputs))
        return self.frame()

    def snapshot(self) -> dict[str, Any]:
        return {"rates": list(self.rates), "last": dict(self.last), "step": self.step_count, "stage": self.stage,
                "params": self.params}

    def restore(self, snap: dict[str, Any]) -> None:
        self.rates = list(snap["rates"])
        self.last = dict(snap["last"])
        self.step_count = snap["step"]
        self.stage = snap["stage"]
        self.params = snap["params"]
        self.message = ""
        self._blowup = ""

    def analytic(self, x: np.ndarray) -> np.ndarray | None:
        """G(v_in) for LIF; None for HH (no closed form)."""
        if self.is_hh:
            return None
        return lif_rate(x, self.params.tau_m, self.params.tau_ref)

    def rheobase(self) -> float | None:
        """Smallest swept input with repetitive firing so far (HH), or None."""
        for x, r in zip(self.inputs, self.rates):
            if r > 0:
                return float(x)
        return None

    def rheobase_text(self) -> str:
        """Where the rheobase lies on the swept grid, e.g. "(6, 7]", or "> 5" while no input swept so far fires."""
        rb = self.rheobase()
        if rb is None:
            done = len(self.rates)
            return f"> {self.inputs[done - 1]:g}" if done else "not yet swept"
        k = int(np.searchsorted(self.inputs, rb))
        return f"({self.inputs[k - 1]:g}, {rb:g}]" if k > 0 else f"<= {rb:g}"

    def frame(self) -> Frame:
        p = self.params
        done = len(self.rates)
        x_fine = np.linspace(p.fi_min, p.fi_max, 400)
        unit = "uA/cm^2" if self.is_hh else ""
        values = [("points", f"{done} / {len(self.inputs)}", "")]
        if done:
            values.append(("last input", f"{self.inputs[done - 1]:g} {unit}".strip(), ""))
            values.append(("last rate", f"{self.rates[-1]:.3f} Hz", ""))
        if self.is_hh:
            values.append(("rheobase", self.rheobase_text(), unit if done else ""))
            eq: tuple[EquationLine, ...] = (
                "rate = (spikes after settle - 1) / (last - first spike time);  0 without repetitive firing",
                f"HH {p.method}, dt = {p.dt:g} ms, {self.duration:g} ms per input, settle {p.settle:g} ms")
        else:
            if done:
                x = float(self.inputs[done - 1])
                g = float(lif_rate(x, p.tau_m, p.tau_ref))
                values.append(("G(v_in)", f"{g:.3f} Hz", ""))
                if p.method == "euler":
                    values.append(("Euler steady", f"{lif_euler_rate(x, p.dt, p.tau_m, p.tau_ref):.3f} Hz", ""))
            eq = ("G(v_in) = 1 / (tau_ref - tau_m ln(1 - 1/v_in))  for v_in > 1, else 0",
                  f"tau_m = {p.tau_m:g} s, tau_ref = {p.tau_ref:g} s;  simulated: LIF {p.method}, dt = {p.dt:g} s, "
                  f"{self.duration:g} s per input")
        eq += self._last_point()
        data = {
            "kind": "fi",
            "cell": "hh" if self.is_hh else "lif",
            "inputs": self.inputs[:done].copy(),
            "rates": np.array(self.rates),
            "x_fine": x_fine,
            "analytic": self.analytic(x_fine),
            "all_inputs": self.inputs,
            "last": self.last,
            "rheobase": self.rheobase() if self.is_hh else None,
        }
        return Frame(t=float(done), step=done, stage=self.stage, equation=eq, values=tuple(values), data=data,
                     message=self.blowup or self.message, done=self.done())

    def _last_point(self) -> tuple[EquationLine, ...]:
        """The rate of the last input swept, from its spikes; for LIF also G at that input."""
        if not self.rates:
            return ()
        p = self.params
        unit = "ms" if self.is_hh else "s"
        x = self.last["x"]
        late = self.last["spike_t"][self.last["spike_t"] >= self.last["settle"]]
        head = ("input ", Num(x, "g"), f": {len(late)} spikes after settle;  ")
        if len(late) >= 2:
            lines: tuple[EquationLine, ...] = (
                Line(*head, rate_calc(len(late), late[0], late[-1], self.rates[-1], unit), " Hz"),)
        else:
            lines = (Line(*head, "rate 0 Hz (fewer than two)"),)
        if not self.is_hh and x > 1:
            v = Num(x, "g")
            lines += (Line(Calc("G(v_in) = 1/(tau_ref - tau_m ln(1 - 1/v_in)) =",
                                1 / (Num(p.tau_ref, "g") - Num(p.tau_m, "g") * fn("ln", 1 - 1 / v)),
                                float(lif_rate(x, p.tau_m, p.tau_ref)), ".3f"), " Hz"),)
        return lines

    def metrics(self) -> dict[str, Any]:
        done = len(self.rates)
        rates = self.rates
        return {
            "rate_hz": float(np.mean(rates)) if rates else 0.0,
            "spike_count": None,
            "inputs": [float(x) for x in self.inputs[:done]],
            "rates_hz": [float(r) for r in rates],
        }

    def traces(self) -> dict[str, np.ndarray]:
        done = len(self.rates)
        out = {"inputs": self.inputs[:done].copy(), "rates_hz": np.array(self.rates)}
        if self.last:
            out["t"] = self.last["t"]
            out["v"] = self.last["v"]
            out["spike_t"] = self.last["spike_t"]
            out["spike_i"] = np.zeros(len(self.last["spike_t"]), dtype=np.int64)
        return out
