"""The Hopfield lab's cores against a hand-written numba loop and a plain numpy loop, side by side in one process.

Run with the bench venv:

    /work/benchvenv/bin/python benchmarks/hopfield_bench.py [--quick] [--repeats N] [--workloads recall,capacity]

Two workloads (see hopfield_peers.py for the exact definitions):
- recall: N = 1,024 units, 100 random patterns, Hebbian W (1/n), a random probe (pattern 0 with half its
  bits flipped), 20 asynchronous sweeps in nnlab's random orders = 20,480 unit updates, the same for
  every peer; unit updates/s. Peers: nnlab `RecallModel.advance` (recording energy, overlaps and flips
  per update), nnlab's kernel `async_updates` called directly per sweep, hand-written numba loops (no
  recording; energy; energy and overlaps; no recording compiled with fastmath=True and with nnlab's flags
  fastmath={reassoc, contract}) and a Python loop with `W[i] @ x`. Target: nnlab's model at least 0.8x the
  plain hand-written loop without recording. Every peer must end in the same state.
- capacity: nnlab's `CapacityModel` sweep for N = 100, n = 1..30, 50 trials each (1,500 recalls); seconds
  per sweep, with hand-written numba recall loops (same draws, same orders; the plain loop, and the loop with
  nnlab's fastmath flags, which must give nnlab's rates exactly), an exact integer replay (not timed: the
  ties) and a plain numpy loop on fewer trials (extrapolated). Target: under 2 s. Its recall rates at n = 5,
  10, 14, 20, 30 are set beside the course's table; the first sweep in a fresh process (cold compile, then a
  warm cache) and the Hopfield `warmup` on an empty cache are measured in subprocesses.

Full runs (10 rounds or more) also time variants from the hand loop to nnlab's model (where the time goes).
Each peer runs once as a warm-up (its `first run`, compile included: numba's cache starts empty unless
`--warm-numba-cache`), then rounds run every peer once each, setup (building the model) and run timed
apart. Rates over the median and the best run; ratios are nnlab's median rate over the peer's. Every table
reports the share of the machine other processes used meanwhile ("others' CPU"). Results go to
benchmarks/results/hopfield_bench.{json,md}.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

# Fresh numba cache before anything imports numba, so `first run` shows nnlab's cold compile.
if "--warm-numba-cache" not in sys.argv:
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="nnlab-bench-numba-")

import numpy as np  # noqa: E402

import hopfield_peers  # noqa: E402
from harness import (Peer, Timing, measure_all, result_name, run_header,
                     speed_probe, table, verdict, write_results)  # noqa: E402
from machine_load import CORES, HZ, OthersLog, cpu_ticks, others_during, others_share  # noqa: E402

RECALL_TARGET = 0.8
"""nnlab RecallModel.advance at least this fraction of the hand-written numba loop's updates/s."""
CAPACITY_TARGET_S = 2.0
COURSE_RATES = {5: 1.0, 10: 0.895, 14: 0.58, 20: 0.095, 30: 0.0}
"""The course's table of recall rates (N = 100, 20 % noise) at these n."""
BAND = (0.05, 0.10)
"""|rate - course| within the first: close; within the second: within the band; else outside."""
NNLAB_MODEL = f"nnlab RecallModel.advance({hopfield_peers.RecallSpec().units:,})"
NNLAB_KERNEL = "nnlab kernel async_updates, one call per sweep"
HAND = "numba @njit, hand-written loop"
NUMPY = "numpy, Python loop over units, W[i] @ x"
CAP_NNLAB = "nnlab CapacityModel.advance(30)"
CAP_HAND = "numba @njit, hand-written recall loop"
CAP_HAND_FM = "numba @njit(fastmath={reassoc, contract}), hand-written recall loop"
HAND_FM = "numba @njit(fastmath={reassoc, contract}), hand-written loop"


# -- other processes' CPU (as in mlp_bench.py) ----------------------------------------------------------------
def timed_rounds(peers: list[Peer], repeats: int) -> dict[str, Any]:
    """measure_all with the machine's state around it: load, speed probe, other processes' CPU."""
    load_before = os.getloadavg()
    probe_before = speed_probe()
    olog = OthersLog()
    ticks0 = cpu_ticks()
    start = time.perf_counter()
    timings = measure_all([olog.wrap(p) for p in peers], repeats, log=lambda s: print(s, flush=True))
    olog.close()
    wall = time.perf_counter() - start
    others = others_share(ticks0, cpu_ticks(), wall)
    print(f"  other processes used {100 * others:.0f} % of the machine meanwhile", flush=True)
    return {"timings": timings, "wall_s": wall, "load_avg_before_after": [load_before, os.getloadavg()],
            "speed_probe_ms_before_after": [probe_before, speed_probe()], "others_cpu_share": others,
            "others_cpu_share_by_peer": {k: others_during(v) for k, v in olog.runs.items()}}


def by_label(timings: list[Timing]) -> dict[str, Timing]:
    return {t.peer.label: t for t in timings}


