"""The activation-function gallery of the neuron lab (lecture 3): a cursor walks z across the curves."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.activations import FUNCTIONS
from nnlab.core.lab import Frame
from nnlab.core.neuron.equations import activation_lines
from nnlab.core.neuron.params import ActivationParams

GRID = 481


class ActivationModel:
    """Every activation and its derivative on [z_min, z_max]; `n` moves the cursor by dt, `N` by 1."""

    def __init__(self, params: ActivationParams, seed: int = 0) -> None:
        self.params = params
        self.seed = seed
        self.z = params.z_start
        self.step_count = 0
        self.stage = "start"
        self.message = ""

    blowup = ""

    @property
    def steps_total(self) -> int:
        return self.step_count

    def step_levels(self) -> tuple[str, ...]:
        return self.params.step_levels()

    def set_params(self, params: ActivationParams) -> None:
        self.params = params

    def time(self) -> float:
        return self.z

    def advance(self, n: int) -> int:
        return self._move(n, self.params.dt)

    def _move(self, n: int, size: float) -> int:
        p = self.params
        taken = 0
        for _ in range(n):
            if self.z + size > p.z_max + 1e-12:
                self.message = f"the cursor reached z_max = {p.z_max:g}; r resets it"
                break
            self.z = round(self.z + size, 12)
            self.step_count += 1
            taken += 1
        self.stage = f"z moved to {self.z:.4g}"
        return taken

    def step(self, level: int = 0) -> Frame:
        self.message = ""
        self._move(1, self.params.dt if level == 0 else 1.0)
        return self.frame()

    def snapshot(self) -> dict[str, Any]:
        return {"z": self.z, "step": self.step_count, "stage": self.stage, "params": self.params}

    def restore(self, snap: dict[str, Any]) -> None:
        self.z = snap["z"]
        self.step_count = snap["step"]
        self.stage = snap["stage"]
        self.params = snap["params"]
        self.message = ""

    def curves(self) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
        p = self.params
        z = np.linspace(p.z_min, p.z_max, GRID)
        return z, {k: f(z) for k, (f, _, _) in FUNCTIONS.items()}, {k: d(z) for k, (_, d, _) in FUNCTIONS.items()}

    def at_cursor(self) -> dict[str, tuple[float, float]]:
        z = np.array([self.z])
        return {k: (float(f(z)[0]), float(d(z)[0])) for k, (f, d, _) in FUNCTIONS.items()}

    def frame(self) -> Frame:
        p = self.params
        z, f, d = self.curves()
        now = self.at_cursor()
        fz, dz = now[p.function]
        values = tuple((name, f"{fv:.4g}", f"slope {dv:.4g}") for name, (fv, dv) in now.items())
        eq = activation_lines(p.function, FUNCTIONS[p.function][2], self.z, fz, dz)
        data = {"kind": "activation", "z": z, "f": f, "d": d, "cursor": self.z, "function": p.function}
        return Frame(t=self.z, step=self.step_count, stage=self.stage, equation=eq, values=values, data=data,
                     message=self.message)

    def metrics(self) -> dict[str, Any]:
        fz, dz = self.at_cursor()[self.params.function]
        return {"z": self.z, "value": fz, "derivative": dz}

    def traces(self) -> dict[str, np.ndarray]:
        z, f, d = self.curves()
        out: dict[str, np.ndarray] = {"z": z}
        for name in FUNCTIONS:
            out[name] = f[name]
            out[f"d_{name}"] = d[name]
        return out
