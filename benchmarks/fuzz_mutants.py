"""Mutation fuzzing of the bundled scenarios through the real command line, in-process: counts tracebacks
and silent non-finite outputs.

Two parts, each from a seeded `random.Random`:
- loader mutants (--loader N, default 10,000): a bundled scenario's text after one to four mutations (byte
  and line edits; a value replaced by nesting up to 1,500 deep, an integer up to 6,000 digits, a wrong
  type; a value at or beyond a knob's range; an unknown key) is written to a file and given to
  `nnlab check`; a mutant that passes is also given to `nnlab run --steps K --json --out F.npz`.
- in-range runs (--runs M, default 1,000): a bundled scenario with one to four knobs drawn within their
  declared ranges (size knobs capped as in tests/test_fuzz_runner.py) is given to `nnlab run`.

A traceback is an exception raised in `nnlab.cli.main` (escaping it, or caught by its last net, which
prints one line and logs the traceback); a silent non-finite output is a run that exits 0
with a NaN or infinity in its metrics (seen on their way to the JSON) or in the .npz traces, other than the
placeholders that are NaN by design (an MLP's test curves without a test set and its accuracy on a
regression, NaN throughout; a graph's output and gradients before its first pass). Problems printed without
the file's name, or longer than 600 characters, are counted too.
Runs are held to NNLAB_MEMORY_LIMIT_MB = 256 and to --timeout seconds each (a run past it is counted, not
failed). Usage:

    .venv/bin/python benchmarks/fuzz_mutants.py                      # 10,000 loader mutants, 1,000 runs
    .venv/bin/python benchmarks/fuzz_mutants.py --loader 2000 --runs 0 --seed 3 --show 5
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["NNLAB_MEMORY_LIMIT_MB"] = "256"

import numpy as np  # noqa: E402

import nnlab.cli  # noqa: E402
import nnlab.ui.crash_log as crash_log  # noqa: E402
from nnlab.cli import main  # noqa: E402
from nnlab.core.hopfield.params import GLYPHS  # noqa: E402
from nnlab.core.knobs import field_types, knobs_of  # noqa: E402
from nnlab.scenario import load  # noqa: E402
from nnlab.scenario.bundled import bundled_names, bundled_path  # noqa: E402
from nnlab.scenario.scenario import RunSettings  # noqa: E402

SIZE_CAPS = {"n_neurons": 40, "n_units": 144, "glyph_size": 12, "n_patterns": 12, "trials": 3, "samples": 20_000,
             "n_samples": 300, "n_hidden": 32, "n_visible": 64, "batch_size": 300, "k": 5, "chains": 8, "rows": 12,
             "cols": 12, "dim": 64, "fi_points": 3, "layers": 24,
             "hidden": 32, "seq_len": 40, "lag": 40, "n_sequences": 64, "inputs": 8}
STEPS = {"neuron": 300, "backprop": 2, "hopfield": 150, "rbm": 1, "som": 60, "rnn": 2}
SKIP = {"data_file", "labels_file", "view", "model", "mode"}
TOP = ["schema", "lab", "title", "lecture", "about", "seed", "params", "run"]


_jsonable = nnlab.cli._jsonable
CAUGHT: list[BaseException] = []
"""The exception main()'s last net caught in the current command (it would print one line and log it)."""


def _caught(exc: BaseException, where: str, folder: Any = None) -> None:
    """Stands in for nnlab.ui.crash_log.write_error: keeps the exception instead of logging it."""
    CAUGHT.append(exc)


class Timeout(BaseException):
    """A run took longer than --timeout (a BaseException, so main()'s last net lets it through)."""


# -- values and mutations -------------------------------------------------------------------------
def toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return "inf" if value == math.inf else "-inf" if value == -math.inf else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value).replace("\\/", "/")
    return str(value)


