"""The scenario loader: one clear line per problem, naming file, key, what was expected and what was found."""

import subprocess
import sys
from pathlib import Path

import pytest

from nnlab.cli import main
from nnlab.scenario import ScenarioError, check, load, load_text
from nnlab.scenario.bundled import bundled_names
from nnlab.scenario.writer import to_toml, write_atomic

DATA = Path(__file__).parent / "data"

EXPECTED = {
    "bad_not_toml.toml": ("bad_not_toml.toml:3:", "expected valid TOML"),
    "bad_unknown_lab.toml": ("bad_unknown_lab.toml:2: lab:", 'did you mean "neuron"?'),
    "bad_unknown_key.toml": ("bad_unknown_key.toml:6: params.tau_n:", 'did you mean "tau_m"?'),
    "bad_wrong_type.toml": ("bad_wrong_type.toml:6: params.tau_m:", 'expected a number in (0, 1] s, found the string "fast"'),
    "bad_out_of_range.toml": ("bad_out_of_range.toml:6: params.tau_m:", "expected a number in (0, 1] s, found -0.02"),
    "bad_missing_key.toml": ("bad_missing_key.toml: lab:", "found no lab key"),
    "bad_schema_newer.toml": ("bad_schema_newer.toml:1: schema:", "expected schema 1 or older"),
}


def test_one_fixture_per_failure_mode():
    assert sorted(p.name for p in DATA.glob("bad_*.toml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_gives_one_line_naming_file_key_expected_and_found(name):
    problems = check(str(DATA / name))
    assert len(problems) == 1
    text = str(problems[0])
    where, what = EXPECTED[name]
    assert where in text and what in text
    assert "\n" not in text


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["check", "run"])
def test_check_and_run_exit_1_with_the_message_and_no_traceback(name, command, capsys):
    assert main([command, str(DATA / name)]) == 1
    err = capsys.readouterr().err
    assert EXPECTED[name][1] in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_every_problem_is_listed():
    text = 'schema = 1\nlab = "neuron"\ncolour = 3\n[params]\nmodel = "lif"\ntau_m = 0\ndt = "x"\nspeling = 1\n'
    with pytest.raises(ScenarioError) as exc:
        load_text(text, source="many.toml")
    keys = sorted(p.key for p in exc.value.problems)
    assert keys == ["colour", "params.dt", "params.speling", "params.tau_m"]


def test_cross_field_rule_names_the_field():
    text = 'schema = 1\nlab = "neuron"\n[params]\nmodel = "lif"\ninput = "step"\nt_on = 0.2\nt_off = 0.1\n'
    with pytest.raises(ScenarioError) as exc:
        load_text(text, source="w.toml")
    assert "params.t_off" in str(exc.value) and "a time after t_on = 0.2" in str(exc.value)


def test_unknown_model_and_keys_of_another_model():
    with pytest.raises(ScenarioError) as exc:
        load_text('schema = 1\nlab = "neuron"\n[params]\nmodel = "lfi"\n', source="m.toml")
    assert 'params.model: expected one of "hh"' in str(exc.value)
    with pytest.raises(ScenarioError) as exc:
        load_text('schema = 1\nlab = "neuron"\n[params]\nmodel = "lif"\ni_ext = 3\n', source="m.toml")
    assert "params.i_ext" in str(exc.value) and 'a parameter of model "lif"' in str(exc.value)


def test_missing_file_suggests_a_bundled_name():
    with pytest.raises(ScenarioError) as exc:
        load("neuron_hh_spik")
    assert 'did you mean "neuron_hh_spike"' in str(exc.value)


def test_overrides_are_validated_like_the_file():
    s = load("neuron_lif_constant", ["params.tau_m=0.01", "params.method=exact", "run.duration=0.1"])
    assert s.params.tau_m == 0.01 and s.params.method == "exact" and s.duration() == 0.1
    with pytest.raises(ScenarioError) as exc:
        load("neuron_lif_constant", ["params.tau_m=-1"])
    assert "params.tau_m: expected a number in (0, 1] s, found -1" in str(exc.value)
    with pytest.raises(ScenarioError):
        load("neuron_lif_constant", ["params.tau_m"])


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenarios_load_and_survive_a_round_trip(name, tmp_path):
    s = load(name)
    assert s.lab == name.split("_")[0] and s.title and s.about
    out = write_atomic(tmp_path / f"{name}.toml", to_toml(s))
    again = load(str(out))
    assert again.params == s.params and again.run == s.run and again.seed == s.seed and again.about == s.about


def test_atomic_write_leaves_no_temporary_file_and_the_usual_mode(tmp_path):
    import os

    path = write_atomic(tmp_path / "a.toml", "x = 1\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_at_least_the_thirteen_neuron_scenarios_ship():
    need = {"neuron_hh_spike", "neuron_hh_course", "neuron_hh_gates", "neuron_hh_fi_curve", "neuron_lif_constant",
            "neuron_lif_tuning", "neuron_lif_refractory", "neuron_synapse_kernels", "neuron_synapse_train",
            "neuron_lif_pair_excitatory", "neuron_lif_pair_inhibitory", "neuron_population_tuning",
            "neuron_activations"}
    assert need <= set(bundled_names())
