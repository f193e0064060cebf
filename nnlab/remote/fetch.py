"""Fetch scenario files (and the data files they name) over SSH with asyncssh, as the user's own `ssh`
would connect: their keys and agent, `~/.ssh/config` (host aliases, users, ports) and `~/.ssh/known_hosts`
with strict checking. Every failure becomes one line naming the host or file and what to do; nothing
is half loaded.

The limit on waiting is NNLAB_SSH_TIMEOUT seconds (default 10) for connecting and for logging in.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import socket
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import asyncssh

from nnlab.remote.address import RemoteRef
from nnlab.scenario import Scenario, ScenarioError, load_text
from nnlab.scenario.errors import Problem

MAX_BYTES = 1 << 20
"""Largest file fetched (a scenario or one of its data files): 1 MiB."""
DEFAULT_TIMEOUT = 10.0
DATA_SUFFIXES = (".npz", ".csv", ".txt", ".pat", ".idx", "-ubyte", ".gz")
"""Values in [params] ending so name data files, fetched beside the scenario when relative."""


class RemoteError(Exception):
    """One line: where and what went wrong."""


def timeout() -> float:
    """Seconds to wait for a connection and a login (NNLAB_SSH_TIMEOUT, default 10)."""
    try:
        value = float(os.environ.get("NNLAB_SSH_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def _where(ref: RemoteRef) -> str:
    return f"{ref.host}:{ref.port}" if ref.port else ref.host


async def _host_key_problem(ref: RemoteRef, conn_options: dict[str, Any]) -> str:
    """Why the host key was refused: unknown or changed, with the fingerprint the host shows."""
    try:
        key = await asyncio.wait_for(asyncssh.get_server_host_key(ref.host, **conn_options), timeout())
        shown = key.get_fingerprint("sha256") if key is not None else "unknown"
    except (OSError, asyncssh.Error, asyncio.TimeoutError):
        shown = "unknown"
    known_file = Path("~/.ssh/known_hosts").expanduser()
    listed = False
    if known_file.is_file():
        try:
            known = asyncssh.read_known_hosts(str(known_file))
            listed = bool(known.match(ref.host, "", ref.port if ref.port and ref.port != 22 else None)[0])
        except (OSError, ValueError, asyncssh.Error):
            listed = False
    port = f" -p {ref.port}" if ref.port else ""
    if listed:
        return (f"{_where(ref)}: the host key has CHANGED (it now shows {shown}; ~/.ssh/known_hosts has another): "
                f"this may be an attack; if the host was reinstalled, check the new key with its admin and run "
                f"ssh-keygen -R {ref.host if not ref.port else f'[{ref.host}]:{ref.port}'}")
    return (f"{_where(ref)}: the host key is unknown ({shown}): check it with the host's admin, then run "
            f"ssh{port} {ref.host} once to add it to ~/.ssh/known_hosts")


async def _connect(ref: RemoteRef) -> asyncssh.SSHClientConnection:
    options: dict[str, Any] = {}
    if ref.port:
        options["port"] = ref.port
    if ref.user:
        options["username"] = ref.user
    limit = timeout()
    try:
        return await asyncio.wait_for(asyncssh.connect(ref.host, connect_timeout=limit, login_timeout=limit,
                                                       **options), 2 * limit + 1)
    except asyncssh.HostKeyNotVerifiable:
        raise RemoteError(await _host_key_problem(ref, {k: v for k, v in options.items() if k == "port"})) from None
    except asyncssh.PermissionDenied:
        user = f"{ref.user}@" if ref.user else ""
        raise RemoteError(f"{user}{_where(ref)}: authentication failed: none of your keys (~/.ssh/id_*, the agent) "
                          "was accepted; add your public key to the host's ~/.ssh/authorized_keys") from None
    except socket.gaierror:
        raise RemoteError(f"{ref.host}: unknown host (no address found for it; check the name or ~/.ssh/config)"
                          ) from None
    except ConnectionRefusedError:
        raise RemoteError(f"{_where(ref)}: connection refused (no SSH server listening on port {ref.port or 22})"
                          ) from None
    except (asyncio.TimeoutError, TimeoutError):
        raise RemoteError(f"{_where(ref)}: no answer within {limit:g} s (NNLAB_SSH_TIMEOUT sets the limit)") from None
    except asyncssh.Error as exc:
        raise RemoteError(f"{_where(ref)}: the SSH connection failed: {exc.reason}") from None
    except OSError as exc:
        raise RemoteError(f"{_where(ref)}: cannot connect: {exc.strerror or exc}") from None


async def _read(sftp: asyncssh.SFTPClient, ref: RemoteRef, path: str) -> bytes:
    where = str(ref.with_path(path))
    try:
        attrs = await sftp.stat(path)
        if attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY:
            raise RemoteError(f"{where}: a directory (end the address with / to list its scenarios)")
        if attrs.size is not None and attrs.size > MAX_BYTES:
            raise RemoteError(f"{where}: file too large ({attrs.size:,} bytes; at most 1 MiB)")
        async with sftp.open(path, "rb") as f:
            data = await f.read(MAX_BYTES + 1)
    except asyncssh.SFTPNoSuchFile:
        raise RemoteError(f"{where}: no such file") from None
    except asyncssh.SFTPPermissionDenied:
        raise RemoteError(f"{where}: permission denied") from None
    except asyncssh.SFTPError as exc:
        raise RemoteError(f"{where}: cannot read it: {exc.reason}") from None
    if len(data) > MAX_BYTES:
        raise RemoteError(f"{where}: file too large (over 1 MiB)")
    return data


def _params(text: str) -> dict[str, Any]:
    """The [params] table of scenario text ({} when the text is not TOML: the loader reports that)."""
    try:
        params = tomllib.loads(text).get("params", {})
    except tomllib.TOMLDecodeError:
        return {}
    return params if isinstance(params, dict) else {}


def _data_files(params: dict[str, Any]) -> list[tuple[str, int | None, str]]:
    """(param, index in its list or None, relative path) of every relative data file `params` names."""
    out = []
    for key, value in params.items():
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for i, item in items:
            if isinstance(item, str) and item.lower().endswith(DATA_SUFFIXES) and not item.startswith(("/", "~")):
                out.append((key, i, item))
    return out


async def _fetch(ref: RemoteRef) -> tuple[str, dict[str, bytes]]:
    """The scenario's text and the bytes of the data files it names relative to itself."""
    async with await _connect(ref) as conn:
        try:
            sftp_cm = await conn.start_sftp_client()
        except asyncssh.Error as exc:
            raise RemoteError(f"{_where(ref)}: the host offers no SFTP ({exc.reason})") from None
        async with sftp_cm as sftp:
            data = await _read(sftp, ref, ref.path)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise RemoteError(f"{ref}: expected UTF-8 text, found binary data") from None
            base = posixpath.dirname(ref.path)
            files = {}
            for _, _, rel in _data_files(_params(text)):
                if rel not in files:
                    files[rel] = await _read(sftp, ref, posixpath.join(base, rel) if base else rel)
            return text, files