def wild_value(r: random.Random, knobs: list[str], depth: int = 0) -> str:
    """A TOML value of any kind, often an awkward one."""
    kind = r.choice(["int", "digits", "float", "string", "word", "list", "table", "nest"] if depth < 2 else
                    ["int", "float", "string", "word"])
    if kind == "int":
        return str(r.choice([0, 1, -1, 2 ** 63 - 1, -(2 ** 63), 2 ** 64, r.randint(-10 ** 6, 10 ** 6)]))
    if kind == "digits":
        return "9" * r.choice([19, 20, 400, 4300, 4301, 6000])
    if kind == "float":
        return toml(r.choice([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0, r.uniform(-1e3, 1e3)]))
    if kind == "string":
        return toml("".join(r.choice("abc xyz_é\t\"\\") for _ in range(r.randint(0, 12))))
    if kind == "word":
        return r.choice(["true", "false", "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "[]", "{}", "0x1f",
                         "1_000", "+inf", "1e400"])
    if kind == "list":
        return "[" + ", ".join(wild_value(r, knobs, depth + 1) for _ in range(r.randint(0, 4))) + "]"
    if kind == "table":
        keys = r.sample(knobs, r.randint(0, 3))
        return "{" + ", ".join(f"{k} = {wild_value(r, knobs, depth + 1)}" for k in keys) + "}"
    n = r.choice([3, 9, 100, 400, 1000, 1500])
    return ("[" * n + "1" + "]" * n) if r.random() < 0.5 else ("{a = " * n + "1" + "}" * n)


def edge_line(r: random.Random, cls: type) -> str:
    name, (_, k) = r.choice(sorted(knobs_of(cls).items()))
    base = r.choice([x for x in (k.lo, k.hi) if x is not None] or [0.0])
    value = base + r.choice([0.0, 1e-12, -1e-12, 1.0, -1.0, 1e300, -1e300])
    text = toml(float(value)) if not float(value).is_integer() or abs(value) > 1e18 else str(int(value))
    return f"{name} = {'[' + text + ']' if r.random() < 0.3 else text}"


def mutate(r: random.Random, text: str, cls: type, knobs: list[str]) -> tuple[str, list[str]]:
    """The text after one to four mutations, and what they were."""
    did = []
    for _ in range(r.randint(1, 4)):
        lines = text.splitlines()
        kind = r.choice(["byte", "line", "value", "key", "edge"])
        if kind == "byte":
            at, cut = r.randint(0, len(text)), r.randint(0, 8)
            new = "".join(r.choice(" =[]{}\"'#.,\n0123456789abcxyz_-+eE\\\t\x00é") for _ in range(r.randint(0, 8)))
            text = text[:at] + new + text[at + cut:]
            did.append(f"bytes {at}:+{new!r}-{cut}")
            continue
        if kind == "line" and lines:
            i, j = r.randrange(len(lines)), r.randrange(len(lines))
            op = r.choice(["delete", "duplicate", "swap"])
            if op == "delete":
                del lines[i]
            elif op == "duplicate":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            did.append(f"line {op} {i + 1}")
        elif kind == "value":
            keyed = [i for i, ln in enumerate(lines) if "=" in ln and not ln.lstrip().startswith("#")]
            if keyed:
                i = r.choice(keyed)
                lines[i] = lines[i].split("=", 1)[0] + "= " + wild_value(r, knobs)
                did.append(f"value of line {i + 1}: {lines[i][:60]}")
        else:
            at = r.randint(0, len(lines))
            line = (f"{r.choice(knobs + TOP + ['colour', 'x'])} = {wild_value(r, knobs)}" if kind == "key"
                    else edge_line(r, cls))
            lines.insert(at, line)
            did.append(f"insert at {at + 1}: {line[:60]}")
        text = "\n".join(lines) + "\n"
    return text, did


def in_range(r: random.Random, cls: type, name: str) -> Any:
    """A value of knob `name` within its declared range (size knobs capped)."""
    _, k = knobs_of(cls)[name]
    tp = field_types(cls)[name]
    if k.choices:
        return r.choice(k.choices) if tp is str else r.sample(k.choices, r.randint(0, min(3, len(k.choices))))
    if tp is bool:
        return r.random() < 0.5
    if name == "patterns":
        return r.sample(GLYPHS, r.randint(0, 4))
    lo = k.lo if k.lo is not None else -1e6
    hi = min(k.hi if k.hi is not None else 1e6, SIZE_CAPS.get(name, math.inf))
    if tp in (int, tuple[int, ...]):
        draw = lambda: r.choice([int(math.ceil(lo)), int(hi), r.randint(int(math.ceil(lo)), int(hi))])  # noqa: E731
        return draw() if tp is int else [draw() for _ in range(r.randint(2, 4))]

    def one() -> float:
        pick = r.random()
        if pick < 0.25:
            x = lo if not k.lo_open else (lo + abs(lo) * 1e-9 if lo else 1e-300)
        elif pick < 0.5:
            x = hi if not k.hi_open else hi - abs(hi) * 1e-9
        elif pick < 0.75 and lo >= 0 and hi > 0:
            x = math.exp(r.uniform(math.log(max(lo, 1e-9)), math.log(hi)))
        else:
            x = r.uniform(lo, hi)
        return min(max(x, lo), hi)

    return one() if tp is float else [one() for _ in range(r.randint(0, 5))]


