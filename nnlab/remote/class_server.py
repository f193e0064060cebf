"""`nnlab serve`: an SSH server that gives every student their own nnlab.

Public-key authentication only, against the instructor's authorized_keys file (`students.py`). Each
session is the app in its own process and terminal (`lab_session.py`); there is no shell, no command,
no port forwarding (local or remote, TCP or Unix), no agent or X11 forwarding and no SFTP. Every
connection, failed login, refusal and session end is logged, one line each, with the time, the user
and the address.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from nnlab.remote.host_key import FILE_NAME, HostKeyError, load_or_create
from nnlab.remote.lab_session import STOPPED, LabSession
from nnlab.remote.students import AuthorizedKeys, KeysError, student_folder, valid_name
from nnlab.scenario.class_access import ClassAccess

PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "NUMBA_CACHE_DIR", "OPENBLAS_NUM_THREADS",
              "PYTHONPATH", "VIRTUAL_ENV")
"""The server's variables a session's process keeps (the numba cache is shared by all sessions)."""
LOGIN_TIMEOUT = 30
MAX_PER_STUDENT = 3
"""Sessions one student may have open at once, so that no one takes every place."""
KEEPALIVE = 30
"""Seconds between keep-alive probes; four unanswered end a connection whose client vanished."""


class ServeError(Exception):
    """One line: why the server cannot start."""


@dataclass(frozen=True)
class ServeOptions:
    """The command line of `nnlab serve`."""

    host: str
    port: int
    authorized_keys: Path
    scenarios: Path | None
    max_sessions: int
    idle_timeout: float
    """Seconds without a key press before a session closes; 0 never closes one."""
    data_dir: Path
    log_file: Path | None = None


def default_data_dir() -> Path:
    """The server's folder: $XDG_DATA_HOME/nnlab/serve, or ~/.local/share/nnlab/serve."""
    base = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(base).expanduser() / "nnlab" / "serve"


class ClassContext:
    """What all sessions share: the options, the keys, the running sessions and the log."""

    def __init__(self, options: ServeOptions, keys: AuthorizedKeys, logger: logging.Logger) -> None:
        self.options = options
        self.keys = keys
        self.logger = logger
        self.sessions: set[LabSession] = set()
        self.port = options.port

    @property
    def max_sessions(self) -> int:
        return self.options.max_sessions

    @property
    def idle_timeout(self) -> float:
        return self.options.idle_timeout

    def log(self, line: str) -> None:
        self.logger.info(line)

    def admit(self, session: LabSession) -> str:
        """Count a session in; or why not (the class is full, or the student has enough open)."""
        if len(self.sessions) >= self.max_sessions:
            return f"the class is full ({self.max_sessions} sessions running); try again in a few minutes"
        if sum(1 for s in self.sessions if s.user == session.user) >= MAX_PER_STUDENT:
            return (f"{session.user} has {MAX_PER_STUDENT} sessions open already; close one (q) and connect "
                    "again")
        self.sessions.add(session)
        return ""

    def release(self, session: LabSession) -> None:
        self.sessions.discard(session)

    def student_folder(self, name: str) -> Path:
        return student_folder(self.options.data_dir, name)

    def access(self, folder: Path) -> ClassAccess:
        scenarios = self.options.scenarios.resolve() if self.options.scenarios is not None else None
        return ClassAccess(scenarios, folder.resolve())

    def session_env(self, term: str, client_env: Any) -> dict[str, str]:
        """The environment of a session's process: a few of the server's variables, the client's TERM
        and, when the client sent it, COLORTERM."""
        env = {k: v for k, v in os.environ.items() if k in PASSED_ENV}
        env.update(TERM=term, PYTHONIOENCODING="utf-8", OPENBLAS_NUM_THREADS="1")
        env.setdefault("LANG", "C.UTF-8")
        color = dict(client_env or {}).get("COLORTERM")
        if color in ("truecolor", "24bit"):
            env["COLORTERM"] = color
        return env


class ClassServer(asyncssh.SSHServer):
    """One connection: authentication against the keys, sessions, and refusals of everything else."""

    def __init__(self, ctx: ClassContext) -> None:
        self.ctx = ctx
        self.conn: Any = None
        self.addr = "?"
        self.user = ""
        self.tried = 0
        self.authenticated = False

    @property
    def who(self) -> str:
        """The user and address, as log lines name them."""
        return f"user={self.user or '?'} addr={self.addr}"

    def connection_made(self, conn: Any) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.addr = f"{peer[0]}:{peer[1]}"
        self.ctx.log(f"connect addr={self.addr}")

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.authenticated:
            why = f"{self.tried} key(s) refused" if self.tried else "no key offered"
            self.ctx.log(f"auth failed {self.who} ({why})")
        self.ctx.log(f"disconnect {self.who}")

    def begin_auth(self, username: str) -> bool:
        self.user = username if valid_name(username) else repr(username)[:40]
        return True

    def auth_completed(self) -> None:
        self.authenticated = True
        self.ctx.log(f"auth ok {self.who}")

    def public_key_auth_supported(self) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        peer = self.conn.get_extra_info("peername") or ("", 0)
        ok = self.ctx.keys.allows(username, key, peer[0], peer[0])
        if not ok:
            self.tried += 1
        return ok

    def session_requested(self) -> Any:
        chan = self.conn.create_server_channel(encoding=None)
        return chan, LabSession(self.ctx, self.user, self.addr)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        self.ctx.log(f"refused port forward to {dest_host!r}:{dest_port} {self.who}")
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        self.ctx.log(f"refused remote forward of {listen_host!r}:{listen_port} {self.who}")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        self.ctx.log(f"refused forward to {dest_path!r} {self.who}")
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        self.ctx.log(f"refused remote forward of {listen_path!r} {self.who}")
        return False