# -- recall ------------------------------------------------------------------------------------------------------
def recall_agreement(spec: hopfield_peers.RecallSpec, inp: dict[str, Any], timings: list[Timing]) -> dict[str, Any]:
    """Every peer's final state, sweeps and flips against nnlab's model; energies against a direct evaluation."""
    t = by_label(timings)
    ref = t[NNLAB_MODEL].result
    E_final = hopfield_peers.energy(inp["W"], ref["state"])
    peers = {}
    for label, tm in t.items():
        r = tm.result
        row = {"units_differing_from_nnlab": int(np.count_nonzero(r["state"] != ref["state"])),
               "sweeps": r["sweeps"], "updates": r["updates"], "flips": r["flips"],
               "same_sweeps_and_flips": r["sweeps"] == ref["sweeps"] and r["flips"] == ref["flips"]}
        if "energy_recorded" in r:
            row["energy_recorded_minus_direct"] = r["energy_recorded"] - E_final
        peers[label] = row
    ties = hopfield_peers.near_ties(spec, inp)
    same = all(p["units_differing_from_nnlab"] == 0 and p["same_sweeps_and_flips"] for p in peers.values())
    return {"peers": peers, "all_same_state": same, "final_energy_direct": E_final,
            "nnlab_updates_reported": ref["updates_reported"], "nnlab_stable": ref["stable"],
            "nnlab_trace_rows": {"energy": ref["energy_rows"], "overlaps": ref["overlap_rows"]},
            "W_built_here_identical_to_nnlab": inp["W_identical_to_nnlab"],
            "probe_overlap_pattern0": inp["probe_overlap_pattern0"], "probe_overlap_max": inp["probe_overlap_max"],
            "final_overlap_max": float(np.abs(inp["P"] @ ref["state"]).max() / spec.N),
            "exact_integer_replay_same_state": bool(np.array_equal(ties.pop("exact_state"), ref["state"])),
            **ties}


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def decompose(spec: hopfield_peers.RecallSpec, inp: dict[str, Any], runs: int = 9) -> dict[str, Any]:
    """Where `RecallModel.advance` spends its time. Variants from the hand-written loop to nnlab's model, run in
    rounds, each timed with its minor page faults (first touches of fresh memory): the kernel's and the hand
    loop's output arrays fresh (as in the table) or written once before the timing; the model as is, with its
    traces reserved for the whole run before (`Trace.reserve`, untouched), and reserved and written before. For
    the model the kernel calls are timed one by one through a proxy put in place of the module's `kernels`
    for this measurement. Then a cProfile of `advance`."""
    from nnlab.core.hopfield import kernels, recall_model
    from nnlab.core.hopfield.recall_model import RecallModel

    W, P, orders, x0 = inp["W"], inp["P"], inp["orders"], inp["x0"]
    N, n, S = spec.N, spec.n, spec.sweeps
    E0 = hopfield_peers.energy(W, x0)
    calls: list[float] = []

    class Timed:
        def __getattr__(self, name: str) -> Any:
            return getattr(kernels, name)

        @staticmethod
        def async_updates(*a: Any) -> Any:
            t0 = time.perf_counter()
            out = kernels.async_updates(*a)
            calls.append(time.perf_counter() - t0)
            return out

    def outputs(touch: bool) -> tuple[np.ndarray, np.ndarray]:
        e_out, m_out = np.empty(S * N), np.empty((S * N, n))
        if touch:
            e_out.fill(0.0)
            m_out.fill(0.0)
        return e_out, m_out

    def hand(fn: Any) -> Any:
        x = x0.copy()
        return lambda: fn(W, x, orders, S)

    def hand_all(touch: bool) -> Any:
        x, m = x0.copy(), P @ x0 / N
        e_out, m_out = outputs(touch)
        return lambda: hopfield_peers.hand_recall_record(W, P, x, orders, S, E0, m, e_out, m_out)

    def kernel(touch: bool) -> Any:
        x, m, b, u = x0.copy(), P @ x0 / N, np.zeros(N), np.zeros(N)
        e_out, m_out = outputs(touch)
        field, flipped = np.empty(N), np.zeros(S * N, np.bool_)

        def run() -> None:
            E = E0
            for s in range(S):
                sl = slice(s * N, (s + 1) * N)
                E = kernels.async_updates(W, b, x, orders[s], 0, 0.0, u, P, m, E, e_out[sl], m_out[sl], field,
                                          flipped[sl])

        return run

    def model(reserve: str) -> Any:
        m = RecallModel(spec.params(), spec.seed)
        if reserve != "no":
            for trace in (m.E, m.M, m.flips):
                view = trace.reserve(spec.units)
                if reserve == "touched":
                    view[...] = 0
        return lambda: m.advance(spec.units)

    variants = {
        "hand-written loop, no recording": lambda: hand(hopfield_peers.hand_recall),
        "hand-written loop, no recording, fastmath={reassoc, contract}": lambda: hand(hopfield_peers.hand_recall_reassoc),
        "hand-written, energy + overlaps recorded, output arrays fresh": lambda: hand_all(False),
        "hand-written, energy + overlaps recorded, output arrays written before": lambda: hand_all(True),
        "nnlab kernel per sweep, output arrays fresh": lambda: kernel(False),
        "nnlab kernel per sweep, output arrays written before": lambda: kernel(True),
        "nnlab RecallModel.advance": lambda: model("no"),
        "nnlab RecallModel.advance, traces reserved before (not written)": lambda: model("reserved"),
        "nnlab RecallModel.advance, traces reserved and written before": lambda: model("touched"),
    }
    rows: dict[str, dict[str, list[float]]] = {k: {"ms": [], "faults": [], "kernel_ms": []} for k in variants}
    recall_model.kernels = Timed()
    try:
        for _ in range(runs):
            for name, make in variants.items():
                run = make()
                gc.collect()
                calls.clear()
                f0 = minor_faults()
                t0 = time.perf_counter()
                run()
                dt = time.perf_counter() - t0
                rows[name]["faults"].append(minor_faults() - f0)
                rows[name]["ms"].append(1e3 * dt)
                if calls:
                    rows[name]["kernel_ms"].append(1e3 * sum(calls))
                del run
    finally:
        recall_model.kernels = kernels
    out = {"runs": runs, "variants": {
        k: {"ms_median": statistics.median(v["ms"]), "ms_min": min(v["ms"]),
            "minor_faults_median": statistics.median(v["faults"]),
            "kernel_ms_median": statistics.median(v["kernel_ms"]) if v["kernel_ms"] else None,
            "outside_kernel_ms_median": statistics.median([a - b for a, b in zip(v["ms"], v["kernel_ms"])])
            if v["kernel_ms"] else None}
        for k, v in rows.items()}}
    m = RecallModel(spec.params(), spec.seed)
    prof = cProfile.Profile()
    prof.enable()
    m.advance(spec.units)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(6)
    out.update(trace_capacity_rows_after=len(m.M._buf), trace_mib_after=sum(
        t._buf.nbytes for t in (m.E, m.M, m.flips)) / 2**20, page_kib=resource.getpagesize() / 1024,
        profile_text=buf.getvalue())
    return out


