"""Timing and reporting shared by the benchmark scripts: warm-up, repeats, machine facts, tables, JSON.

Every peer is a `Peer`: `setup()` builds the simulation (timed as setup) and returns `run()`,
which does the work once (timed as the run) and returns a dict of what it computed. The first
setup + run of a peer is its warm-up; its time, compile included, is reported as `first run`.
A peer that times its own main loop (Brian2) returns it as `timed_s`; the wall time of the
whole call is then kept as `call_wall_s`.
"""

from __future__ import annotations

import datetime as _dt
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
"""Where the scripts write their JSON and Markdown results."""

PACKAGES = ("numpy", "numba", "llvmlite", "brian2", "nengo", "cython", "textual", "textual-plotext",
            "plotext", "rich", "nnlab")
"""Package versions recorded with every result file."""


@dataclass
class Peer:
    """One implementation of a workload."""

    label: str
    setup: Callable[[], Callable[[], dict[str, Any]]]
    family: str
    """nnlab, brian2, nengo, numpy, python or numba: who wrote the simulation."""
    method: str
    """Integrator or convention (euler, rk4, exp_euler, exact), for like-for-like ratios."""
    units: float
    """Work units of one run (neuron-steps or steps)."""
    note: str = ""


@dataclass
class Timing:
    """Measured times of one peer, and the output of its last run."""

    peer: Peer
    first_run_s: float
    setup_s: list[float] = field(default_factory=list)
    run_s: list[float] = field(default_factory=list)
    call_wall_s: list[float] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def median_s(self) -> float:
        return statistics.median(self.run_s)

    @property
    def best_s(self) -> float:
        return min(self.run_s)

    @property
    def rate_median(self) -> float:
        return self.peer.units / self.median_s

    @property
    def rate_best(self) -> float:
        return self.peer.units / self.best_s

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures (arrays in `result` are left out)."""
        out = {
            "label": self.peer.label,
            "family": self.peer.family,
            "method": self.peer.method,
            "units": self.peer.units,
            "note": self.peer.note,
            "first_run_s": self.first_run_s,
            "setup_s_median": statistics.median(self.setup_s),
            "run_s": self.run_s,
            "run_s_median": self.median_s,
            "run_s_best": self.best_s,
            "rate_median": self.rate_median,
            "rate_best": self.rate_best,
            "result": {k: v for k, v in self.result.items() if not isinstance(v, np.ndarray)},
        }
        if self.call_wall_s:
            out["call_wall_s_median"] = statistics.median(self.call_wall_s)
        return out


def _timed(peer: Peer, timing: Timing) -> None:
    """One setup and run of `peer`, appended to `timing`."""
    gc.collect()
    a = time.perf_counter()
    run = peer.setup()
    b = time.perf_counter()
    result = run()
    c = time.perf_counter()
    timing.setup_s.append(b - a)
    if "timed_s" in result:
        timing.run_s.append(float(result.pop("timed_s")))
        timing.call_wall_s.append(c - b)
    else:
        timing.run_s.append(c - b)
    timing.result = result


def measure_all(peers: list[Peer], repeats: int, log: Callable[[str], None] = print) -> list[Timing]:
    """Warm every peer up once (its first run, compile included), then time `repeats` rounds.

    Each round runs every peer once, in turn, so that a slow spell of a shared machine falls on
    all peers alike rather than on whichever peer happened to be running.
    """
    timings = []
    for peer in peers:
        gc.collect()
        t0 = time.perf_counter()
        peer.setup()()
        timings.append(Timing(peer, first_run_s=time.perf_counter() - t0))
        log(f"  warm-up  {peer.label:<52} {timings[-1].first_run_s:7.2f} s")
    for k in range(repeats):
        for timing in timings:
            _timed(timing.peer, timing)
        log(f"  round {k + 1}/{repeats} done")
    for t in timings:
        log(f"  {t.peer.label:<52} median {t.median_s:9.4f} s  best {t.best_s:9.4f} s  rate {t.rate_median:9.3g}/s")
    return timings


def speed_probe() -> float:
    """Milliseconds for a fixed pure-Python loop (best of 3): how fast the shared machine is right now."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i
        best = min(best, time.perf_counter() - t0)
    return 1e3 * best


# -- machine and versions ------------------------------------------------------------------------
def versions() -> dict[str, str]:
    """Installed versions of the packages that matter here."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine() -> dict[str, Any]:
    """CPU, cores, memory, compiler and load: enough to tell two result files apart."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    try:
        gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        gcc = "not found"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "os": platform.platform(),
        "gcc": gcc,
        "load_avg": os.getloadavg(),
    }


def nnlab_source() -> dict[str, Any]:
    """Which nnlab is measured: its path, and the git commit (with a dirty flag) or snapshot it came from.

    To measure a committed state while the checkout is being edited, export it and put it first
    on the path: `git archive HEAD nnlab scenarios | tar -x -C DIR`, `echo <commit> > DIR/SNAPSHOT`,
    then `PYTHONPATH=DIR python benchmarks/...`.
    """
    import nnlab

    root = Path(nnlab.__file__).resolve().parent.parent
    out: dict[str, Any] = {"path": str(root)}
    marker = root / "SNAPSHOT"
    if marker.exists():
        out["snapshot_of_commit"] = marker.read_text().strip()
        return out
    try:
        git = ["git", "-C", str(root)]
        out["commit"] = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                       check=True).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "nnlab", "scenarios"], capture_output=True,
                               text=True, check=True).stdout
        out["uncommitted_changes_in_nnlab"] = bool(dirty.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    return out


def stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- output ----------------------------------------------------------------------------------------
def fmt(x: float) -> str:
    """A number in three significant figures, thousands separated below 1e6."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    if abs(x) >= 1e6:
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(fmt(c) if isinstance(c, float) else str(c) for c in row) + " |")
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def result_name(base: str, quick: bool, chosen: list[str], every: list[str] | tuple[str, ...]) -> str:
    """The results file's name: `base`, `base.quick` for smoke runs, `base.partial-a-b` for a subset of workloads."""
    if quick:
        return base + ".quick"
    return base if list(chosen) == list(every) else base + ".partial-" + "-".join(chosen)


def write_results(name: str, payload: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    """Write results/<name>.json and results/<name>.md; returns both paths."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    js = RESULTS / f"{name}.json"
    md = RESULTS / f"{name}.md"
    js.write_text(json.dumps(payload, indent=1, default=_json_default) + "\n")
    md.write_text(markdown + "\n")
    return js, md


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def run_header(script: str, args: list[str]) -> dict[str, Any]:
    """What every result file starts with."""
    return {
        "script": script,
        "argv": args,
        "generated": stamp(),
        "executable": sys.executable,
        "machine": machine(),
        "versions": versions(),
        "nnlab_source": nnlab_source(),
    }
