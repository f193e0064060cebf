"""The loader, fuzzed: mutants of every bundled scenario load as a Scenario or fail as a ScenarioError whose
every line names the file and the key (or the line, for TOML syntax), never as another exception.

Mutations: byte and line edits, values replaced by deep nesting, huge integers, wrong types and values
at and beyond each knob's range, unknown keys, and `--set` items of the same kinds. NNLAB_FUZZ_EXAMPLES
sets the number of cases per test (default 1,500; the runs are then derandomized, so CI sees the same
cases every time; any other value draws new ones).
"""

from __future__ import annotations

import json
import math
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlab.core.knobs import knobs_of
from nnlab.scenario import Scenario, ScenarioError, load_text
from nnlab.scenario.bundled import bundled_names, bundled_path
from nnlab.scenario.scenario import RunSettings

EXAMPLES = int(os.environ.get("NNLAB_FUZZ_EXAMPLES", "0")) or 1500
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize="NNLAB_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TEXTS = {name: bundled_path(name).read_text(encoding="utf-8") for name in bundled_names()}
SCENARIOS = {name: load_text(text, source=name) for name, text in TEXTS.items()}
KNOBS = sorted({k for s in SCENARIOS.values() for k in knobs_of(type(s.params))} | set(knobs_of(RunSettings)))
"""Every knob name of every bundled scenario's Params, and of [run]."""
TOP = ["schema", "lab", "title", "lecture", "about", "seed", "params", "run"]
SOURCE = "mutant.toml"


def toml_float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def nested(depth: int, opener: str) -> str:
    return (opener * depth + "1" + "]" * depth) if opener == "[" else ("{a = " * depth + "1" + "}" * depth)


ATOMS = st.one_of(
    st.integers(-(2 ** 70), 2 ** 70).map(str),
    st.integers(19, 6000).map(lambda n: "9" * n),
    st.floats(allow_nan=True, allow_infinity=True).map(toml_float),
    st.text(max_size=30).map(json.dumps).filter(lambda s: "\\/" not in s),
    st.sampled_from(["true", "false", "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "[]", "{}", "''", '"""x"""',
                     "0x1f", "0o17", "0b101", "1_000", "-0.0", "+inf", "1e400", "-1e400", "5e-324"]),
)
VALUES = st.one_of(
    ATOMS,
    st.lists(ATOMS, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.dictionaries(st.sampled_from(KNOBS + ["x"]), ATOMS, max_size=3).map(
        lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"),
    st.builds(nested, st.integers(2, 1500), st.sampled_from(["[", "{"])),
)
"""TOML values of every kind: nesting up to 1,500 deep, integers up to 6,000 digits, wrong types."""


@st.composite
def knob_edge(draw: st.DrawFn, name: str) -> str:
    """`knob = value` at or beyond the range of one of the scenario's knobs."""
    params = SCENARIOS[name].params
    knob_name, (_, k) = draw(st.sampled_from(sorted(knobs_of(type(params)).items())))
    edges = [x for x in (k.lo, k.hi) if x is not None] or [0.0]
    base = draw(st.sampled_from(edges))
    delta = draw(st.sampled_from([0.0, 1e-12, -1e-12, 1.0, -1.0, 1e300, -1e300]))
    value = base + delta
    text = toml_float(value) if not float(value).is_integer() or abs(value) > 1e18 else str(int(value))
    if draw(st.booleans()):
        text = "[" + text + "]"
    return f"{knob_name} = {text}"


@st.composite
def mutant(draw: st.DrawFn) -> tuple[str, str]:
    """(bundled name, its text after one to four mutations)."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["byte", "line", "value", "key", "edge"]))
        lines = text.splitlines()
        if kind == "byte":
            at = draw(st.integers(0, len(text)))
            cut = draw(st.integers(0, 8))
            new = draw(st.text(alphabet=" =[]{}\"'#.,\n0123456789abcxyz_-+eE\\\t\x00\u00e9", max_size=8))
            text = text[:at] + new + text[at + cut:]
        elif kind == "line" and lines:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            op = draw(st.sampled_from(["delete", "duplicate", "swap"]))
            if op == "delete":
                del lines[i]
            elif op == "duplicate":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines) + "\n"
        elif kind == "value":
            keyed = [i for i, ln in enumerate(lines) if "=" in ln and not ln.lstrip().startswith("#")]
            if keyed:
                i = draw(st.sampled_from(keyed))
                lines[i] = lines[i].split("=", 1)[0] + "= " + draw(VALUES)
                text = "\n".join(lines) + "\n"
        else:
            at = draw(st.integers(0, len(lines)))
            if kind == "key":
                key = draw(st.one_of(st.sampled_from(KNOBS + TOP), st.from_regex(r"[a-z_]{1,12}", fullmatch=True)))
                line = f"{key} = {draw(VALUES)}"
            else:
                line = draw(knob_edge(name))
            lines.insert(at, line)
            text = "\n".join(lines) + "\n"
    return name, text


def assert_a_scenario_or_named_problems(load: object) -> None:
    try:
        result = load()
    except ScenarioError as exc:
        assert exc.problems
        for p in exc.problems:
            line = str(p)
            assert p.source == SOURCE and line.startswith(SOURCE), line
            assert "\n" not in line and len(line) < 600, line
            assert p.key or p.line, f"names neither a key nor a line: {line}"
        return
    assert isinstance(result, Scenario)


@FUZZ
@given(mutant())
def test_every_mutant_of_a_bundled_scenario_loads_or_is_a_named_problem(case):
    name, text = case
    assert_a_scenario_or_named_problems(lambda: load_text(text, source=SOURCE, name=name))


OVERRIDE_KEYS = st.one_of(
    st.sampled_from(KNOBS + TOP).flatmap(lambda k: st.sampled_from([k, f"params.{k}", f"run.{k}"])),
    st.from_regex(r"[a-z_.]{1,20}", fullmatch=True),
)


@FUZZ
@given(st.sampled_from(sorted(TEXTS)), st.lists(st.tuples(OVERRIDE_KEYS, VALUES), min_size=1, max_size=3),
       st.booleans())
def test_every_set_override_loads_or_is_a_named_problem(name, items, bare_text):
    overrides = [f"{k}={v.strip(chr(34)) if bare_text else v}" for k, v in items]
    assert_a_scenario_or_named_problems(lambda: load_text(TEXTS[name], source=SOURCE, name=name,
                                                          overrides=overrides))
