"""One student's session on a class server: the app in its own process and pseudo-terminal.

The terminal starts at the size the client asked for and follows its window changes (TIOCSWINSZ, which
the kernel passes on to the app as SIGWINCH). Keys go to the terminal; what the app draws goes back to
the client, with reading paused while the client is behind. A session without a terminal, with a
command or a subsystem (sftp) is answered with a message and closed. A disconnect ends the process
(SIGHUP, then SIGKILL); the app's end closes the session; so does a time without a key press.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import re
import signal
import struct
import sys
import termios
import time
from typing import TYPE_CHECKING, Any

import asyncssh

if TYPE_CHECKING:
    from nnlab.remote.class_server import ClassContext

RESET = (b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?1004l"
         b"\x1b[?1049l\x1b[?25h\x1b[0m\r\n")
"""Puts the client's terminal back (mouse reports off, main screen, cursor shown) after the app ends."""
TERM = re.compile(r"[A-Za-z0-9._+-]{1,64}")
HANGUP_GRACE = 3.0
"""Seconds a process has to end after SIGHUP before it is killed."""
READ_CHUNK = 65536
MAX_PENDING = 1 << 20
"""Bytes of keys held for the terminal before the client's input is paused."""
STOPPED = "the server stopped"


def set_size(fd: int, cols: int, rows: int, px: int = 0, py: int = 0) -> None:
    """Set a terminal's window size (the kernel signals the terminal's processes)."""
    def clamp(v: int, low: int = 1) -> int:
        return min(max(low, v), 65535)

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", clamp(rows), clamp(cols), clamp(px, 0), clamp(py, 0)))


