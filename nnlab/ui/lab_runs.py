"""How a lab screen hands its model to a thread worker for a long step or a run, and takes it back.

The model has one writer at a time: a run goes to a thread worker (the kernels release the
GIL) that posts frames as it goes and RunFinished when it gives the model back; nothing else
touches the model until then.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from nnlab.core.runner import run
from nnlab.ui.messages import FrameReady, RunFinished


class LabRuns:
    """The run and worker half of `LabView` (a mixin: it uses the view's state, frames and status)."""

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
        if self._restore_on_finish:
            self._restore_on_finish = False
            self._restore_last()
            return
        self.show_frame(message.frame)
        if message.blowup:
            self.notify(message.blowup, title="paused", severity="error", timeout=8)
        elif not message.stopped and self.reached_end():
            self.notify("reached the end of the scenario's run; space runs it again from here", timeout=3)

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
        model = self._run_model
        try:
            frame = model.step(level)
            self.post_message(RunFinished(frame, model, False, model.blowup))
        except MemoryError:
            self.post_message(RunFinished(model.frame(), model, True, "the step ran out of memory"))
        except Exception as exc:  # shown to the user as a message, never as a traceback
            self.post_message(RunFinished(model.frame(), model, True, f"the step stopped: {exc}"))

    def _run_thread(self, steps: int, pace: float | None, frame_every: int, stop: threading.Event) -> None:
        model = self._run_model
        try:
            result = run(model, steps, stop, emit=lambda f: self.post_message(FrameReady(f, model)),
                         frame_every=frame_every if pace is None else 0, pace=pace)
            self.post_message(RunFinished(model.frame(), model, result.stopped, result.blowup))
        except MemoryError:
            self.post_message(RunFinished(model.frame(), model, True, "the run ran out of memory"))
        except Exception as exc:  # shown to the user as a message, never as a traceback
            self.post_message(RunFinished(model.frame(), model, True, f"the run stopped: {exc}"))