# -- one command, in-process ----------------------------------------------------------------------
def call(args: list[str], timeout: float) -> tuple[str, int | None, str, str]:
    """(outcome, exit status, stdout, stderr): outcome "exit", "timeout" or "traceback: <type> at <file:line>"
    (then stderr holds the exception's message)."""
    out, err = io.StringIO(), io.StringIO()

    def alarm(*_: Any) -> None:
        raise Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    CAUGHT.clear()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
        if CAUGHT:
            raise CAUGHT[0]
        return "exit", code, out.getvalue(), err.getvalue()
    except Timeout:
        return "timeout", None, out.getvalue(), err.getvalue()
    except BaseException as exc:  # noqa: BLE001 - counting them is the point
        where = [f for f in traceback.extract_tb(exc.__traceback__) if "/nnlab/" in f.filename]
        at = f"{Path(where[-1].filename).name}:{where[-1].lineno}" if where else "?"
        return f"traceback: {type(exc).__name__} at {at}", None, out.getvalue(), str(exc)[:160]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


PLACEHOLDERS = ("test_loss", "test_acc", "train_acc")
"""MLP curves that are NaN throughout by design: test curves without a test set, accuracy of a regression."""


SEEN: list[str] = []
"""Metrics that `nnlab run` turned from NaN or infinity into JSON null, recorded by `_recording`."""
SEEN_DEPTH: set[str] = set()


def _recording(metrics: Any) -> Any:
    """nnlab.cli._jsonable, noting first which metrics are not finite (a graph's output and gradients
    before its first pass are NaN by design)."""
    if not isinstance(metrics, dict) or "_top" in SEEN_DEPTH:
        return _jsonable(metrics)  # the inner calls of its own recursion
    before_a_pass = metrics.get("passes") == 0

    def walk(name: str, v: Any) -> None:
        if isinstance(v, float) and not math.isfinite(v):
            if not (name.startswith(PLACEHOLDERS) or before_a_pass and name.startswith(("grad_", "output"))):
                SEEN.append(f"metrics.{name}")
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(f"{name}.{k}" if name else str(k), x)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(f"{name}[{i}]", x)

    walk("", metrics)
    SEEN_DEPTH.add("_top")
    try:
        return _jsonable(metrics)
    finally:
        SEEN_DEPTH.clear()


def non_finite(npz: Path) -> list[str]:
    """Names of the NaN or infinite outputs of the last run (metrics, .npz arrays)."""
    bad = list(SEEN)
    if npz.exists():
        with np.load(npz) as data:
            for k in data.files:
                a = data[k]
                if a.dtype.kind in "fc" and not np.isfinite(a).all() and not (k in PLACEHOLDERS and np.isnan(a).all()):
                    bad.append(f"traces.{k}")
    return bad


class Tally:
    """Outcomes by kind, with the first examples of each failure."""

    def __init__(self, show: int) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.show = show

    def add(self, kind: str, example: str = "") -> None:
        self.counts[kind] += 1
        if example and len(self.examples[kind]) < self.show:
            self.examples[kind].append(example)


def run_case(tally: Tally, args: list[str], npz: Path, timeout: float, what: str) -> None:
    npz.unlink(missing_ok=True)
    SEEN.clear()
    outcome, code, out, err = call(args + ["--json", "--out", str(npz)], timeout)
    if outcome != "exit":
        tally.add(f"run {outcome}", f"{what}: {err}")
        return
    if code == 3:
        tally.add("run stopped on a named blow-up")
        bad = non_finite(npz)
        if bad:
            tally.add("run blow-up with non-finite outputs", f"{what}: {bad[:4]}")
    elif code == 0:
        bad = non_finite(npz)
        tally.add("run finished, all finite" if not bad else "run SILENT NON-FINITE",
                  f"{what}: {bad[:4]}" if bad else "")
    else:
        tally.add(f"run refused (exit {code})")
        if any(not ln.strip() for ln in err.strip().splitlines()):
            tally.add("run refusal with a blank line", f"{what}: {err[:200]!r}")