class LabSession(asyncssh.SSHServerSession):
    """The app for one channel of one connection."""

    def __init__(self, ctx: ClassContext, user: str, addr: str) -> None:
        self.ctx = ctx
        self.user = user
        self.addr = addr
        self.who = f"user={user} addr={addr}"
        """The user and address, as log lines name them."""
        self.chan: Any = None
        self.term = ""
        self.size = (80, 24)
        self.command: str | None = None
        self.proc: asyncio.subprocess.Process | None = None
        self.master = -1
        self.reading = False
        self.paused = False
        self.pending = b""
        """Keys the terminal could not take yet (a long paste), written when it can."""
        self.last_key = time.monotonic()
        """When the student last pressed a key (or first saw the app): the idle time counts from it."""
        self.shown = False
        self.started = 0.0
        self.reason = ""
        self.tasks: list[asyncio.Task[None]] = []
        self.counted = False

    # --- requests from the client -------------------------------------------------------------

    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any) -> bool:
        self.term = term_type if TERM.fullmatch(term_type or "") else "xterm-256color"
        if term_size[0] and term_size[1]:
            self.size = (term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self.ctx.log(f"refused subsystem {subsystem!r} {self.who}")
        return False

    def session_started(self) -> None:
        if self.command is not None:
            self.ctx.log(f"refused command {self.command!r} {self.who}")
            self._refuse("nnlab serve: this server runs the lab only, no commands: connect with "
                         f"ssh -t -p {self.ctx.port} {self.user}@HOST and nothing after it")
            return
        if not self.term:
            self.ctx.log(f"refused session without a terminal {self.who}")
            self._refuse("nnlab serve: the lab needs a terminal: connect with ssh -t (not -T)")
            return
        refusal = self.ctx.admit(self)
        if refusal:
            self.ctx.log(f"refused {refusal} {self.who}")
            self._refuse(f"nnlab serve: {refusal}")
            return
        self.counted = True
        self.tasks.append(asyncio.ensure_future(self._run()))

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.last_key = time.monotonic()
        if self.master < 0:
            return
        had = bool(self.pending)
        self.pending += data
        if len(self.pending) > MAX_PENDING:
            self.chan.pause_reading()
        if not had:
            self._write_keys()

    def _write_keys(self) -> None:
        while self.pending and self.master >= 0:
            try:
                n = os.write(self.master, self.pending[:4096])
            except BlockingIOError:
                asyncio.get_running_loop().add_writer(self.master, self._write_keys)
                return
            except OSError:
                self.pending = b""
                break
            self.pending = self.pending[n:]
        if self.master >= 0:
            asyncio.get_running_loop().remove_writer(self.master)
        self.chan.resume_reading()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if width and height:
            self.size = (width, height)
            if self.master >= 0:
                set_size(self.master, width, height, pixwidth, pixheight)

    def break_received(self, msec: int) -> bool:
        return False

    def eof_received(self) -> bool:
        return False

    def pause_writing(self) -> None:
        self.paused = True
        self._stop_reading()

    def resume_writing(self) -> None:
        self.paused = False
        self._start_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.reason:
            self.reason = "the client disconnected"
        self.hang_up()

    # --- the app's process --------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._run_app()
        except Exception as exc:  # a fault in one session must not reach the server or other sessions
            self.ctx.log(f"session error {self.who}: {type(exc).__name__}: {exc}")
            self.reason = self.reason or f"server error ({type(exc).__name__})"
            self.hang_up()
            self._close(1)
        finally:
            if self.counted:
                self.counted = False
                self.ctx.release(self)

    async def _run_app(self) -> None:
        folder = self.ctx.student_folder(self.user)
        access = self.ctx.access(folder)
        master, slave = os.openpty()
        cols, rows = self.size
        set_size(slave, cols, rows)
        env = self.ctx.session_env(self.term, self.chan.get_environment())
        env.update(access.env())
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-P", "-m", "nnlab.remote.class_session", stdin=slave, stdout=slave, stderr=slave,
                start_new_session=True, cwd=str(access.workdir()), env=env, close_fds=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self.master = master
        if self.reason:
            self.hang_up()
        os.set_blocking(master, False)
        self.started = time.monotonic()
        self.ctx.log(f"session start {self.who} pid={self.proc.pid} size={cols}x{rows}")
        self._start_reading()
        if self.ctx.idle_timeout:
            self.tasks.append(asyncio.ensure_future(self._watch_idle()))
        try:
            status = await self.proc.wait()
            await asyncio.sleep(0.05)
            self._drain(final=True)
        finally:
            self._stop_reading()
            asyncio.get_running_loop().remove_writer(self.master)
            os.close(self.master)
            self.master = -1
        if not self.reason:
            self.reason = "the app quit" if status == 0 else f"the app stopped (exit status {status})"
        took = time.monotonic() - self.started
        self.ctx.log(f"session end {self.who} pid={self.proc.pid} after {took:.1f} s: "
                     f"{self.reason}")
        if self.reason.startswith("idle"):
            note = (f"nnlab serve: closed after {self.ctx.idle_timeout:g} s without a key press; "
                    "connect again to go on")
        elif self.reason == STOPPED:
            note = "nnlab serve: the class server was stopped"
        elif status != 0:
            note = "nnlab serve: the lab stopped unexpectedly; connect again for a new one"
        else:
            note = ""
        self._close(0 if status == 0 else 1, note)

    async def _watch_idle(self) -> None:
        limit = self.ctx.idle_timeout
        while self.proc is not None and self.proc.returncode is None:
            left = limit - (time.monotonic() - self.last_key)
            if left <= 0:
                self.reason = f"idle for {limit:g} s"
                self.hang_up()
                return
            await asyncio.sleep(min(left, 1.0))

    def _start_reading(self) -> None:
        if self.master >= 0 and not self.reading and not self.paused:
            asyncio.get_running_loop().add_reader(self.master, self._drain)
            self.reading = True

    def _stop_reading(self) -> None:
        if self.reading and self.master >= 0:
            asyncio.get_running_loop().remove_reader(self.master)
        self.reading = False

    def _drain(self, final: bool = False) -> None:
        """Pass what the app wrote on to the client, until the client falls behind (unless `final`)."""
        while self.master >= 0 and (final or not self.paused):
            try:
                data = os.read(self.master, READ_CHUNK)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    self._stop_reading()
                    return
                raise
            if not data:
                self._stop_reading()
                return
            if not self.shown:
                self.shown = True
                self.last_key = time.monotonic()
            try:
                self.chan.write(data)
            except (asyncssh.Error, OSError, BrokenPipeError):
                self._stop_reading()
                return

    def hang_up(self) -> None:
        """End the app's process group: SIGHUP, then SIGKILL if it lingers."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGHUP)
        except ProcessLookupError:
            return

        async def kill_later() -> None:
            await asyncio.sleep(HANGUP_GRACE)
            self.kill()

        self.tasks.append(asyncio.ensure_future(kill_later()))

    def kill(self) -> None:
        """End the app's process group at once."""
        proc = self.proc
        if proc is not None and proc.returncode is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _refuse(self, message: str) -> None:
        self._close(1, message)

    def _close(self, status: int, message: str = "") -> None:
        try:
            if self.started:
                self.chan.write(RESET)
            if message:
                self.chan.write(message.encode() + b"\r\n")
            self.chan.exit(status)
        except (asyncssh.Error, OSError, BrokenPipeError):
            pass
