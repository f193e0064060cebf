"""Screen redraw time and start-up time of the nnlab app, beside textual-plotext, plotext and bare imports.

    /work/benchvenv/bin/python benchmarks/ui_bench.py [--quick] [--frames 100] [--launches 5]

Redraw: the app runs headless (`App.run_test(size=(160, 50))`) on `neuron_hh_spike`. Once its
model is ready and 300 steps are done, each frame advances the model 20 steps, calls
`lab.show_frame(lab.model.frame())` and repaints the whole screen the way Textual does after
`screen.refresh(layout=True)`: a layout pass (which also re-renders the widgets the frame
changed and composes their regions), a full-screen composition, and its encoding into terminal
bytes. CPU time (process_time) is taken around exactly that, frame by frame; the Pilot's idle
waits between frames are not timed. Peers: one nnlab PlotView, one textual-plotext PlotextPlot
(both filling 160x50, a 1,000-point line, same repaint), and the bare builds (plotext's
`build()`, nnlab's `layout()`).

Start-up: the installed `nnlab neuron_hh_spike` console script runs in a pseudo-terminal of
160x50 with a warm numba cache (a private NUMBA_CACHE_DIR filled by `nnlab warmup` first); the
clock runs from just before the launch to the first full-screen paint (the first cursor-home
sequence Textual writes) and to the first model frame (the status line says "paused"). Peers:
bare `python -c "import ..."` processes and a one-widget Textual app in the same pseudo-terminal.
A milestone run (the app instrumented by startup.py) splits the time for the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any, Callable

import numpy as np

from harness import fmt, run_header, speed_probe, table, verdict, write_results
from startup import SIZE, startup

STEPS_PER_FRAME = 20
WARM_STEPS = 300
FULL_WINDOW_STEPS = 10_000
"""Steps after which the HH trace view (100 ms at dt = 0.01 ms) shows its full 10,000-point window."""
LINE_POINTS = 1000
BUDGET_MS = 33.0
RNN_SIZE = (200, 60)
RNN_BUDGET_MS = 16.0
"""One gate step of the RNN lab on screen: the stepper's key must feel immediate."""
STARTUP_BUDGET_S = 1.0


# -- repaint and frame timing ------------------------------------------------------------------------
def repaint(app: Any) -> dict[str, float]:
    """Textual's full-screen repaint, synchronously; CPU seconds of each stage."""
    screen = app.screen
    c0 = time.process_time()
    screen._refresh_layout()
    c1 = time.process_time()
    update = screen._compositor.render_full_update()
    c2 = time.process_time()
    update.render_segments(app.console)
    c3 = time.process_time()
    return {"layout_and_changed_widgets": c1 - c0, "full_composition": c2 - c1, "encoding": c3 - c2}


async def time_frames(app: Any, pilot: Any, frames: int, update: Callable[[int], None],
                      every_widget: bool = False) -> dict[str, Any]:
    """Per frame: `update(k)` then `repaint`; medians (ms) of CPU time, wall time and the stages."""
    probe = speed_probe()
    rows: list[dict[str, float]] = []
    for k in range(frames):
        c0, w0 = time.process_time(), time.perf_counter()
        update(k)
        if every_widget:
            for widget in app.screen.walk_children(with_self=True):
                widget.refresh()
        c1 = time.process_time()
        stages = repaint(app)
        rows.append({"cpu": time.process_time() - c0, "wall": time.perf_counter() - w0, "update": c1 - c0, **stages})
        await pilot.pause()
    med = {k: 1e3 * statistics.median(r[k] for r in rows) for k in rows[0]}
    return {
        "frames": frames,
        "speed_probe_ms": probe,
        "cpu_ms_median": med["cpu"],
        "cpu_ms_min": 1e3 * min(r["cpu"] for r in rows),
        "cpu_ms_p90": 1e3 * float(np.percentile([r["cpu"] for r in rows], 90)),
        "wall_ms_median": med["wall"],
        "stages_cpu_ms_median": {k: med[k] for k in ("update", "layout_and_changed_widgets", "full_composition",
                                                     "encoding")},
        "changed_only_cpu_ms_median": 1e3 * statistics.median(r["update"] + r["layout_and_changed_widgets"]
                                                               for r in rows),
    }


