"""A real terminal for the class-server tests: tmux, on a socket of its own, running the OpenSSH client.

The tests type into it with send-keys and read what a person would see with capture-pane; resizing the
tmux window resizes the client's terminal, which `ssh` passes on to the server."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from typing import Callable

TMUX = shutil.which("tmux")
EXITED = "[client exited] "


class Terminal:
    """One tmux session running `command` at `cols` x `rows`."""

    def __init__(self, command: list[str], cols: int = 80, rows: int = 24) -> None:
        self.socket = f"nnlab-test-{uuid.uuid4().hex[:8]}"
        self.name = "t"
        quoted = " ".join(_quote(a) for a in command)
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", self.name, "-x", str(cols), "-y", str(rows),
                   f"{quoted}; echo {EXITED}$?; sleep 3600")

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([TMUX or "tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=check, timeout=10)

    def screen(self) -> str:
        """The screen as text, one line a row."""
        return self._tmux("capture-pane", "-p", "-t", self.name).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self._tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def type(self, text: str, timeout: float = 30.0) -> None:
        """Type `text` and wait until it shows (so that Enter after it finds it typed)."""
        self.keys(text, literal=True)
        self.wait_text(text, timeout)

    def clear_input(self, old: str, timeout: float = 30.0) -> None:
        """Empty the focused input that shows `old` (Ctrl+U), and wait until it is empty. Textual runs a
        binding such as Ctrl+U after the keys already queued, so typing on at once could be wiped."""
        self.keys("C-u")
        self.wait(lambda s: re.search("▊ +" + re.escape(old), s) is None, timeout, f"{old!r} cleared")

    def resize(self, cols: int, rows: int) -> None:
        self._tmux("resize-window", "-t", self.name, "-x", str(cols), "-y", str(rows))

    def exit_status(self) -> int | None:
        """The client's exit status once it has exited, else None."""
        for line in self.screen().splitlines():
            if line.startswith(EXITED):
                return int(line[len(EXITED):])
        return None

    def wait(self, ok: Callable[[str], bool], timeout: float = 30.0, what: str = "") -> str:
        """The screen once `ok(screen)` holds; fails with the last screen after `timeout` seconds."""
        end = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < end:
            screen = self.screen()
            if ok(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what or ok}; the screen:\n{screen}")

    def wait_text(self, text: str, timeout: float = 30.0) -> str:
        return self.wait(lambda s: text in s, timeout, repr(text))

    def close(self) -> None:
        """End the session; the ssh client in it is hung up, as when a student closes the window."""
        self._tmux("kill-server", check=False)


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"