# -- the two parts --------------------------------------------------------------------------------
def loader_part(n: int, r: random.Random, tally: Tally, workdir: Path, timeout: float, run_too: bool) -> None:
    texts = {name: bundled_path(name).read_text(encoding="utf-8") for name in bundled_names()}
    classes = {name: type(load(name).params) for name in texts}
    knobs = sorted({k for c in classes.values() for k in knobs_of(c)} | set(knobs_of(RunSettings)))
    path, npz = workdir / "mutant.toml", workdir / "mutant.npz"
    for i in range(n):
        name = r.choice(sorted(texts))
        text, did = mutate(r, texts[name], classes[name], knobs)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        what = f"{name} {did}"
        outcome, code, out, err = call(["check", str(path)], timeout)
        if outcome != "exit":
            tally.add(f"check {outcome}", f"{what}: {err}")
            continue
        lines = err.strip().splitlines()
        if code == 0:
            tally.add("check ok")
            if run_too:
                lab = load(str(path)).lab
                run_case(tally, ["run", str(path), "--steps", str(STEPS[lab])], npz, timeout, what)
            continue
        tally.add("check refused")
        unnamed = [ln for ln in lines if not ln.startswith(str(path))]
        if unnamed:
            tally.add("check problem not naming the file", f"{what}: {unnamed[0][:160]}")
        if any(len(ln) > 600 for ln in lines):
            tally.add("check problem longer than 600 characters", f"{what}: {lines[0][:160]}")
        if i and i % 1000 == 0:
            print(f"  {i} loader mutants", file=sys.__stderr__, flush=True)


def run_part(n: int, r: random.Random, tally: Tally, workdir: Path, timeout: float) -> None:
    names = bundled_names()
    classes = {name: type(load(name).params) for name in names}
    npz = workdir / "run.npz"
    for i in range(n):
        name = r.choice(names)
        cls = classes[name]
        knobs = [k for k in knobs_of(cls) if k not in SKIP]
        sets = [f"params.{k}={toml(in_range(r, cls, k))}" for k in r.sample(knobs, r.randint(1, min(4, len(knobs))))]
        lab = name.split("_")[0]
        args = ["run", name, "--steps", str(STEPS[lab])] + [a for s in sets for a in ("--set", s)]
        run_case(tally, args, npz, timeout, f"{name} {sets}")
        if i and i % 200 == 0:
            print(f"  {i} in-range runs", file=sys.__stderr__, flush=True)


def main_(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--loader", type=int, default=10_000, help="loader mutants (default 10,000)")
    p.add_argument("--runs", type=int, default=1_000, help="in-range runs (default 1,000)")
    p.add_argument("--no-run-mutants", action="store_true", help="check loader mutants without running them")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per command (default 20)")
    p.add_argument("--show", type=int, default=3, help="examples printed per kind of failure (default 3)")
    ns = p.parse_args(argv)
    r = random.Random(ns.seed)
    tally = Tally(ns.show)
    nnlab.cli._jsonable = _recording  # every metric of a run passes through it on its way to the JSON
    crash_log.write_error = _caught  # an exception main() catches is a traceback here
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nnlab-fuzz-") as tmp:
        loader_part(ns.loader, r, tally, Path(tmp), ns.timeout, not ns.no_run_mutants)
        run_part(ns.runs, r, tally, Path(tmp), ns.timeout)
    seconds = time.perf_counter() - start
    print(f"nnlab mutation fuzz: {ns.loader:,} loader mutants, {ns.runs:,} in-range runs, seed {ns.seed}, "
          f"{seconds:.0f} s")
    tracebacks = sum(c for k, c in tally.counts.items() if " traceback" in k)
    silent = tally.counts["run SILENT NON-FINITE"]
    for kind, count in sorted(tally.counts.items()):
        print(f"  {count:7,}  {kind}")
    print(f"tracebacks: {tracebacks:,}   silent non-finite outputs: {silent:,}")
    for kind, examples in tally.examples.items():
        for example in examples:
            print(f"  [{kind}] {example}")
    return 1 if tracebacks or silent else 0


if __name__ == "__main__":
    raise SystemExit(main_())