def line_data(k: int) -> tuple[np.ndarray, np.ndarray]:
    """A spiky 1,000-point trace (mV against ms) that moves a little every frame."""
    x = np.linspace(0.0, 100.0, LINE_POINTS)
    y = -65.0 + 105.0 * np.abs(np.sin(np.pi * (x + 0.2 * k) / 14.6)) ** 20
    return x, y


def nnlab_figure(k: int) -> Any:
    from nnlab.plotting.spec import Figure, Series

    x, y = line_data(k)
    return Figure("V (mV)", (Series(x, y, role="primary", label="V"),), (0.0, 100.0), (-80.0, 45.0), xlabel="ms")


# -- redraw peers ----------------------------------------------------------------------------------------
async def nnlab_screen(frames: int, worst_frames: int) -> dict[str, Any]:
    """The neuron lab at 160x50: frames at the start of a run, with a full trace window, and the worst case."""
    from nnlab.scenario import load
    from nnlab.ui.app import NNLabApp

    app = NNLabApp(load("neuron_hh_spike"))
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab()
        while lab.model is None:
            await pilot.pause(0.05)
        lab.model.advance(WARM_STEPS)
        lab.show_frame(lab.model.frame())
        await pilot.pause()

        def step(k: int) -> None:
            lab.model.advance(STEPS_PER_FRAME)
            lab.show_frame(lab.model.frame())

        out = {"start": await time_frames(app, pilot, frames, step)}
        out["start"]["steps_before"] = WARM_STEPS
        lab.model.advance(FULL_WINDOW_STEPS)
        out["full_window"] = await time_frames(app, pilot, frames, step)
        out["full_window"]["steps_before"] = WARM_STEPS + frames * STEPS_PER_FRAME + FULL_WINDOW_STEPS
        out["every_widget"] = await time_frames(app, pilot, worst_frames, step, every_widget=True)
        screen = app.screen
        out["widgets_on_screen"] = len(list(screen.walk_children()))
        out["plot_sizes"] = [tuple(w.size) for w in screen.walk_children() if type(w).__name__ == "PlotView"]
    return out


async def rnn_screen(frames: int) -> dict[str, Any]:
    """The RNN lab at 200x60 on `lstm_gate_viewer` (gates view): each frame one gate step (`n`), shown."""
    from nnlab.scenario import load
    from nnlab.ui.app import NNLabApp

    app = NNLabApp(load("lstm_gate_viewer"))
    async with app.run_test(size=RNN_SIZE) as pilot:
        lab = app.lab()
        while lab.model is None:
            await pilot.pause(0.05)
        await pilot.pause()

        def step(k: int) -> None:
            lab.show_frame(lab.model.step(0))

        return await time_frames(app, pilot, frames, step)


async def nnlab_plotview(frames: int) -> dict[str, Any]:
    """One nnlab PlotView filling 160x50, a 1,000-point line."""
    from textual.app import App, ComposeResult

    from nnlab.plotting.widgets import PlotView

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield PlotView(id="plot")

    app = One()
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(PlotView)
        return await time_frames(app, pilot, frames, lambda k: plot.set_figure(nnlab_figure(k)))


async def plotext_widget(frames: int) -> dict[str, Any]:
    """One textual-plotext PlotextPlot filling 160x50, the same 1,000-point line."""
    from textual.app import App, ComposeResult
    from textual_plotext import PlotextPlot

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield PlotextPlot()

    app = One()
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(PlotextPlot)

        def update(k: int) -> None:
            plt = widget.plt
            plt.clear_data()
            plt.title("V (mV)")
            plt.plot(*line_data(k))
            widget.refresh()

        return await time_frames(app, pilot, frames, update)


