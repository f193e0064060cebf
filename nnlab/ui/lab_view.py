"""The screen of one lab: parameters, plots, inspector, equation and status, over one model.

The model is owned here and touched by one writer at a time: a single step runs inline on the
UI thread; a run goes to a thread worker that posts frames, and nothing else touches the model
until it posts RunFinished. Kernels compile in a worker at first use while keys stay live.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from nnlab.core.knobs import ParamsBase
from nnlab.core.registry import LabSpec
from nnlab.core.runner import run
from nnlab.plotting.widgets import PlotView
from nnlab.scenario import Scenario
from nnlab.scenario.class_access import ClassAccess
from nnlab.ui.messages import FrameReady, KernelsCompiling, KernelsFailed, KernelsReady, ParamsChanged, RunFinished
from nnlab.ui.widgets.equation import EquationPane
from nnlab.ui.widgets.inspector import Inspector
from nnlab.ui.widgets.param_panel import ParamPanel

HISTORY = 1000
"""Steps that `b` can undo."""


class LabView(Widget, can_focus=True):
    """Base of every lab screen, over one model.

    A lab's screen defines `figures(frame)` (the upper and lower plot of a frame),
    `help_markdown()` and `switch_model(name)` (default Params of another model or mode); the
    other hooks below have defaults (`remaining_steps()` and `reached_end()` from the model's
    `default_steps()`).
    """

    BINDINGS = [
        Binding("space", "toggle_run", "Run/Pause"),
        Binding("n", "step", "Step"),
        Binding("N", "step_big", "Big step"),
        Binding("b", "step_back", "Back"),
        Binding("r", "reset", "Reset"),
        Binding("question_mark", "help", "Help"),
        Binding("v", "next_view", "View"),
        Binding("o", "open", "Open"),
        Binding("R", "reseed", "Reseed", show=False),
        Binding("g", "granularity", "N size", show=False),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", show=False),
        Binding("minus", "zoom(2.0)", "Zoom out", show=False),
        Binding("s", "save", "Save", show=False),
        Binding("e", "export", "Export", show=False),
        Binding("escape", "focus_lab", "Back to the lab", show=False),
    ]

    DEFAULT_CSS = """
    LabView { layout: vertical; height: 1fr; }
    LabView #lab-body { height: 1fr; }
    LabView #left { width: 24%; min-width: 32; max-width: 46; margin-right: 1; }
    LabView ParamPanel { height: 3fr; min-height: 4; background: $boost; }
    LabView Inspector { height: 2fr; min-height: 3; }
    LabView #center { width: 1fr; }
    LabView EquationPane { height: auto; max-height: 17%; min-height: 2; background: $boost; }
    LabView #status { height: 1; background: $panel; color: $text; padding: 0 1; }
    LabView #status.-error { height: 2; background: $error 40%; }
    """

    running: reactive[bool] = reactive(False)
    """True while a run worker owns the model."""

    def __init__(self, spec: LabSpec, scenario: Scenario, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.scenario = scenario
        self.params: ParamsBase = scenario.params
        self.seed = scenario.seed
        self.model: Any = None
        self.frame: Any = None
        self.history: list[Any] = []
        self.view = self.initial_view()
        self.window: float | None = None
        self.level = self._initial_level()
        self.compile_text = "preparing the kernels ..."
        self._queued: list[int | None] = []
        self._stop: threading.Event | None = None
        self._run_model: Any = None
        self._status_error = ""

    def _initial_level(self) -> int:
        levels = self.params.step_levels()
        gran = self.scenario.run.granularity
        return levels.index(gran) if gran in levels[1:] else min(1, len(levels) - 1)

    # -- subclass hooks ---------------------------------------------------------------------------
    def views(self) -> tuple[str, ...]:
        return ("main",)

    def position(self, frame: Any) -> str:
        """Where the model is, for the status line."""
        unit = getattr(self.params, "time_unit", "")
        return f"t = {frame.t:.6g} {unit}  step {frame.step}"

    def initial_view(self) -> str:
        return getattr(self.params, "view", self.views()[0])

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="lab-body"):
            with Vertical(id="left"):
                yield ParamPanel(self.params, self.switch_model, id="params")
                yield Inspector(id="inspector")
            with Vertical(id="center"):
                yield PlotView(id="plot-top")
                yield PlotView(id="plot-bottom")
        yield EquationPane(id="equation")
        yield Static("", id="status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#plot-top", PlotView).show_message(self.compile_text)
        self.query_one("#plot-bottom", PlotView).show_message("")
        self._update_status()
        self.call_after_refresh(self._prepare, self.params, self.seed)

    # -- model lifecycle --------------------------------------------------------------------------
    def _prepare(self, params: ParamsBase, seed: int) -> None:
        """Compile the kernels (first time) and build a model in a worker; KernelsReady brings it back."""
        self.model = None
        self.run_worker(partial(self._build_thread, params, seed), thread=True, exclusive=True, group="prepare",
                        exit_on_error=False)

    def _build_thread(self, params: ParamsBase, seed: int) -> None:
        try:
            self.spec.warmup(lambda i, n, name: self.post_message(KernelsCompiling(i, n, name)))
            model = self.spec.build_model(params, seed, self.scenario.duration())
        except Exception as exc:  # a message for the user, never a traceback
            self.post_message(KernelsFailed(f"could not build the model: {exc}"))
            return
        self.post_message(KernelsReady(model))

    def on_kernels_compiling(self, message: KernelsCompiling) -> None:
        if message.done < message.total:
            self.compile_text = (f"preparing kernels {message.done}/{message.total}: {message.name} (compiled on "
                                 "the first start, then loaded from the cache)")
        else:
            self.compile_text = "kernels ready"
        if self.model is None:
            self.query_one("#plot-top", PlotView).show_message(self.compile_text)
        self._update_status()

    def on_kernels_ready(self, message: KernelsReady) -> None:
        model = message.model
        if model.params != self.params or model.seed != self.seed:
            model = self.spec.build_model(self.params, self.seed, self.scenario.duration())
        self.model = model
        self.history.clear()
        levels = self.model.step_levels()
        if self.level >= len(levels):
            self.level = min(1, len(levels) - 1)
        self.show_frame(self.model.frame())
        queued, self._queued = self._queued, []
        for level in queued:
            if level is None:
                self.action_toggle_run()
            else:
                self._step(level)

    def on_kernels_failed(self, message: KernelsFailed) -> None:
        self._set_error(message.error)
        self.query_one("#plot-top", PlotView).show_message(message.error)

    def _ready(self, queue: int | None | bool = False) -> bool:
        """True when the model exists; otherwise queue the step (a level, or None for a run) if asked."""
        if self.model is None:
            if queue is not False and len(self._queued) < 20:
                self._queued.append(queue)
                self.notify("kernels are being prepared: the key will act as soon as they are ready", timeout=2)
            return False
        return True

    def load(self, scenario: Scenario) -> None:
        """Replace the scenario (from the open dialog or the palette)."""
        self._stop_run()
        self.scenario = scenario
        self.params = scenario.params
        self.seed = scenario.seed
        self.view = self.initial_view()
        self.window = None
        self.level = self._initial_level()
        self.query_one(ParamPanel).load(self.params)
        self._set_error("")
        self._prepare(self.params, self.seed)

    # -- frames -----------------------------------------------------------------------------------
    def show_frame(self, frame: Any) -> None:
        """Draw a frame: plots, equation, inspector and status."""
        self.frame = frame
        if self.view not in self.views():
            self.view = self.views()[0]
        top, bottom = self.figures(frame)
        self.query_one("#plot-top", PlotView).set_figure(top)
        self.query_one("#plot-bottom", PlotView).set_figure(bottom)
        self.query_one(EquationPane).show(frame.equation)
        self.query_one(Inspector).show(frame.values)
        if self.model is not None and self.model.blowup:
            self._set_error(self.model.blowup + " Paused at the last good state.")
        self._update_status()

    def on_frame_ready(self, message: FrameReady) -> None:
        if self.running and message.model is self.model:
            self.show_frame(message.frame)

    def on_run_finished(self, message: RunFinished) -> None:
        if message.model is not self._run_model:
            return
        self.running = False
        self._stop = None
        self._run_model = None
        if message.model is not self.model:
            self._update_status()
            return
        self.show_frame(message.frame)
        if message.blowup:
            self.notify(message.blowup, title="paused", severity="error", timeout=8)
        elif not message.stopped and self.reached_end():
            self.notify("reached the end of the scenario's run; space runs it again from here", timeout=3)

    def remaining_steps(self) -> int:
        """Steps left in the scenario's run (the model's `default_steps`); at the end, says how to start again."""
        left = self.model.default_steps()
        if left <= 0:
            self.notify("finished: r starts again", timeout=3)
        return left

    def reached_end(self) -> bool:
        """True when the model stands at the end of the scenario's run."""
        return self.model.default_steps() <= 0

    def _update_status(self) -> None:
        status = self.query_one("#status", Static)
        if self._status_error:
            where = f"{self.position(self.frame)}: " if self.frame is not None else ""
            status.update(f"paused at {where}{self._status_error}")
            return
        if self.model is None or self.frame is None:
            status.update(self.compile_text, layout=False)
            return
        levels = self.model.step_levels()
        big = levels[self.level] if self.level < len(levels) else levels[-1]
        state = "running" if self.running else "paused"
        text = f"{state}  {self.position(self.frame)}  |  n: {levels[0]}  N: {big} (g)  |  {self.frame.stage}"
        if self.frame.message:
            text += f"  |  {self.frame.message}"
        status.update(text, layout=False)

    def _set_error(self, text: str) -> None:
        status = self.query_one("#status", Static)
        self._status_error = text
        status.set_class(bool(text), "-error")
        self._update_status()

    # -- actions ----------------------------------------------------------------------------------
    def _push_history(self) -> None:
        self.history.append(self.model.snapshot())
        if len(self.history) > HISTORY:
            del self.history[0]

    def _stop_run(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def action_step(self) -> None:
        self._step(0)

    def action_step_big(self) -> None:
        self._step(self.level)

    def _step(self, level: int) -> None:
        if not self._ready(queue=level) or self.running:
            return
        self._set_error("")
        mode = self.step_mode(level)
        if mode == "run":
            self._start_run(self.remaining_steps())
        elif mode == "worker":
            self._start_worker(partial(self._step_thread, level))
        else:
            self._push_history()
            self.show_frame(self.model.step(level))

    def step_mode(self, level: int) -> str:
        """How a step of this size runs: "inline" (quick), "worker" (may take long) or "run" (a paced run)."""
        return "inline"

    def pace(self) -> float | None:
        """Steps per second of wall time while running, or None for as fast as possible."""
        return None

    def action_toggle_run(self) -> None:
        if self.running:
            self._stop_run()
            return
        if not self._ready(queue=None):
            return
        self._set_error("")
        self._start_run(self.remaining_steps())

    def _start_run(self, steps: int, frame_every: int = 0) -> None:
        """Run `steps` steps in a worker: paced by `pace()`, or as fast as possible with a frame every
        `frame_every` steps when that is given."""
        if steps <= 0:
            return
        pace = None if frame_every else self.pace()
        self._start_worker(partial(self._run_thread, steps, pace, frame_every or 1))

    def _start_worker(self, work: Any) -> None:
        """Hand the model to a thread worker; it posts RunFinished when it gives the model back."""
        self._push_history()
        self._stop = threading.Event()
        self._run_model = self.model
        self.running = True
        self._update_status()
        self.run_worker(partial(work, self._stop), thread=True, group="run", exclusive=True, exit_on_error=False)

    def _step_thread(self, level: int, stop: threading.Event) -> None:
        model = self._run_model
        try:
            frame = model.step(level)
            self.post_message(RunFinished(frame, model, False, model.blowup))
        except Exception as exc:  # shown to the user as a message, never as a traceback
            self.post_message(RunFinished(model.frame(), model, True, f"the step stopped: {exc}"))

    def _run_thread(self, steps: int, pace: float | None, frame_every: int, stop: threading.Event) -> None:
        model = self._run_model
        try:
            result = run(model, steps, stop, emit=lambda f: self.post_message(FrameReady(f, model)),
                         frame_every=frame_every if pace is None else 0, pace=pace)
            self.post_message(RunFinished(model.frame(), model, result.stopped, result.blowup))
        except Exception as exc:  # shown to the user as a message, never as a traceback
            self.post_message(RunFinished(model.frame(), model, True, f"the run stopped: {exc}"))

    def action_step_back(self) -> None:
        if not self._ready():
            return
        if self.running:
            self._stop_run()
            return
        if not self.history:
            self.notify("nothing to step back to: this is where the run started", timeout=2)
            return
        self.model.restore(self.history.pop())
        self.params = self.model.params
        self._set_error("")
        self.show_frame(self.model.frame())

    def action_reset(self) -> None:
        self._rebuild(self.seed, "reset: same initial state")

    def action_reseed(self) -> None:
        self._rebuild(self.seed + 1, f"reseeded: seed {self.seed + 1}")

    def _rebuild(self, seed: int, note: str) -> None:
        if self.model is None:
            return
        self._stop_run()
        self.seed = seed
        self._set_error("")
        self.history.clear()
        self.model = self.spec.build_model(self.params, seed, self.scenario.duration())
        self.show_frame(self.model.frame())
        self.notify(note, timeout=2)

    def action_granularity(self) -> None:
        levels = self.params.step_levels()
        if len(levels) > 2:
            self.level = self.level + 1 if self.level + 1 < len(levels) else 1
        self._update_status()
        self.notify(f"N steps by: {levels[self.level]}", timeout=2)

    def action_next_view(self) -> None:
        views = self.views()
        if len(views) == 1:
            self.notify(f"{views[0]} is the only view here", timeout=1.5)
            return
        self.view = views[(views.index(self.view) + 1) % len(views)] if self.view in views else views[0]
        if hasattr(self.params, "view"):
            try:
                self.params = self.params.replace(view=self.view)
            except (ValueError, TypeError):
                pass
            else:
                if self.model is not None:
                    self.model.set_params(self.params)
                    if not self.running:
                        self.frame = self.model.frame()
                self.query_one(ParamPanel).load(self.params)
        if self.frame is not None:
            self.show_frame(self.frame)
        self.notify(f"view: {self.view}", timeout=1.5)

    def action_zoom(self, factor: float) -> None:
        if self.frame is None:
            return
        self.window = max(self.current_window() * float(factor), 1e-6)
        self.show_frame(self.frame)

    def current_window(self) -> float:
        return self.window or 1.0

    def on_params_changed(self, message: ParamsChanged) -> None:
        message.stop()
        new = message.params
        old = self.params
        self.params = new
        if getattr(new, "view", None) != getattr(old, "view", None) and hasattr(new, "view"):
            self.view = new.view
        self.scenario = dataclasses.replace(self.scenario, params=new)
        if self.model is None:
            return
        structural = type(new) is not type(old) or any(
            getattr(new, f) != getattr(old, f) for f in type(old).structural())
        if structural:
            self._stop_run()
            if type(new) is not type(old):
                self.query_one(ParamPanel).load(new)
            self.view = self.initial_view()
            self._prepare(new, self.seed)
            self.notify("the model was rebuilt with the new parameters", timeout=2)
        else:
            self.model.set_params(new)
            self._set_error("")
            self.show_frame(self.model.frame())

    def action_focus_lab(self) -> None:
        self.focus()

    def on_param_panel_done(self, message: ParamPanel.Done) -> None:
        message.stop()
        self.focus()

    def action_help(self) -> None:
        from nnlab.ui.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_markdown(), self.scenario))

    def action_open(self) -> None:
        self.app.action_open_scenario()

    def action_save(self) -> None:
        from nnlab.ui.dialogs import SaveScenario

        self.app.push_screen(SaveScenario(self.current_scenario(), self._access))

    def current_scenario(self) -> Scenario:
        """The scenario as it stands now: the edited parameters and the present seed."""
        return dataclasses.replace(self.scenario, params=self.params, seed=self.seed)

    def action_export(self) -> None:
        if not self._ready() or self.running:
            if self.running:
                self.notify("pause (space) before exporting", timeout=2)
            return
        import numpy as np

        from nnlab.scenario.writer import write_atomic

        name = f"{self.scenario.name or self.spec.name}-step{self.model.steps_total}.npz"
        path = _free_path(self._output_dir() / name)
        buf = io.BytesIO()
        np.savez(buf, **self.model.traces())
        try:
            write_atomic(path, buf.getvalue())
        except OSError as exc:
            self.notify(f"could not write {path}: {exc.strerror}", severity="error")
            return
        self.notify(f"traces written to {self._shown(path)}", timeout=4)

    @property
    def _access(self) -> ClassAccess | None:
        """The class-server session's folders, when the app is one."""
        return getattr(self.app, "access", None)

    def _output_dir(self) -> Path:
        return self._access.saves if self._access is not None else Path.cwd()

    def _shown(self, path: Path) -> str:
        return self._access.shown(path) if self._access is not None else str(path)

    def export_plots(self) -> None:
        """Write the two figures as plain text."""
        from nnlab.plotting.text_export import figure_text
        from nnlab.scenario.writer import write_atomic

        if self.frame is None:
            return
        top, bottom = self.figures(self.frame)
        path = _free_path(self._output_dir() / f"{self.scenario.name or self.spec.name}-plots.txt")
        text = figure_text(top) + "\n\n" + figure_text(bottom) + "\n"
        try:
            write_atomic(path, text)
        except OSError as exc:
            self.notify(f"could not write {path}: {exc.strerror}", severity="error")
            return
        self.notify(f"plots written to {self._shown(path)}", timeout=4)


def _free_path(path: Path) -> Path:
    """`path`, or `path` with -1, -2 ... before the suffix when it exists."""
    if not path.exists():
        return path
    k = 1
    while True:
        cand = path.with_name(f"{path.stem}-{k}{path.suffix}")
        if not cand.exists():
            return cand
        k += 1
