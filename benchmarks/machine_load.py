"""How much of the machine other processes use while a benchmark runs (from /proc, outside timed code).

On 2 shared cores a peer with 2 threads slows down many times when another process holds a core,
so every benchmark reports, per peer, the share of the machine others used during its runs.
"""

from __future__ import annotations

import os
import time
from typing import Any

from harness import Peer

HZ = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def cpu_ticks() -> tuple[int, int]:
    """(CPU ticks busy on the whole machine, ticks used by this process), from /proc."""
    with open("/proc/stat") as f:
        v = [int(a) for a in f.readline().split()[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return busy, int(fields[11]) + int(fields[12])


def others_share(a: tuple[int, int], b: tuple[int, int], wall_s: float) -> float:
    """Fraction of the machine (all cores) other processes (and steal) used between two `cpu_ticks()`."""
    other = (b[0] - a[0]) - (b[1] - a[1])
    return max(other, 0) / (CORES * HZ * wall_s) if wall_s > 0 else float("nan")


class OthersLog:
    """Other processes' CPU ticks over each peer's run, read outside the timed region.

    A window opens at the end of a peer's setup and closes at the start of the next setup (or at
    `close()`), so it holds the peer's run plus the harness's bookkeeping up to the next peer; reading
    /proc/stat costs about 60 us, too much inside a 2 ms run.
    """

    def __init__(self) -> None:
        self.runs: dict[str, list[tuple[float, float]]] = {}
        self.pending: tuple[str, tuple[int, int], float] | None = None

    def open(self, label: str) -> None:
        self.pending = (label, cpu_ticks(), time.perf_counter())

    def close(self) -> None:
        if self.pending is None:
            return
        label, a, t0 = self.pending
        dt = time.perf_counter() - t0
        b = cpu_ticks()
        self.runs.setdefault(label, []).append((dt, (b[0] - a[0]) - (b[1] - a[1])))
        self.pending = None

    def wrap(self, peer: Peer) -> Peer:
        def setup() -> Any:
            self.close()
            run = peer.setup()
            self.open(peer.label)
            return run

        return Peer(peer.label, setup, peer.family, peer.method, peer.units, peer.note)


def others_during(runs: list[tuple[float, float]], skip_first: bool = True) -> float:
    """Other processes' share of the machine summed over a peer's timed runs (the warm-up left out)."""
    runs = runs[1:] if skip_first else runs
    wall = sum(r[0] for r in runs)
    return max(sum(r[1] for r in runs), 0) / (CORES * HZ * wall) if wall > 0 else float("nan")
