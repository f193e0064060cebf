"""The `nnlab` command: open the app, or run, check, list, write and warm up scenarios.

`--help`, `list`, `check` and `new` never import numba or textual; `run` imports numba only.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

COMMANDS = ("run", "check", "list", "new", "warmup", "serve")
MEMORY_ENV = "NNLAB_MEMORY_LIMIT_MB"
BLOWUP_EXIT = 3
"""Exit status of a run that stopped on a numerical blow-up (its outputs are still written)."""

USAGE = """\
nnlab [SCENARIO]                  open the lab (default: the neuron lab on neuron_hh_spike)
nnlab run SCENARIO [--set KEY=VALUE]... [--steps N] [--out FILE.npz] [--json]
nnlab check PATH...               validate scenario files; list every problem
nnlab list [--lab LAB]            bundled scenarios: name, lab, title
nnlab new LAB [--model MODEL]     print a commented scenario with every parameter
nnlab warmup                      compile every numba kernel into the cache
nnlab serve --authorized-keys FILE [--host H] [--port P] [--scenarios DIR] [--max-sessions N]
            [--idle-timeout S]    host the lab for a class over SSH

SCENARIO is a file path or the name of a bundled scenario (see `nnlab list`).
"""


def _parser(command: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"nnlab {command}".strip(), usage=USAGE if not command else None,
                                description="A terminal lab for a neural-networks course.")
    if command == "run":
        p.add_argument("scenario")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a key of the file, e.g. params.tau_m=0.01 (value read as TOML)")
        p.add_argument("--steps", type=int, help="steps of the smallest size (default: the scenario's duration)")
        p.add_argument("--out", help="write every trace to this .npz file")
        p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    elif command == "check":
        p.add_argument("paths", nargs="+")
    elif command == "list":
        p.add_argument("--lab")
    elif command == "new":
        p.add_argument("lab")
        p.add_argument("--model", help="neuron lab: hh, lif, synapse, pair, population, activation; "
                       "backprop lab: mlp, perceptron, graph")
    elif command == "warmup":
        pass
    elif command == "serve":
        p.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; 0.0.0.0 for every network)")
        p.add_argument("--port", type=int, default=2222, help="port to listen on (default 2222)")
        p.add_argument("--authorized-keys", required=True, metavar="FILE",
                       help="the students' public keys, one a line as in ~/.ssh/authorized_keys")
        p.add_argument("--scenarios", metavar="DIR", help="the class's scenario folder (read-only to students)")
        p.add_argument("--max-sessions", type=int, default=40, metavar="N",
                       help="sessions at once (default 40); the next is told the class is full")
        p.add_argument("--idle-timeout", type=float, default=3600, metavar="S",
                       help="close a session after S seconds without a key press (default 3600; 0: never)")
        p.add_argument("--data-dir", metavar="DIR",
                       help="host key and students' saves (default ~/.local/share/nnlab/serve)")
        p.add_argument("--log", metavar="FILE", help="also append the log to FILE")
    else:
        p.add_argument("scenario", nargs="?", help="path or bundled name (default: neuron_hh_spike)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in COMMANDS else ""
    rest = args[1:] if command else args
    try:
        ns = _parser(command).parse_args(rest)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not sys.warnoptions:
        warnings.simplefilter("ignore")
    try:
        return {"run": cmd_run, "check": cmd_check, "list": cmd_list, "new": cmd_new, "warmup": cmd_warmup,
                "serve": cmd_serve, "": cmd_app}[command](ns)
    except KeyboardInterrupt:
        print("nnlab: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{f'nnlab {command}'.strip()}: out of memory: lower the sizes of the scenario (or set {MEMORY_ENV} "
              "below the memory free, so that such a scenario is refused before it starts)", file=sys.stderr)
        return 1
    except Exception as exc:  # the last net: no traceback reaches a user, it goes to the log
        from nnlab.ui.crash_log import one_line, write_error

        path = write_error(exc, " ".join(["nnlab", *args]))
        kept = f"the traceback is in {path}" if path else "the traceback could not be written down"
        print(f"{f'nnlab {command}'.strip()}: stopped by an error in nnlab, {one_line(exc)} ({kept}); please "
              "report it", file=sys.stderr)
        return 1


def _problems(exc: Any) -> int:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    return 1


def cmd_check(ns: argparse.Namespace) -> int:
    from nnlab.remote import load_any
    from nnlab.scenario import ScenarioError

    bad = 0
    for path in ns.paths:
        try:
            load_any(path)
            problems = []
        except ScenarioError as exc:
            problems = exc.problems
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            bad += 1
        else:
            print(f"{path}: ok")
    return 1 if bad else 0


def cmd_list(ns: argparse.Namespace) -> int:
    from nnlab.core.registry import LABS
    from nnlab.scenario.bundled import entries

    if ns.lab and ns.lab not in LABS:
        print(f"nnlab list: --lab: expected one of {', '.join(LABS)}, found {ns.lab!r}", file=sys.stderr)
        return 1
    rows = entries(ns.lab)
    width = max((len(e.name) for e in rows), default=4)
    for e in rows:
        print(f"{e.name:<{width}}  {e.lab:<8}  {e.title}")
    return 0


def cmd_new(ns: argparse.Namespace) -> int:
    from nnlab.core.registry import LABS
    from nnlab.scenario.template import new_scenario

    if ns.lab not in LABS:
        print(f"nnlab new: LAB: expected one of {', '.join(LABS)}, found {ns.lab!r}", file=sys.stderr)
        return 1
    if ns.model is not None and ns.lab == "backprop":
        from nnlab.core.backprop.params import MODES

        if ns.model not in MODES:
            print(f"nnlab new: --model: expected one of {', '.join(MODES)}, found {ns.model!r}", file=sys.stderr)
            return 1
    if ns.model is not None and ns.lab == "neuron":
        from nnlab.core.neuron.params import MODELS

        if ns.model not in MODELS:
            print(f"nnlab new: --model: expected one of {', '.join(MODELS)}, found {ns.model!r}", file=sys.stderr)
            return 1
    sys.stdout.write(new_scenario(ns.lab, ns.model))
    return 0


def cmd_warmup(ns: argparse.Namespace) -> int:
    from nnlab.core.registry import LABS

    for spec in LABS.values():
        def report(i: int, n: int, name: str, lab: str = spec.name) -> None:
            print(f"[{lab}] {i}/{n} {name}", flush=True)

        spec.warmup(report)
    print("kernels compiled")
    return 0


def cmd_serve(ns: argparse.Namespace) -> int:
    from nnlab.remote.class_server import ServeOptions, default_data_dir, serve

    if not 0 <= ns.port <= 65535:
        print(f"nnlab serve: --port: expected 0 to 65535, found {ns.port}", file=sys.stderr)
        return 1
    return serve(ServeOptions(
        host=ns.host, port=ns.port, authorized_keys=Path(ns.authorized_keys).expanduser(),
        scenarios=Path(ns.scenarios).expanduser() if ns.scenarios else None, max_sessions=ns.max_sessions,
        idle_timeout=ns.idle_timeout, data_dir=Path(ns.data_dir).expanduser() if ns.data_dir else default_data_dir(),
        log_file=Path(ns.log).expanduser() if ns.log else None))


def default_steps(scenario: Any, model: Any) -> int:
    """Steps of the smallest size that cover the scenario's duration."""
    if scenario.run.steps:
        return scenario.run.steps
    if hasattr(model, "default_steps"):
        return model.default_steps()
    params = scenario.params
    if getattr(params, "experiment", "run") == "fi":
        return params.fi_points
    if hasattr(model, "dt") and params.time_unit != "z":
        return max(1, int(round(scenario.duration() / params.dt)))
    return max(1, int(round((params.z_max - params.z_start) / params.dt)))


