"""What a session of `nnlab serve` may open, and where it saves.

A student on a class server opens three kinds of name: a bundled scenario (`hopfield_recall`), a file
of the class's scenario folder (`week3/recall.toml`, or `week3/recall`) and one of their own saves
(`~/mine.toml`). Names are relative: an absolute path, a `..` part, or a link leading out of its folder
is refused, whatever is typed. Saves, exports and screenshots go to the student's own folder.

The server passes the folders in the environment of the session's process (it starts no shell, so a
student cannot change them); `class_roots` in `nnlab.core.data` holds data files to the same folders.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nnlab.core.data.class_roots import ENV as ROOTS_ENV
from nnlab.core.data.class_roots import inside
from nnlab.scenario.bundled import bundled_path, read_entry
from nnlab.scenario.errors import Problem, ScenarioError

ENV_SCENARIOS = "NNLAB_CLASS_SCENARIOS"
ENV_SAVES = "NNLAB_CLASS_SAVES"
MINE = "~/"
"""How a student's own saves are named: `~/name.toml`."""
MAX_LISTED = 500
SAVE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_. -]{0,99}")
"""A name a student may save under: letters, digits, _ . - and spaces, not starting with . or -."""


@dataclass(frozen=True)
class ClassAccess:
    """The folders of one served session: the class's scenarios (read-only; None when the server has
    none) and the student's saves."""

    scenarios: Path | None
    saves: Path

    @classmethod
    def from_env(cls) -> ClassAccess | None:
        """The session's folders, or None when the lab runs on its own."""
        saves = os.environ.get(ENV_SAVES)
        if not saves:
            return None
        scenarios = os.environ.get(ENV_SCENARIOS)
        return cls(Path(scenarios).resolve() if scenarios else None, Path(saves).resolve())

    def env(self) -> dict[str, str]:
        """The variables that hand these folders to a session's process."""
        roots = [str(p) for p in (self.scenarios, self.saves) if p is not None]
        return {ENV_SCENARIOS: str(self.scenarios or ""), ENV_SAVES: str(self.saves),
                ROOTS_ENV: os.pathsep.join(roots)}

    def workdir(self) -> Path:
        """Where the session's process runs: data files named relative to a class scenario are found."""
        return self.scenarios or self.saves

    def listing(self) -> list[tuple[str, str]]:
        """(name to type, title) of the class's scenarios, then of the student's saves."""
        out = []
        for root, prefix in ((self.scenarios, ""), (self.saves, MINE)):
            if root is None or not root.is_dir():
                continue
            files = sorted(p for p in root.rglob("*.toml") if p.is_file() and inside(p, root)
                           and not any(part.startswith(".") for part in p.relative_to(root).parts))
            for p in files[:MAX_LISTED]:
                out.append((prefix + p.relative_to(root).as_posix(), _title(p)))
        return out

    def open_path(self, name: str) -> Path:
        """The file a typed name stands for, or a ScenarioError saying why it cannot be opened here."""
        name = name.strip()
        mine = name.startswith(MINE)
        rel = _relative(name, name[len(MINE):] if mine else name)
        if mine:
            root = self.saves
        else:
            if len(rel.parts) == 1 and rel.suffix != ".toml":
                bundled = bundled_path(name)
                if bundled is not None:
                    return bundled
            if self.scenarios is None:
                raise _refused(name, "a bundled scenario or one of yours (~/name.toml): this class server has "
                               "no scenario folder", "another name")
            root = self.scenarios
        path = root / rel
        if path.suffix != ".toml":
            path = path.with_name(path.name + ".toml")
        if not inside(path, root):
            raise _refused(name, "a scenario inside the class folder", "a link that leads out of it")
        return path

    def save_path(self, name: str) -> Path:
        """Where a scenario the student names is saved: a plain file name in their own folder."""
        name = name.strip().removeprefix(MINE)
        if not SAVE_NAME.fullmatch(name):
            raise _refused(name, "a plain file name such as mine.toml (saved in your own folder)",
                           repr(name) if name else "nothing")
        path = self.saves / name
        return path if path.suffix == ".toml" else path.with_name(name + ".toml")

    def shown(self, path: Path) -> str:
        """A path as the student names it: `~/x.toml` for their saves, relative in the class folder."""
        resolved = path.resolve()
        for root, prefix in ((self.saves, MINE), (self.scenarios, "")):
            if root is not None and resolved.is_relative_to(root):
                return prefix + resolved.relative_to(root).as_posix()
        return path.name


def _relative(name: str, rel: str) -> PurePosixPath:
    parts = PurePosixPath(rel.replace("\\", "/"))
    if parts.is_absolute() or rel.startswith("~"):
        raise _refused(name, "a name from the list (inside the class folder)", "an absolute path")
    if ".." in parts.parts:
        raise _refused(name, "a name from the list (inside the class folder)", "a path with ..")
    if not parts.parts:
        raise _refused(name, "a scenario name", "nothing")
    return parts


def _refused(name: str, expected: str, found: str) -> ScenarioError:
    return ScenarioError([Problem(name or "<empty>", "", f"expected {expected}, found {found}")])


def _title(path: Path) -> str:
    entry = read_entry(path)
    return entry.title if entry is not None else "(not a valid scenario)"
