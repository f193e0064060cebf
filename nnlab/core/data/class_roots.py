"""The folders a session of `nnlab serve` may read data files from.

The server starts each session's process with NNLAB_CLASS_ROOTS set (folders joined by os.pathsep):
the class's scenario folder and the student's own save folder. A data file named by a scenario or
typed into a parameter is then read only when its real location, symbolic links followed, lies
inside one of them. Without the variable (the lab on one's own machine) every path may be read.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "NNLAB_CLASS_ROOTS"
REFUSED = "a file inside this class server's folders (the class scenarios or your own saves)"


def class_roots() -> tuple[Path, ...] | None:
    """The readable folders of a served session, or None when the lab runs on its own."""
    value = os.environ.get(ENV)
    if value is None:
        return None
    return tuple(Path(p).resolve() for p in value.split(os.pathsep) if p)


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, resolved, is `root` or lies below it."""
    return path.resolve().is_relative_to(root)


def outside_class(path: Path) -> bool:
    """True when a served session may not read `path`."""
    roots = class_roots()
    return roots is not None and not any(inside(path, root) for root in roots)


def check_readable(path: Path) -> None:
    """Refuse, as a DataError naming the file, a path a served session may not read."""
    if outside_class(path):
        from nnlab.core.data.dataset import DataError

        raise DataError(str(path), REFUSED, "a path outside them")
