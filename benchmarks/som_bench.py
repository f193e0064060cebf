"""The SOM lab's training epoch against MiniSom 2.3.6, a hand-written numba loop and a plain numpy loop, in one
process.

Run with the bench venv (minisom==2.3.6):

    /work/benchvenv/bin/python benchmarks/som_bench.py [--quick] [--repeats N] [--threads N] [--warm-numba-cache]

The workload: a 20 x 20 rect map on 10,000 random colours (U[0, 1]^3, seed 1), one epoch (10,000 samples), gaussian
neighbourhood exp(-d^2 / 2 sigma^2) on the lattice distance, exponential decay over the epoch of sigma 3 -> 0.5 and
the learning rate 0.5 -> 0.01 (a (b/a)^(t/T), T = 10,000). Every peer starts from nnlab's initial weights
(init='random', seed 0) and presents the samples in nnlab's order with nnlab's t and T (som_peers.py has the exact
definitions). Peers: nnlab `SOMModel.advance(default_steps())` on a fresh model, the lab's run of one epoch
(training, then QE and TE on all 10,000 samples; advance counted epochs at 80a43e0, samples since) and, for
information, its training kernel `kernels.train_samples` alone; MiniSom 2.3.6 `train(x[order], 10000)` with the
gaussian, the rectangular lattice and nnlab's schedule for sigma and the learning rate passed explicitly
(construction not timed); a hand-written `@numba.njit(cache=True)` loop (one exp per unit); a numpy loop over the
samples. Each peer runs once as a warm-up (`first run`, compile included: numba's cache starts empty unless
`--warm-numba-cache`), then rounds run every peer once each, setup and the epoch timed apart. Rates are samples/s
over the median and the best epoch; ratios are nnlab's median rate over the peer's. Targets: nnlab >= 20x MiniSom
and nnlab >= 0.8x the hand-written numba loop (samples/s, median), each with nnlab's advance (its evaluation
included) and with the training kernel alone. Agreement: the quantization error of every peer's final weights,
computed the same way for all, and max |W - W_nnlab| (every peer follows nnlab's order and init). Untimed extras:
nnlab's evaluation alone, what the installed MiniSom does (decay signatures and defaults, its gaussian against
nnlab's), a cProfile of MiniSom's epoch. numpy's BLAS (and OpenMP, MKL) get one thread, as in nnlab's app, unless
`--threads N` (no timed peer calls BLAS). Every table reports the share of the machine other processes used
meanwhile. Results go to benchmarks/results/som_bench.{json,md} (som_bench.quick.* with --quick).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import Any

from bench_env import THREAD_VARS, THREADS  # first: sets the threads and the numba cache

import numpy as np  # noqa: E402

# Imported with the flag, so that mlp_bench and hopfield_bench leave the cache chosen above alone.
_argv, sys.argv = sys.argv, [*sys.argv, "--warm-numba-cache"]
from hopfield_bench import timed_rounds  # noqa: E402
from mlp_bench import cprofile, numpy_blas, profile_table  # noqa: E402

sys.argv = _argv

import som_peers  # noqa: E402
from harness import Timing, result_name, run_header, table, verdict, write_results  # noqa: E402
from machine_load import CORES  # noqa: E402
from mlp_peers import BLAS_DEFAULT_THREADS  # noqa: E402

WORKLOAD = "colours"
NNLAB_ADVANCE = "nnlab advance, one epoch"
TITLE = ("one epoch of a 20 x 20 rect map on 10,000 random colours, gaussian neighbourhood, exponential decay "
         "sigma 3 -> 0.5, lr 0.5 -> 0.01")
TARGETS = (("advance", "train", 20.0, "MiniSom"), ("advance", "hand", 0.8, "the hand-written numba loop"),
           ("kernel", "train", 20.0, "MiniSom"), ("kernel", "hand", 0.8, "the hand-written numba loop"))
"""(nnlab method, peer method, least ratio of median rates, peer's name): each a PASS/FAIL line."""
NNLAB_HOW = {"advance": "advance over one epoch, its QE/TE evaluation included (as the lab runs an epoch)",
             "kernel": "training kernel alone (like for like)"}
AGREE_TOL = 1e-10
"""max |W - W_nnlab| after the epoch, for every peer (all follow nnlab's order, init and schedule)."""


def by_method(timings: list[Timing], method: str) -> Timing | None:
    return next((t for t in timings if t.peer.method == method), None)


# -- the workload -----------------------------------------------------------------------------------------------
def agreement(spec: som_peers.SOMSpec, x: np.ndarray, W0: np.ndarray, timings: list[Timing]) -> dict[str, Any]:
    """Every peer's QE (the same computation for all) and max |W - W_nnlab advance|, and what nnlab's advance
    did: one epoch (the model at epoch 1, sample 0) and one evaluation."""
    m = som_peers.nnlab_model(spec, x)
    nn = by_method(timings, "advance").result
    rows = {t.peer.label: {"qe": t.result["qe"], "qe_minus_nnlab": t.result["qe"] - nn["qe"],
                           "max_abs_diff_W_nnlab": t.result["max_abs_diff_W_nnlab"],
                           "ok": t.result["max_abs_diff_W_nnlab"] <= AGREE_TOL} for t in timings}
    return {"peers": rows, "tolerance_max_abs_diff_W": AGREE_TOL, "all_ok": all(r["ok"] for r in rows.values()),
            "qe_initial_weights": som_peers.quantization_error(W0, x),
            "nnlab_own_qe": nn["nnlab_qe"], "nnlab_own_te": nn["nnlab_te"],
            "nnlab_own_qe_minus_check": nn["nnlab_qe"] - nn["qe"],
            "nnlab_advance": {k: nn[k] for k in ("advance_arg", "epoch", "i", "evaluations")},
            "nnlab_advance_one_epoch": (nn["epoch"], nn["i"], nn["evaluations"]) == (1, 0, 1),
            "data_identical_to_nnlab_x": bool(np.array_equal(m.x, x)),
            "nnlab_same_initial_weights": bool(np.array_equal(m.Wt.T, W0))}


def targets(timings: list[Timing]) -> list[dict[str, Any]]:
    out = []
    for nn_method, peer_method, threshold, name in TARGETS:
        nn, pe = by_method(timings, nn_method), by_method(timings, peer_method)
        row: dict[str, Any] = {"target": f"nnlab >= {threshold:g}x {name}", "how": NNLAB_HOW[nn_method],
                               "threshold": threshold}
        if nn is None or pe is None:
            out.append({**row, "pass": None, "not_measured": "peer missing"})
            continue
        r = nn.rate_median / pe.rate_median
        out.append({**row, "nnlab": nn.peer.label, "peer": pe.peer.label, "value": r,
                    "best_ratio": nn.rate_best / pe.rate_best, "nnlab_ms_median": 1e3 * nn.median_s,
                    "peer_ms_median": 1e3 * pe.median_s,
                    "paired_median": statistics.median(b / a for a, b in zip(nn.run_s, pe.run_s)),
                    "needs_nnlab_ms_at_most": 1e3 * pe.median_s / threshold, "pass": r >= threshold})
    return out


def run_workload(repeats: int, profile_epochs: int) -> dict[str, Any]:
    spec = som_peers.SPEC
    print(f"\n== {WORKLOAD}: {TITLE}", flush=True)
    x = som_peers.load_data(spec)
    peers, ref = som_peers.peers(spec, x)
    rounds = timed_rounds(peers, repeats)
    W0, order = ref()
    timings = rounds["timings"]
    nn = by_method(timings, "advance")
    som_peers.finish(nn.result, x)
    W_nnlab = nn.result["W"]
    nn.result["max_abs_diff_W_nnlab"] = 0.0
    for t in timings:
        if t is not nn:
            som_peers.finish(t.result, x, W_nnlab)
    for t in timings:
        t.result.pop("W", None)
    nnlab = [t for t in timings if t.peer.family == "nnlab"]
    ratios = [{"peer": t.peer.label, **{f"{n.peer.label} / peer": n.rate_median / t.rate_median for n in nnlab},
               **{f"{n.peer.label} / peer (best)": n.rate_best / t.rate_best for n in nnlab}}
              for t in timings if t.peer.family != "nnlab"]
    prof = cprofile(som_peers.minisom_train_fn(spec, x, W0, order), profile_epochs, top=10)
    return {"title": TITLE, "metric": "samples/s", "spec": spec.describe(), **rounds,
            "peers": [t.summary() for t in timings], "ratios": ratios, "targets": targets(timings),
            "agreement": agreement(spec, x, W0, timings), "nnlab_evaluate": som_peers.nnlab_evaluate_ms(spec, x),
            "minisom_facts": som_peers.minisom_facts(spec, x, W0, order), "exps_per_sample": som_peers.exp_share(spec),
            "profile_minisom_train": prof}


# -- report -----------------------------------------------------------------------------------------------------
def peer_table(res: dict[str, Any]) -> str:
    timings: list[Timing] = res["timings"]
    nnlab = [t for t in timings if t.peer.family == "nnlab"]
    others = res["others_cpu_share_by_peer"]
    agree = res["agreement"]["peers"]
    rows = []
    for t in timings:
        ratios = [f"**{n.rate_median / t.rate_median:.3g}x** ({n.rate_best / t.rate_best:.3g}x)"
                  if t is not n else "-" for n in nnlab]
        a = agree[t.peer.label]
        rows.append([t.peer.label, t.rate_median, t.rate_best, 1e3 * t.median_s, 1e3 * t.best_s,
                     1e3 * float(np.median(t.setup_s)), t.first_run_s, f"{100 * others[t.peer.label]:.0f} %",
                     f"{a['qe']:.6f}", f"{a['max_abs_diff_W_nnlab']:.2g}", *ratios, t.peer.note])
    header = ["peer", "samples/s median", "best", "epoch ms median", "epoch ms best", "setup ms", "first run s",
              "others' CPU", "QE after", "max abs(W - W_nnlab)",
              *[f"{n.peer.label.removeprefix('nnlab ')} / peer, median (best)" for n in nnlab], "notes"]
    return table(header, rows)


def target_lines(res: dict[str, Any]) -> list[str]:
    out = []
    for t in res["targets"]:
        if t["pass"] is None:
            out.append(f"- NOT MEASURED: {t['target']} ({t['how']}): {t['not_measured']}")
            continue
        out.append(f"- {verdict(t['pass'])}: {t['target']}, nnlab {t['how']}: {t['nnlab']} over {t['peer']}: "
                   f"**{t['value']:.3g}x** median ({t['nnlab_ms_median']:.3g} against {t['peer_ms_median']:.3g} ms "
                   f"per epoch), {t['best_ratio']:.3g}x best, {t['paired_median']:.3g}x paired (needs "
                   f"{t['threshold']:g}x: an epoch of at most {t['needs_nnlab_ms_at_most']:.3g} ms)")
    measured = [t for t in res["targets"] if t["pass"] is not None]
    ok = sum(t["pass"] for t in measured)
    out.append(f"- **{ok} of {len(measured)} measured comparisons pass** ({len(res['targets']) - len(measured)} "
               "not measured).")
    return out


def agreement_lines(res: dict[str, Any]) -> list[str]:
    a = res["agreement"]
    bad = [k for k, v in a["peers"].items() if not v["ok"]]
    return [f"- QE (mean over all {res['spec']['samples']:,} samples of the distance to the nearest unit, from "
            f"differences, float64, from each peer's final weights) in the table; {a['qe_initial_weights']:.6f} "
            "from the initial weights. Minus nnlab advance's: "
            + "; ".join(f"{k} {v['qe_minus_nnlab']:+.2g}" for k, v in a["peers"].items()
                        if k != NNLAB_ADVANCE) + ".",
            "- max abs(W - W_nnlab) after the epoch, every peer from nnlab's initial weights in nnlab's order: "
            + ("all within " if not bad else "**not all** within ") + f"{a['tolerance_max_abs_diff_W']:g}"
            + (f" (outside: {', '.join(bad)})" if bad else "") + ".",
            f"- nnlab's own read-outs after the epoch: QE {a['nnlab_own_qe']:.6f} (minus this check: "
            f"{a['nnlab_own_qe_minus_check']:.2g}), TE {100 * a['nnlab_own_te']:.2f} %; data identical to nnlab's: "
            f"{a['data_identical_to_nnlab_x']}; nnlab starts from the weights given to the peers: "
            f"{a['nnlab_same_initial_weights']}.",
            f"- nnlab's timed call: advance({a['nnlab_advance']['advance_arg']:,}) (default_steps() of a fresh "
            f"model: advance counts {'epochs' if a['nnlab_advance']['advance_arg'] == 1 else 'samples'} in this "
            f"nnlab), leaving the model at epoch {a['nnlab_advance']['epoch']}, sample {a['nnlab_advance']['i']}, "
            f"after {a['nnlab_advance']['evaluations']} evaluation(s): "
            + ("one epoch, as intended." if a["nnlab_advance_one_epoch"] else "**not one epoch: the rates are "
               "wrong**.")]


def minisom_lines(res: dict[str, Any]) -> list[str]:
    f = res["minisom_facts"]
    d, sch, g, w = f["defaults"], f["schedule_max_abs_diff"], f["gaussian_max_abs_diff"], f["first_winner"]
    e = res["exps_per_sample"]
    return [f"MiniSom {f['version']}, as installed (som_peers.py's docstring has the details):",
            f"- `sigma_decay_function` given a callable: {f['sigma_decay_function_callable']}. Only "
            "`decay_function` (the learning rate) takes a callable f(start, t, max_iter); the exponential sigma "
            "schedule is set on `_sigma_decay_function` after construction, which `update()` calls the same way.",
            f"- Defaults: decay_function {d['decay_function']}, sigma_decay_function {d['sigma_decay_function']} "
            f"(a / (1 + 2 t / T): {d['lr_at_T_over_lr0']:.3g} and {d['sigma_at_T_over_sigma0']:.3g} of the start "
            f"at t = T), neighborhood {d['neighborhood_function']}, topology {d['topology']}. Here both decays "
            "are passed explicitly.",
            f"- The schedule as MiniSom evaluates it here, against nnlab's `sigma_eta(t)` at every t of the epoch: "
            f"max abs diff sigma {sch['sigma']:.2g}, eta {sch['eta']:.2g}; at the last sample (t = "
            f"{f['schedule_last_sample']['t']:,}) sigma {f['schedule_last_sample']['sigma']:.6g}, eta "
            f"{f['schedule_last_sample']['eta']:.6g} (the end values are reached at t = T; no floor).",
            f"- Its gaussian is separable, exp(-di^2 / 2 sigma^2) exp(-dj^2 / 2 sigma^2) on integer map "
            f"coordinates (i, j) = (row, col): against nnlab's neighbourhood kernel max abs diff "
            f"{g['vs_nnlab_kernel']:.2g}, against exp(-d^2 / 2 sigma^2) on the Euclidean lattice distance "
            f"{g['vs_exp_of_squared_euclidean_distance']:.2g} (every BMU, sigma "
            f"{', '.join(f'{s:g}' for s in g['sigmas'])}). It evaluates both factors on the whole 20 x 20 grid: "
            f"{e['minisom_separable_but_full_grid']:.0f} exponentials a sample, against nnlab's "
            f"{e['nnlab_separable']:.0f} (rows + cols) and the hand loop's {e['hand_loop']:.0f}.",
            f"- Winner of the first sample: MiniSom {tuple(w['minisom'])} = unit {w['minisom_as_unit']}, nnlab unit "
            f"{w['nnlab_unit']} (MiniSom ranks by the norm |x - W|, nnlab by its square: the same order but for "
            "ties the square root makes)."]


def extra_lines(res: dict[str, Any]) -> list[str]:
    ev = res["nnlab_evaluate"]
    adv = next(t for t in res["timings"] if t.peer.method == "advance")
    out = [(f"nnlab's per-epoch read-out alone (`kernels.evaluate`: QE and TE on all {ev['evaluate_rows']:,} "
            f"samples, median ms): {ev['evaluate_ms']:.2f}, {100 * ev['evaluate_ms'] / (1e3 * adv.median_s):.0f} % "
            f"of its advance epoch (the training kernel's row shows the rest)." if "error" not in ev else
            f"nnlab's evaluation could not be timed alone: {ev['error']}"), "", *minisom_lines(res)]
    prof = res["profile_minisom_train"]
    out += ["", f"cProfile of MiniSom train ({prof['epochs']} epoch(s); {1e3 * prof['epoch_s_unprofiled']:.0f} ms per "
            f"epoch unprofiled, {1e3 * prof['epoch_s_profiled']:.0f} profiled; numpy operators count as the "
            "caller's own time):", "", profile_table(prof, 10)]
    return out


def markdown(header: dict[str, Any], res: dict[str, Any], repeats: int) -> str:
    m, th = header["machine"], header["threads"]
    probe = " / ".join(f"{v:.0f}" for v in res["speed_probe_ms_before_after"])
    load = " / ".join(f"{v[0]:.2f}" for v in res["load_avg_before_after"])
    out = [f"# som_bench results ({header['generated']})", "",
           f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {header['versions']['python']}; "
           f"numpy BLAS {header['numpy_blas']}. Versions: "
           + ", ".join(f"{k} {v}" for k, v in header["versions"].items() if k != "python" and v != "not installed")
           + f". nnlab: `{header['nnlab_source']}`.", "",
           f"Threads: {', '.join(f'{k}={v}' for k, v in th['env'].items())} ({th['set_by']}), set before numpy was "
           f"imported; numpy's OpenBLAS runs {th['numpy_openblas_threads']} thread(s) (no timed peer calls BLAS). "
           f"numba cache: "
           f"{'fresh (cold compile in first runs)' if header['fresh_numba_cache'] else 'warm (--warm-numba-cache)'}.",
           "", f"## {WORKLOAD}: {res['title']}", "", f"spec: `{res['spec']}`", "",
           f"{repeats} rounds after 1 warm-up run. Speed probe (ms for a fixed Python loop, before / after): {probe}; "
           f"load average {load}; wall {res['wall_s']:.0f} s; other processes used {100 * res['others_cpu_share']:.0f}"
           f" % of the machine ({CORES} cores) meanwhile.", "",
           peer_table(res), "",
           "Ratios: the nnlab row's median rate over the peer's (best over best). \"others' CPU\": the share of the "
           "machine other processes used during the peer's timed runs. `first run`: setup and epoch of the warm-up, "
           "numba's compile included.", "",
           "Verdict:", *target_lines(res), "",
           "\"paired\": the median over rounds of the round's ratio. The verdict uses the median rates.", "",
           "Agreement:", *agreement_lines(res), "", *extra_lines(res)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 rounds, 1 profiled epoch: a smoke run")
    ap.add_argument("--repeats", type=int, help="rounds after the warm-up (default 30; 2 --quick)")
    ap.add_argument("--threads", type=int, help="OPENBLAS/OMP/MKL_NUM_THREADS (default 1, as nnlab's app)")
    ap.add_argument("--warm-numba-cache", action="store_true",
                    help="use numba's usual cache instead of a fresh one (first runs then load, not compile)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 30)
    try:
        som_peers.minisom_version()
    except Exception:  # noqa: BLE001 - PackageNotFoundError
        print(f"som_bench.py needs MiniSom: /work/benchvenv/bin/pip install minisom=={som_peers.MINISOM_VERSION}",
              file=sys.stderr)
        return 2
    header = run_header("som_bench.py", sys.argv[1:])
    header["versions"]["minisom"] = som_peers.minisom_version()
    if header["versions"]["minisom"] != som_peers.MINISOM_VERSION:
        print(f"  note: MiniSom {header['versions']['minisom']} installed, the bench is written for "
              f"{som_peers.MINISOM_VERSION}", flush=True)
    header["numpy_blas"] = numpy_blas()
    header["threads"] = {"env": {k: os.environ.get(k) for k in THREAD_VARS},
                         "set_by": f"--threads {THREADS}" if THREADS else "default: 1, as nnlab's app",
                         "numpy_openblas_threads": BLAS_DEFAULT_THREADS}
    header["fresh_numba_cache"] = not args.warm_numba_cache
    res = run_workload(repeats, 1 if args.quick else 3)
    md = markdown(header, res, repeats)
    payload = {**header, "repeats": repeats, "quick": args.quick, "numba_cache": os.environ.get("NUMBA_CACHE_DIR"),
               "targets": [{k: v for k, v in t.items() if k in ("target", "how", "nnlab", "peer", "value", "threshold",
                                                               "pass", "best_ratio", "paired_median",
                                                               "needs_nnlab_ms_at_most", "not_measured")}
                           for t in res["targets"]],
               "workloads": {WORKLOAD: {k: v for k, v in res.items() if k != "timings"}}}
    js, mdp = write_results(result_name("som_bench", args.quick, [WORKLOAD], [WORKLOAD]), payload, md)
    print("\n" + md)
    print(f"\nwrote {js} and {mdp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