def run_recall(repeats: int) -> dict[str, Any]:
    spec = hopfield_peers.RecallSpec()
    print(f"\n== recall: N = {spec.N}, {spec.n} patterns, {spec.sweeps} sweeps = {spec.units:,} unit updates",
          flush=True)
    inp = hopfield_peers.recall_inputs(spec)
    print(f"  nnlab makes {inp['updates']:,} updates ({inp['sweeps']} sweeps) from this probe; its first "
          f"advance({spec.N}) took {inp['first_advance_s']:.2f} s", flush=True)
    res = timed_rounds(hopfield_peers.recall_peers(spec, inp), repeats)
    timings = res["timings"]
    t = by_label(timings)
    agree = recall_agreement(spec, inp, timings)
    model, kernel, hand = t[NNLAB_MODEL], t[NNLAB_KERNEL], t[HAND]
    ratio = model.rate_median / hand.rate_median
    targets = [{"target": f"recall: {NNLAB_MODEL} >= {RECALL_TARGET:g}x {HAND} (updates/s)", "value": ratio,
                "best_ratio": model.rate_best / hand.rate_best, "threshold": RECALL_TARGET,
                "nnlab_rate_median": model.rate_median, "hand_rate_median": hand.rate_median,
                "numpy_rate_median": t[NUMPY].rate_median, "kernel_over_hand": kernel.rate_median / hand.rate_median,
                "model_over_same_flags": model.rate_median / t[HAND_FM].rate_median,
                "pass": ratio >= RECALL_TARGET and agree["all_same_state"]}]
    res.update(spec=spec.describe(), updates=inp["updates"], sweeps=inp["sweeps"],
               first_advance_s=inp["first_advance_s"], agreement=agree, targets=targets,
               ratios=[{"peer": x.peer.label, "model_over_peer": model.rate_median / x.rate_median,
                        "model_over_peer_best": model.rate_best / x.rate_best,
                        "kernel_over_peer": kernel.rate_median / x.rate_median}
                       for x in timings if x.peer.family != "nnlab"],
               peers=[x.summary() for x in timings])
    if ratio < RECALL_TARGET or repeats >= 10:
        print("  where RecallModel.advance spends its time", flush=True)
        res["decomposition"] = decompose(spec, inp, 5 if repeats < 10 else 15)
    return res


# -- capacity ----------------------------------------------------------------------------------------------------
FRESH_WARMUP = r"""
import json, time
t0 = time.perf_counter()
from nnlab.core.hopfield import kernels
t1 = time.perf_counter()
names = []
kernels.warmup(lambda i, n, name: names.append((name, time.perf_counter())))
t2 = time.perf_counter()
steps = {a[0]: b[1] - a[1] for a, b in zip(names, names[1:])}
print(json.dumps({"import_s": t1 - t0, "warmup_s": t2 - t1, "steps_s": steps}))
"""

WARMUP_STEPS = {"async_updates": "async_updates + sync_step",
                "capacity_trials": "capacity_trials (with recall_async, modern_recall, modern_step)"}
"""The steps `kernels.warmup` reports (each until the next report), as the report names them."""

