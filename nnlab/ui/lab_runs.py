"""How a lab screen hands its model to a thread worker for a long step or a run, and takes it back.

The model has one writer at a time: a run goes to a thread worker (the kernels release the
GIL) that posts frames as it goes and RunFinished when it gives the model back; nothing else
touches the model until then.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import partial
from typing import Any, Callable

from nnlab.core.runner import run
from nnlab.ui.messages import FrameReady, RunFinished


class LabRuns:
    """The run and worker half of `LabView` (a mixin: it uses the view's state, frames and status)."""

    def on_frame_ready(self, message: FrameReady) -> None:
        if self.running and message.model is self.model:
            self.show_frame(message.frame)

    def on_run_finished(self, message: RunFinished) -> None:
        """The worker gave the model back: show where it stopped; a failed step or run (no frame) goes back
        to the state before it; a knob changed meanwhile is applied now."""
        if message.model is not self._run_model:
            return
        self.running = False
        self._stop = None
        self._run_model = None
        restore, self._restore_on_finish = self._restore_on_finish, False
        live, self._live_params = self._live_params, None
        if message.model is not self.model:
            self._update_status()
            return
        if restore or message.frame is None:
            self._restore_last()
            if message.frame is None:
                self._set_error(f"{message.blowup}; back at the state before it")
        else:
            self.show_frame(message.frame)
            if message.blowup:
                self.notify(message.blowup, title="paused", severity="error", timeout=8)
            elif not message.stopped and self.reached_end():
                self.notify("reached the end of the scenario's run; space runs it again from here", timeout=3)
        if live is not None:
            self.model.set_params(live)
            self.state = replace(self.state, params=live, scenario=replace(self.scenario, params=live))
            self.show_frame(self.model.frame())

    def _apply_live(self) -> None:
        """Apply a knob changed while the model was in a worker, in the thread that owns the model now."""
        params, self._live_params = self._live_params, None
        if params is not None and self._run_model is not None:
            self._run_model.set_params(params)

    def _stop_run(self) -> None:
        if self._stop is not None:
            self._stop.set()

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
        if not self._ready(queue=self.action_toggle_run):
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
        self._in_worker(lambda model: (model.step(level), False), "the step")

    def _run_thread(self, steps: int, pace: float | None, frame_every: int, stop: threading.Event) -> None:
        def work(model: Any) -> tuple[Any, bool]:
            result = run(model, steps, stop, emit=lambda f: self.post_message(FrameReady(f, model)),
                         frame_every=frame_every if pace is None else 0, pace=pace, between=self._apply_live)
            return model.frame(), result.stopped

        self._in_worker(work, "the run")

    def _in_worker(self, work: Callable[[Any], tuple[Any, bool]], what: str) -> None:
        """Run `work(model)` and always post RunFinished, so the model comes back whatever happens; a failure
        posts no frame (the lab goes back to its state before) and says what stopped it in one line."""
        model = self._run_model
        frame, stopped, cause = None, True, ""
        try:
            frame, stopped = work(model)
            cause = model.blowup
        except MemoryError:
            cause = f"{what} ran out of memory"
        except Exception as exc:  # shown to the user as one line, never as a traceback
            cause = f"{what} stopped: {exc}"
        finally:
            self.post_message(RunFinished(frame, model, stopped, cause))
