"""The one place that sets numba's defaults: every kernel is `njit(cache=True, nogil=True)`.

When the installed package directory is read-only, numba's cache goes to the user's cache
directory instead (NUMBA_CACHE_DIR), set before numba is imported.
"""

from __future__ import annotations

import os
from pathlib import Path


def _cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    package = Path(__file__).resolve().parent
    if os.access(package, os.W_OK):
        return
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    target = base / "nnlab" / "numba"
    target.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(target)


_cache_dir()

import numba  # noqa: E402


def njit(*args, **kwargs):
    """`numba.njit` with nnlab's defaults (cache=True, nogil=True)."""
    kwargs.setdefault("cache", True)
    kwargs.setdefault("nogil", True)
    return numba.njit(*args, **kwargs)
