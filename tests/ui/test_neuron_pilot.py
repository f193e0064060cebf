"""The neuron lab driven as a person uses it: keys pressed, frames and widgets read."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from textual.widgets import Input, Static
from textual.widgets._select import SelectOverlay

from nnlab.core.equation import false_calcs, lines_text
from nnlab.ui.dialogs import OpenScenario, SaveScenario
from nnlab.ui.help import HelpScreen
from nnlab.ui.widgets.param_panel import ParamPanel, ParamRows

from .conftest import idle, ready


async def test_n_steps_one_dt_and_N_one_millisecond(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert lab.frame.step == 0
        await pilot.press("n")
        assert lab.frame.step == 1 and lab.frame.t == pytest.approx(0.01)
        assert not false_calcs(lab.frame.equation)
        assert lines_text(lab.frame.equation)[3].startswith("V <- V + dt (I - I_Na - I_K - I_L)/C = ")
        await pilot.press("N")
        assert lab.frame.step == 101
        status = str(app.query_one("#status", Static).render())
        assert "t = 1.01 ms" in status and "N: ms" in status


async def test_g_switches_N_to_the_next_spike(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("g", "N")
        await idle(pilot, app)
        assert len(lab.model.spike_t) == 1
        assert lab.frame.t == pytest.approx(float(lab.model.spike_t.view()[0]), abs=0.011)
        assert "next spike" in lab.frame.stage


async def test_b_steps_back_exactly(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("N", "N")
        before = (lab.frame.step, lab.frame.values)
        await pilot.press("N", "n", "n")
        await pilot.press("b", "b", "b")
        assert (lab.frame.step, lab.frame.values) == before
        await pilot.press("N")
        again = lab.model.rec["v"].view().copy()
        await pilot.press("b", "N")
        assert np.array_equal(again, lab.model.rec["v"].view())


async def test_space_runs_and_pauses_and_b_undoes_the_run(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await pilot.pause(0.4)
        assert lab.running
        assert "running" in str(app.query_one("#status", Static).render())
        await pilot.press("space")
        await idle(pilot, app)
        assert lab.frame.step > 0
        await pilot.press("b")
        assert lab.frame.step == 0


async def test_a_run_to_the_end_stops_at_the_duration(make_app):
    app = make_app("neuron_lif_constant", ("run.speed=100.0",))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("space")
        await idle(pilot, app)
        lab = app.lab()
        assert lab.frame.t == pytest.approx(0.5)
        assert lab.model.metrics()["spike_count"] == 31


async def test_a_blow_up_pauses_with_a_message_about_the_step(make_app):
    app = make_app("neuron_hh_spike", ("params.dt=0.5", "run.speed=1000.0"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await idle(pilot, app)
        status = str(app.query_one("#status", Static).render())
        assert "too large" in status and "dt = 0.5 ms" in status
        assert np.isfinite(lab.frame.data["v"]).all()
        assert app.query_one("#status").has_class("-error")


async def test_v_cycles_the_hh_views(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        seen = [lab.view]
        for _ in range(3):
            await pilot.press("v")
            seen.append(lab.view)
        assert seen == ["trace", "gates", "phase", "trace"]
        assert app.query_one("#plot-top").figure.title == "V (mV)"


async def to_knob(pilot, app, name: str) -> ParamPanel:
    """Tab into the parameter rows and walk down to `name`, as a person would."""
    panel = app.query_one(ParamPanel)
    await pilot.press("tab")
    assert isinstance(app.focused, ParamRows)
    for _ in range(40):
        if panel.knob == name:
            return panel
        await pilot.press("down")
    raise AssertionError(f"no row {name}")


def rows_shown(app) -> list[str]:
    return [o.id for o in app.query_one(ParamRows).options]


async def test_invalid_parameter_is_refused_in_place_and_a_valid_one_applies(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await to_knob(pilot, app, "i_ext")
        await pilot.press("enter")
        field = app.query_one("#param-input", Input)
        assert app.focused is field and field.value == "10"
        await pilot.press("9", "9", "9", "9", "enter")
        assert field.value == "9999" and field.has_class("-invalid")
        assert lab.params.i_ext == 10.0
        assert "expected a number in [-500, 500]" in str(app.query_one("#param-help", Static).render())
        await pilot.press(*["backspace"] * 4, "6", ".", "5", "0", "enter")
        await pilot.pause()
        assert not field.has_class("-invalid")
        assert lab.params.i_ext == 6.5 and lab.model.params.i_ext == 6.5
        assert app.focused is lab
        assert "6.5 " in app.query_one(ParamRows).get_option("i_ext").prompt.plain
        assert "not applied" not in str(app.query_one("#param-help", Static).render())


async def test_a_typed_value_left_without_enter_is_put_back(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await to_knob(pilot, app, "dt")
        await pilot.press("enter", "5", "escape")
        await pilot.pause()
        assert app.focused is lab and lab.params.dt == 0.01
        assert app.query_one("#param-input", Input).value == "0.01"
        assert "dt: not applied (Enter applies); it stays 0.01" in str(app.query_one("#param-help", Static).render())


async def test_a_click_on_a_row_edits_that_knob(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        rows = app.query_one(ParamRows)
        line = rows_shown(app).index("g_k")
        await pilot.click(ParamRows, offset=(2, line))
        await pilot.pause()
        assert app.query_one(ParamPanel).knob == "g_k"
        assert app.focused is app.query_one("#param-input", Input)
        assert rows.highlighted == line


async def test_rows_of_unused_knobs_come_and_go_with_the_input_kind(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert "noise_sigma" not in rows_shown(app)
        await to_knob(pilot, app, "input")
        await pilot.press("enter")
        overlay = app.focused
        assert isinstance(overlay, SelectOverlay)
        assert str(overlay.highlighted_option.prompt) == lab.params.input == "step"
        await pilot.press("down", "down", "enter")
        await idle(pilot, app)
        assert lab.params.input == "noisy"
        assert "noise_sigma" in rows_shown(app)
        assert app.query_one(ParamPanel).knob == "input"


async def test_changing_the_model_rebuilds_the_panel_and_the_lab(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await to_knob(pilot, app, "model")
        await pilot.press("enter", "down", "enter")
        for _ in range(200):
            await pilot.pause(0.02)
            if type(lab.model).__name__ == "LIFModel" and "tau_m" in rows_shown(app):
                break
        assert type(lab.model).__name__ == "LIFModel"
        assert "tau_m" in rows_shown(app) and "i_ext" not in rows_shown(app)
        assert app.query_one(ParamPanel).knob == "model"
        await pilot.press("n")
        assert lab.frame.step == 1 and lab.frame.data["kind"] == "lif"


async def test_help_opens_and_closes(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_open_dialog_loads_a_bundled_scenario(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("o")
        assert isinstance(app.screen, OpenScenario)
        app.screen.query_one("#path", Input).value = "neuron_lif_constant"
        app.screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        await ready(pilot, app)
        lab = app.lab()
        for _ in range(100):
            if type(lab.model).__name__ == "LIFModel":
                break
            await pilot.pause(0.02)
        assert lab.scenario.name == "neuron_lif_constant" and type(lab.model).__name__ == "LIFModel"


async def test_open_dialog_shows_problems_of_a_bad_file(make_app, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\nlab = "neuron"\n[params]\nmodel = "lif"\ntau_m = -1\n')
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("o")
        field = app.screen.query_one("#path", Input)
        field.value = str(bad)
        field.focus()
        await pilot.press("enter")
        assert isinstance(app.screen, OpenScenario)
        assert "params.tau_m: expected a number in (0, 1] s, found -1" in str(
            app.screen.query_one("#problems", Static).render())


async def test_export_and_save_write_files(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("N", "e")
        exported = list(tmp_path.glob("*.npz"))
        assert len(exported) == 1
        data = np.load(exported[0])
        assert data["t"].shape == (101,)
        await pilot.press("s")
        assert isinstance(app.screen, SaveScenario)
        await pilot.press("enter")
        saved = tmp_path / "neuron_hh_spike.toml"
        assert saved.exists()
        from nnlab.scenario import load

        assert load(str(saved)).params == app.lab().params


async def test_keys_are_answered_while_kernels_compile(make_app, monkeypatch):
    import nnlab.core.neuron.kernels as kernels

    gate = threading.Event()
    real = kernels.warmup

    def slow(progress=None):
        if progress:
            progress(0, 1, "waiting")
        gate.wait(20)
        real(progress)

    monkeypatch.setattr(kernels, "warmup", slow)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one("#status", Static)
        for _ in range(100):
            await pilot.pause(0.05)
            if "preparing kernels" in str(status.render()):
                break
        lab = app.lab()
        assert lab.model is None
        assert "preparing kernels" in str(status.render())
        await pilot.press("n", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "g")
        assert lab.model is None and lab.level == 2
        gate.set()
        await ready(pilot, app)
        assert lab.frame.step == 1, "the n pressed while compiling acts once the model is ready"
        await pilot.press("n")
        assert lab.frame.step == 2


async def test_resizing_to_40x12_and_back_does_not_crash(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("N")
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await pilot.press("n", "v")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert app.lab().frame.step == 101


@pytest.mark.parametrize("name", ["neuron_hh_fi_curve", "neuron_lif_tuning", "neuron_synapse_train",
                                  "neuron_synapse_kernels", "neuron_lif_pair_inhibitory", "neuron_population_tuning",
                                  "neuron_activations", "neuron_hh_course", "neuron_lif_refractory",
                                  "neuron_hh_gates", "neuron_lif_constant", "neuron_lif_pair_excitatory"])
async def test_every_scenario_steps_in_the_app(make_app, name):
    app = make_app(name, ("params.fi_points=3",) if "fi" in name or "tuning" in name and "lif" in name else ())
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("n", "n", "N", "v", "v")
        await idle(pilot, app)
        assert lab.frame.step >= 2
        assert app.query_one("#plot-top").figure is not None


async def test_palette_offers_the_lab_commands(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for want in ("Switch lab: Neuron", "Open scenario...", "Export traces", "Save scenario", "Screenshot",
                     "Help for this lab", "Open scenario: neuron_lif_tuning"):
            assert want in titles


async def test_reset_during_a_run_shows_the_new_start_not_the_old_run(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        await pilot.press("space")
        await pilot.pause(0.3)
        await pilot.press("r")
        await idle(pilot, app)
        await pilot.pause(0.2)
        assert lab.frame.step == 0 and lab.model.steps_total == 0
        await pilot.press("n")
        assert lab.frame.step == 1


async def test_plus_and_minus_zoom_the_time_axis(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        top = app.query_one("#plot-top")
        assert top.figure.xlim == (0.0, 100.0)
        await pilot.press("plus")
        assert top.figure.xlim == (0.0, 50.0)
        await pilot.press("minus", "minus")
        assert top.figure.xlim == (0.0, 200.0)


@pytest.mark.parametrize("size", [(200, 60), (80, 24)])
async def test_the_editor_line_sits_right_below_the_rows(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        rows = app.query_one(ParamRows)
        assert app.query_one("#param-editor").region.y == rows.region.bottom
        fits = size[1] >= 40
        assert (rows.region.height == rows.option_count) if fits else (rows.region.height < rows.option_count)
        assert app.query_one(ParamPanel).region.contains_region(app.query_one("#param-help").region)
