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
    "bad_settle_after_duration.toml": ("bad_settle_after_duration.toml:7: params.settle:",
                                       "expected less than the duration per input, run.duration = 2 s"),
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


def test_an_fi_settle_not_shorter_than_the_run_is_refused_at_load_naming_both_knobs():
    """An F-I sweep counts spikes after `settle` of each input's run.duration: with settle >= duration every
    rate would read 0 Hz. `nnlab check` says so (file, line, both knobs and their values), not the first run;
    run.duration = 0 means the model's default duration (500 ms for HH), checked the same way."""
    text = 'schema = 1\nlab = "neuron"\n[params]\nmodel = "hh"\nexperiment = "fi"\nsettle = 600.0\n'
    with pytest.raises(ScenarioError) as exc:
        load_text(text, source="fi.toml")
    assert str(exc.value) == ("fi.toml:6: params.settle: expected less than the duration per input, run.duration "
                              "= 500 ms (only spikes after settle count, so the duration must be longer than "
                              "settle), found 600 ms")
    assert load_text(text + "[run]\nduration = 700.0\n").duration() == 700.0
    with pytest.raises(ScenarioError) as exc:
        load("neuron_lif_tuning", ["run.duration=0.5", "params.settle=0.5"])
    assert "--set params.settle: expected less than the duration per input, run.duration = 0.5 s" in str(exc.value)
    assert not check("neuron_hh_fi_curve") and not check("neuron_lif_tuning")
    assert load_text(text.replace('"fi"', '"run"')).params.settle == 600.0


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


RNN_PREFIXES = ("lstm", "gru", "mingru")
"""The RNN lab's scenarios named after their cell, as issue 17 names them (lstm_gate_viewer, gru_conventions)."""


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenarios_load_and_survive_a_round_trip(name, tmp_path):
    s = load(name)
    prefix = name.split("_")[0]
    assert (s.lab == prefix or (s.lab == "rnn" and prefix in RNN_PREFIXES)) and s.title and s.about
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


LIF = (DATA.parent.parent.parent / "scenarios" / "neuron_lif_constant.toml").read_text()


def problem_of(text: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        load_text(text, source="fuzz.toml")
    assert len(exc.value.problems) >= 1
    return str(exc.value.problems[0])


@pytest.mark.parametrize("depth", [9, 400, 2000])
@pytest.mark.parametrize("shape", ["[{}]", "{{a = {}}}"])
def test_nesting_too_deep_is_one_problem_naming_the_key_and_line(depth, shape):
    value = "1"
    for _ in range(depth):
        value = shape.format(value)
    text = LIF + f"\n[extra]\nx = {value}\n"
    line = len(LIF.splitlines()) + 3
    msg = problem_of(text)
    assert msg.startswith(f"fuzz.toml:{line}: x: ") or msg.startswith("fuzz.toml: extra: "), msg
    assert "nested at most 8 deep" in msg and "\n" not in msg


def test_dotted_keys_nested_thousands_deep_are_refused():
    msg = problem_of("a" + ".a" * 2000 + " = 1\n" + LIF)
    assert msg.startswith("fuzz.toml: a: ") and "nested at most 8 deep" in msg


@pytest.mark.parametrize("digits", [20, 4301, 50_000])
def test_an_integer_beyond_64_bits_names_the_key_and_line(digits):
    text = LIF.replace("seed = 0", "seed = " + "7" * digits)
    assert text != LIF
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("seed ="))
    msg = problem_of(text)
    assert msg == (f"fuzz.toml:{line}: seed: expected a whole number from -2^63 to 2^63 - 1, found one of "
                   f"{digits:,} digits")


def test_an_integer_of_many_digits_in_a_float_knob_is_refused_not_overflowed():
    msg = problem_of(LIF.replace("tau_ref = 0.002", "tau_ref = " + "9" * 400))
    assert "params.tau_ref: expected a whole number from -2^63" in msg


@pytest.mark.parametrize("key, lab, text", [
    ("params.model", "neuron", 'model = ["lif"]'),
    ("params.model", "neuron", "model = {x = 1}"),
    ("params.model", "neuron", "model = 3"),
    ("params.mode", "backprop", 'mode = ["mlp"]'),
    ("params.experiment", "rbm", 'experiment = ["train"]'),
    ("params.experiment", "hopfield", "experiment = {a = 1}"),
    ("params.dataset", "som", 'dataset = ["square"]'),
    ("params.dataset", "backprop", "dataset = [[1]]"),
])
def test_a_list_or_table_where_a_name_is_expected_is_named(key, lab, text):
    msg = problem_of(f'schema = 1\nlab = "{lab}"\n[params]\n{text}\n')
    assert msg.startswith(f"fuzz.toml:4: {key}: expected "), msg
    assert "found a list of" in msg or "found a table" in msg or "found the integer 3" in msg or "found 3" in msg


@pytest.mark.parametrize("text", ['lab = ["neuron"]', "lab = {a = {b = 1}}", "title = [1, 2]", "seed = [0]",
                                  "schema = [1]", "seed = 1979-05-27", "params = 3", "run = [1]"])
def test_wrong_types_at_the_top_are_named_without_printing_the_value(text):
    key = text.split(" ")[0]
    base = 'schema = 1\nlab = "neuron"\n'
    doc = base.replace(f"{key} = ", "#") + text + "\n" if key in ("schema", "lab") else base + text + "\n"
    with pytest.raises(ScenarioError) as exc:
        load_text(doc, source="fuzz.toml")
    assert any(p.key == key for p in exc.value.problems), str(exc.value)


def test_a_long_value_is_cut_in_the_message():
    msg = problem_of(LIF.replace("tau_m = 0.02", 'tau_m = "' + "x" * 5000 + '"'))
    assert "params.tau_m" in msg and len(msg) < 200 and msg.endswith('…')


def test_an_override_that_is_not_toml_is_reported_as_typed_and_attributed_to_set():
    with pytest.raises(ScenarioError) as exc:
        load("backprop_xor", ["layers=abc"])
    assert str(exc.value) == ("backprop_xor: --set params.layers: expected a list of whole numbers in [1, 4096], "
                              "found abc")


def test_a_bare_override_goes_to_params_or_run():
    s = load("neuron_lif_constant", ["v_in=3", "duration=0.1", "seed=4"])
    assert s.params.v_in == 3.0 and s.run.duration == 0.1 and s.seed == 4
    with pytest.raises(ScenarioError) as exc:
        load("neuron_lif_constant", ["i_ext=3"])
    text = str(exc.value)
    assert "--set i_ext" in text and "params.NAME" in text and "run.NAME" in text and 'model "lif"' in text


@pytest.mark.parametrize("item", ["v_in=" + "[" * 3000, "seed=" + "9" * 5000, "params.x.y.z=1", ".=1", "a..b=1",
                                  "seed=1\nlab = 'som'", "=3", "params.v_in"],
                         ids=["deep", "digits", "dotted", "dot", "empty part", "newline", "no key", "no value"])
def test_odd_overrides_are_problems_not_exceptions(item):
    with pytest.raises(ScenarioError) as exc:
        load("neuron_lif_constant", [item])
    assert all("\n" not in str(p) for p in exc.value.problems)
