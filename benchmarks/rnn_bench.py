"""The RNN lab's training epoch against PyTorch CPU and a plain numpy loop, side by side in one process.

    .venv/bin/python benchmarks/rnn_bench.py [--quick] [--repeats N] [--workloads lstm,rnn]

Two workloads, one training epoch each, measured as sequences/s: an LSTM (8 inputs, H = 64, T = 50,
batch 32, 3,200 sequences, 100 batches) and the course-size vanilla RNN (1 input, H = 8, tau = 4, tanh,
1 output: the shape of rnn_even_numbers) over 4,096 sequences in batches of 4 (1,024 updates). A loss at
every step (squared error of a linear output), plain SGD, full BPTT. nnlab runs `_train_rest_of_epoch()`
(what `advance` runs) without the evaluation of the loss over all sequences at the epoch's end (the other
peers only train; one extra peer includes it) with its fused path (fast_epoch.py) and with the reference
kernels alone, float64 and float32; PyTorch nn.LSTM / nn.RNN + nn.Linear in float32 and float64, default
threads and 1 thread; the numpy loop in both precisions. Every peer starts from nnlab's initial weights.
Each peer runs once as a warm-up (compile included), then rounds run every peer once each; rates use the
median epoch time. Targets (issue 17): the LSTM epoch >= 1.5x PyTorch CPU, the course-size RNN >= 10x,
both as nnlab float32 against torch float32 at its default threads; the same ratio against torch on 1
thread is judged too, marked as such. Agreement: one batch's gradients nnlab against torch float64
autograd, and one epoch of the fused path against the reference path. Results go to benchmarks/results/rnn_bench.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import rnn_peers
from harness import Timing, measure_all, result_name, run_header, speed_probe, table, verdict, write_results

SPECS = {
    "lstm": rnn_peers.RNNSpec("lstm", "lstm", 8, 64, 50, 3200, 32, 0.01),
    "rnn": rnn_peers.RNNSpec("rnn", "rnn", 1, 8, 4, 4096, 4, 0.01, data="even"),
}
TITLES = {"lstm": "LSTM, 8 inputs, H = 64, T = 50, batch 32, 3,200 sequences",
          "rnn": "vanilla RNN (rnn_even_numbers' shape), 1 input, H = 8, tau = 4, batch 4, 4,096 sequences"}
TARGETS = {"lstm": 1.5, "rnn": 10.0}
BASE = "torch float32, default threads"
GRAD_TOL = 1e-10
EPOCH_TOL = {"fused vs reference, float64": 1e-12, "fused float32 vs reference float64": 1e-3}


def run_workload(name: str, repeats: int) -> dict[str, Any]:
    spec = SPECS[name]
    print(f"\n== {name}: {TITLES[name]}", flush=True)
    x, target = rnn_peers.make_data(spec)
    tmp = rnn_peers.temp_dir()
    data_file = rnn_peers.write_npz(x, target, tmp)
    probe = [speed_probe()]
    load = [os.getloadavg()]
    start = time.perf_counter()
    timings = measure_all(rnn_peers.peers(spec, x, target, data_file), repeats, log=lambda s: print(s, flush=True))
    wall = time.perf_counter() - start
    probe.append(speed_probe())
    load.append(os.getloadavg())
    agree = rnn_peers.agreement(spec, x, target, data_file)
    agree["pass"] = {**{k: v <= GRAD_TOL for k, v in agree["grad_rel_diff"].items()},
                     **{k: v <= EPOCH_TOL[k] for k, v in agree["epoch_theta_max_abs_diff"].items()}}
    os.remove(data_file)
    os.rmdir(tmp)
    base = next(t for t in timings if t.peer.label.startswith(BASE))
    fast32 = next(t for t in timings if t.peer.method == "fast_float32")
    fast64 = next(t for t in timings if t.peer.method == "fast_float64")
    t64 = next(t for t in timings if t.peer.label.startswith("torch float64, default"))
    one = next(t for t in timings if t.peer.label.startswith("torch float32, 1 thread"))
    targets = [{"target": f"{name}: nnlab fused float32 >= {TARGETS[name]:g}x {t.peer.label}{extra}",
                "value": fast32.rate_median / t.rate_median, "best_ratio": fast32.rate_best / t.rate_best,
                "threshold": TARGETS[name], "pass": fast32.rate_median / t.rate_median >= TARGETS[name]}
               for t, extra in ((base, ""), (one, " (the issue names default threads; judged for information)"))]
    info = [{"target": f"{name}: nnlab fused float64 / {t64.peer.label} (for information)",
             "value": fast64.rate_median / t64.rate_median, "best_ratio": fast64.rate_best / t64.rate_best},
            {"target": f"{name}: nnlab fused float64 / {base.peer.label} (for information)",
             "value": fast64.rate_median / base.rate_median, "best_ratio": fast64.rate_best / base.rate_best}]
    return {"title": TITLES[name], "spec": spec.describe(), "wall_s": wall, "speed_probe_ms_before_after": probe,
            "load_avg_before_after": load, "timings": timings, "peers": [t.summary() for t in timings],
            "base": base.peer.label, "agreement": agree, "targets": targets, "for_information": info}


def peer_table(res: dict[str, Any]) -> str:
    timings: list[Timing] = res["timings"]
    base = next(t for t in timings if t.peer.label == res["base"])
    rows = [[t.peer.label, t.rate_median, t.rate_best, 1e3 * t.median_s, t.first_run_s,
             f"**{t.rate_median / base.rate_median:.3g}x**", t.peer.note] for t in timings]
    return table(["peer", "sequences/s median", "best", "epoch ms median", "first run s", "over torch float32",
                  "notes"], rows)


def markdown(header: dict[str, Any], results: dict[str, dict[str, Any]], repeats: int) -> str:
    m = header["machine"]
    out = [f"# rnn_bench results ({header['generated']})", "",
           f"{m['cpu']}, {m['cores']} cores; Python {header['versions']['python']}; torch {header['torch']} "
           f"({rnn_peers.TORCH_DEFAULT_THREADS} threads by default); numpy {header['versions']['numpy']}, numba "
           f"{header['versions']['numba']}. nnlab: `{header['nnlab_source']}`."]
    for name, res in results.items():
        a = res["agreement"]
        probe = " / ".join(f"{p:.0f}" for p in res["speed_probe_ms_before_after"])
        load = " / ".join(f"{p[0]:.2f}" for p in res["load_avg_before_after"])
        out += ["", f"## {name}: {res['title']}", "", f"spec: `{res['spec']}`", "",
                f"{repeats} rounds after 1 warm-up run; wall {res['wall_s']:.0f} s; speed probe before / after "
                f"{probe} ms; load average {load}.", "", peer_table(res), "", "Agreement:",
                *(f"- {k}: {v:.2g} relative ({'ok' if a['pass'][k] else 'ABOVE'} {GRAD_TOL:g})"
                  for k, v in a["grad_rel_diff"].items()),
                *(f"- one epoch, max |theta difference|, {k}: {v:.2g} ({'ok' if a['pass'][k] else 'ABOVE'} "
                  f"{EPOCH_TOL[k]:g}; the weights moved by up to {a['theta_moved_by']:.3g})"
                  for k, v in a["epoch_theta_max_abs_diff"].items()), "", "Targets:"]
        out += [f"- {verdict(t['pass'])}: {t['target']}: {t['value']:.3g}x median, {t['best_ratio']:.3g}x best "
                f"(needs {t['threshold']:g}x)" for t in res["targets"]]
        out += [f"- {t['target']}: {t['value']:.3g}x median, {t['best_ratio']:.3g}x best"
                for t in res["for_information"]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 round: a smoke run")
    ap.add_argument("--repeats", type=int, default=5, help="rounds after the warm-up (default 5)")
    ap.add_argument("--workloads", default="lstm,rnn", help="comma-separated subset of lstm,rnn")
    args = ap.parse_args(argv)
    chosen = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if any(w not in SPECS for w in chosen):
        ap.error(f"--workloads: expected some of {list(SPECS)}")
    repeats = 1 if args.quick else args.repeats
    try:
        torch = rnn_peers.import_torch()
    except ImportError:
        print("rnn_bench.py needs PyTorch (torch==2.13.0, the CPU build)", file=sys.stderr)
        return 2
    header = run_header("rnn_bench.py", sys.argv[1:] if argv is None else argv)
    header["torch"] = torch.__version__
    results = {name: run_workload(name, repeats) for name in chosen}
    md = markdown(header, results, repeats)
    payload = {**header, "repeats": repeats, "quick": args.quick,
               "targets": [t for r in results.values() for t in r["targets"]],
               "workloads": {k: {kk: vv for kk, vv in v.items() if kk != "timings"} for k, v in results.items()}}
    js, mdp = write_results(result_name("rnn_bench", args.quick, chosen, list(SPECS)), payload, md)
    print("\n" + md)
    print(f"\nwrote {js} and {mdp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
