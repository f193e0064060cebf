"""The parameter panel at 80x24: whichever knob is highlighted, its range and meaning are on screen in full."""

from __future__ import annotations

import pytest

from nnlab.core.knobs import field_types, knobs_of
from nnlab.ui.widgets.param_panel import ParamPanel, ParamRows, range_text

from .conftest import ready
from .test_small_terminal import text_of


def _flat(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


@pytest.mark.parametrize("name", ["neuron_hh_spike", "som_square", "hopfield_letters", "backprop_xor", "rbm_bars_stripes"])
async def test_every_knobs_range_and_meaning_are_shown_at_80x24(make_app, name):
    app = make_app(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        panel = app.query_one(ParamPanel)
        rows = panel.query_one(ParamRows)
        cls = type(app.lab().params)
        knobs, types = knobs_of(cls), field_types(cls)
        for index in range(rows.option_count):
            rows.highlighted = index
            await pilot.pause()
            await pilot.pause()
            knob = rows.get_option_at_index(index).id
            k = knobs[knob][1]
            shown = _flat(text_of(panel.query_one("#param-help")))
            rng = range_text(k, types[knob])
            assert shown.startswith(" ".join(f"{knob} {rng}".split())), (knob, shown)
            assert " ".join(k.doc.split()) in shown, (knob, shown)
            assert rows.region.height >= 1 and panel.region.contains_region(panel.query_one("#param-help").region)
            assert panel.query_one("#param-editor").region.y == rows.region.bottom
            assert rows.scroll_offset.y <= index < rows.scroll_offset.y + rows.size.height, knob


async def test_after_a_view_change_the_help_still_names_the_highlighted_knob(make_app):
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        rows = app.query_one(ParamRows)
        rows.highlighted = 3
        await pilot.pause()
        app.lab().focus()
        await pilot.press("v")
        await pilot.pause()
        knob = rows.highlighted_option.id
        assert _flat(text_of(app.query_one("#param-help"))).startswith(knob)


async def test_a_help_too_long_for_a_short_panel_ends_in_an_ellipsis_and_is_whole_in_its_tooltip(make_app):
    app = make_app("som_square")
    async with app.run_test(size=(80, 17)) as pilot:
        await ready(pilot, app)
        rows = app.query_one(ParamRows)
        rows.highlighted = [rows.get_option_at_index(i).id for i in range(rows.option_count)].index("neighbourhood")
        await pilot.pause()
        await pilot.pause()
        help_line = app.query_one("#param-help")
        shown = [line for line in text_of(help_line) if line.strip()]
        assert shown[-1].endswith("…") and help_line.tooltip.endswith("(lateral inhibition)")
        assert help_line.tooltip.startswith(_flat(shown)[:-1])