FRESH_PROCESS = r"""
import json, sys, time
t0 = time.perf_counter()
from nnlab.core.hopfield.capacity_model import CapacityModel
from nnlab.core.hopfield.params import HopfieldParams
t1 = time.perf_counter()
p = HopfieldParams(experiment="capacity", n_units=%d, trials=%d, max_load=%r, noise=%r)
m = CapacityModel(p, %d)
m.advance(%d)
t2 = time.perf_counter()
m = CapacityModel(p, %d)
m.advance(%d)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_sweep_s": t2 - t1, "second_sweep_s": t3 - t2}))
"""


def child_ticks() -> int:
    """CPU ticks used by this process's finished children."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return int(round((r.ru_utime + r.ru_stime) * HZ))


def fresh_runs(code: str, names: tuple[str, ...], repeats: int, what: str) -> dict[str, Any]:
    """Runs `code` in new processes: for each of `repeats` empty numba caches, once per name in turn (the first
    process compiles into the cache, the next ones load from it). Per name: every run's JSON, the median of each
    field, and the share of the machine other processes used meanwhile."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    errors = []
    a, c0, t0 = cpu_ticks(), child_ticks(), time.perf_counter()
    for r in range(repeats):
        env = dict(os.environ, NUMBA_CACHE_DIR=tempfile.mkdtemp(prefix="nnlab-bench-numba-fresh-"))
        for name in names:
            t1 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                errors.append(proc.stderr.strip().splitlines()[-1:])
                continue
            runs[name].append({**json.loads(proc.stdout.strip().splitlines()[-1]),
                               "process_wall_s": time.perf_counter() - t1})
            print(f"  fresh process {r + 1}/{repeats}, {name}: {what} {runs[name][-1][what]:.2f} s", flush=True)
    wall = time.perf_counter() - t0
    b = cpu_ticks()
    other = (b[0] - a[0]) - (b[1] - a[1]) - (child_ticks() - c0)
    out: dict[str, Any] = {"repeats": repeats, "others_cpu_share": max(other, 0) / (CORES * HZ * wall)}
    if errors:
        out["errors"] = errors
    for name, rs in runs.items():
        if not rs:
            out[name] = {"error": errors[-1] if errors else "no run"}
            continue
        med = {k: statistics.median(r[k] for r in rs) for k, v in rs[0].items() if isinstance(v, float)}
        if "steps_s" in rs[0]:
            med["steps_s"] = {k: statistics.median(r["steps_s"][k] for r in rs) for k in rs[0]["steps_s"]}
        out[name] = {**med, f"{what}_all": [r[what] for r in rs], "runs": rs}
    return out


def fresh_process_sweeps(spec: hopfield_peers.CapacitySpec, repeats: int) -> dict[str, Any]:
    """The sweep in a new Python process, as a user's first `nnlab run` of the capacity lab: with an empty numba
    cache (cold compile), then again in a second process with the cache the first filled (warm); `repeats`
    times, each with a new empty cache."""
    points = len(spec.ns)
    code = FRESH_PROCESS % (spec.N, spec.trials, spec.max_load, spec.noise, spec.seed, points, spec.seed, points)
    return fresh_runs(code, ("cold_cache", "warm_cache"), repeats, "first_sweep_s")


def fresh_warmup(repeats: int) -> dict[str, Any]:
    """The Hopfield lab's `kernels.warmup` (what `nnlab warmup` and the lab's start run for it) in a new process
    with an empty numba cache: the time to compile every Hopfield kernel, and per kernel; `repeats` times."""
    return fresh_runs(FRESH_WARMUP, ("cold_cache",), repeats, "warmup_s")["cold_cache"] | {"repeats": repeats}


def capacity_profile(spec: hopfield_peers.CapacitySpec) -> str:
    """cProfile of one sweep (kernels compiled): where `CapacityModel.advance` spends its time."""
    from nnlab.core.hopfield.capacity_model import CapacityModel

    m = CapacityModel(spec.params(), spec.seed)
    prof = cProfile.Profile()
    prof.enable()
    m.advance(len(spec.ns))
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(8)
    return buf.getvalue()


def rate_diff(rate: np.ndarray, ref: np.ndarray, spec: hopfield_peers.CapacitySpec) -> dict[str, Any]:
    """A peer's rates against nnlab's of the same sweep: identical, or where and by how much they differ (in
    recalls, and in standard errors of a difference of two independent rates)."""
    se = np.sqrt(np.maximum(ref * (1 - ref), 1.0 / spec.trials) * 2.0 / spec.trials)
    d = rate - ref
    return {"identical": bool(np.array_equal(rate, ref)), "max_abs": float(np.abs(d).max()),
            "max_abs_z": float(np.abs(d / se).max()), "total_recalls": int(round(float(d.sum()) * spec.trials)),
            "points_differing": [int(n) for n in spec.ns[d != 0]],
            "recalls_differing": int(round(float(np.abs(d).sum()) * spec.trials))}


def course_rows(rate: np.ndarray, ns: np.ndarray) -> list[dict[str, Any]]:
    out = []
    for n, course in COURSE_RATES.items():
        r = float(rate[list(ns).index(n)])
        d = r - course
        out.append({"n": n, "rate": r, "course": course, "diff": d,
                    "within": "5 %" if abs(d) <= BAND[0] + 1e-12 else ("10 %" if abs(d) <= BAND[1] + 1e-12
                                                                      else "outside")})
    return out


