"""Programs that ui_bench.py launches in a pseudo-terminal to time start-up (not run by hand).

    python startup_child.py hello        a Textual app with one Static: the floor of any Textual app
    python startup_child.py milestones   the nnlab app, instrumented: appends [milestone, seconds since
                                         launch] lines to $BENCH_LOG ($BENCH_T0 is the launch time on
                                         the perf_counter clock, which is system-wide on Linux)

With BENCH_VARIANT="kernels after first paint" the lab starts its kernel worker (which imports
numba and loads the kernels) only after the first paint, to measure what running that worker
while the screen is built costs the first paint. Only the time to import this file precedes the
first milestone, so nothing heavy is imported at the top.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


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
        if os.environ.get("BENCH_VARIANT") == "kernels after first paint":
            self.call_after_refresh(lambda: prepare(self, *args))
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
