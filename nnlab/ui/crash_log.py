"""Where an exception the lab survived is written down: a log file in the user's data folder."""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path


def data_dir() -> Path:
    """The user's nnlab data folder: $XDG_DATA_HOME/nnlab, or ~/.local/share/nnlab."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "nnlab"


def write_error(exc: BaseException, where: str, folder: Path | None = None) -> Path | None:
    """Append `exc`'s traceback to errors.log in `folder` (default `data_dir()`); its path, or None when
    it cannot be written (the message then says so)."""
    path = (folder or data_dir()) / "errors.log"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {stamp} {where}\n{text}\n")
    except OSError:
        return None
    return path


def one_line(exc: BaseException) -> str:
    """`exc` as one short line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > 120:
        first = first[:119] + "…"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