def run_capacity(repeats: int, numpy_trials: int, seeds: int, fresh_repeats: int) -> dict[str, Any]:
    spec = hopfield_peers.CapacitySpec()
    print(f"\n== capacity: N = {spec.N}, n = 1..{spec.ns[-1]}, {spec.trials} trials each", flush=True)
    res = timed_rounds(hopfield_peers.capacity_peers(spec, numpy_trials), repeats)
    timings = res["timings"]
    t = by_label(timings)
    nn, hand, hand_fm = t[CAP_NNLAB], t[CAP_HAND], t[CAP_HAND_FM]
    numpy_row = next(x for x in timings if x.peer.family == "numpy")
    scale = spec.units / numpy_row.peer.units
    sweep = {x.peer.label: {"median_s": x.median_s * (scale if x is numpy_row else 1.0),
                            "best_s": x.best_s * (scale if x is numpy_row else 1.0),
                            "first_run_s": x.first_run_s, "extrapolated": x is numpy_row and scale != 1.0,
                            "measured_median_s": x.median_s}
             for x in timings}
    print(f"  nnlab's rates over {seeds} seeds", flush=True)
    t0 = time.perf_counter()
    seeds_res = hopfield_peers.capacity_rates_over_seeds(spec, seeds)
    seeds_res["wall_s"] = time.perf_counter() - t0
    profile = capacity_profile(spec)
    print(f"  exact integer replays of seeds 0..{seeds - 1}", flush=True)
    exact = [hopfield_peers.exact_capacity(spec, s) for s in range(seeds)]
    exact_mean = np.mean([e["rate"] for e in exact], axis=0)
    fresh = fresh_process_sweeps(spec, fresh_repeats)
    warm_up = fresh_warmup(fresh_repeats)
    rate0 = nn.result["rate"]
    ex0 = exact[0]
    agree = {"points": nn.result["points"], "ns": spec.ns, "trials": spec.units,
             "peers": {"hand_plain": rate_diff(hand.result["rate"], rate0, spec),
                       "hand_reassoc": rate_diff(hand_fm.result["rate"], rate0, spec),
                       "exact_integer": rate_diff(ex0["rate"], rate0, spec)},
             "trials_differing": {
                 "hand_plain_vs_hand_reassoc": int(np.count_nonzero(hand.result["ok"] != hand_fm.result["ok"])),
                 "exact_vs_hand_reassoc": int(np.count_nonzero(ex0["ok"] != hand_fm.result["ok"])),
                 "exact_vs_hand_plain": int(np.count_nonzero(ex0["ok"] != hand.result["ok"]))},
             "exact_ties_seed0": int(ex0["ties"].sum()),
             "trials_with_exact_ties_seed0": int(np.count_nonzero(ex0["ties"])),
             "trials_with_exact_ties_seed0_even_n": int(np.count_nonzero(ex0["ties"][spec.ns % 2 == 0])),
             "trials_with_exact_ties_seed0_odd_n": int(np.count_nonzero(ex0["ties"][spec.ns % 2 == 1])),
             "over_seeds": {"seeds": seeds, "exact_rate": exact_mean, "nnlab_rate": seeds_res["rate"],
                            "nnlab_minus_exact": seeds_res["rate"] - exact_mean,
                            "trials_with_exact_ties_share": float(np.mean([np.count_nonzero(e["ties"])
                                                                           for e in exact]) / spec.units)}}
    first = sweep[CAP_NNLAB]["first_run_s"]
    targets = [{"target": f"capacity sweep N = {spec.N}, n = 1..{spec.ns[-1]}, {spec.trials} trials: nnlab "
                f"< {CAPACITY_TARGET_S:g} s", "value": nn.median_s, "best": nn.best_s, "first_run_s": first,
                "fresh_process": {k: fresh[k].get("first_sweep_s") for k in ("cold_cache", "warm_cache")},
                "warmup_cold_s": warm_up.get("warmup_s"),
                "threshold": CAPACITY_TARGET_S, "pass": nn.median_s < CAPACITY_TARGET_S}]
    res.update(spec=spec.describe(), sweep_s=sweep, targets=targets, agreement=agree, fresh_process=fresh,
               fresh_warmup=warm_up, profile_text=profile,
               rates={"ns": spec.ns, "nnlab_seed0": rate0, "overlap_seed0": nn.result["overlap"],
                      "numpy": numpy_row.result["rate"], "numpy_trials": numpy_row.result["trials"],
                      "nnlab_over_seeds": seeds_res},
               course={"seed0": course_rows(rate0, spec.ns), "over_seeds": course_rows(seeds_res["rate"], spec.ns),
                       "exact_over_seeds": course_rows(exact_mean, spec.ns),
                       "numpy": course_rows(numpy_row.result["rate"], spec.ns)},
               peers=[x.summary() for x in timings],
               ratios=[{"peer": x.peer.label, "nnlab_over_peer": sweep[x.peer.label]["median_s"] / nn.median_s}
                       for x in timings if x is not nn])
    return res