async def _list(ref: RemoteRef) -> list[str]:
    async with await _connect(ref) as conn:
        async with await conn.start_sftp_client() as sftp:
            path = ref.path or "."
            try:
                names = await sftp.listdir(path)
            except asyncssh.SFTPNoSuchFile:
                raise RemoteError(f"{ref}: no such directory") from None
            except asyncssh.SFTPPermissionDenied:
                raise RemoteError(f"{ref}: permission denied") from None
            return sorted(n for n in names if n.endswith(".toml"))


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except RemoteError:
        raise
    except (asyncssh.Error, OSError) as exc:
        raise RemoteError(f"the SSH connection failed: {exc}") from None


def list_remote(ref: RemoteRef) -> list[RemoteRef]:
    """The scenario files (*.toml) of a remote directory."""
    try:
        names = _run(_list(ref))
    except RemoteError as exc:
        raise ScenarioError([Problem(str(ref), "", str(exc))]) from None
    base = ref.path if ref.path.endswith("/") or not ref.path else ref.path + "/"
    return [ref.with_path(base + name) for name in names]


def load_remote(ref: RemoteRef, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """The remote scenario, validated like a local one (its problems name the remote address); the data
    files it names relative to itself are fetched over the same connection into a private directory."""
    source = str(ref)
    if ref.is_dir:
        names = [r.path.rsplit("/", 1)[-1] for r in list_remote(ref)]
        found = ", ".join(names) if names else "no .toml files"
        raise ScenarioError([Problem(source, "", f"a directory: pick one of its scenarios ({found})")])
    try:
        text, files = _run(_fetch(ref))
    except RemoteError as exc:
        raise ScenarioError([Problem(source, "", str(exc).removeprefix(source + ": "))]) from None
    extra: list[str] = []
    if files:
        local = Path(tempfile.mkdtemp(prefix="nnlab-remote-"))
        for rel, data in files.items():
            target = (local / rel).resolve()
            if local.resolve() not in target.parents:
                raise ScenarioError([Problem(source, "", f"data file {rel!r} lies outside the scenario's directory")])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        params = _params(text)
        named: dict[str, list[Any]] = {}
        for key, index, rel in _data_files(params):
            local_path = str((local / rel).resolve())
            if index is None:
                extra.append(f"params.{key}={_toml_str(local_path)}")
            else:
                named.setdefault(key, list(params[key]))[index] = local_path
        for key, items in named.items():
            extra.append(f"params.{key}=[{', '.join(_toml_str(str(v)) for v in items)}]")
    name = posixpath.splitext(posixpath.basename(ref.path))[0]
    return load_text(text, source=source, name=name, overrides=list(extra) + list(overrides))


def _toml_str(s: str) -> str:
    return "'" + s.replace("'", "") + "'"
