"""The Scenario: a lab, its validated Params, a seed and how to run it."""

from __future__ import annotations

from dataclasses import dataclass, field

from nnlab.core.knobs import ParamsBase, knob


@dataclass(frozen=True)
class RunSettings(ParamsBase):
    """The `[run]` table: how long to run and how often to draw."""

    duration: float = knob(0.0, "model time to run (ms for HH, s for the others); 0 means the model's default",
                           lo=0.0)
    steps: int = knob(0, "steps of the smallest size to run headless; 0 means duration / dt", lo=0)
    frame_every: int = knob(1, "headless --out: keep every this-many-th row of the per-step traces", lo=1)
    granularity: str = knob("", "step size of the N key (e.g. ms or spike); empty means the second size")
    speed: float = knob(0.0, "model time per second of wall time when running in the app; 0 means the "
                        "model's default", lo=0.0)


@dataclass(frozen=True)
class Scenario:
    """A loaded, valid scenario."""

    lab: str
    params: ParamsBase
    run: RunSettings = field(default_factory=RunSettings)
    title: str = ""
    lecture: str = ""
    about: str = ""
    seed: int = 0
    name: str = ""
    """Bundled name or file stem."""
    source: str = ""
    """Where it was read from (path or bundled name), for messages."""

    def duration(self) -> float:
        """Model time the scenario runs, in the model's unit."""
        if self.run.duration > 0:
            return self.run.duration
        if getattr(self.params, "experiment", "run") == "fi":
            return self.params.default_duration_fi
        return getattr(self.params, "default_duration", 0.0)