# -- report ------------------------------------------------------------------------------------------------------
def machine_line(res: dict[str, Any], repeats: int) -> str:
    probe = " / ".join(f"{x:.0f}" for x in res["speed_probe_ms_before_after"])
    load = " / ".join(f"{x[0]:.2f}" for x in res["load_avg_before_after"])
    return (f"{repeats} rounds after 1 warm-up run. Speed probe (ms for a fixed Python loop, before / after; lower "
            f"is faster): {probe}; load average {load}; wall {res['wall_s']:.0f} s; other processes used "
            f"{100 * res['others_cpu_share']:.0f} % of the machine ({CORES} cores) meanwhile.")


def recall_md(res: dict[str, Any], repeats: int) -> list[str]:
    ratios = {r["peer"]: r for r in res["ratios"]}
    others = res["others_cpu_share_by_peer"]
    rows = []
    for t in res["timings"]:
        r = ratios.get(t.peer.label)
        rows.append([t.peer.label, t.rate_median, t.rate_best, 1e3 * t.median_s, 1e6 * t.median_s / t.peer.units,
                     1e3 * float(np.median(t.setup_s)), t.first_run_s, f"{100 * others[t.peer.label]:.0f} %",
                     f"**{r['model_over_peer']:.3g}x**" if r else "-", f"{r['model_over_peer_best']:.3g}x" if r else "-",
                     f"{r['kernel_over_peer']:.3g}x" if r else "-", t.peer.note])
    a = res["agreement"]
    spec = res["spec"]
    differ = ", ".join(f"{k}: {v['units_differing_from_nnlab']} units differ" for k, v in a["peers"].items())
    out = ["", f"## recall: N = {spec['N']}, {spec['patterns']} patterns, {res['sweeps']} sweeps "
           f"({res['updates']:,} unit updates)", "", f"spec: `{spec}`", "", machine_line(res, repeats),
           f"nnlab's first `advance({spec['N']})` in this process, reading the orders before the timing (its kernel's "
           f"cold compile unless the numba cache is warm): {res['first_advance_s']:.2f} s; the nnlab rows' `first run` "
           "below comes after it.", "",
           table(["peer", "updates/s median", "best", "run ms median", "us per update", "setup ms", "first run s",
                  "others' CPU", "nnlab model / peer (median)", "(best)", "nnlab kernel / peer", "notes"], rows), "",
           "Agreement:",
           f"- every peer ends in nnlab's final state, with the same sweeps and flips: **{a['all_same_state']}** "
           f"({differ}).",
           f"- sweeps {a['peers'][NNLAB_MODEL]['sweeps']}, updates {a['peers'][NNLAB_MODEL]['updates']:,} "
           f"(nnlab's advance reported {a['nnlab_updates_reported']:,}; stable: {a['nnlab_stable']}), flips "
           f"{a['peers'][NNLAB_MODEL]['flips']}; trace rows: {a['nnlab_trace_rows']}.",
           f"- final energy {a['final_energy_direct']:.6g} (evaluated directly); the incrementally recorded ones minus "
           "it: " + ", ".join(f"{k} {v['energy_recorded_minus_direct']:.2g}" for k, v in a["peers"].items()
                               if "energy_recorded_minus_direct" in v) + ".",
           f"- W built by the peer file identical to nnlab's: {a['W_built_here_identical_to_nnlab']}. Probe overlap "
           f"with pattern 0: {a['probe_overlap_pattern0']:.3g}, largest |overlap|: {a['probe_overlap_max']:.3g}; "
           f"after the run: largest |overlap| {a['final_overlap_max']:.3g} (a spurious state, still moving).",
           f"- a replay with exact integer net inputs (n h_i = sum_j c_ij x_j) meets **{a['exact_ties']}** exact ties "
           f"(h_i = 0, where the float sum's rounding would decide) and ends in the same state: "
           f"{a['exact_integer_replay_same_state']}; smallest nonzero |h_i|: {a['smallest_nonzero_abs_h']:.3g}."]
    tg = res["targets"][0]
    out += ["", "Target:",
            f"- {verdict(tg['pass'])}: {tg['target']}: **{tg['value']:.3g}x** median ({tg['nnlab_rate_median']:.3g} "
            f"against {tg['hand_rate_median']:.3g} updates/s), {tg['best_ratio']:.3g}x best (needs "
            f"{tg['threshold']:g}x); nnlab's kernel alone {tg['kernel_over_hand']:.3g}x; nnlab's model against the "
            f"hand loop with nnlab's flags (fastmath={{reassoc, contract}}): {tg['model_over_same_flags']:.3g}x."]
    dec = res.get("decomposition")
    if dec:
        drow = [[k, v["ms_median"], v["ms_min"], f"{v['minor_faults_median']:,.0f}",
                 "-" if v["kernel_ms_median"] is None else f"{v['kernel_ms_median']:.3g}",
                 "-" if v["outside_kernel_ms_median"] is None else f"{v['outside_kernel_ms_median']:.3g}"]
                for k, v in dec["variants"].items()]
        out += ["", f"Where the time goes ({dec['runs']} rounds of every variant; ms for the {res['updates']:,} updates; "
                f"minor page faults = first touches of fresh memory, {dec['page_kib']:g} KiB pages; the model's "
                f"traces hold {dec['trace_capacity_rows_after']:,} rows, {dec['trace_mib_after']:.1f} MiB, after a "
                "run):", "",
                table(["variant", "ms median", "ms min", "minor faults", "in kernel calls ms", "outside ms"], drow), "",
                "cProfile of one `advance`:", "", "```", dec["profile_text"].strip(), "```"]
    return out


