"""Write scenarios as TOML, atomically (temporary file, then rename)."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

from nnlab.core.registry import SCHEMA_VERSION
from nnlab.scenario.scenario import RunSettings, Scenario


def toml_value(v: Any) -> str:
    """A Python value as a TOML literal."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        if "\n" in v:
            return '"""\n' + v.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '"""'
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def to_toml(s: Scenario) -> str:
    """The scenario as a complete TOML file (every parameter written out)."""
    lines = [f"schema = {SCHEMA_VERSION}", f"lab = {toml_value(s.lab)}", f"title = {toml_value(s.title)}"]
    if s.lecture:
        lines.append(f"lecture = {toml_value(s.lecture)}")
    if s.about:
        lines.append(f"about = {toml_value(s.about)}")
    lines.append(f"seed = {s.seed}")
    lines.append("")
    lines.append("[params]")
    for k, v in s.params.to_dict().items():
        lines.append(f"{k} = {toml_value(v)}")
    run = {k: v for k, v in s.run.to_dict().items() if v != getattr(RunSettings(), k)}
    if run:
        lines.append("")
        lines.append("[run]")
        for k, v in run.items():
            lines.append(f"{k} = {toml_value(v)}")
    return "\n".join(lines) + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write `data` to `path` through a temporary file in the same directory and a rename."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target
