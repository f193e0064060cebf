"""Neuron-lab cores against their peers, side by side in one process: LIF population, HH neuron, HH population.

Run with the bench venv (numpy < 2.4 for Brian2):

    /work/benchvenv/bin/python benchmarks/neuron_bench.py [--quick] [--repeats 5] [--workloads lif,hh_single,hh_pop]

Each peer runs once as a warm-up (its `first run`, compile included: numba's cache and Brian2's
Cython cache start empty), then `--repeats` rounds run every peer once each, with setup and run
timed apart (rounds, not one peer after another, so that a slow spell of the shared machine falls
on all peers alike). Rates are work
units (neuron-steps, or steps for one neuron) over the median and the best run time. Ratios are
nnlab's median rate over the peer's, nnlab taking the same integrator or convention as the peer
where it has one. Results go to benchmarks/results/neuron_bench.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any

# Fresh numba cache before anything imports numba, so `first run` shows nnlab's cold compile.
if "--warm-numba-cache" not in sys.argv:
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="nnlab-bench-numba-")

import numpy as np  # noqa: E402

import hh_peers  # noqa: E402
import lif_peers  # noqa: E402
from harness import (Timing, measure_all, result_name, run_header, speed_probe,
                     table, verdict, write_results)  # noqa: E402


# -- ratios -------------------------------------------------------------------------------------------
def nnlab_for(timings: list[Timing], method: str, default: str) -> Timing:
    """nnlab's row with this method, else its `default` row."""
    rows = {t.peer.method: t for t in timings if t.peer.family == "nnlab"}
    return rows.get(method, rows[default])


def ratio_rows(timings: list[Timing], default: str) -> list[dict[str, Any]]:
    """nnlab / peer for every peer: against nnlab with the same method, and against nnlab `default`."""
    out = []
    for t in timings:
        if t.peer.family == "nnlab":
            continue
        same = nnlab_for(timings, t.peer.method, default)
        base = nnlab_for(timings, default, default)
        out.append({"peer": t.peer.label, "method": t.peer.method, "nnlab_row": same.peer.label,
                    "ratio_same_method": same.rate_median / t.rate_median,
                    "ratio_same_method_best": same.rate_best / t.rate_best,
                    f"ratio_nnlab_{default}": base.rate_median / t.rate_median})
    return out


# -- checks -------------------------------------------------------------------------------------------
def count_diff(a: np.ndarray, b: np.ndarray) -> dict[str, int]:
    """How far two per-neuron spike counts are apart."""
    d = np.abs(a.astype(np.int64) - b.astype(np.int64))
    return {"neurons_differing": int(np.count_nonzero(d)), "max_abs_diff": int(d.max(initial=0)),
            "total_diff": int(b.sum() - a.sum())}


def lif_checks(spec: lif_peers.LIFSpec, timings: list[Timing]) -> dict[str, Any]:
    """Spike counts of every peer against nnlab and the closed forms of each convention."""
    T = spec.steps * spec.dt
    by = {t.peer.label: t.result for t in timings}
    ref = by["nnlab LIFModel (euler)"]
    exact = by["nnlab LIFModel (exact)"]
    hold2 = lif_peers.discrete_counts(spec, spec.ref_steps)
    hold1 = lif_peers.discrete_counts(spec, spec.ref_steps - 1)
    analytic = lif_peers.analytic_counts(spec)
    peers = {}
    for label, r in by.items():
        peers[label] = {
            "spikes_total": r["spikes_total"],
            "mean_rate_hz": r["spikes_total"] / (spec.n * T),
            "vs_nnlab_euler": count_diff(ref["counts"], r["counts"]),
            "vs_nnlab_exact": count_diff(exact["counts"], r["counts"]),
            f"vs_discrete_hold{spec.ref_steps}": count_diff(hold2, r["counts"]),
            f"vs_discrete_hold{spec.ref_steps - 1}": count_diff(hold1, r["counts"]),
            "vs_analytic_exact": count_diff(analytic, r["counts"]),
        }
    same_trains = {label: bool(np.array_equal(ref["spike_i"], by[label]["spike_i"])
                               and np.array_equal(ref["spike_t"], by[label]["spike_t"]))
                   for label in by if by[label] is not ref and label.startswith(("numpy", "numba"))}
    return {
        "peers": peers,
        "nnlab_euler_spike_trains_identical_to": same_trains,
        "closed_form_spikes_total": {f"discrete_hold{spec.ref_steps}": int(hold2.sum()),
                                     f"discrete_hold{spec.ref_steps - 1}": int(hold1.sum()),
                                     "analytic_exact": int(analytic.sum())},
        "analytic_mean_rate_hz": float(lif_peers.analytic_rate(spec).mean()),
        "suprathreshold_neurons": int(np.count_nonzero(spec.inputs > 1.0)),
    }


