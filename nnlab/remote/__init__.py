"""Scenarios from other hosts over SSH. Only `nnlab.remote.fetch` imports asyncssh (and only when a remote
reference is opened), so local use never loads it."""

from __future__ import annotations

import warnings

from nnlab.remote.address import RemoteRef, parse_remote
from nnlab.scenario import Scenario, load

# asyncssh 2.24 still names DSA types that cryptography 51 deprecates, and every module of this package
# that imports asyncssh is imported after this one: its warnings are for its maintainers, not our users.
warnings.filterwarnings("ignore", module=r"asyncssh(\.|$)")


def load_any(ref: str, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """A scenario by path, bundled name, `ssh://user@host[:port]/path` or `user@host:path`."""
    remote = parse_remote(ref)
    if remote is None:
        return load(ref, overrides)
    from nnlab.remote.fetch import load_remote

    return load_remote(remote, overrides)


__all__ = ["RemoteRef", "load_any", "parse_remote"]
