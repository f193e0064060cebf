"""The RBM lab's CD training against scikit-learn's BernoulliRBM, a plain numpy CD-1 loop and PyTorch CPU, in one
process.

Run with the bench venv (scikit-learn and torch==2.13.0, the CPU build):

    /work/benchvenv/bin/python benchmarks/rbm_bench.py [--quick] [--repeats N] [--workloads digits,random]
                                                       [--threads N] [--warm-numba-cache]

Two workloads, one epoch each, batch 100, k = 1, learning rate 0.1 for weights and biases (nnlab: kappa =
gamma = 0.1): the bundled digits binarised (1,797 rows, 64 visible x 100 hidden) and 10,000 random 784-bit rows
(784 x 256). Peers (rbm_peers.py has the exact definitions): nnlab `RBMTrainModel.advance(1)` in CD-1 and PCD
(`persistent=True`), float64 and, when RBMParams has the knob, precision="float32" (and, for information, CD-1's
second epoch of a model); scikit-learn `BernoulliRBM.fit` (n_iter=1; persistent CD) in float64 and float32, and
`partial_fit` per batch; a numpy CD-1 loop and the same loop in PyTorch (1 thread and torch's own default), each
in float64 and float32. Each peer runs once as a warm-up (`first run`), then rounds run every peer once each,
setup (building the model) and the epoch timed apart. Rates are training samples/s over the median and the best
epoch; ratios are nnlab's median rate over the peer's. Target: nnlab at least 2x scikit-learn on both
workloads, compared per precision, PCD against sklearn's PCD (the same algorithm) and CD-1 against it.
Agreement: the reconstruction MSE of every peer's final weights, computed the same way for all. Untimed
extras: nnlab's per-epoch bookkeeping alone, sklearn fit's own setup (n_iter=0), the pieces of a CD-1 epoch
alone (matrix products, uniforms, logistic) and cProfiles of nnlab and sklearn. numpy's BLAS (and OpenMP, MKL)
get one thread, as in nnlab's app, unless `--threads N`. Every table reports the share of the machine other
processes used meanwhile. Results go to benchmarks/results/rbm_bench.{json,md} (rbm_bench.quick.* with
--quick).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import sys
from typing import Any

from bench_env import THREAD_VARS, THREADS  # first: sets the threads and the numba cache

import numpy as np  # noqa: E402

# Imported with the flag, so that mlp_bench and hopfield_bench leave the cache chosen above alone.
_argv, sys.argv = sys.argv, [*sys.argv, "--warm-numba-cache"]
from hopfield_bench import timed_rounds  # noqa: E402
from mlp_bench import cprofile, numpy_blas, profile_table, torch_facts  # noqa: E402

sys.argv = _argv

import rbm_peers  # noqa: E402
from harness import Timing, result_name, run_header, table, verdict, write_results  # noqa: E402
from machine_load import CORES  # noqa: E402
from mlp_peers import BLAS_DEFAULT_THREADS  # noqa: E402

TITLES = {"digits": "one CD epoch on the bundled digits binarised (1,797 rows), 64 visible x 100 hidden, batch 100",
          "random": "one CD epoch on 10,000 random 784-bit rows, 784 visible x 256 hidden, batch 100"}
TARGET_RATIO = 2.0
COMPARISONS = [(f"{algo}_{prec}", f"pcd_{prec}", f"{what}, {prec} vs {prec}")
               for prec in ("float64", "float32")
               for algo, what in (("pcd", "PCD vs sklearn's PCD (same algorithm)"), ("cd1", "CD-1 vs sklearn's PCD"))]
"""(nnlab method, sklearn fit method, what is compared): each is a verdict against TARGET_RATIO."""
AGREE_FRAC = 0.15
"""A peer's reconstruction MSE after the epoch within this fraction of the epoch's progress (MSE before minus
nnlab float64's after) of nnlab float64's; CD-1 peers against nnlab CD-1, PCD peers against nnlab PCD. The
random workload leaves little to learn and its draws are noisy, hence a loose fraction."""


# -- one workload -------------------------------------------------------------------------------------------
def by_method(timings: list[Timing], family: str, method: str) -> Timing | None:
    return next((t for t in timings if t.peer.family == family and t.peer.method == method), None)


def agreement(spec: rbm_peers.RBMSpec, x: np.ndarray, data_file: str | None, W0: np.ndarray,
              timings: list[Timing]) -> dict[str, Any]:
    """Every peer's reconstruction MSE after its (last timed) epoch, against nnlab float64 of its algorithm."""
    m = rbm_peers.nnlab_model(spec, data_file, persistent=True)
    init = rbm_peers.recon_mse(W0, np.zeros(spec.n_visible), np.zeros(spec.n_hidden), x)
    refs = {algo: by_method(timings, "nnlab", f"{algo}_float64") for algo in ("cd1", "pcd")}
    rows = {}
    for t in timings:
        algo = "cd1" if t.peer.method.startswith("cd1") else "pcd"
        ref = refs[algo].result["recon_mse"]
        mse = t.result["recon_mse"]
        why = ("its own initial weights" if t.peer.family == "sklearn" and "fit," in t.peer.label else
               "two epochs" if t.peer.method.endswith("_2nd") else "")
        rows[t.peer.label] = {"recon_mse": mse, "against": refs[algo].peer.label,
                              "progress_vs_nnlab": (init - mse) / (init - ref), "not_checked": why,
                              "ok": None if why else abs(mse - ref) <= AGREE_FRAC * (init - ref)}
    nn = refs["cd1"].result
    return {"peers": rows, "tolerance_frac_of_progress": AGREE_FRAC,
            "all_ok": all(r["ok"] is not False for r in rows.values()),
            "data_identical_to_nnlab_train_set": bool(np.array_equal(m.train, x)),
            "nnlab_pcd_same_initial_weights": bool(np.array_equal(m.W, W0)),
            "recon_mse_initial_nnlab_weights": init,
            "recon_mse_initial_sklearn_fit_weights": rbm_peers.sklearn_init_mse(spec, x),
            "nnlab_own_recon_minus_check": nn["nnlab_recon"] - nn["recon_mse"]}


def targets(name: str, timings: list[Timing], skipped: list[dict[str, str]], floors: dict[str, dict[str, float]]
            ) -> list[dict[str, Any]]:
    """Each comparison of COMPARISONS, with what the target asks for (nnlab's epoch at most sklearn's / ratio)
    beside the matrix products' floor in that precision."""
    out = []
    for nn_method, sk_method, what in COMPARISONS:
        nn, sk = by_method(timings, "nnlab", nn_method), by_method(timings, "sklearn", sk_method)
        row: dict[str, Any] = {"target": f"{name}: {what}: nnlab >= {TARGET_RATIO:g}x sklearn", "compared": what,
                               "threshold": TARGET_RATIO}
        if nn is None or sk is None:
            why = next((s["note"] for s in skipped if s["label"] == rbm_peers.nnlab_label(
                nn_method.startswith("pcd"), nn_method.split("_")[1])), "peer missing")
            out.append({**row, "pass": None, "nnlab": nn_method, "peer": sk_method, "not_measured": why})
            continue
        r = nn.rate_median / sk.rate_median
        out.append({**row, "nnlab": nn.peer.label, "peer": sk.peer.label, "value": r,
                    "best_ratio": nn.rate_best / sk.rate_best, "nnlab_ms_median": 1e3 * nn.median_s,
                    "peer_ms_median": 1e3 * sk.median_s,
                    "paired_median": statistics.median(b / a for a, b in zip(nn.run_s, sk.run_s)),
                    "needs_nnlab_ms_at_most": 1e3 * sk.median_s / TARGET_RATIO,
                    "matrix_products_alone_ms": floors[nn_method.split("_")[1]]["5 matrix products"],
                    "pass": r >= TARGET_RATIO})
    return out


def profiles(spec: rbm_peers.RBMSpec, x: np.ndarray, data_file: str | None, epochs: int) -> dict[str, Any]:
    """cProfile of nnlab advance(1) (CD-1, float64) and sklearn fit (float64): where each spends its epoch."""
    from sklearn.neural_network import BernoulliRBM

    m = rbm_peers.nnlab_model(spec, data_file)
    rbm = BernoulliRBM(n_components=spec.n_hidden, learning_rate=spec.lr, batch_size=spec.batch, n_iter=1,
                       random_state=spec.seed)
    return {"nnlab advance(1), CD-1, float64": cprofile(lambda: m.advance(1), epochs, top=10),
            "sklearn BernoulliRBM.fit, float64": cprofile(lambda: rbm.fit(x), epochs, top=10)}


def run_workload(name: str, repeats: int, tmp: str, torch_threads: list[int], profile_epochs: int) -> dict[str, Any]:
    spec = rbm_peers.SPECS[name]
    print(f"\n== {name}: {TITLES[name]}", flush=True)
    x, data_file = rbm_peers.load_data(spec, tmp)
    book = rbm_peers.nnlab_bookkeeping(spec, data_file)
    peers, skipped, W0 = rbm_peers.peers(spec, x, data_file, torch_threads, book.get("evaluate_rows"))
    for s in skipped:
        print(f"  {s['label']}: {s['note']}", flush=True)
    rounds = timed_rounds(peers, repeats)
    floors = rbm_peers.floors(spec)
    timings = rounds["timings"]
    for t in timings:
        rbm_peers.finish(t.result, x)
    nnlab = [t for t in timings if t.peer.family == "nnlab"]
    ratios = [{"peer": t.peer.label, **{f"{n.peer.label} / peer": n.rate_median / t.rate_median for n in nnlab},
               **{f"{n.peer.label} / peer (best)": n.rate_best / t.rate_best for n in nnlab}}
              for t in timings if t.peer.family != "nnlab"]
    res = {"title": TITLES[name], "metric": "samples/s", "spec": spec.describe(), **rounds,
           "peers": [t.summary() for t in timings], "skipped": skipped, "ratios": ratios,
           "targets": targets(name, timings, skipped, floors), "agreement": agreement(spec, x, data_file, W0, timings),
           "nnlab_bookkeeping": book, "sklearn_fit_n_iter_0_ms": rbm_peers.sklearn_fit_overhead(spec, x),
           "floors_ms_per_epoch": floors,
           "profiles": profiles(spec, x, data_file, profile_epochs)}
    rbm_peers.cleanup(data_file)
    return res


# -- report -------------------------------------------------------------------------------------------------
def peer_table(res: dict[str, Any]) -> str:
    timings: list[Timing] = res["timings"]
    nnlab = [t for t in timings if t.peer.family == "nnlab" and not t.peer.method.endswith("_2nd")]
    others = res["others_cpu_share_by_peer"]
    agree = res["agreement"]["peers"]
    rows = []
    for t in timings:
        dtype = t.result.get("W_dtype") or t.result.get("components_dtype") or ""
        ratios = [f"**{n.rate_median / t.rate_median:.3g}x** ({n.rate_best / t.rate_best:.3g}x)"
                  if t.peer.family != "nnlab" else "-" for n in nnlab]
        rows.append([t.peer.label, t.rate_median, t.rate_best, 1e3 * t.median_s, 1e3 * t.best_s,
                     1e3 * float(np.median(t.setup_s)), t.first_run_s, f"{100 * others[t.peer.label]:.0f} %",
                     f"{agree[t.peer.label]['recon_mse']:.5f}", dtype, *ratios, t.peer.note])
    header = ["peer", "samples/s median", "best", "epoch ms median", "epoch ms best", "setup ms", "first run s",
              "others' CPU", "recon MSE after", "final W dtype",
              *[f"{n.peer.label.removeprefix('nnlab advance(1), ')} / peer, median (best)" for n in nnlab], "notes"]
    return table(header, rows)


def target_lines(res: dict[str, Any], name: str) -> list[str]:
    out = []
    for t in res["targets"]:
        if t["pass"] is None:
            out.append(f"- NOT MEASURED: {t['target']}: {t['not_measured']}")
            continue
        out.append(f"- {verdict(t['pass'])}: {t['target']}: {t['nnlab']} over {t['peer']}: **{t['value']:.3g}x** "
                   f"median ({t['nnlab_ms_median']:.3g} against {t['peer_ms_median']:.3g} ms per epoch), "
                   f"{t['best_ratio']:.3g}x best, {t['paired_median']:.3g}x paired (needs {t['threshold']:g}x: an "
                   f"epoch of at most {t['needs_nnlab_ms_at_most']:.3g} ms; the five matrix products of a CD-1 epoch "
                   f"alone take {t['matrix_products_alone_ms']:.3g} ms in this precision)")
    measured = [t for t in res["targets"] if t["pass"] is not None]
    ok = sum(t["pass"] for t in measured)
    out.append(f"- **{name}: nnlab >= {TARGET_RATIO:g}x scikit-learn: {ok} of {len(measured)} measured comparisons "
               f"pass** ({len(res['targets']) - len(measured)} not measured).")
    return out


def agreement_lines(res: dict[str, Any]) -> list[str]:
    a = res["agreement"]
    bad = [k for k, v in a["peers"].items() if v["ok"] is False]
    unchecked = "; ".join(f"{k}, {v['not_checked']}" for k, v in a["peers"].items() if v["ok"] is None)
    return [f"- reconstruction MSE (mean over all {res['spec']['samples']:,} rows of (v - sigmoid(W^T sigmoid(W v - c)"
            f" - b))^2, float64, from each peer's final weights) in the table; before training "
            f"{a['recon_mse_initial_nnlab_weights']:.5f} (nnlab's initial weights, every peer but sklearn fit) and "
            f"{a['recon_mse_initial_sklearn_fit_weights']:.5f} (sklearn fit's own).",
            f"- progress in the epoch (MSE before minus after) as a share of nnlab float64's of the same algorithm "
            f"(CD-1 or PCD); a peer passes within {100 * a['tolerance_frac_of_progress']:g} % of it: "
            + ("all pass" if not bad else "**all but " + ", ".join(bad) + " pass**")
            + f" (not checked: {unchecked}). "
            + "; ".join(f"{k}: {100 * v['progress_vs_nnlab']:.1f} %" for k, v in a["peers"].items()
                        if not v["not_checked"]) + ".",
            f"- nnlab's own reconstruction error after the epoch (CD-1 float64, on its "
            f"{res['nnlab_bookkeeping'].get('evaluate_rows') or '?'} evaluation rows) minus this check (on all rows): "
            f"{a['nnlab_own_recon_minus_check']:.2g}; data identical to nnlab's training set: "
            f"{a['data_identical_to_nnlab_train_set']}; nnlab PCD starts from the same weights: "
            f"{a['nnlab_pcd_same_initial_weights']}."]


def extra_lines(res: dict[str, Any]) -> list[str]:
    b, fo = res["nnlab_bookkeeping"], res["sklearn_fit_n_iter_0_ms"]
    nn = next(t for t in res["timings"] if t.peer.method == "cd1_float64")
    book = (f"nnlab's per-epoch read-outs alone (median ms): `_evaluate()` {b['evaluate_ms']:.2f} (reconstruction "
            f"error and free energy of {b['evaluate_rows'] or '?'} rows), "
            f"{100 * b['evaluate_ms'] / (1e3 * nn.median_s):.0f} % of its CD-1 float64 epoch. Drawing the dreams "
            f"({b['dream_steps']} Gibbs steps of {b['dream_chains']} chains, when the dreams view is shown after an "
            f"update, not part of an epoch): {b['dream_ms']:.2f} ms."
            if "error" not in b else f"nnlab's bookkeeping could not be timed alone: {b['error']}")
    out = [book, "", "sklearn fit with n_iter=0 (validation of X and init only, median ms): "
           + ", ".join(f"{k} {v:.2f}" for k, v in fo.items()) + "."]
    fl = res["floors_ms_per_epoch"]
    pieces = list(dict.fromkeys(k for d in fl.values() for k in d))
    out += ["", "The pieces of a CD-1 epoch alone (median ms per epoch; rbm_peers.floors):", "",
            table(["piece", *fl], [[k, *(fl[dt].get(k, float("nan")) for dt in fl)] for k in pieces])]
    for label, prof in res["profiles"].items():
        out += ["", f"cProfile of {label} ({prof['epochs']} epoch(s); {1e3 * prof['epoch_s_unprofiled']:.1f} ms per "
                f"epoch unprofiled, {1e3 * prof['epoch_s_profiled']:.1f} profiled; matrix products and ufuncs "
                "written as operators count as the caller's own time):", "", profile_table(prof, 8)]
    return out


def markdown(header: dict[str, Any], results: dict[str, dict[str, Any]], repeats: dict[str, int]) -> str:
    m, th = header["machine"], header["threads"]
    out = [f"# rbm_bench results ({header['generated']})", "",
           f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {header['versions']['python']}; "
           f"numpy BLAS {header['numpy_blas']}; torch {header['torch']['version']} "
           f"({header['torch']['parallel_backend']}). Versions: "
           + ", ".join(f"{k} {v}" for k, v in header["versions"].items() if k != "python" and v != "not installed")
           + f". nnlab: `{header['nnlab_source']}`.", "",
           f"Threads: {', '.join(f'{k}={v}' for k, v in th['env'].items())} ({th['set_by']}), set before numpy was "
           f"imported; numpy's OpenBLAS runs {th['numpy_openblas_threads']} thread(s) (nnlab, sklearn and the numpy "
           f"loop); torch runs at {' and '.join(map(str, th['torch_threads']))} thread(s) ({th['torch_native_default']}"
           f" is its default without these variables). numba cache: "
           f"{'fresh (cold compile in first runs)' if header['fresh_numba_cache'] else 'warm (--warm-numba-cache)'}."]
    for name, res in results.items():
        probe = " / ".join(f"{v:.0f}" for v in res["speed_probe_ms_before_after"])
        load = " / ".join(f"{v[0]:.2f}" for v in res["load_avg_before_after"])
        out += ["", f"## {name}: {res['title']}", "", f"spec: `{res['spec']}`", "",
                f"{repeats[name]} rounds after 1 warm-up run. Speed probe (ms for a fixed Python loop, before / "
                f"after): {probe}; load average {load}; wall {res['wall_s']:.0f} s; other processes used "
                f"{100 * res['others_cpu_share']:.0f} % of the machine ({CORES} cores) meanwhile.", "",
                peer_table(res), "",
                "Ratios: the nnlab row's median rate over the peer's (best over best). \"others' CPU\": the share "
                "of the machine other processes used during the peer's timed runs."]
        out += [f"- not run: {s['label']}: {s['note']}" for s in res["skipped"]]
        out += ["", "Verdict:", *target_lines(res, name), "",
                "\"paired\": the median over rounds of the round's ratio. The verdict uses the median rates.", "",
                "Agreement:", *agreement_lines(res), "", *extra_lines(res)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 rounds, 1 profiled epoch: a smoke run")
    ap.add_argument("--repeats", type=int, help="rounds after the warm-up (default 30 digits, 10 random; 2 --quick)")
    ap.add_argument("--workloads", help="comma-separated subset of digits,random (default both)")
    ap.add_argument("--threads", type=int, help="OPENBLAS/OMP/MKL_NUM_THREADS (default 1, as nnlab's app)")
    ap.add_argument("--warm-numba-cache", action="store_true",
                    help="use numba's usual cache instead of a fresh one (first runs then load, not compile)")
    args = ap.parse_args(argv)
    every = list(rbm_peers.SPECS)
    chosen = [w.strip() for w in args.workloads.split(",") if w.strip()] if args.workloads else every
    unknown = [w for w in chosen if w not in every]
    if unknown:
        ap.error(f"--workloads: unknown {unknown}; expected some of {every}")
    repeats = {k: 2 for k in every} if args.quick else {"digits": 30, "random": 10}
    if args.repeats:
        repeats = {k: args.repeats for k in every}

    try:
        rbm_peers.import_torch()
    except ImportError:
        print("rbm_bench.py needs PyTorch: /work/benchvenv/bin/pip install torch==2.13.0", file=sys.stderr)
        return 2
    native = rbm_peers.torch_native_threads()
    torch_threads = sorted({1, native})
    header = run_header("rbm_bench.py", sys.argv[1:])
    header["torch"] = torch_facts()
    header["versions"]["torch"] = header["torch"]["version"]
    header["versions"].update({k: importlib.metadata.version(k) for k in ("scikit-learn", "scipy")})
    header["numpy_blas"] = numpy_blas()
    header["threads"] = {"env": {k: os.environ.get(k) for k in THREAD_VARS},
                         "set_by": f"--threads {THREADS}" if THREADS else "default: 1, as nnlab's app",
                         "numpy_openblas_threads": BLAS_DEFAULT_THREADS, "torch_threads": torch_threads,
                         "torch_native_default": native}
    header["nnlab_has_precision_knob"] = rbm_peers.has_precision()
    header["fresh_numba_cache"] = not args.warm_numba_cache
    tmp = rbm_peers.temp_dir()
    results = {name: run_workload(name, repeats[name], tmp, torch_threads, 1 if args.quick else 3)
               for name in chosen}
    try:
        os.rmdir(tmp)
    except OSError:
        pass
    md = markdown(header, results, repeats)
    payload = {**header, "repeats": repeats, "quick": args.quick, "numba_cache": os.environ.get("NUMBA_CACHE_DIR"),
               "targets": [{k: v for k, v in t.items() if k in ("target", "compared", "nnlab", "peer", "value",
                                                               "threshold", "pass", "best_ratio", "paired_median",
                                                               "needs_nnlab_ms_at_most", "matrix_products_alone_ms",
                                                               "not_measured")}
                           for r in results.values() for t in r["targets"]],
               "workloads": {k: {kk: vv for kk, vv in v.items() if kk != "timings"} for k, v in results.items()}}
    js, mdp = write_results(result_name("rbm_bench", args.quick, chosen, every), payload, md)
    print("\n" + md)
    print(f"\nwrote {js} and {mdp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
