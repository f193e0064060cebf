"""Who may log in to a class server, under which name, and where each student's files are kept.

The keys are the instructor's authorized_keys file, in OpenSSH's format, read again whenever it
changes (so students can be added while the server runs). A student's name is the user name they
connect as (`ssh -p 2222 alice@server`); it names their own folder of saves. A line may bind its key
to names with the option `principals="alice"` (OpenSSH's option for certificates, read here for plain
keys), so that one student cannot open another's folder:

    principals="alice" ssh-ed25519 AAAAC3Nza... alice@laptop

A key without the option may log in under any valid name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import asyncssh

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
"""A valid student name: letters, digits, _ . -; not starting with . or -; at most 32 characters."""


class KeysError(Exception):
    """One line: the authorized_keys file and what is wrong with it."""


def valid_name(name: str) -> bool:
    """Whether `name` may name a student (and so a folder)."""
    return NAME.fullmatch(name) is not None


class AuthorizedKeys:
    """The instructor's authorized_keys file, reread when its modification time or size changes."""

    def __init__(self, path: Path, log: Callable[[str], None] = lambda line: None) -> None:
        self.path = path
        self.log = log
        """Where a change of the file that cannot be used is reported."""
        self._stamp: tuple[int, int] | None = None
        self._keys: asyncssh.SSHAuthorizedKeys | None = None
        self.count = 0
        self.reload()

    def reload(self) -> None:
        """Read the file; a file with no usable key is an error."""
        try:
            st = self.path.stat()
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise KeysError(f"{self.path}: cannot read the authorized keys ({reason})") from None
        try:
            keys = asyncssh.import_authorized_keys(text)
        except (ValueError, asyncssh.KeyImportError):
            raise KeysError(f"{self.path}: expected public keys, one a line as in ~/.ssh/authorized_keys "
                            "(ssh-ed25519 AAAA... name), found none") from None
        self._keys = keys
        self._stamp = (st.st_mtime_ns, st.st_size)
        self.count = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))

    def _fresh(self) -> asyncssh.SSHAuthorizedKeys | None:
        """The keys as the file now stands. A file that went missing or cannot be used any more lets no
        one in (so a key taken out is never kept by mistake) and says so in the log, once."""
        try:
            st = self.path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return self._keys
        try:
            self.reload()
            self.log(f"authorized keys reread: {self.count} key(s) in {self.path}")
        except KeysError as exc:
            self._keys, self._stamp, self.count = None, stamp, 0
            self.log(f"{exc}; no one can log in until it is fixed")
        return self._keys

    def allows(self, name: str, key: asyncssh.SSHKey, host: str, addr: str) -> bool:
        """Whether `key` may log in as `name` from `addr` (`from=` and `principals=` options honoured)."""
        keys = self._fresh()
        if keys is None or not valid_name(name):
            return False
        options: dict[str, Any] | None = keys.validate(key, host, addr)
        if options is None:
            return False
        patterns = options.get("principals")
        return patterns is None or all(p.matches(name) for p in patterns)


def student_folder(data_dir: Path, name: str) -> Path:
    """The student's own folder of saves (created, private to the server's user)."""
    if not valid_name(name):
        raise ValueError(f"not a valid student name: {name!r}")
    folder = data_dir / "users" / name
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder
