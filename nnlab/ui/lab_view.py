"""The screen of one lab: parameters, plots, inspector, equation and status, over one model.

The model is owned here and touched by one writer at a time: a single step runs inline on the
UI thread; a run goes to a thread worker that posts frames, and nothing else touches the model
until it posts RunFinished. Kernels compile in a worker at first use while keys stay live.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import partial
from typing import Any, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from nnlab.core.knobs import ParamsBase
from nnlab.core.memory import refusal
from nnlab.core.registry import LabSpec
from nnlab.plotting.widgets import PlotView
from nnlab.scenario import Scenario
from nnlab.ui.lab_files import LabFiles
from nnlab.ui.lab_runs import LabRuns
from nnlab.ui.lab_status import LabStatus
from nnlab.ui.lab_state import History, LabState
from nnlab.ui.messages import KernelsCompiling, KernelsFailed, KernelsReady, ParamsChanged
from nnlab.ui.widgets.equation import EquationPane
from nnlab.ui.widgets.inspector import Inspector
from nnlab.ui.widgets.param_panel import ParamPanel

class LabView(LabStatus, LabRuns, LabFiles, Widget, can_focus=True):
    """Base of every lab screen, over one `LabState` (scenario, params, seed, model, frame).

    The state changes as one thing: a new scenario or a rebuild makes its model in a worker and
    installs scenario, params, model and frame together (`_install`); until then the old state
    stays on screen and keys that need the model wait, in order. A lab's screen defines
    `figures(frame)` (the upper and lower plot of a frame), `help_markdown()` and
    `switch_model(name)` (default Params of another model or mode); the other hooks below have
    defaults (`remaining_steps()` and `reached_end()` from the model's `default_steps()`).

    Safety net: an exception while handling a key or a message, or while drawing a frame, becomes
    one line in the status bar; the lab goes back to its last good state and the traceback is
    written to a log file (`recover`).
    """

    BINDINGS = [
        Binding("space", "toggle_run", "Run"),
        Binding("n", "step", "Step"),
        Binding("N", "step_big", "Big step"),
        Binding("b", "step_back", "Back"),
        Binding("r", "reset", "Reset"),
        Binding("question_mark", "help", "Help"),
        Binding("v", "next_view", "View"),
        Binding("o", "open", "Open"),
        Binding("z", "maximize", "Zoom plot", show=False),
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
    LabView EquationPane { height: auto; max-height: 25%; min-height: 2; background: $boost; }
    LabView #status { height: 1; background: $panel; color: $text; padding: 0 1; }
    LabView #status.-error { background: $error 40%; }
    LabView.-max-top #left, LabView.-max-top EquationPane, LabView.-max-top #plot-bottom { display: none; }
    LabView.-max-bottom #left, LabView.-max-bottom EquationPane, LabView.-max-bottom #plot-top { display: none; }
    """

    running: reactive[bool] = reactive(False)
    """True while a run worker owns the model."""

    def __init__(self, spec: LabSpec, scenario: Scenario, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.state: LabState | None = None
        """What the screen shows; None until the first model is built."""
        self._first = scenario
        self._build: tuple[object, Scenario, ParamsBase, int] | None = None
        self.history = History()
        self.view = self.initial_view()
        self.window: float | None = None
        self.level = self._initial_level()
        self.compile_text = "preparing the kernels ..."
        self._queued: list[Callable[[], None]] = []
        self._stop: threading.Event | None = None
        self._run_model: Any = None
        self._status_error = ""
        self._status_note = ""
        self._dirty = False
        self._restore_on_finish = False
        self._live_params: ParamsBase | None = None
        """A knob changed while a worker owns the model: the worker applies it before its next chunk."""

    # -- the state, read as one ---------------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        return self.state.scenario if self.state is not None else self._first

    @property
    def params(self) -> ParamsBase:
        return self.state.params if self.state is not None else self._first.params

    @property
    def seed(self) -> int:
        return self.state.seed if self.state is not None else self._first.seed

    @property
    def model(self) -> Any:
        return self.state.model if self.state is not None else None

    @property
    def frame(self) -> Any:
        return self.state.frame if self.state is not None else None

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

    def installed(self) -> None:
        """Called when a new state is installed: reset UI-only state that belonged to the old model."""

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
        self.call_after_refresh(self._prepare, self._first, self._first.params, self._first.seed)

    def on_resize(self) -> None:
        self.call_after_refresh(self._update_status)

    # -- model lifecycle --------------------------------------------------------------------------
    def _prepare(self, scenario: Scenario, params: ParamsBase, seed: int) -> None:
        """Compile the kernels (first time) and build a model in a worker; KernelsReady brings it back and
        `_install` puts it on screen with `scenario` and `params`. A newer build makes this one stale."""
        token = object()
        self._build = (token, scenario, params, seed)
        self._update_status()
        self.run_worker(partial(self._build_thread, token, scenario, params, seed), thread=True, exclusive=True,
                        group="prepare", exit_on_error=False)

    def _build_thread(self, token: object, scenario: Scenario, params: ParamsBase, seed: int) -> None:
        try:
            self.spec.warmup(lambda i, n, name: self.post_message(KernelsCompiling(i, n, name)))
            model = self.spec.build_model(params, seed, scenario.duration())
        except MemoryError:
            self.post_message(KernelsFailed("could not build the model: not enough memory for these parameters",
                                            token))
            return
        except Exception as exc:  # a message for the user, never a traceback
            self.post_message(KernelsFailed(f"could not build the model: {exc}", token))
            return
        self.post_message(KernelsReady(model, token))

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
        if self._build is None or message.token is not self._build[0]:
            return
        _, scenario, params, seed = self._build
        self._build = None
        self._install(LabState(scenario, params, seed, message.model, message.model.frame()), fresh=True)
        queued, self._queued = self._queued, []
        for action in queued:
            action()

    def on_kernels_failed(self, message: KernelsFailed) -> None:
        if self._build is None or message.token is not self._build[0]:
            return
        self._build = None
        self._queued.clear()
        if self.state is None:
            self.query_one("#plot-top", PlotView).show_message(message.error)
            self._set_error(message.error)
            return
        self.query_one(ParamPanel).load(self.params)
        self._set_error(message.error + "; the lab keeps the previous model")

    def _install(self, state: LabState, fresh: bool) -> None:
        """Put `state` on screen at once. `fresh`: a new scenario or rebuilt model (view, step size and zoom
        start again; the history is cleared)."""
        old = self.state
        self.state = state
        self.history.clear()
        self._dirty = False
        self._status_note = ""
        if fresh:
            self.view = self.initial_view()
            self.window = None
            self.level = self._initial_level()
            levels = state.model.step_levels()
            if self.level >= len(levels):
                self.level = min(1, len(levels) - 1)
        panel = self.query_one(ParamPanel)
        if panel.params != state.params:
            panel.load(state.params)
        self.installed()
        self._set_error("", update=False)
        try:
            self.show_frame(state.frame)
        except Exception:
            self.state = old
            raise

    def _ready(self, queue: Callable[[], None] | None = None) -> bool:
        """True when the model can be used now; otherwise `queue` (the action) runs, in order, once it can."""
        if self.model is None or self._build is not None:
            if queue is not None and len(self._queued) < 50:
                self._queued.append(queue)
                if self.model is None:
                    self.notify("kernels are being prepared: the key will act as soon as they are ready",
                                timeout=2)
            return False
        return True

    def load(self, scenario: Scenario) -> None:
        """Open `scenario` (from the open dialog or the palette): its model is built off to the side and
        installed with it; until then the present state stays."""
        self._stop_run()
        self._queued.clear()
        self._set_error("")
        self._prepare(scenario, scenario.params, scenario.seed)

    # -- frames -----------------------------------------------------------------------------------
    def show_frame(self, frame: Any) -> None:
        """Draw a frame of the installed model (plots, equation, inspector, status); it becomes the
        state's frame once it is drawn."""
        if self.view not in self.views():
            self.view = self.views()[0]
        top, bottom = self.figures(frame)
        self.query_one("#plot-top", PlotView).set_figure(top)
        self.query_one("#plot-bottom", PlotView).set_figure(bottom)
        self.query_one(EquationPane).show(frame.equation)
        self.query_one(Inspector).show(frame.values)
        if self.state is not None:
            self.state = replace(self.state, frame=frame)
        self._dirty = False
        if self.model is not None and self.model.blowup:
            self._set_error(self.model.blowup + " Paused at the last good state.")
        self._update_status()

    def remaining_steps(self) -> int:
        """Steps left in the scenario's run (the model's `default_steps`); at the end, says how to start again."""
        left = self.model.default_steps()
        if left <= 0:
            self.notify("finished: r starts again", timeout=3)
        return left

    def reached_end(self) -> bool:
        """True when the model stands at the end of the scenario's run."""
        return self.model.default_steps() <= 0

    # -- actions ---------------------------------------------------------------------------------
    def _push_history(self) -> None:
        """Keep the state before a change for `b`; until the change's frame is drawn the model is marked
        as changing (a failure half-way goes back to this snapshot)."""
        self.history.push(self.model.snapshot())
        self._dirty = True
        self._status_note = ""

    def action_step(self) -> None:
        self._step(0)

    def action_step_big(self) -> None:
        self._step(self.level)

    def _step(self, level: int) -> None:
        if not self._ready(queue=partial(self._step, level)) or self.running:
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

    def action_step_back(self) -> None:
        if not self._ready(queue=self.action_step_back):
            return
        if self.running:
            self._stop_run()
            return
        if not self.history:
            self.notify("nothing to step back to: this is where the run started (or as far back as the "
                        "history's memory reaches)", timeout=2)
            return
        self.model.restore(self.history.pop())
        self.state = replace(self.state, params=self.model.params)
        panel = self.query_one(ParamPanel)
        if panel.params != self.params:
            panel.load(self.params)
        self._set_error("")
        self.show_frame(self.model.frame())

    def action_reset(self) -> None:
        if self._ready(queue=self.action_reset):
            self._rebuild(self.seed, "reset: same initial state")

    def action_reseed(self) -> None:
        if self._ready(queue=self.action_reseed):
            self._rebuild(self.seed + 1, f"reseeded: seed {self.seed + 1}")

    def _rebuild(self, seed: int, note: str) -> None:
        self._stop_run()
        model = self.spec.build_model(self.params, seed, self.scenario.duration())
        self._install(LabState(self.scenario, self.params, seed, model, model.frame()), fresh=False)
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
        if hasattr(self.params, "view") and self.state is not None:
            try:
                params = self.params.replace(view=self.view)
            except (ValueError, TypeError):
                pass
            else:
                frame = self.frame
                if not self.running and self._build is None:
                    self.model.set_params(params)
                    frame = self.model.frame()
                self.state = replace(self.state, params=params, scenario=replace(self.scenario, params=params),
                                     frame=frame)
                self.query_one(ParamPanel).load(params)
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

    def action_maximize(self) -> None:
        """z: the upper plot fills the lab (the status line stays, every key still acts), then the lower
        one, then the lab is back."""
        if self.has_class("-max-top"):
            self.remove_class("-max-top")
            self.add_class("-max-bottom")
            self._note("lower plot (z: back)")
        elif self.has_class("-max-bottom"):
            self.remove_class("-max-bottom")
            self._note("")
        else:
            self.add_class("-max-top")
            self._note("upper plot (z: lower)")
        self.call_after_refresh(self._redraw_plots)

    def _redraw_plots(self) -> None:
        """Draw both plots again at their present size (a plot shown again after z keeps its old raster)."""
        for plot in self.query(PlotView):
            plot.set_figure(plot.figure) if plot.figure is not None else plot.refresh()

    def on_params_changed(self, message: ParamsChanged) -> None:
        """A knob was changed in the panel: refused when its arrays would not fit in memory (as the loader
        refuses a file), rebuilt when the change is structural, else applied to the model in place."""
        message.stop()
        new = message.params
        base = self._build[1] if self._build is not None else self.scenario
        refused = refusal(new, base.duration())
        if refused is not None:
            self.query_one(ParamPanel).load(self._build[2] if self._build is not None else self.params)
            self.notify(f"{refused.key}: {refused.message()}", severity="error", timeout=8)
            return
        if self._build is not None or self.state is None:
            self._prepare(replace(base, params=new), new, self.seed)
            return
        old = self.params
        structural = type(new) is not type(old) or any(
            getattr(new, f) != getattr(old, f) for f in type(old).structural())
        if structural:
            self._stop_run()
            self._prepare(replace(self.scenario, params=new), new, self.seed)
            self.notify("rebuilding the model with the new parameters", timeout=2)
            return
        if getattr(new, "view", None) != getattr(old, "view", None) and hasattr(new, "view"):
            self.view = new.view
        self.state = replace(self.state, params=new, scenario=replace(self.scenario, params=new))
        if self.running:
            self._live_params = new
            return
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

    def current_scenario(self) -> Scenario:
        """The scenario as it stands now: the edited parameters and the present seed."""
        return replace(self.scenario, params=self.params, seed=self.seed)