def _logger(log_file: Path | None) -> logging.Logger:
    logger = logging.getLogger("nnlab.serve")
    logger.handlers.clear()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    fmt = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
        logger.addHandler(h)
    return logger


def prepare(options: ServeOptions) -> tuple[ClassContext, asyncssh.SSHKey, bool]:
    """Check the options, read the keys and the host key; a ServeError says what is wrong."""
    if options.scenarios is not None and not options.scenarios.is_dir():
        raise ServeError(f"--scenarios: expected a folder of scenario files, found no folder {options.scenarios}")
    if not options.authorized_keys.is_file():
        raise ServeError(f"--authorized-keys: expected a file of public keys, found no file {options.authorized_keys}")
    if options.scenarios is not None and options.data_dir.resolve().is_relative_to(options.scenarios.resolve()):
        raise ServeError(f"--data-dir: expected a folder outside --scenarios (students read the class folder), "
                         f"found {options.data_dir}")
    if options.max_sessions < 1:
        raise ServeError(f"--max-sessions: expected 1 or more, found {options.max_sessions}")
    if options.idle_timeout < 0:
        raise ServeError(f"--idle-timeout: expected seconds, 0 or more (0: never), found {options.idle_timeout:g}")
    if options.log_file is not None and not options.log_file.parent.is_dir():
        raise ServeError(f"--log: no such folder {options.log_file.parent}")
    try:
        logger = _logger(options.log_file)
    except OSError as exc:
        raise ServeError(f"--log: cannot write {options.log_file} ({exc.strerror})") from None
    try:
        keys = AuthorizedKeys(options.authorized_keys, logger.info)
        options.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        host_key, made = load_or_create(options.data_dir)
    except (KeysError, HostKeyError) as exc:
        raise ServeError(str(exc)) from None
    except OSError as exc:
        raise ServeError(f"{options.data_dir}: cannot use the data folder ({exc.strerror})") from None
    return ClassContext(options, keys, logger), host_key, made


async def _serve(ctx: ClassContext, host_key: asyncssh.SSHKey) -> None:
    options = ctx.options
    try:
        server = await asyncssh.create_server(
            lambda: ClassServer(ctx), options.host, options.port, server_host_keys=[host_key],
            login_timeout=LOGIN_TIMEOUT, keepalive_interval=KEEPALIVE, keepalive_count_max=4,
            agent_forwarding=False, x11_forwarding=False, allow_pty=True, encoding=None,
            server_version="nnlab")
    except OSError as exc:
        raise ServeError(f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    port = server.sockets[0].getsockname()[1] if server.sockets else options.port
    ctx.port = port
    print(f"nnlab serve: listening on {options.host}:{port}; host key {host_key.get_fingerprint('sha256')}; "
          f"{ctx.keys.count} key(s) in {options.authorized_keys}", file=sys.stderr, flush=True)
    print(f"students connect with: ssh -p {port} NAME@THIS_HOST   (Ctrl+C stops the server)",
          file=sys.stderr, flush=True)
    await stop.wait()
    ctx.log(f"stopping: {len(ctx.sessions)} session(s) running")
    server.close()
    for session in list(ctx.sessions):
        session.reason = session.reason or STOPPED
        session.hang_up()
    for _ in range(50):
        if not ctx.sessions:
            break
        await asyncio.sleep(0.1)
    for session in list(ctx.sessions):
        session.kill()
    await server.wait_closed()


def serve(options: ServeOptions) -> int:
    """Run the server until SIGINT or SIGTERM; the exit status."""
    try:
        ctx, host_key, made = prepare(options)
    except ServeError as exc:
        print(f"nnlab serve: {exc}", file=sys.stderr)
        return 1
    if made:
        ctx.log(f"host key made: {options.data_dir / FILE_NAME} (mode 0600)")
    try:
        asyncio.run(_serve(ctx, host_key))
    except ServeError as exc:
        print(f"nnlab serve: {exc}", file=sys.stderr)
        return 1
    return 0