def capacity_md(res: dict[str, Any], repeats: int) -> list[str]:
    others = res["others_cpu_share_by_peer"]
    ratios = {r["peer"]: r["nnlab_over_peer"] for r in res["ratios"]}
    rows = []
    for t in res["timings"]:
        s = res["sweep_s"][t.peer.label]
        rows.append([t.peer.label, s["median_s"], s["best_s"], t.first_run_s,
                     t.peer.units / t.median_s, f"{100 * others[t.peer.label]:.0f} %",
                     f"**{ratios[t.peer.label]:.3g}x**" if t.peer.label in ratios else "-",
                     ("extrapolated from " + f"{s['measured_median_s']:.3g} s measured; " if s["extrapolated"] else "")
                     + t.peer.note])
    spec = res["spec"]
    rates = res["rates"]
    ov = rates["nnlab_over_seeds"]
    crow = []
    for a, b, e, c in zip(res["course"]["seed0"], res["course"]["over_seeds"], res["course"]["exact_over_seeds"],
                          res["course"]["numpy"]):
        crow.append([a["n"], f"{a['n'] / spec['N']:.2f}", f"{100 * a['course']:.1f} %",
                     f"{100 * a['rate']:.1f} % ({100 * a['diff']:+.1f}, {a['within']})",
                     f"{100 * b['rate']:.1f} % ({100 * b['diff']:+.1f}, {b['within']})",
                     f"{100 * e['rate']:.1f} % ({100 * e['diff']:+.1f}, {e['within']})",
                     f"{100 * c['rate']:.0f} % ({100 * c['diff']:+.0f})"])
    fresh = res["fresh_process"]

    def spread(v: dict[str, Any], key: str) -> str:
        xs = v[f"{key}_all"]
        return f"{v[key]:.2f} s" + (f" (median of {len(xs)}: " + ", ".join(f"{x:.2f}" for x in xs) + ")"
                                    if len(xs) > 1 else "")

    fresh_txt = "; ".join(f"{k.replace('_', ' ')}: first sweep {spread(v, 'first_sweep_s')}, second "
                          f"{v['second_sweep_s']:.2f} s, import {v['import_s']:.2f} s" if "first_sweep_s" in v
                          else f"{k}: failed {v.get('error')}" for k, v in fresh.items()
                          if k in ("cold_cache", "warm_cache"))
    fresh_txt += f"; other processes used {100 * fresh['others_cpu_share']:.0f} % of the machine meanwhile"
    wu = res["fresh_warmup"]
    if "warmup_s" in wu:
        fresh_txt += (f". The Hopfield `kernels.warmup` (`nnlab warmup`, the lab's start) on an empty cache: "
                      f"{spread(wu, 'warmup_s')}; per kernel (medians) "
                      + ", ".join(f"{WARMUP_STEPS.get(k, k)} {v:.2f} s" for k, v in wu["steps_s"].items()
                                  if k in WARMUP_STEPS))
    tg = res["targets"][0]
    out = ["", f"## capacity: N = {spec['N']}, n = {spec['n']}, {spec['trials_per_n']} trials each", "",
           f"spec: `{spec}`", "", machine_line(res, repeats), "",
           table(["peer", "sweep s median", "best", "first run s", "recalls/s median", "others' CPU",
                  "peer / nnlab (sweep time)", "notes"], rows), "",
           f"First sweep in a fresh process (`nnlab` imported, then `CapacityModel(...).advance(30)`): {fresh_txt}.", "",
           f"Recall rates (fraction of trials ending exactly on pattern 0) beside the course's table; in brackets the "
           f"difference in percentage points and the band it falls in (5 or 10 points). nnlab seed 0 is the timed "
           f"sweep ({spec['trials_per_n']} trials per n); over seeds: seeds 0..{ov['seeds'] - 1}, {ov['trials_per_n']} "
           f"trials per n; exact: the same {ov['seeds']} seeds' trials replayed in exact integer arithmetic (exact "
           f"ties decided by the tie rule +1); numpy: {rates['numpy_trials']} trials per n, its own draws.", "",
           table(["n", "load n/N", "course", "nnlab seed 0", f"nnlab, {ov['seeds']} seeds",
                  f"exact, {ov['seeds']} seeds", "numpy"], crow), "",
           *agreement_lines(res["agreement"]), "", "cProfile of one sweep (kernels compiled; the profiler adds its "
           "overhead):", "", "```", res["profile_text"].strip(), "```", "", "Target:",
           f"- {verdict(tg['pass'])}: {tg['target']}: **{tg['value']:.3g} s** median ({tg['best']:.3g} s best); first "
           f"run in this process {tg['first_run_s']:.3g} s; fresh process "
           + ", ".join(f"{k.replace('_', ' ')} {v:.3g} s" for k, v in tg["fresh_process"].items() if v is not None)
           + "."]
    return out