def hh_checks(spec: hh_peers.HHSpec, timings: list[Timing]) -> dict[str, Any]:
    """Spike counts of every peer against nnlab with the same integrator (over the peer's own duration)."""
    nnlab = {t.peer.method: t.result for t in timings if t.peer.family == "nnlab"}
    peers = {}
    for t in timings:
        r = t.result
        steps = int(round(t.peer.units / spec.n))
        ref = nnlab[t.peer.method]
        t_end = steps * spec.dt
        ref_counts = np.bincount(ref["spike_i"][ref["spike_t"] < t_end], minlength=spec.n)
        peers[t.peer.label] = {
            "method": t.peer.method,
            "duration_ms": t_end,
            "spikes_total": r["spikes_total"],
            "mean_rate_hz": r["spikes_total"] / (spec.n * t_end / 1000.0),
            "first_spike_ms": float(r["spike_t"].min()) if len(r["spike_t"]) else None,
            "vs_nnlab_same_method": count_diff(ref_counts, r["counts"]),
        }
    return {"peers": peers}


# -- targets -----------------------------------------------------------------------------------------------
def by_label(timings: list[Timing]) -> dict[str, Timing]:
    return {t.peer.label: t for t in timings}


def lif_targets(timings: list[Timing]) -> list[dict[str, Any]]:
    t = by_label(timings)
    nn = t["nnlab LIFModel (euler)"].rate_median
    hand = t["numba @njit (hand-written branchy loop)"].rate_median
    nengo = t["nengo (LIF ensemble, reference simulator)"].rate_median
    return [
        {"target": "LIF: nnlab Euler >= 0.5x hand-written numba", "value": nn / hand, "threshold": 0.5,
         "pass": nn / hand >= 0.5},
        {"target": "LIF: nnlab Euler >= 20x Nengo", "value": nn / nengo, "threshold": 20.0, "pass": nn / nengo >= 20.0},
    ]


def hh_single_targets(timings: list[Timing]) -> list[dict[str, Any]]:
    nn = next(t for t in timings if t.peer.family == "nnlab" and t.peer.method == "euler").rate_median
    cython = [t for t in timings if t.peer.label.startswith("brian2 cython")]
    fastest = max(cython, key=lambda t: t.rate_median)
    r = nn / fastest.rate_median
    return [{"target": f"HH 1 neuron: nnlab Euler >= 100x Brian2 cython (fastest: {fastest.peer.label})",
             "value": r, "threshold": 100.0, "pass": r >= 100.0}]


def hh_pop_targets(timings: list[Timing]) -> list[dict[str, Any]]:
    out = []
    for t in timings:
        if not t.peer.label.startswith("brian2 cython"):
            continue
        nn = nnlab_for(timings, t.peer.method, "euler")
        r = nn.rate_median / t.rate_median
        out.append({"target": f"HH 1000 neurons: {nn.peer.label} >= {t.peer.label}", "value": r, "threshold": 1.0,
                    "pass": r >= 1.0})
    return out


