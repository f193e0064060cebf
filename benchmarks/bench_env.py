"""The environment a core benchmark runs in, set on import, before numpy or numba is imported.

One BLAS / OpenMP thread, as nnlab's app runs numpy, unless `--threads N` is on the command line; and a
fresh numba cache unless `--warm-numba-cache` is, so that a `first run` shows nnlab's cold compile.
"""

from __future__ import annotations

import os
import sys
import tempfile

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _threads_arg(argv: list[str]) -> str | None:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


THREADS = _threads_arg(sys.argv[1:])
"""The --threads value, or None for the default of one thread."""
for _var in THREAD_VARS:
    os.environ[_var] = THREADS or "1"

if "--warm-numba-cache" not in sys.argv:
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="nnlab-bench-numba-")