def bare_builds(frames: int) -> dict[str, dict[str, Any]]:
    """plotext's build() and nnlab's layout() of the same line at 160x50, no Textual."""
    import plotext

    from nnlab.plotting.render import layout

    def plotext_build(k: int) -> None:
        plotext.clear_figure()
        plotext.plotsize(*SIZE)
        plotext.title("V (mV)")
        plotext.plot(*line_data(k))
        plotext.build()

    out = {}
    for name, fn in (("plotext build()", plotext_build), ("nnlab layout()", lambda k: layout(nnlab_figure(k), *SIZE))):
        fn(0)
        probe = speed_probe()
        cpu = []
        for k in range(frames):
            c0 = time.process_time()
            fn(k)
            cpu.append(time.process_time() - c0)
        out[name] = {"frames": frames, "speed_probe_ms": probe, "cpu_ms_median": 1e3 * statistics.median(cpu),
                     "cpu_ms_min": 1e3 * min(cpu)}
    return out


# -- report --------------------------------------------------------------------------------------------------
def redraw_rows(res: dict[str, Any]) -> list[list[Any]]:
    screen = res["nnlab_screen"]
    rows = []
    for key, label in (("start", "nnlab neuron screen, start of a run (300 to 2,300 steps in the window)"),
                       ("full_window", "nnlab neuron screen, full 100 ms window (10,000 points per trace)"),
                       ("every_widget", "nnlab neuron screen, every widget re-rendered (worst case)")):
        r = screen[key]
        rows.append([label, r["cpu_ms_median"], r["cpu_ms_p90"], r["changed_only_cpu_ms_median"],
                     r["stages_cpu_ms_median"]["full_composition"], r["wall_ms_median"], r["speed_probe_ms"]])
    r = res["rnn_screen"]
    rows.append([f"nnlab RNN screen at {RNN_SIZE[0]}x{RNN_SIZE[1]}, one gate step (lstm_gate_viewer)", r["cpu_ms_median"],
                 r["cpu_ms_p90"], r["changed_only_cpu_ms_median"], r["stages_cpu_ms_median"]["full_composition"],
                 r["wall_ms_median"], r["speed_probe_ms"]])
    for key, label in (("nnlab_plotview", "nnlab PlotView alone, 1,000-point line"),
                       ("plotext_widget", "textual-plotext PlotextPlot alone, 1,000-point line")):
        r = res[key]
        rows.append([label, r["cpu_ms_median"], r["cpu_ms_p90"], r["changed_only_cpu_ms_median"],
                     r["stages_cpu_ms_median"]["full_composition"], r["wall_ms_median"], r["speed_probe_ms"]])
    for label, r in res["bare_builds"].items():
        rows.append([f"{label} of the same line, 160x50, no Textual", r["cpu_ms_median"], "-", "-", "-", "-",
                     r["speed_probe_ms"]])
    return rows


