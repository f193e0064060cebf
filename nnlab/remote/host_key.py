"""The class server's host key: generated on first start, then kept (mode 0600) and reused, so students'
`ssh` sees the same server every time."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import asyncssh

FILE_NAME = "host_key_ed25519"


class HostKeyError(Exception):
    """One line: the key file and what is wrong with it."""


def load_or_create(folder: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The host key kept in `folder` (created there on first use) and whether it was just made.

    A key others may read is first restricted to its owner, as sshd insists."""
    path = folder / FILE_NAME
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
        try:
            return asyncssh.read_private_key(str(path)), False
        except (OSError, ValueError, asyncssh.KeyImportError) as exc:
            raise HostKeyError(f"{path}: expected an SSH private key, found one that cannot be read ({exc}); "
                               "move it away and a new one is made") from None
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="nnlab serve")
    fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key.export_private_key())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key, True
