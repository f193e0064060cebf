"""The command line as scripts and graders use it."""

import json
import os
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from nnlab.cli import main
from nnlab.core.neuron.params import MODELS
from nnlab.scenario import load_text
from nnlab.scenario.bundled import bundled_names


@pytest.mark.parametrize("name", bundled_names())
def test_every_shipped_scenario_runs_ten_steps_headless(name, capsys):
    assert main(["run", name, "--steps", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    prefix = name.split("_")[0]
    assert out["lab"] == ("rnn" if prefix in ("lstm", "gru", "mingru") else prefix) and "metrics" in out
    ends_early = {"hopfield_sync_cycle": 3, "rbm_boltzmann_temperature": 5}
    assert out["steps"] == ends_early.get(name, 10)


def test_run_json_metrics_and_npz_traces_of_hh(tmp_path, capsys):
    out = tmp_path / "hh.npz"
    assert main(["run", "neuron_hh_spike", "--json", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["spike_count"] == 6 and result["metrics"]["rate_hz"] == pytest.approx(60.0)
    data = np.load(out)
    for key in ("t", "v", "spike_t", "spike_i", "n", "m", "h"):
        assert key in data
    assert data["t"].shape == data["v"].shape == (10001,)


def test_tuning_scenarios_report_inputs_and_rates(capsys):
    assert main(["run", "neuron_lif_tuning", "--json", "--set", "params.fi_points=5"]) == 0
    m = json.loads(capsys.readouterr().out)["metrics"]
    assert len(m["inputs"]) == len(m["rates_hz"]) == 5 and m["rates_hz"][0] == 0.0


def test_blow_up_exits_3_with_the_cause_and_still_writes_the_traces_and_the_json(tmp_path, capsys):
    out = tmp_path / "blown.npz"
    assert main(["run", "neuron_hh_spike", "--set", "params.dt=0.5", "--json", "--out", str(out)]) == 3
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "too large" in err and "last good state" in err and str(out) in err
    result = json.loads(captured.out)
    assert "too large" in result["blowup"] and result["steps"] < 200
    data = np.load(out)
    assert len(data["t"]) == len(data["v"]) == result["steps"] + 1
    assert np.isfinite(data["v"]).all() and np.isfinite(data["m"]).all()


def test_a_finished_run_says_blowup_null(capsys):
    assert main(["run", "neuron_hh_spike", "--json", "--steps", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["blowup"] is None


def test_bad_out_path_is_refused_before_running(capsys, tmp_path):
    assert main(["run", "neuron_lif_constant", "--out", str(tmp_path / "x.csv")]) == 1
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize("model", MODELS)
def test_new_prints_a_valid_commented_scenario_for_every_model(model, capsys):
    assert main(["new", "neuron", "--model", model]) == 0
    text = capsys.readouterr().out
    s = load_text(text, source="new")
    assert s.params.model == model
    assert "# tau" in text or "# z_" in text or "# i_ext" in text


def test_list_filters_by_lab(capsys):
    assert main(["list", "--lab", "neuron"]) == 0
    assert "neuron_hh_spike" in capsys.readouterr().out
    assert main(["list", "--lab", "nope"]) == 1


def test_list_from_another_directory_shows_the_bundled_scenarios(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-m", "nnlab", "list"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "neuron_hh_spike" in out.stdout


def test_help_list_and_check_do_not_import_numba_or_textual(tmp_path):
    code = ("import sys; from nnlab.cli import main; main(['list']); main(['check', 'neuron_hh_spike']); "
            "main(['new', 'neuron']); "
            "bad = [m for m in ('numba', 'textual', 'rich', 'plotext') if m in sys.modules]; print('BAD', bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "BAD []" in out.stdout


def test_unknown_option_gives_usage_and_exit_2(capsys):
    assert main(["run"]) == 2


def test_frame_every_thins_the_saved_traces_but_not_the_spikes(tmp_path, capsys):
    out = tmp_path / "thin.npz"
    assert main(["run", "neuron_hh_spike", "--set", "run.frame_every=10", "--out", str(out)]) == 0
    data = np.load(out)
    assert data["t"].shape == (1001,) and data["v"].shape == (1001,)
    assert len(data["spike_t"]) == 6


def test_backprop_json_metrics_and_npz_arrays(tmp_path, capsys):
    out = tmp_path / "digits.npz"
    assert main(["run", "backprop_digits", "--json", "--out", str(out), "--set", "params.grad_check=true",
                 "--steps", "5"]) == 0
    m = json.loads(capsys.readouterr().out)["metrics"]
    for key in ("final_loss", "train_acc", "test_acc", "grad_check_max_rel_err"):
        assert key in m
    assert m["grad_check_max_rel_err"] < 1e-6 and m["test_acc"] > 0.8
    data = np.load(out)
    for key in ("loss", "test_loss", "train_acc", "test_acc", "W0", "b1", "W1", "b2"):
        assert key in data
    assert data["loss"].shape == (6,) and data["W0"].shape == (32, 64)


def test_backprop_bad_data_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,0\n3,4\n")
    assert main(["run", "backprop_xor", "--set", "params.dataset='file'", "--set", f"params.data_file='{bad}'"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.csv" in err and "Traceback" not in err


def test_backprop_divergence_is_reported(capsys):
    assert main(["run", "backprop_universal_approx", "--set", "params.lr=90", "--set", "params.optimizer='sgd'",
                 "--set", "params.activation='relu'", "--set", "params.init='normal'",
                 "--set", "params.init_scale=5"]) == 3
    captured = capsys.readouterr()
    assert "too large" in captured.err and "Traceback" not in captured.err
    assert "stopped on a blow-up" in captured.out


def test_som_json_metrics_npz_arrays_and_bad_input(tmp_path, capsys):
    out = tmp_path / "som.npz"
    assert main(["run", "som_square", "--json", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["qe"] < 0.06 and result["metrics"]["te"] < 0.02
    data = np.load(out)
    assert data["weights"].shape == (10, 10, 2) and data["qe"].shape == (6,) and data["hits"].sum() == 1000
    for overrides, words in ((["params.n_samples=10"], "at least 50 samples"), (["params.sigma=0"], "sigma"),
                             (["params.dim=3"], "expected 3 columns")):
        args = ["run", "som_square"] + [a for o in overrides for a in ("--set", o)]
        assert main(args) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err


def test_memory_error_anywhere_in_run_is_one_line_and_exit_1(monkeypatch, capsys):
    import nnlab.core.runner

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(nnlab.core.runner, "run", out_of_memory)
    assert main(["run", "neuron_hh_spike", "--steps", "5"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "out of memory" in err and "NNLAB_MEMORY_LIMIT_MB" in err


def test_a_parameter_set_too_big_for_memory_is_refused_naming_the_knob(monkeypatch, capsys):
    monkeypatch.setenv("NNLAB_MEMORY_LIMIT_MB", "1000")
    for command in (["run"], ["check"]):
        args = command + ["rbm_boltzmann_temperature"] + (["--set", "params.samples=100000000"]
                                                          if command == ["run"] else [])
        code = main(args)
        err = capsys.readouterr().err.strip()
        if command == ["check"]:
            assert code == 0
            continue
        assert code == 1 and len(err.splitlines()) == 1
        assert "params.samples" in err and "lower samples" in err and "1,000 MB" in err
        assert "NNLAB_MEMORY_LIMIT_MB" in err


def test_steps_given_on_the_command_line_count_towards_the_memory_guard(monkeypatch, capsys):
    monkeypatch.setenv("NNLAB_MEMORY_LIMIT_MB", "50")
    assert main(["run", "neuron_hh_spike", "--steps", "100000000"]) == 1
    err = capsys.readouterr().err
    assert "100,000,000 steps of dt" in err and "lower the steps (--steps" in err


@pytest.mark.parametrize("knob, value", [("v_in", "3"), ("tau_m", "0.01"), ("duration", "0.1")])
def test_a_bare_knob_name_is_accepted_when_unambiguous(knob, value, capsys):
    assert main(["run", "neuron_lif_constant", "--set", f"{knob}={value}", "--steps", "5", "--json"]) == 0


def test_an_unknown_bare_name_names_the_params_and_run_forms(capsys):
    assert main(["run", "neuron_lif_constant", "--set", "v_inn=3"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--set v_inn" in err and "params.NAME" in err and "run.NAME" in err and '"params.v_in"' in err


def test_a_value_that_is_not_toml_is_reported_as_typed(capsys):
    for key in ("params.layers", "layers"):
        assert main(["run", "backprop_xor", "--set", f"{key}=abc"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.endswith("--set params.layers: expected a list of whole numbers in [1, 4096], found abc"), err


def test_check_of_an_ssh_address_prints_one_line_and_no_library_warning(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "NNLAB_SSH_TIMEOUT": "5"}
    for flags in ([], ["-W", "default"]):
        out = subprocess.run([sys.executable, *flags, "-m", "nnlab", "check", "ssh://nobody@127.0.0.1:1/x.toml"],
                             capture_output=True, text=True, timeout=60, env=env)
        assert out.returncode == 1
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "Warning" not in out.stderr and "127.0.0.1" in out.stderr


def test_an_error_in_nnlab_itself_is_one_line_and_its_traceback_goes_to_the_log(monkeypatch, tmp_path, capsys):
    import nnlab.core.runner

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(nnlab.core.runner, "run", broken)
    assert main(["run", "neuron_hh_spike", "--steps", "5"]) == 1
    err = capsys.readouterr().err.strip()
    log = tmp_path / "nnlab" / "errors.log"
    assert len(err.splitlines()) == 1 and "ZeroDivisionError: division by zero" in err and str(log) in err
    assert "Traceback" in log.read_text() and "nnlab run neuron_hh_spike --steps 5" in log.read_text()