def thin(traces: dict[str, Any], every: int) -> dict[str, Any]:
    """Keep every `every`-th row of the per-step traces (those as long as `t`); spikes stay whole."""
    if every <= 1 or "t" not in traces:
        return traces
    steps = len(traces["t"])
    return {k: (v[::every] if k != "spike_t" and getattr(v, "ndim", 0) and len(v) == steps else v)
            for k, v in traces.items()}


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def cmd_run(ns: argparse.Namespace) -> int:
    from nnlab.remote import load_any
    from nnlab.scenario import ScenarioError
    from nnlab.scenario.loader import check_memory

    if ns.steps is not None and ns.steps < 0:
        print(f"nnlab run: --steps: expected a whole number 0 or more, found {ns.steps}", file=sys.stderr)
        return 1
    try:
        scenario = load_any(ns.scenario, ns.overrides)
        if ns.steps:
            check_memory(scenario, ns.steps)
    except ScenarioError as exc:
        return _problems(exc)
    if ns.out and not ns.out.endswith(".npz"):
        print(f"nnlab run: --out: expected a file name ending in .npz, found {ns.out!r}", file=sys.stderr)
        return 1
    if ns.out and not Path(ns.out).expanduser().resolve().parent.is_dir():
        print(f"nnlab run: --out: no such directory: {Path(ns.out).parent}", file=sys.stderr)
        return 1

    from nnlab.core.registry import LABS
    from nnlab.core.runner import run

    spec = LABS[scenario.lab]
    try:
        model = spec.build_model(scenario.params, scenario.seed, scenario.duration())
    except ValueError as exc:
        print(f"{scenario.source}: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        return _out_of_memory(scenario, "building the model")
    steps = ns.steps if ns.steps is not None else default_steps(scenario, model)
    try:
        result = run(model, steps)
    except MemoryError:
        return _out_of_memory(scenario, "running")
    blowup = model.blowup
    if blowup:
        kept = f"traces in {ns.out} and the metrics" if ns.out else "metrics"
        print(f"{scenario.source}: stopped after {result.steps} of {steps} steps: {blowup.rstrip('.')}. The "
              f"{kept} stop at the last good state (step {result.steps}).", file=sys.stderr)
    metrics = _jsonable(model.metrics())
    if ns.out:
        import numpy as np

        from nnlab.scenario.writer import write_atomic

        buf = io.BytesIO()
        np.savez(buf, **thin(model.traces(), scenario.run.frame_every))
        write_atomic(Path(ns.out).expanduser(), buf.getvalue())
    if ns.json:
        print(json.dumps({"lab": scenario.lab, "title": scenario.title, "seed": scenario.seed,
                          "steps": result.steps, "blowup": blowup or None, "metrics": metrics}))
    else:
        print(f"{scenario.title} ({scenario.lab}, seed {scenario.seed}): {result.steps} steps"
              + (" (stopped on a blow-up)" if blowup else ""))
        for key, value in metrics.items():
            if isinstance(value, list):
                value = f"[{len(value)} values]"
            print(f"  {key}: {value}")
        if ns.out:
            print(f"  traces written to {ns.out}")
    return BLOWUP_EXIT if blowup else 0


def _out_of_memory(scenario: Any, doing: str) -> int:
    print(f"{scenario.source}: out of memory while {doing}: lower the sizes of the scenario (or set {MEMORY_ENV} "
          "below the memory free, so that such a scenario is refused before it starts)", file=sys.stderr)
    return 1


def cmd_app(ns: argparse.Namespace) -> int:
    """The app. numpy's BLAS gets one thread unless the user set OPENBLAS_NUM_THREADS: beside the UI
    thread on a small or shared machine, a second BLAS thread waits for a core at every barrier
    (benchmarks/README.md, MLP caveats), and one thread costs little on these sizes."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from nnlab.remote import load_any, parse_remote
    from nnlab.scenario import ScenarioError
    from nnlab.scenario.class_access import ClassAccess

    access = ClassAccess.from_env()
    if access is not None:
        from nnlab.ui.app import NNLabApp

        app = NNLabApp(load_any("neuron_hh_spike"), access=access)
        app.run()
        return app.return_code or 0

    name = ns.scenario or "neuron_hh_spike"
    remote = parse_remote(name)
    listing = remote is not None and remote.is_dir
    try:
        scenario = load_any("neuron_hh_spike" if listing else name)
    except ScenarioError as exc:
        return _problems(exc)
    from nnlab.ui.app import NNLabApp

    app = NNLabApp(scenario, open_first=name if listing else "")
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
