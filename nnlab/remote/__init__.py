"""Scenarios from other hosts over SSH. Only `nnlab.remote.fetch` imports asyncssh (and only when a remote
reference is opened), so local use never loads it."""

from __future__ import annotations

from nnlab.remote.address import RemoteRef, parse_remote
from nnlab.scenario import Scenario, load


def load_any(ref: str, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """A scenario by path, bundled name, `ssh://user@host[:port]/path` or `user@host:path`."""
    remote = parse_remote(ref)
    if remote is None:
        return load(ref, overrides)
    from nnlab.remote.fetch import load_remote

    return load_remote(remote, overrides)


__all__ = ["RemoteRef", "load_any", "parse_remote"]
