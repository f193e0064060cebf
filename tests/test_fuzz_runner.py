"""The headless runner, fuzzed: bundled scenarios with parameters drawn within each knob's declared range
load (or are refused as a ScenarioError), build (or refuse their data in one ValueError line), and run a few
steps without an exception, ending with every trace and metric finite, or stopped with a named cause in
`model.blowup`.

Knobs that set the size of the work (neurons, units, samples, layers, trials...) are drawn within their
range but below the caps of SIZE_CAPS, so that a case runs in milliseconds; the memory guard's own tests
cover the large end. NNLAB_FUZZ_EXAMPLES sets the number of cases (default 600, derandomized).
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlab.cli import default_steps
from nnlab.core.hopfield.params import GLYPHS
from nnlab.core.knobs import field_types, knobs_of
from nnlab.core.registry import LABS
from nnlab.core.runner import run
from nnlab.scenario import ScenarioError, load
from nnlab.scenario.bundled import bundled_names

EXAMPLES = int(os.environ.get("NNLAB_FUZZ_EXAMPLES", "0")) or 600
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize="NNLAB_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

SIZE_CAPS = {"n_neurons": 40, "n_units": 144, "glyph_size": 12, "n_patterns": 12, "trials": 3, "samples": 20_000,
             "n_samples": 300, "n_hidden": 32, "n_visible": 64, "batch_size": 300, "k": 5, "chains": 8, "rows": 12,
             "cols": 12, "dim": 64, "fi_points": 3, "layers": 24,
             "hidden": 32, "seq_len": 40, "lag": 40, "n_sequences": 64, "inputs": 8}
"""Largest value drawn for the knobs that set the size of one step's work."""
STEPS = {"neuron": 300, "backprop": 2, "hopfield": 150, "rbm": 1, "som": 60, "rnn": 2}
"""Steps of the smallest size run per case (dt, epochs, unit updates, epochs or blocks, samples, epochs: the
RNN lab's run step is an epoch, so 2 as for the backprop lab)."""
SKIP = {"data_file", "labels_file", "view"}
"""Knobs left as the scenario has them: file names, and the first view (the UI's only)."""
MEMORY_MB = 256
NAMES = bundled_names()
CLASSES = {name: type(load(name).params) for name in NAMES}


def toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "inf" if value == math.inf else "-inf" if value == -math.inf else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def knob_values(cls: type, name: str) -> st.SearchStrategy[Any]:
    """Values of knob `name` of `cls` inside its declared range (below SIZE_CAPS for the size knobs)."""
    _, k = knobs_of(cls)[name]
    tp = field_types(cls)[name]
    if k.choices:
        return (st.sampled_from(k.choices) if tp is str else
                st.lists(st.sampled_from(k.choices), max_size=3, unique=True))
    if tp is bool:
        return st.booleans()
    hi = min(k.hi, SIZE_CAPS[name]) if name in SIZE_CAPS and k.hi is not None else SIZE_CAPS.get(name, k.hi)
    if tp in (int, tuple[int, ...]):
        ints = st.integers(int(math.ceil(k.lo)) if k.lo is not None else -(2 ** 31),
                           int(hi) if hi is not None else 2 ** 31)
        return ints if tp is int else st.lists(ints, min_size=2, max_size=4)
    if tp in (float, tuple[float, ...]):
        floats = st.floats(k.lo, hi, exclude_min=k.lo_open and k.lo is not None,
                           exclude_max=(k.hi_open and hi == k.hi) and hi is not None, allow_nan=False,
                           allow_infinity=k.allow_inf)
        return floats if tp is float else st.lists(floats.filter(math.isfinite), max_size=6)
    if name == "patterns":
        return st.lists(st.sampled_from(GLYPHS), max_size=4)
    return st.nothing()


@st.composite
def case(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(bundled name, `--set` items changing one to four of its knobs within their ranges)."""
    name = draw(st.sampled_from(NAMES))
    cls = CLASSES[name]
    names = [n for n in knobs_of(cls) if n not in SKIP and n not in ("model", "mode")]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    return name, [f"params.{n}={toml(draw(knob_values(cls, n)))}" for n in chosen]


def non_finite(name: str, value: Any) -> list[str]:
    """Names of the non-finite numbers inside a trace or metric."""
    if isinstance(value, dict):
        return [bad for k, v in value.items() for bad in non_finite(f"{name}.{k}", v)]
    if isinstance(value, (list, tuple)):
        return [bad for i, v in enumerate(value) for bad in non_finite(f"{name}[{i}]", v)]
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return [] if np.isfinite(value).all() else [name]
    if isinstance(value, float) and not math.isfinite(value):
        return [name]
    return []


def placeholder(name: str, value: Any, metrics: dict[str, Any]) -> bool:
    """True for a trace or metric that is NaN by design: an MLP's test curves without a test set and its
    accuracy on a regression (NaN throughout), a graph's output and gradients before its first pass."""
    if name in ("test_loss", "test_acc", "train_acc"):
        return bool(np.isnan(np.asarray(value, dtype=np.float64)).all())
    return name.startswith(("grad_", "output")) and metrics.get("passes") == 0


@pytest.fixture(autouse=True, scope="module")
def memory_limit():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNLAB_MEMORY_LIMIT_MB", str(MEMORY_MB))
        yield


@FUZZ
@given(case())
def test_parameters_within_range_run_to_finite_numbers_or_a_named_blowup(drawn):
    name, overrides = drawn
    try:
        scenario = load(name, overrides)
    except ScenarioError:
        return
    spec = LABS[scenario.lab]
    try:
        model = spec.build_model(scenario.params, scenario.seed, scenario.duration())
    except ValueError as exc:
        assert "\n" not in str(exc).strip()
        return
    with np.errstate(all="ignore"):
        run(model, min(default_steps(scenario, model), STEPS[scenario.lab]))
        model.frame()
        traces, metrics = model.traces(), model.metrics()
    if model.blowup:
        assert isinstance(model.blowup, str) and model.blowup.strip()
        return
    bad = [b for k, v in traces.items() if not placeholder(k, v, metrics) for b in non_finite(f"traces[{k}]", v)]
    bad += [b for k, v in metrics.items() if not placeholder(k, v, metrics) for b in non_finite(f"metrics[{k}]", v)]
    assert not bad, f"{name} {overrides}: non-finite {bad} without a blow-up"
