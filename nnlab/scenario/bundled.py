"""The scenarios shipped with nnlab: inside the installed package, or `scenarios/` of a checkout."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path


def bundled_dir() -> Path:
    """Directory holding the bundled scenario files."""
    installed = Path(__file__).resolve().parent.parent / "scenarios"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "scenarios"


def bundled_names() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    d = bundled_dir()
    return sorted(p.stem for p in d.glob("*.toml")) if d.is_dir() else []


def bundled_path(name: str) -> Path | None:
    """The file of a bundled scenario, or None."""
    p = bundled_dir() / f"{name}.toml"
    return p if p.is_file() else None


@dataclass(frozen=True)
class Entry:
    """One line of `nnlab list`."""

    name: str
    lab: str
    title: str
    lecture: str


def read_entry(path: Path) -> Entry | None:
    """A scenario file's name, lab, title and lecture, read without validating; None when it cannot be read."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return Entry(path.stem, str(raw.get("lab", "")), str(raw.get("title", path.stem)), str(raw.get("lecture", "")))


def entries(lab: str | None = None) -> list[Entry]:
    """Every bundled scenario's name, lab and title (read without validating)."""
    out = []
    for name in bundled_names():
        entry = read_entry(bundled_dir() / f"{name}.toml")
        if entry is None:
            continue
        entry = replace(entry, lab=entry.lab or "?")
        if lab is None or entry.lab == lab:
            out.append(entry)
    return out