def markdown(header: dict[str, Any], res: dict[str, Any]) -> str:
    m = header["machine"]
    screen = res["redraw"]["nnlab_screen"]
    lines = [f"# ui_bench results ({header['generated']})", "",
             f"{m['cpu']}, {m['cores']} cores; Python {header['versions']['python']}; textual "
             f"{header['versions']['textual']}, textual-plotext {header['versions']['textual-plotext']}, plotext "
             f"{header['versions']['plotext']}. Speed probe (ms for a fixed Python loop at start / between the "
             f"parts / end; lower is a faster machine): "
             + " / ".join(f"{x:.0f}" for x in res["speed_probe_ms_start_mid_end"]) + ".", "",
             f"## Redraw at {SIZE[0]}x{SIZE[1]} ({screen['start']['frames']} frames; {screen['widgets_on_screen']} widgets "
             f"on the nnlab screen; its plots {screen['plot_sizes']})", "",
             table(["what", "CPU ms/frame median", "p90", "changed widgets only (no full composition)",
                    "of which full composition", "wall ms median", "speed probe ms"], redraw_rows(res["redraw"])), "",
             "Stages of the nnlab screen (CPU ms, median): "
             + "; ".join(f"{k}: {json.dumps({s: round(v, 2) for s, v in screen[k]['stages_cpu_ms_median'].items()})}"
                         for k in ("start", "full_window", "every_widget")), ""]
    st = res["startup"]
    lines += [f"## Start-up (warm numba cache; {res['launches']} rounds of launches after one untimed round)", "",
              table(["what", "seconds median", "min", "max", "first (untimed) launch"],
                    [[r["what"], r["median_s"], r["min_s"], r["max_s"], r["first_launch_s"]]
                     for r in st["rows"]]), "",
              f"`nnlab warmup` into the fresh cache took {fmt(st['nnlab_warmup_s'])} s (cold compile of every kernel).",
              "", "Milestones of the instrumented app (seconds since launch, median):", ""]
    for variant, ms in st["milestones"].items():
        lines.append(f"- {variant}: " + "; ".join(f"{k} {v:.3f}" for k, v in ms.items()))
    lines += ["", "Targets:"] + [f"- {verdict(t['pass'])}: {t['target']}: {t['value']:.3g} (needs < {t['threshold']:g})"
                                 for t in res["targets"]]
    return "\n".join(lines)


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    screen = res["redraw"]["nnlab_screen"]
    first = res["startup"]["rows"][0]
    out = [{"target": f"screen redraw at 160x50 per frame, {key.replace('_', ' ')}: CPU ms (the frame's update, "
                      "layout, and the re-render and composition of the widgets it changed)",
            "value": screen[key]["changed_only_cpu_ms_median"], "threshold": BUDGET_MS,
            "pass": screen[key]["changed_only_cpu_ms_median"] < BUDGET_MS}
           for key in ("start", "full_window")]
    out += [{"target": f"forced full-screen repaint at 160x50, {key.replace('_', ' ')}: CPU ms (a resize or a new "
                       "layout; not done per frame)",
             "value": screen[key]["cpu_ms_median"], "threshold": BUDGET_MS, "pass": screen[key]["cpu_ms_median"] < BUDGET_MS}
            for key in ("start", "full_window")]
    rnn = res["redraw"]["rnn_screen"]["changed_only_cpu_ms_median"]
    out.append({"target": f"one gate step of the RNN lab at {RNN_SIZE[0]}x{RNN_SIZE[1]}: CPU ms (step, frame, layout and "
                          "the changed widgets)", "value": rnn, "threshold": RNN_BUDGET_MS, "pass": rnn < RNN_BUDGET_MS})
    out.append({"target": "first frame (first paint) with a warm numba cache, s", "value": first["median_s"],
                "threshold": STARTUP_BUDGET_S, "pass": first["median_s"] < STARTUP_BUDGET_S})
    return out


async def redraw(frames: int, worst_frames: int) -> dict[str, Any]:
    return {
        "nnlab_screen": await nnlab_screen(frames, worst_frames),
        "rnn_screen": await rnn_screen(frames),
        "nnlab_plotview": await nnlab_plotview(frames),
        "plotext_widget": await plotext_widget(frames),
        "bare_builds": bare_builds(frames),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 frames, 2 launches: a smoke run")
    ap.add_argument("--frames", type=int, help="frames per redraw measurement (default 100)")
    ap.add_argument("--launches", type=int, help="timed launches per start-up row (default 10)")
    args = ap.parse_args(argv)
    frames = args.frames or (20 if args.quick else 100)
    launches = args.launches or (2 if args.quick else 10)
    cache = tempfile.mkdtemp(prefix="nnlab-bench-numba-")
    os.environ["NUMBA_CACHE_DIR"] = cache
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("NO_COLOR", None)
    header = run_header("ui_bench.py", sys.argv[1:])
    probes = [speed_probe()]
    print("start-up ...", flush=True)
    res: dict[str, Any] = {"launches": launches, "startup": startup(launches, env)}
    probes.append(speed_probe())
    print("redraw ...", flush=True)
    res["redraw"] = asyncio.run(redraw(frames, max(frames // 4, 10)))
    probes.append(speed_probe())
    res["speed_probe_ms_start_mid_end"] = probes
    res["targets"] = targets(res)
    md = markdown(header, res)
    js, mdp = write_results("ui_bench" + (".quick" if args.quick else ""), {**header, **res}, md)
    print(md)
    print(f"\nwrote {js} and {mdp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
