"""Messages between workers, widgets and lab screens (past tense: something happened)."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class FrameReady(Message):
    """A running model produced a frame; a newer one replaces an undelivered older one."""

    def __init__(self, frame: Any, model: Any) -> None:
        super().__init__()
        self.frame = frame
        self.model = model
        """The model that made the frame (a frame of a replaced model is dropped)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FrameReady)


class RunFinished(Message):
    """A run ended: done, stopped by the user, or stopped by a blow-up."""

    def __init__(self, frame: Any, model: Any, stopped: bool, blowup: str) -> None:
        super().__init__()
        self.frame = frame
        self.model = model
        self.stopped = stopped
        self.blowup = blowup


class KernelsCompiling(Message):
    """Progress of the kernel warm-up: `done` of `total`, now compiling `name`."""

    def __init__(self, done: int, total: int, name: str) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.name = name


class KernelsReady(Message):
    """The kernels are compiled and the model of build `token` is built."""

    def __init__(self, model: Any, token: object = None) -> None:
        super().__init__()
        self.model = model
        self.token = token
        """The build this model answers (a newer build makes it stale)."""


class KernelsFailed(Message):
    """Building the model of build `token` failed (a message for the user)."""

    def __init__(self, error: str, token: object = None) -> None:
        super().__init__()
        self.error = error
        self.token = token


class ParamsChanged(Message):
    """The user changed a parameter to a valid value."""

    def __init__(self, params: Any) -> None:
        super().__init__()
        self.params = params
