"""The status line of a lab screen, its notices, and the safety net that turns a failure into one line of it.

The status line says where the model is, what the last step did and the step sizes; it grows to
three lines (four for an error) rather than cut them. A lab's notices go there too (a toast
would hide readouts at 80x24). An exception while handling a key or a message becomes one line
here, the lab goes back to its last good state, and the traceback goes to errors.log.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Static


class LabStatus:
    """The status half of `LabView` (a mixin: it reads the view's state, frame and history)."""

    def _position(self) -> str:
        if self.frame is None:
            return ""
        try:
            return self.position(self.frame)
        except Exception:  # the status line never fails: it drops what it cannot say
            return ""

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """A lab's notices go to its status line, where they hide no number (a toast over the plots hid
        readouts at 80x24); warnings and errors still pop up."""
        if severity == "information":
            self._note(message)
        else:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _note(self, text: str) -> None:
        """Show `text` in the status line until the model next changes."""
        self._status_note = text
        if self.is_mounted:
            self._update_status()

    def _update_status(self) -> None:
        """The status line: where the model is and what the last step did first, then the step sizes; it
        takes a second or third line when a narrow terminal would cut it."""
        if self._status_error:
            where = self._position()
            self._show_status(f"paused at {where}: {self._status_error}" if where else self._status_error)
            return
        if self.model is None or self.frame is None:
            self._show_status(self.compile_text)
            return
        if self._build is not None:
            self._show_status(f"opening {self._build[1].name or self._build[1].title}: {self.compile_text}")
            return
        levels = self.model.step_levels()
        big = levels[self.level] if self.level < len(levels) else levels[-1]
        state = "running" if self.running else "paused"
        back = f"  b: {len(self.history)} back" if self.history else ""
        parts = [f"{state}  {self._position()}"] + ([self._status_note] if self._status_note else [])
        parts.append(self.frame.stage)
        if self.frame.message:
            parts.append(self.frame.message)
        parts.append(f"n: {levels[0]}  N: {big} (g){back}")
        self._show_status("  |  ".join(parts))

    def _show_status(self, text: str) -> None:
        """Put `text` in the status line, one to three lines high (four for an error), as many as its words
        wrap to; a layout pass only when the height changes."""
        status = self.query_one("#status", Static)
        width = status.content_size.width
        most = 4 if self._status_error else 3
        rows = min(most, max(1, len(Text(text).wrap(self.app.console, width)))) if width > 0 else 1
        if status.styles.height is None or status.styles.height.value != rows:
            status.styles.height = rows
            status.update(text)
        else:
            status.update(text, layout=False)

    def _set_error(self, text: str, update: bool = True) -> None:
        status = self.query_one("#status", Static)
        self._status_error = text
        status.set_class(bool(text), "-error")
        if update:
            self._update_status()

    # -- the safety net ---------------------------------------------------------------------------
    async def _dispatch_message(self, message: Message) -> None:
        """Every key, message and callback of this lab passes here: an exception goes to the app's safety
        net (`NNLabApp.recover`, which counts failures and calls `recover` on this lab), not to Textual,
        which would end the app on the first unhandled exception."""
        try:
            await super()._dispatch_message(message)
        except Exception as exc:
            self.app.recover(exc, f"{type(self).__name__} handling {type(message).__name__}", self)

    def recover(self, exc: BaseException, where: str) -> None:
        """Log `exc`, go back to the last good state and say so in one line."""
        from nnlab.ui.crash_log import one_line, write_error

        access = self._access
        path = write_error(exc, where, access.saves if access is not None else None)
        shown = "could not write the log" if path is None else f"details in {self._shown(path)}"
        if self.running:
            self._stop_run()
            self._restore_on_finish = True
        else:
            try:
                self._restore_last()
            except Exception:  # the last good frame cannot be drawn either: the message still shows
                pass
        self._set_error(f"internal error ({one_line(exc)}); back at the last good state; {shown}")

    def _restore_last(self) -> None:
        """Undo a step that failed half-way (its snapshot is the newest) and draw the last good frame."""
        if self.state is None:
            return
        if self._dirty and self.history:
            self.model.restore(self.history.pop())
            self.state = replace(self.state, params=self.model.params)
            self._dirty = False
            self.show_frame(self.model.frame())
        elif self.frame is not None:
            self.show_frame(self.frame)
