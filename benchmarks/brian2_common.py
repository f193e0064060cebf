"""Brian2 set-up shared by the LIF and HH peers: code-generation target, Cython cache, timed runs.

Brian2 2.9 needs numpy < 2.4 (it calls `ndarray.ptp`); the `bench` extra pins that. The Cython
cache goes to a directory the benchmark chooses (a fresh temporary one by default), so a peer's
first run shows a cold compile. `Network.run` generates code before its main loop on every call;
the main loop alone is `device._last_run_time`, which is what the tables report as the run time
(the whole call, code generation included, is kept as `call_wall_s`).
"""

from __future__ import annotations

import time
from typing import Any

import brian2 as b2
from brian2.devices.device import get_device

b2.BrianLogger.log_level_error()


def configure(target: str, cache_dir: str) -> None:
    """Select the runtime target ("numpy" or "cython") for networks built from now on."""
    b2.prefs.codegen.target = target
    b2.prefs.codegen.runtime.cython.cache_dir = cache_dir


def run_network(net: b2.Network, duration: Any, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run `net`; `timed_s` is Brian2's main loop, `call_wall_s` the whole call."""
    start = time.perf_counter()
    net.run(duration, namespace=namespace or {})
    wall = time.perf_counter() - start
    return {"timed_s": float(get_device()._last_run_time), "run_call_wall_s": wall}