# -- workloads ----------------------------------------------------------------------------------------------
def workloads(quick: bool, brian2_cache: str) -> dict[str, dict[str, Any]]:
    """Spec, peers, checks and targets of each workload."""
    lif = lif_peers.LIFSpec(steps=1_000 if quick else 10_000)
    single = hh_peers.HHSpec(n=1, steps=10_000 if quick else 100_000, i_low=10.0, i_high=10.0)
    pop = hh_peers.HHSpec(n=1000, steps=1_000 if quick else 10_000, i_low=0.0, i_high=20.0)
    return {
        "lif": {"title": f"LIF population: {lif.n:,} neurons x {lif.steps:,} steps of {lif.dt * 1000:g} ms, "
                        f"J = {lif.j_low:g}..{lif.j_high:g}", "metric": "neuron-steps/s",
                "spec": lif, "default": "euler", "peers": lambda: lif_peers.peers(lif, brian2_cache),
                "checks": lambda ts: lif_checks(lif, ts), "targets": lif_targets},
        "hh_single": {"title": f"HH, one neuron: {single.steps:,} steps of {single.dt:g} ms, I = {single.i_low:g} uA/cm^2",
                      "metric": "steps/s",
                      "spec": single, "default": "euler",
                      "peers": lambda: hh_peers.single_peers(single, 1_000 if quick else 10_000, brian2_cache),
                      "checks": lambda ts: hh_checks(single, ts), "targets": hh_single_targets},
        "hh_pop": {"title": f"HH population: {pop.n:,} neurons x {pop.steps:,} steps of {pop.dt:g} ms, "
                             f"I = {pop.i_low:g}..{pop.i_high:g} uA/cm^2 ladder",
                   "metric": "neuron-steps/s", "spec": pop, "default": "euler",
                   "peers": lambda: hh_peers.population_peers(pop, brian2_cache),
                   "checks": lambda ts: hh_checks(pop, ts), "targets": hh_pop_targets},
    }


def run_workload(name: str, w: dict[str, Any], repeats: int) -> dict[str, Any]:
    """Measure every peer of one workload; checks, ratios and targets from the timings."""
    print(f"\n== {name}: {w['title']}", flush=True)
    load_before = os.getloadavg()
    probe_before = speed_probe()
    start = time.perf_counter()
    timings = measure_all(w["peers"](), repeats, log=lambda s: print(s, flush=True))
    return {
        "title": w["title"],
        "metric": w["metric"],
        "spec": w["spec"].describe(),
        "wall_s": time.perf_counter() - start,
        "load_avg_before_after": [load_before, os.getloadavg()],
        "speed_probe_ms_before_after": [probe_before, speed_probe()],
        "timings": timings,
        "peers": [t.summary() for t in timings],
        "ratios": ratio_rows(timings, w["default"]),
        "checks": w["checks"](timings),
        "targets": w["targets"](timings),
    }


# -- report ---------------------------------------------------------------------------------------------------
def peer_table(res: dict[str, Any]) -> str:
    """One row per peer: rates, times, spikes and the nnlab ratio."""
    ratios = {r["peer"]: r for r in res["ratios"]}
    checks = res["checks"]["peers"]
    rows = []
    for t in res["timings"]:
        r = ratios.get(t.peer.label)
        c = checks[t.peer.label]
        rows.append([t.peer.label, t.peer.method, t.rate_median, t.rate_best, t.median_s, t.best_s,
                     float(np.median(t.setup_s)), t.first_run_s, c["spikes_total"],
                     f"**{r['ratio_same_method']:.3g}x**" if r else "-",
                     f"{r['ratio_same_method_best']:.3g}x" if r else "-", t.peer.note])
    header = ["peer", "method", f"{res['metric']} median", "best", "run s median", "run s best", "setup s",
              "first run s", "spikes", "nnlab / peer (median)", "(best)", "notes"]
    return table(header, rows)


