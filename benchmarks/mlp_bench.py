"""The backprop lab's MLP training against PyTorch CPU and a plain numpy loop, side by side in one process.

Run with the bench venv (torch==2.13.0, the CPU build):

    /work/benchvenv/bin/pip install torch==2.13.0     # once
    /work/benchvenv/bin/python benchmarks/mlp_bench.py [--quick] [--repeats N] [--workloads digits,random,steps]

Two workloads, one epoch each: a 64-32-10 MLP on the bundled digits (1,797 samples) and a
784-128-10 MLP on 10,000 random samples; batch 64, SGD lr 0.1, ReLU, softmax + categorical
cross-entropy (mean over the batch). nnlab runs in float64 (its default: the numba kernel on
64-32-10, numpy's BLAS on 784-128-10) and with precision="float32" (numpy's BLAS in float32, PyTorch's
precision). Each peer runs once as a warm-up (its `first run`, compile included: numba's cache starts
empty), then rounds run every peer once each, setup (building the model) and the epoch timed apart.
Rates are samples/s over the median and the best epoch time; ratios are nnlab's median rate over the
peer's. Targets: nnlab float32 >= 1.5x PyTorch float32 and nnlab float64 >= 1.5x PyTorch float64, both
at PyTorch's default threads. The agreement check trains one epoch of every peer from nnlab's initial
weights in nnlab's order and reports max |w - w_nnlab float64|. The stepper's
cost is `m.step(0)` (one operation, the lab's finest step) on the digits model. Every table also
reports how much of the machine other processes used meanwhile: on 2 cores, peers with 2 threads
(PyTorch's default, numpy's OpenBLAS) slow down many times when one core is taken. Results go to
benchmarks/results/mlp_bench.{json,md}.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from typing import Any

# Fresh numba cache before anything imports numba, so `first run` shows nnlab's cold compile.
if "--warm-numba-cache" not in sys.argv:
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="nnlab-bench-numba-")

import numpy as np  # noqa: E402

import mlp_peers  # noqa: E402
from harness import (Timing, measure_all, result_name, run_header, speed_probe,
                     table, verdict, write_results)  # noqa: E402
from machine_load import CORES, OthersLog, cpu_ticks, others_during, others_share  # noqa: E402

SPECS = {
    "digits": mlp_peers.MLPSpec("digits", (64, 32, 10), 1797),
    "random": mlp_peers.MLPSpec("random", (784, 128, 10), 10_000),
}
TITLES = {
    "digits": "one epoch of a 64-32-10 MLP on the bundled digits (1,797 samples), batch 64",
    "random": "one epoch of a 784-128-10 MLP on 10,000 random samples, batch 64",
}
TARGETS = (("train_epoch_f32", "torch float32, default threads", True),
           ("train_epoch", "torch float64, default threads", True),
           ("train_epoch", "torch float32, default threads", False))
"""(nnlab peer's method, label prefix of the PyTorch peer, a target or for information only): nnlab at
PyTorch's precision against PyTorch's normal use first, then each at float64, then float64 against float32."""
TARGET_RATIO = 1.5
STEP_TARGET_MS = 16.0
AGREE_TOL = {"nnlab advance(1)": 1e-10, "nnlab float32": 1e-4, "numpy float64": 1e-10, "numpy float32": 1e-4,
             "torch float64": 1e-10, "torch float32": 1e-4}
"""Tolerance on max |w - w_nnlab float64| after one epoch."""
COMPARE_WITH = ("torch float32, default threads", "torch float32, 1 thread", "torch float64, default threads",
                "torch float64, 1 thread")
"""Label prefixes of the peers every nnlab train_epoch() row is compared with (besides the numpy loop)."""
PRECISION = {"train_epoch": "float64", "train_epoch_f32": "float32"}


# -- helpers ----------------------------------------------------------------------------------------
def torch_facts() -> dict[str, Any]:
    torch = mlp_peers.import_torch()
    par = torch.__config__.parallel_info()
    backend = next((ln.split(":", 1)[1].strip() for ln in par.splitlines() if "parallel backend" in ln), "?")
    return {"version": torch.__version__, "default_threads": mlp_peers.TORCH_DEFAULT_THREADS,
            "interop_threads": torch.get_num_interop_threads(), "parallel_backend": backend,
            "mkldnn": bool(torch.backends.mkldnn.is_available()),
            "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}


def numpy_blas() -> str:
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{cfg.get('name', '?')} {cfg.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - only a label
        return "?"


def nnlab_row(timings: list[Timing], how: str) -> Timing:
    return next(t for t in timings if t.peer.family == "nnlab" and t.peer.method == how)


def peer_by_prefix(timings: list[Timing], prefix: str) -> Timing | None:
    return next((t for t in timings if t.peer.label.startswith(prefix) and "DataLoader" not in t.peer.label), None)


def ratio_rows(timings: list[Timing]) -> list[dict[str, Any]]:
    """nnlab train_epoch (float64 and float32) and advance(1) over every other peer (median rates, and best)."""
    te, te32 = nnlab_row(timings, "train_epoch"), nnlab_row(timings, "train_epoch_f32")
    adv, adv32 = nnlab_row(timings, "advance"), nnlab_row(timings, "advance_f32")
    return [{"peer": t.peer.label,
             "train_epoch_over_peer": te.rate_median / t.rate_median,
             "train_epoch_over_peer_best": te.rate_best / t.rate_best,
             "train_epoch_f32_over_peer": te32.rate_median / t.rate_median,
             "train_epoch_f32_over_peer_best": te32.rate_best / t.rate_best,
             "advance_over_peer": adv.rate_median / t.rate_median,
             "advance_f32_over_peer": adv32.rate_median / t.rate_median}
            for t in timings if t.peer.family != "nnlab"]


def cprofile(fn: Any, epochs: int, top: int = 15) -> dict[str, Any]:
    """`fn()` `epochs` times, unprofiled then under cProfile: ms per epoch, and the top functions by own time."""
    t0 = time.perf_counter()
    for _ in range(epochs):
        fn()
    plain = (time.perf_counter() - t0) / epochs
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(epochs):
        fn()
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    rows = []
    for (file, line, name), (cc, nc, tt, ct, _) in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        where = f"{os.path.basename(file)}:{line}({name})" if file != "~" else name
        rows.append({"function": where, "calls_per_epoch": nc / epochs, "own_ms_per_epoch": 1e3 * tt / epochs,
                     "cum_ms_per_epoch": 1e3 * ct / epochs, "share_of_profiled": tt / total if total else 0.0})
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return {"epochs": epochs, "epoch_s_unprofiled": plain, "epoch_s_profiled": total / epochs, "top": rows,
            "text": buf.getvalue()}


def profile_train_epoch(spec: mlp_peers.MLPSpec, x: np.ndarray, labels: np.ndarray, data_file: str | None,
                        precision: str, epochs: int = 3) -> dict[str, Any]:
    """cProfile of nnlab `train_epoch()` in `precision`, on the path it takes (numpy's BLAS: matrix products
    count as `train_batches_blas`'s own time), beside the plain numpy loop in the same dtype, and the first
    layer's matrix products alone (`gemm_floor`)."""
    mlp_peers.blas_threads(mlp_peers.BLAS_DEFAULT_THREADS)
    m = mlp_peers.nnlab_model(spec, data_file, precision=precision)
    m.train_epoch()
    out = {"precision": precision, "path": mlp_peers.nnlab_path(m), "nnlab": cprofile(m.train_epoch, epochs)}
    Ws, bs = mlp_peers.numpy_weights(m.tensors(), precision)
    xd = x.astype(precision)
    rng = np.random.default_rng(spec.seed)

    def numpy_loop() -> None:
        mlp_peers.numpy_epoch(Ws, bs, xd, labels, rng.permutation(spec.n), spec.batch, spec.lr)

    numpy_loop()
    out["numpy_loop"] = cprofile(numpy_loop, epochs, top=8)
    if not m.uses_kernel():
        out["gemm_floor_ms_per_epoch"] = gemm_floor(spec)
    return out


def gemm_floor(spec: mlp_peers.MLPSpec, repeat: int = 5) -> dict[str, float]:
    """ms per epoch of the first layer's two matrix products alone (z1 = x W0^T, dW0 = d1^T x), best of
    `repeat`: the floor of any implementation that does them in numpy's BLAS, by precision."""
    rng = np.random.default_rng(0)
    n_in, n_hid = spec.layers[0], spec.layers[1]
    out = {}
    for dtype in ("float64", "float32"):
        x = rng.random((spec.batch, n_in)).astype(dtype)
        W = rng.random((n_hid, n_in)).astype(dtype)
        d = rng.random((spec.batch, n_hid)).astype(dtype)
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(spec.n_batches):
                x @ W.T
                d.T @ x
            best = min(best, time.perf_counter() - t0)
        out[dtype] = 1e3 * best
    return out


# -- the stepper ------------------------------------------------------------------------------------
def measure_steps(count: int) -> dict[str, Any]:
    """`m.step(0)` (one operation) on the digits model, batch 64: every call timed, plus its parts alone."""
    spec = SPECS["digits"]
    m = mlp_peers.nnlab_model(spec, None)
    for _ in range(20):  # warm-up: first batch, compiled kernels, caches
        m.step(0)
    times, kinds = [], []
    ticks0, t_start = cpu_ticks(), time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        m.step(0)
        times.append(time.perf_counter() - t0)
        kinds.append(m.last_op.kind if m.last_op is not None else "")
    others = others_share(ticks0, cpu_ticks(), time.perf_counter() - t_start)
    parts = {}
    for name, fn in (("snapshot()", m.snapshot), ("frame()", m.frame)):
        ts = []
        for _ in range(50):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        parts[name] = 1e3 * statistics.median(ts)
    per_kind: dict[str, list[float]] = {}
    for k, t in zip(kinds, times):
        per_kind.setdefault(k, []).append(t)
    arr = np.array(times) * 1e3
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(count):
        m.step(0)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    return {"steps": count, "ops_per_batch": len(m.ops), "median_ms": float(np.median(arr)),
            "p90_ms": float(np.percentile(arr, 90)), "max_ms": float(arr.max()), "mean_ms": float(arr.mean()),
            "min_ms": float(arr.min()),
            "median_ms_by_op": {k: 1e3 * statistics.median(v) for k, v in per_kind.items()},
            "parts_alone_median_ms": parts, "profile_text": buf.getvalue(), "others_cpu_share": others,
            "target_ms": STEP_TARGET_MS, "pass": float(np.median(arr)) < STEP_TARGET_MS}


# -- one workload -----------------------------------------------------------------------------------
def run_workload(name: str, repeats: int, tmp: str) -> dict[str, Any]:
    spec = SPECS[name]
    print(f"\n== {name}: {TITLES[name]}", flush=True)
    x, labels = mlp_peers.load_data(spec)
    data_file = mlp_peers.data_file_for(spec, x, labels, tmp)
    load_before = os.getloadavg()
    probe_before = speed_probe()
    olog = OthersLog()
    peers = [olog.wrap(p) for p in mlp_peers.peers(spec, x, labels, data_file)]
    ticks0 = cpu_ticks()
    start = time.perf_counter()
    timings = measure_all(peers, repeats, log=lambda s: print(s, flush=True))
    olog.close()
    runs = olog.runs
    wall = time.perf_counter() - start
    others = others_share(ticks0, cpu_ticks(), wall)
    probe_after = speed_probe()
    print(f"  other processes used {100 * others:.0f} % of the machine meanwhile", flush=True)
    agree = mlp_peers.agreement(spec, x, labels, data_file)
    agree["pass"] = {k: v <= AGREE_TOL[k] for k, v in agree["max_abs_weight_diff"].items()}
    agree["tolerance"] = AGREE_TOL
    targets, info = [], []
    for how, prefix, is_target in TARGETS:
        te, ref = nnlab_row(timings, how), peer_by_prefix(timings, prefix)
        r = te.rate_median / ref.rate_median
        row = {"target": f"{name}: {te.peer.label} >= {TARGET_RATIO:g}x {ref.peer.label}", "nnlab": te.peer.label,
               "peer": ref.peer.label, "value": r, "best_ratio": te.rate_best / ref.rate_best,
               "nnlab_ms_median": 1e3 * te.median_s, "peer_ms_median": 1e3 * ref.median_s,
               "paired_median": statistics.median(b / a for a, b in zip(te.run_s, ref.run_s)),
               "precision": PRECISION[how]}
        if is_target:
            targets.append({**row, "threshold": TARGET_RATIO, "pass": r >= TARGET_RATIO})
        else:
            row["target"] = f"{name}: {te.peer.label} / {ref.peer.label} (for information)"
            info.append(row)
    res = {
        "title": TITLES[name], "metric": "samples/s", "spec": spec.describe(), "wall_s": wall,
        "nnlab_path": {PRECISION[how]: nnlab_row(timings, how).result.get("path") for how in PRECISION},
        "load_avg_before_after": [load_before, os.getloadavg()],
        "speed_probe_ms_before_after": [probe_before, probe_after],
        "others_cpu_share": others,
        "others_cpu_share_by_peer": {k: others_during(v) for k, v in runs.items()},
        "others_ticks_by_run": {k: [r[1] for r in v[1:]] for k, v in runs.items()},
        "timings": timings, "peers": [t.summary() for t in timings], "ratios": ratio_rows(timings),
        "agreement": agree, "targets": targets, "for_information": info, "comparisons": comparisons(timings),
    }
    failed = [t["precision"] for t in targets if not t["pass"]]
    if failed:
        res["profile_train_epoch"] = {}
        for precision in dict.fromkeys(failed):
            print(f"  target missed: profiling nnlab train_epoch, {precision}", flush=True)
            res["profile_train_epoch"][precision] = profile_train_epoch(spec, x, labels, data_file, precision)
    mlp_peers.cleanup(data_file)
    return res


def comparisons(timings: list[Timing]) -> list[dict[str, Any]]:
    """Every nnlab train_epoch() row over the PyTorch peers of COMPARE_WITH and over the numpy loop in its
    precision with the same OpenBLAS threads: median over median, best over best."""
    out = []
    for t in timings:
        if t.peer.family != "nnlab" or not t.peer.method.startswith("train_epoch"):
            continue
        dtype = "float32" if "_f32" in t.peer.method else "float64"
        blas = t.peer.method.rpartition("_blas")[2] if "_blas" in t.peer.method else None
        numpy_method = dtype if blas is None else f"{dtype}_blas{blas}"
        others = [peer_by_prefix(timings, p) for p in COMPARE_WITH]
        others += [next((o for o in timings if o.peer.family == "numpy" and o.peer.method == numpy_method), None)]
        for o in others:
            if o is not None:
                out.append({"row": t.peer.label, "over": o.peer.label, "median": t.rate_median / o.rate_median,
                            "best": t.rate_best / o.rate_best})
    return out


# -- report -----------------------------------------------------------------------------------------
def peer_table(res: dict[str, Any], n_batches: int) -> str:
    ratios = {r["peer"]: r for r in res["ratios"]}
    others = res["others_cpu_share_by_peer"]
    rows = []
    for t in res["timings"]:
        r = ratios.get(t.peer.label)
        rows.append([t.peer.label, t.rate_median, t.rate_best, 1e3 * t.median_s, 1e3 * t.best_s,
                     1e6 * t.median_s / n_batches, 1e3 * float(np.median(t.setup_s)), t.first_run_s,
                     f"{100 * others[t.peer.label]:.0f} %",
                     f"**{r['train_epoch_f32_over_peer']:.3g}x**" if r else "-",
                     f"{r['train_epoch_f32_over_peer_best']:.3g}x" if r else "-",
                     f"**{r['train_epoch_over_peer']:.3g}x**" if r else "-",
                     f"{r['train_epoch_over_peer_best']:.3g}x" if r else "-", t.peer.note])
    header = ["peer", "samples/s median", "best", "epoch ms median", "epoch ms best", "us per batch",
              "setup ms", "first run s", "others' CPU", "nnlab train_epoch f32 / peer (median)", "(best)",
              "nnlab train_epoch f64 / peer (median)", "(best)", "notes"]
    return table(header, rows)


def agreement_lines(res: dict[str, Any]) -> list[str]:
    a = res["agreement"]
    diffs = "; ".join(f"{k} {v:.2g} ({'ok' if a['pass'][k] else 'ABOVE'} tolerance {a['tolerance'][k]:g})"
                      for k, v in a["max_abs_weight_diff"].items())
    return [f"- one epoch from nnlab's initial weights in nnlab's order; max |w - w_nnlab train_epoch float64| "
            f"over W0, b1, W1, b2: {diffs}.",
            f"- nnlab float64 path {a['nnlab_path']}, float32 path {a['nnlab_float32_path']}; the float32 model "
            f"starts from the same weights and draws the same order: "
            f"{a['nnlab_float32_same_initial_weights_and_order']}.",
            f"- the weights moved by up to {a['max_abs_weight_change_in_the_epoch']:.3g} in the epoch (largest "
            f"|w| {a['max_abs_weight']:.3g}); nnlab's training loss after it {a['nnlab_train_loss_after_epoch']:.4f}, "
            f"accuracy {a['nnlab_train_acc_after_epoch']:.3f}; peers' data identical to nnlab's training set: "
            f"{a['data_identical_to_nnlab_train_set']}."]


def profile_table(prof: dict[str, Any], rows: int) -> str:
    return table(["function", "calls per epoch", "own ms per epoch", "cumulative ms", "share"],
                 [[p["function"], p["calls_per_epoch"], p["own_ms_per_epoch"], p["cum_ms_per_epoch"],
                   f"{100 * p['share_of_profiled']:.0f} %"] for p in prof["top"][:rows]])


def profile_lines(prof: dict[str, Any]) -> list[str]:
    nn, loop = prof["nnlab"], prof["numpy_loop"]
    out = [f"cProfile of nnlab train_epoch(), {prof['precision']}, path {prof['path']} ({nn['epochs']} epochs; "
           f"{1e3 * nn['epoch_s_unprofiled']:.1f} ms per epoch unprofiled, {1e3 * nn['epoch_s_profiled']:.1f} ms "
           "profiled; numpy's matrix products and elementwise operators are not function calls to cProfile: "
           "they count as the caller's own time):", "", profile_table(nn, 10), "",
           f"The plain numpy {prof['precision']} loop, the same way: {1e3 * loop['epoch_s_unprofiled']:.1f} ms per "
           f"epoch unprofiled, {1e3 * loop['epoch_s_profiled']:.1f} ms profiled:", "", profile_table(loop, 6)]
    floor = prof.get("gemm_floor_ms_per_epoch")
    if floor:
        out += ["", "The first layer's two matrix products alone (z1 = x W0^T and dW0 = d1^T x, every batch of an "
                "epoch, best of 5): " + ", ".join(f"{k} {v:.1f} ms" for k, v in floor.items()) + "."]
    return out


def markdown(header: dict[str, Any], results: dict[str, dict[str, Any]], steps: dict[str, Any] | None,
             repeats: dict[str, int]) -> str:
    m = header["machine"]
    tf = header["torch"]
    out = [f"# mlp_bench results ({header['generated']})", "",
           f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {header['versions']['python']}; "
           f"torch {tf['version']} ({tf['default_threads']} threads by default, {tf['parallel_backend']}); numpy "
           f"BLAS {header['numpy_blas']} ({header['numpy_blas_threads']} threads by default). Versions: "
           + ", ".join(f"{k} {v}" for k, v in header["versions"].items()
                       if k != "python" and v != "not installed") + f". nnlab: `{header['nnlab_source']}`."]
    for name, res in results.items():
        probe = " / ".join(f"{x:.0f}" for x in res["speed_probe_ms_before_after"])
        load = " / ".join(f"{x[0]:.2f}" for x in res["load_avg_before_after"])
        spec = SPECS[name]
        paths = ", ".join(f"{k}: {v}" for k, v in res["nnlab_path"].items())
        out += ["", f"## {name}: {res['title']}", "", f"spec: `{res['spec']}`", "",
                f"nnlab path: **{paths}**. {repeats[name]} rounds after 1 warm-up run. Speed probe "
                f"(ms for a fixed Python loop, before / after; lower is faster): {probe}; load average {load}; "
                f"wall {res['wall_s']:.0f} s; other processes used {100 * res['others_cpu_share']:.0f} % of the "
                f"machine ({CORES} cores) meanwhile.", "", peer_table(res, spec.n_batches), "",
                "Ratios: nnlab train_epoch()'s median rate (float32, float64) over the peer's (and best over best). "
                "\"others' CPU\": the share of "
                "the machine that other processes used during the peer's timed runs (each run up to the next "
                "peer's setup; /proc/stat ticks of 10 ms, coarse for short runs).", "", "Agreement:",
                *agreement_lines(res), "", "Targets:"]
        out += [f"- {verdict(t['pass'])}: {t['target']}: {t['value']:.3g}x median ({t['nnlab_ms_median']:.3g} "
                f"against {t['peer_ms_median']:.3g} ms per epoch), {t['best_ratio']:.3g}x best, "
                f"{t['paired_median']:.3g}x paired (needs {t['threshold']:g}x)" for t in res["targets"]]
        out += [f"- {t['target']}: {t['value']:.3g}x median ({t['nnlab_ms_median']:.3g} against "
                f"{t['peer_ms_median']:.3g} ms per epoch), {t['best_ratio']:.3g}x best, "
                f"{t['paired_median']:.3g}x paired" for t in res["for_information"]]
        out += ["", "\"paired\": the median over rounds of the round's ratio (both ran in the same round, seconds "
                "apart): less exposed to the shared host's slow spells, which last several rounds. The verdict "
                "uses the median rates."]
        rows = list(dict.fromkeys(c["row"] for c in res["comparisons"]))
        cols = list(dict.fromkeys(c["over"] for c in res["comparisons"] if not c["over"].startswith("numpy")))
        cell = {(c["row"], c["over"]): f"{c['median']:.3g}x ({c['best']:.3g}x)" for c in res["comparisons"]}
        loop = {c["row"]: f"{c['median']:.3g}x ({c['best']:.3g}x)" for c in res["comparisons"]
                if c["over"].startswith("numpy")}
        out += ["", "nnlab train_epoch() over each peer, median (best):", "",
                table(["nnlab", *cols, "numpy loop, same precision and BLAS threads"],
                      [[r, *(cell.get((r, c), "-") for c in cols), loop.get(r, "-")] for r in rows])]
        for prof in res.get("profile_train_epoch", {}).values():
            out += ["", *profile_lines(prof)]
    if steps:
        byop = ", ".join(f"{k} {v:.2f}" for k, v in steps["median_ms_by_op"].items())
        parts = ", ".join(f"{k} {v:.2f}" for k, v in steps["parts_alone_median_ms"].items())
        out += ["", "## stepper: `m.step(0)` on the digits model (64-32-10, batch 64)", "",
                f"One operation per call ({steps['ops_per_batch']} operations per batch), {steps['steps']} calls "
                f"timed one by one after 20 untimed: median **{steps['median_ms']:.2f} ms**, p90 "
                f"{steps['p90_ms']:.2f}, min {steps['min_ms']:.2f}, max {steps['max_ms']:.2f}, mean "
                f"{steps['mean_ms']:.2f}. Median by operation (ms): {byop}. Parts alone (median ms): {parts}. Other "
                f"processes used {100 * steps['others_cpu_share']:.0f} % of the machine meanwhile.", "",
                f"- {verdict(steps['pass'])}: one operation step < {STEP_TARGET_MS:g} ms: {steps['median_ms']:.2f} ms"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 rounds, 50 stepper calls: a smoke run")
    ap.add_argument("--repeats", type=int, help="rounds after the warm-up (default 30 for digits, 10 for random; 2 "
                    "with --quick)")
    ap.add_argument("--steps", type=int, help="m.step(0) calls timed (default 200, 50 with --quick)")
    ap.add_argument("--workloads", help="comma-separated subset of digits,random,steps (default all three)")
    ap.add_argument("--warm-numba-cache", action="store_true",
                    help="use numba's usual cache instead of a fresh one (first runs then load, not compile)")
    args = ap.parse_args(argv)
    every = ["digits", "random", "steps"]
    chosen = [w.strip() for w in args.workloads.split(",") if w.strip()] if args.workloads else every
    unknown = [w for w in chosen if w not in every]
    if unknown:
        ap.error(f"--workloads: unknown {unknown}; expected some of {every}")
    repeats = {"digits": 30, "random": 10}
    if args.quick:
        repeats = {k: 2 for k in repeats}
    if args.repeats:
        repeats = {k: args.repeats for k in repeats}
    n_steps = args.steps or (50 if args.quick else 200)

    try:
        mlp_peers.import_torch()
    except ImportError:
        print("mlp_bench.py needs PyTorch: /work/benchvenv/bin/pip install torch==2.13.0", file=sys.stderr)
        return 2
    header = run_header("mlp_bench.py", sys.argv[1:])
    header["torch"] = torch_facts()
    header["versions"]["torch"] = header["torch"]["version"]
    header["numpy_blas"] = numpy_blas()
    header["numpy_blas_threads"] = mlp_peers.BLAS_DEFAULT_THREADS
    tmp = tempfile.mkdtemp(prefix="nnlab-mlp-bench-")
    results = {name: run_workload(name, repeats[name], tmp) for name in chosen if name in SPECS}
    steps = None
    if "steps" in chosen:
        print(f"\n== stepper: m.step(0) x {n_steps}", flush=True)
        steps = measure_steps(n_steps)
        print(f"  median {steps['median_ms']:.2f} ms", flush=True)
    try:
        os.rmdir(tmp)
    except OSError:
        pass
    md = markdown(header, results, steps, repeats)
    payload = {**header, "repeats": repeats, "quick": args.quick, "numba_cache": os.environ.get("NUMBA_CACHE_DIR"),
               "targets": [{k: v for k, v in t.items()
                            if k in ("target", "value", "threshold", "pass", "best_ratio", "paired_median")}
                           for r in results.values() for t in r["targets"]]
               + ([{"target": f"m.step(0) median < {STEP_TARGET_MS:g} ms", "value": steps["median_ms"],
                    "threshold": STEP_TARGET_MS, "pass": steps["pass"]}] if steps else []),
               "workloads": {k: {kk: vv for kk, vv in v.items() if kk != "timings"} for k, v in results.items()},
               "stepper": steps}
    js, mdp = write_results(result_name("mlp_bench", args.quick, chosen, every), payload, md)
    print("\n" + md)
    print(f"\nwrote {js} and {mdp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
