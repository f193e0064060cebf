"""The memory guard: a parameter set whose arrays would not fit is refused before anything is allocated."""

import tracemalloc

import pytest

from nnlab.cli import default_steps
from nnlab.core import memory
from nnlab.core.registry import LABS
from nnlab.core.runner import run
from nnlab.scenario import ScenarioError, load, load_text
from nnlab.scenario.bundled import bundled_names, bundled_path


@pytest.fixture
def limit_mb(monkeypatch):
    def set_limit(mb: float) -> None:
        monkeypatch.setenv(memory.ENV, str(mb))
    return set_limit


def test_the_issue_case_is_refused_naming_the_knob_and_the_line(limit_mb):
    limit_mb(1000)
    with pytest.raises(ScenarioError) as exc:
        load("rbm_boltzmann_temperature", ["params.samples=100000000"])
    (problem,) = exc.value.problems
    assert problem.key == "params.samples" and problem.via == "--set"
    assert "1,000 MB" in problem.message and "about 6,0" in problem.message and "lower samples" in problem.message
    text = bundled_path("rbm_boltzmann_temperature").read_text().replace("samples = 100000", "samples = 100000000")
    with pytest.raises(ScenarioError) as exc:
        load_text(text, source="big.toml")
    assert str(exc.value).startswith("big.toml:17: params.samples: expected arrays that fit in 1,000 MB")


@pytest.mark.parametrize("name, overrides, key", [
    ("rbm_bars_stripes", ["params.n_samples=1000000", "params.batch_size=1000000", "params.n_hidden=4096"],
     "params.batch_size"),
    ("rbm_exact_vs_gibbs", ["params.samples=100000000"], "params.samples"),
    ("hopfield_capacity", ["params.n_units=4096", "params.max_load=2"], "params.max_load"),
    ("hopfield_letters", ["params.patterns=[]", "params.n_patterns=10000", "params.n_units=4096",
                          "params.max_sweeps=100000"], "params.max_sweeps"),
    ("backprop_xor", ["params.dataset='moons'", "params.n_samples=100000", "params.layers=[2, 4096, 4096, 1]"],
     "params.layers"),
    ("backprop_xor", ["params.batch_size=1", "params.epochs=1000000", "params.dataset='moons'",
                      "params.n_samples=100000"], "params.epochs"),
    ("neuron_hh_spike", ["run.duration=1000000", "params.dt=0.001"], "run.duration"),
    ("neuron_lif_constant", ["run.duration=100000", "params.dt=0.000001"], "run.duration"),
    ("neuron_synapse_train", ["run.duration=1000000", "params.dt=0.000001"], "run.duration"),
    ("som_square", ["params.n_samples=1000000", "params.rows=100", "params.cols=100"], "params.n_samples"),
])
def test_each_lab_refuses_arrays_beyond_the_limit(name, overrides, key, limit_mb):
    limit_mb(20)
    with pytest.raises(ScenarioError) as exc:
        load(name, overrides)
    (problem,) = exc.value.problems
    assert problem.key == key, str(problem)
    assert "expected arrays that fit in 20 MB" in problem.message and "\n" not in str(problem)


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_scenario_fits_in_64_mb(name, limit_mb):
    limit_mb(64)
    load(name)


def test_the_default_limit_is_half_the_memory_available(monkeypatch):
    monkeypatch.delenv(memory.ENV, raising=False)
    cap, source = memory.limit()
    assert cap is None or cap > 0 and "half" in source and memory.ENV in source


@pytest.mark.parametrize("value", ["abc", "-5", "0", "nan", "inf"])
def test_a_bad_limit_is_a_problem_naming_the_variable(value, monkeypatch):
    monkeypatch.setenv(memory.ENV, value)
    with pytest.raises(ScenarioError) as exc:
        load("rbm_boltzmann_temperature")
    assert f"{memory.ENV}: expected a number of megabytes above 0" in str(exc.value)


@pytest.mark.parametrize("name, overrides, steps", [
    ("rbm_boltzmann_temperature", ["params.samples=1000000"], 2),
    ("hopfield_capacity", ["params.n_units=512"], 1),
    ("hopfield_letters", ["params.temperature=1", "params.glyph_size=30", "params.max_sweeps=20"], None),
    ("neuron_hh_spike", ["run.duration=10000"], None),
    ("rbm_digits", ["params.n_hidden=1024", "params.batch_size=1797"], 1),
])
def test_the_estimate_is_near_what_the_model_allocates(name, overrides, steps):
    """tracemalloc sees numpy's allocations: the estimate stays within a factor 2 of the peak (above it
    rather than below), so a change to a model's arrays that the estimator misses shows here."""
    s = load(name, overrides)
    spec = LABS[s.lab]
    small = load(name)
    run(spec.build_model(small.params, 0, small.duration()), 2)
    estimate = sum(u.bytes for u in memory.estimate(s.params, s.duration(), steps))
    tracemalloc.start()
    try:
        model = spec.build_model(s.params, s.seed, s.duration())
        run(model, steps or default_steps(s, model))
        model.traces()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert estimate / 2 <= peak <= 1.5 * estimate, (peak / 2**20, estimate / 2**20)