def check_lines(name: str, res: dict[str, Any]) -> list[str]:
    """The agreement between peers, in words."""
    ch = res["checks"]
    lines = []
    if name == "lif":
        same = ", ".join(f"{k}: {'identical' if v else 'DIFFERENT'}" for k, v in
                         ch["nnlab_euler_spike_trains_identical_to"].items())
        lines.append(f"- nnlab Euler spike trains (every time and index) vs {same}.")
        lines.append(f"- closed forms: {ch['closed_form_spikes_total']}; analytic mean rate "
                     f"{ch['analytic_mean_rate_hz']:.3f} Hz; {ch['suprathreshold_neurons']} neurons above threshold.")
        for label, c in ch["peers"].items():
            diffs = "; ".join(f"{k.removeprefix('vs_')}: {v['neurons_differing']} neurons differ "
                              f"(max {v['max_abs_diff']}, total {v['total_diff']:+d})"
                              for k, v in c.items() if k.startswith("vs_"))
            lines.append(f"- {label}: {c['spikes_total']} spikes, {c['mean_rate_hz']:.3f} Hz. {diffs}.")
    else:
        for label, c in ch["peers"].items():
            v = c["vs_nnlab_same_method"]
            first = f", first spike {c['first_spike_ms']:.3f} ms" if c["first_spike_ms"] is not None else ""
            lines.append(f"- {label}: {c['spikes_total']} spikes in {c['duration_ms']:g} ms "
                         f"({c['mean_rate_hz']:.2f} Hz{first}); vs nnlab {c['method']} over the same time: "
                         f"{v['neurons_differing']} neurons differ (max {v['max_abs_diff']}, total {v['total_diff']:+d}).")
    return lines


def markdown(header: dict[str, Any], results: dict[str, dict[str, Any]], repeats: int) -> str:
    m = header["machine"]
    out = [f"# neuron_bench results ({header['generated']})", "",
           f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {header['versions']['python']}; "
           f"{repeats} timed repeats after 1 warm-up run. Versions: "
           + ", ".join(f"{k} {v}" for k, v in header["versions"].items() if k != "python") + "."]
    for name, res in results.items():
        probe = " / ".join(f"{x:.0f}" for x in res["speed_probe_ms_before_after"])
        out += ["", f"## {name}: {res['title']}", "", f"spec: `{res['spec']}`", "",
                f"Speed probe (ms for a fixed Python loop, before / after; lower is a faster machine): {probe}; "
                f"wall {res['wall_s']:.0f} s.", "", peer_table(res), "",
                "Ratios: nnlab median rate / peer median rate, nnlab using the same method or convention as the "
                "peer where it has one (else Euler).", "", "Agreement:", *check_lines(name, res), "", "Targets:"]
        out += [f"- {verdict(t['pass'])}: {t['target']}: {t['value']:.3g}x (needs {t['threshold']:g}x)"
                for t in res["targets"]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the steps, 2 repeats: a smoke run")
    ap.add_argument("--repeats", type=int, help="timed repeats after the warm-up (default 5, or 2 with --quick)")
    ap.add_argument("--workloads", default="lif,hh_single,hh_pop", help="comma-separated subset")
    ap.add_argument("--brian2-cache", help="Brian2 Cython cache directory (default: a fresh one, cold compile)")
    ap.add_argument("--warm-numba-cache", action="store_true",
                    help="use numba's usual cache instead of a fresh one (first runs then load, not compile)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    cache = args.brian2_cache or tempfile.mkdtemp(prefix="nnlab-bench-brian2-")
    chosen = [w.strip() for w in args.workloads.split(",") if w.strip()]
    every = workloads(args.quick, cache)
    unknown = [w for w in chosen if w not in every]
    if unknown:
        ap.error(f"--workloads: unknown {unknown}; expected some of {list(every)}")
    header = run_header("neuron_bench.py", sys.argv[1:])
    results = {name: run_workload(name, every[name], repeats) for name in chosen}
    md = markdown(header, results, repeats)
    payload = {**header, "repeats": repeats, "quick": args.quick, "numba_cache": os.environ.get("NUMBA_CACHE_DIR"),
               "brian2_cython_cache": cache,
               "workloads": {k: {kk: vv for kk, vv in v.items() if kk != "timings"} for k, v in results.items()}}
    js, mdp = write_results(result_name("neuron_bench", args.quick, chosen, every), payload, md)
    print("\n" + md)
    print(f"\nwrote {js} and {mdp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