def agreement_lines(a: dict[str, Any]) -> list[str]:
    def peer(name: str, label: str) -> str:
        d = a["peers"][name]
        if d["identical"]:
            return f"- {label}: nnlab's rates at every n, **identical**."
        return (f"- {label}: **not identical**: {d['recalls_differing']} recalls differ (net {d['total_recalls']:+d}) "
                f"at n = {', '.join(map(str, d['points_differing']))}; largest difference "
                f"{100 * d['max_abs']:.0f} points, {d['max_abs_z']:.2g} standard errors of a difference of two "
                "independent rates.")

    td = a["trials_differing"]
    ov = a["over_seeds"]
    diff = np.asarray(ov["nnlab_minus_exact"])
    return ["Agreement (the same sweep, seed 0, the same draws of patterns, probes and orders):",
            peer("hand_reassoc", "hand-written loop with nnlab's flags (fastmath={reassoc, contract})"),
            peer("hand_plain", "plain hand-written loop (no fastmath)"),
            peer("exact_integer", "exact integer replay (ties decided by the tie rule)"),
            f"- trials ending differently: plain against reassoc {td['hand_plain_vs_hand_reassoc']}, exact against "
            f"reassoc {td['exact_vs_hand_reassoc']}, exact against plain {td['exact_vs_hand_plain']} (of "
            f"{a['trials']:,}). The exact replay meets {a['exact_ties_seed0']:,} exact ties (h = 0) in "
            f"{a['trials_with_exact_ties_seed0']} trials ({a['trials_with_exact_ties_seed0_even_n']} at even n, "
            f"{a['trials_with_exact_ties_seed0_odd_n']} at odd n): there the float sum's rounding, which depends on "
            "the order of the additions, decides the unit.",
            f"- over seeds 0..{ov['seeds'] - 1}: {100 * ov['trials_with_exact_ties_share']:.0f} % of the trials meet an "
            f"exact tie; nnlab's rates minus the exact replay's: largest {100 * np.abs(diff).max():.1f} points, mean "
            f"{100 * diff.mean():+.2f} points over the 30 n."]


def markdown(header: dict[str, Any], results: dict[str, dict[str, Any]], repeats: dict[str, int]) -> str:
    m = header["machine"]
    v = header["versions"]
    out = [f"# hopfield_bench results ({header['generated']})", "",
           f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {v['python']}; numpy {v['numpy']}, "
           f"numba {v['numba']}, llvmlite {v['llvmlite']}. nnlab: `{header['nnlab_source']}`. numba cache: "
           f"{'fresh (cold compile in first runs)' if header['fresh_numba_cache'] else 'warm (--warm-numba-cache)'}."]
    if "recall" in results:
        out += recall_md(results["recall"], repeats["recall"])
    if "capacity" in results:
        out += capacity_md(results["capacity"], repeats["capacity"])
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 rounds (recall), 2 (capacity), 2 numpy trials, 3 seeds")
    ap.add_argument("--repeats", type=int, help="rounds after the warm-up (default 40 for recall, 10 for capacity)")
    ap.add_argument("--workloads", help="comma-separated subset of recall,capacity (default both)")
    ap.add_argument("--numpy-trials", type=int, help="trials per n of the numpy capacity peer (default 5)")
    ap.add_argument("--seeds", type=int, help="capacity sweeps (seeds 0..k-1) averaged for the rates (default 20)")
    ap.add_argument("--warm-numba-cache", action="store_true",
                    help="use numba's usual cache instead of a fresh one (first runs then load, not compile)")
    args = ap.parse_args(argv)
    every = ["recall", "capacity"]
    chosen = [w.strip() for w in args.workloads.split(",") if w.strip()] if args.workloads else every
    unknown = [w for w in chosen if w not in every]
    if unknown:
        ap.error(f"--workloads: unknown {unknown}; expected some of {every}")
    repeats = {"recall": 3, "capacity": 2} if args.quick else {"recall": 40, "capacity": 10}
    if args.repeats:
        repeats = {k: args.repeats for k in repeats}
    numpy_trials = args.numpy_trials or (2 if args.quick else 5)
    seeds = args.seeds or (3 if args.quick else 20)

    header = run_header("hopfield_bench.py", sys.argv[1:])
    header["fresh_numba_cache"] = not args.warm_numba_cache
    results: dict[str, dict[str, Any]] = {}
    for name in every:
        if name not in chosen:
            continue
        results[name] = (run_recall(repeats[name]) if name == "recall"
                         else run_capacity(repeats[name], numpy_trials, seeds, 1 if args.quick else 3))
    md = markdown(header, results, repeats)
    payload = {**header, "repeats": repeats, "quick": args.quick, "numba_cache": os.environ.get("NUMBA_CACHE_DIR"),
               "targets": [{k: v for k, v in t.items() if k in ("target", "value", "threshold", "pass", "best_ratio",
                                                               "best", "first_run_s", "fresh_process")}
                           for r in results.values() for t in r["targets"]],
               "workloads": {k: {kk: vv for kk, vv in v.items() if kk != "timings"} for k, v in results.items()}}
    js, mdp = write_results(result_name("hopfield_bench", args.quick, chosen, every), payload, md)
    print("\n" + md)
    print(f"\nwrote {js} and {mdp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
