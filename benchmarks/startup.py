"""Start-up timing of ui_bench.py: launching programs in a pseudo-terminal, and the programs it launches.

The launcher side (`startup`) runs the `nnlab` console script, a one-widget Textual app, bare
`python -c "import ..."` processes and the instrumented app in rounds, and times each from just
before launch to marks in its terminal output. The program side runs as

    python startup.py hello        a Textual app with one Static: the floor of any Textual app
    python startup.py milestones   the nnlab app, instrumented: appends [milestone, seconds since
                                   launch] lines to $BENCH_LOG ($BENCH_T0 is the launch time on
                                   the perf_counter clock, which is system-wide on Linux)

With BENCH_VARIANT="worker held back 1 s" the lab starts its kernel worker (which imports numba
and loads the kernels) one second later than it would, to measure what running that worker while
the first screen is built and written costs the first paint. Only the standard library is imported
at the top, so a launched program reaches its first milestone quickly.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any, Callable

SIZE = (160, 50)
"""Terminal columns and rows."""
FIRST_PAINT = b"\x1b[1;1H"
"""Textual starts every full-screen update by moving the cursor home."""
MODEL_READY = b"paused"
"""The nnlab status line once a model frame is on screen."""
CHILD = Path(__file__).resolve()


# -- launcher ------------------------------------------------------------------------------------------
def in_pty(argv: list[str], env: dict[str, str], marks: dict[str, bytes], timeout: float = 30.0) -> dict[str, float]:
    """Run argv in a 160x50 pseudo-terminal; seconds from launch until each mark first appears in its output.

    The process is asked to quit (q, then ctrl+c) once every mark was seen, and killed if it stays.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env={**env, "BENCH_T0": repr(t0)},
                            start_new_session=True)
    os.close(slave)
    seen: dict[str, float] = {}
    out = b""
    try:
        while len(seen) < len(marks) and time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([master], [], [], 0.01)
            if not ready:
                continue
            try:
                chunk = os.read(master, 1 << 20)
            except OSError:
                break
            now = time.perf_counter() - t0
            out = out[-64:] + chunk
            for name, mark in marks.items():
                if name not in seen and mark in out:
                    seen[name] = now
        for key in (b"q", b"\x03"):
            os.write(master, key)
            try:
                proc.wait(3)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            proc.kill()
            proc.wait()
    finally:
        os.close(master)
    return seen


def wall(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from launch to exit of a short program."""
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return {"process exit": time.perf_counter() - t0}


def milestone_run(env: dict[str, str], variant: str) -> dict[str, float]:
    """One launch of the instrumented app (startup_child.py): seconds since launch of each milestone."""
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as log:
        seen = in_pty([sys.executable, str(CHILD), "milestones"],
                      {**env, "BENCH_LOG": log.name, "BENCH_VARIANT": variant},
                      {"first paint reaches the terminal": FIRST_PAINT, "model frame reaches the terminal": MODEL_READY})
        marks = {name: t for name, t in (json.loads(line) for line in log.read().splitlines())}
    return dict(sorted({**marks, **seen}.items(), key=lambda kv: kv[1]))


IMPORTS = ("pass", "import textual", "import numba", "import textual, numba", "import textual, numba, numpy, plotext")
"""Bare `python -c` peers of the start-up."""
VARIANTS = ("as is", "worker held back 1 s")


def startup(launches: int, env: dict[str, str]) -> dict[str, Any]:
    """Launch the app, its peers and the instrumented app in rounds; medians of every time seen.

    One untimed round first (disk caches), then `launches` rounds that run every program once
    each, so that a slow spell of the shared machine falls on all of them alike.
    """
    py = sys.executable
    nnlab = str(Path(py).parent / "nnlab")
    t0 = time.perf_counter()
    subprocess.run([nnlab, "warmup"], env=env, stdout=subprocess.DEVNULL, check=True)
    warmup_s = time.perf_counter() - t0
    programs: dict[str, Callable[[], dict[str, float]]] = {
        "nnlab neuron_hh_spike": lambda: in_pty([nnlab, "neuron_hh_spike"], env,
                                                {"first paint": FIRST_PAINT, "first model frame": MODEL_READY}),
        "one-widget Textual app": lambda: in_pty([py, str(CHILD), "hello"], env, {"first paint": FIRST_PAINT}),
        **{f'python -c "{code}"': (lambda code=code: wall([py, "-c", code], env)) for code in IMPORTS},
        **{f"instrumented app, {v}": (lambda v=v: milestone_run(env, v)) for v in VARIANTS},
    }
    first = {name: fn() for name, fn in programs.items()}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in programs}
    for _ in range(launches):
        for name, fn in programs.items():
            runs[name].append(fn())
    rows = []
    for name in list(programs)[:2 + len(IMPORTS)]:
        for event in runs[name][0]:
            values = [r.get(event, float("nan")) for r in runs[name]]
            rows.append({"what": f"{name}: {event}", "median_s": statistics.median(values), "min_s": min(values),
                         "max_s": max(values), "values_s": values, "first_launch_s": first[name].get(event)})
    marks = {}
    for v in VARIANTS:
        r = runs[f"instrumented app, {v}"]
        marks[v] = {k: statistics.median(x[k] for x in r) for k in r[0] if all(k in x for x in r)}
    return {"numba_cache": env["NUMBA_CACHE_DIR"], "nnlab_warmup_s": warmup_s, "rows": rows, "milestones": marks}


# -- launched programs ---------------------------------------------------------------------------------
def hello() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Hello(App[None]):
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield Static("hello")

    Hello().run()


def milestones() -> None:
    t0 = float(os.environ["BENCH_T0"])
    log = open(os.environ["BENCH_LOG"], "w")

    def mark(name: str) -> None:
        log.write(json.dumps([name, time.perf_counter() - t0]) + "\n")
        log.flush()

    mark("python running")
    from textual.app import App
    from textual.screen import Screen

    mark("textual imported")
    from nnlab.scenario import load
    from nnlab.ui.app import NNLabApp
    from nnlab.ui.lab_view import LabView

    mark("nnlab.ui.app imported (numpy too)")
    refresh, prepare, ready, compose = (Screen._compositor_refresh, LabView._prepare, LabView.on_kernels_ready,
                                        App._on_compose)
    painted: list[bool] = []

    async def composing(self: Any) -> None:
        mark("app running: compose starts")
        await compose(self)

    def first_paint(self: Any) -> None:
        refresh(self)
        if not painted:
            painted.append(True)
            mark("first paint")

    def start_worker(self: Any, *args: Any) -> None:
        mark("lab mounted: kernel worker starts")
        if os.environ.get("BENCH_VARIANT") == "worker held back 1 s":
            self.set_timer(1.0, lambda: prepare(self, *args))
        else:
            prepare(self, *args)

    def kernels_ready(self: Any, message: Any) -> None:
        mark("kernels ready (numba imported, kernels loaded)")
        ready(self, message)
        mark("first model frame drawn")

    App._on_compose = composing
    Screen._compositor_refresh = first_paint
    LabView._prepare = start_worker
    LabView.on_kernels_ready = kernels_ready
    NNLabApp(load("neuron_hh_spike")).run()


if __name__ == "__main__":
    {"hello": hello, "milestones": milestones}[sys.argv[1]]()
