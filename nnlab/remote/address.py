"""Where a remote scenario lives: `ssh://[user@]host[:port]/path` or scp's `[user@]host:path`.

In the URL form the path is absolute (`/~/` at its start means the home directory); in the scp
form it is relative to the home directory unless it starts with `/`. A path ending in `/` names a
directory whose scenario files are listed to pick from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_URL = re.compile(r"^ssh://(?:(?P<user>[^@/]+)@)?(?P<host>\[[^\]]+\]|[^:/@]+)(?::(?P<port>\d+))?(?P<path>/.*)$")
_SCP = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[A-Za-z0-9_.\-]+|\[[^\]]+\]):(?P<path>.*)$")


@dataclass(frozen=True)
class RemoteRef:
    """A file or directory on an SSH host."""

    host: str
    path: str
    user: str | None = None
    port: int | None = None

    @property
    def is_dir(self) -> bool:
        return self.path.endswith("/") or self.path == ""

    def with_path(self, path: str) -> RemoteRef:
        return RemoteRef(self.host, path, self.user, self.port)

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        path = self.path if self.path.startswith("/") else "/~/" + self.path
        return f"ssh://{user}{self.host}{port}{path}"


def parse_remote(ref: str) -> RemoteRef | None:
    """The remote file `ref` names, or None for a local path or a bundled name."""
    m = _URL.match(ref)
    if m:
        path = m["path"]
        if path.startswith("/~/"):
            path = path[3:]
        elif path == "/~":
            path = ""
        port = int(m["port"]) if m["port"] else None
        return RemoteRef(m["host"].strip("[]"), path, m["user"], port)
    if ref.startswith(("/", ".", "~")) or Path(ref).expanduser().exists():
        return None
    m = _SCP.match(ref)
    if m and not re.match(r"^[A-Za-z]:[\\/]", ref):
        return RemoteRef(m["host"].strip("[]"), m["path"], m["user"], None)
    return None
