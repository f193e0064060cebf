"""The lab at 80x24, where every pane is short of room: what matters stays readable."""

from __future__ import annotations

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from nnlab.ui.widgets.equation import EquationPane
from nnlab.ui.widgets.inspector import Inspector

from .conftest import ready


def text_of(widget) -> list[str]:
    """The lines a person sees in `widget`'s region of the screen (its children and scrolling included,
    its scrollbar left out)."""
    region = widget.scrollable_content_region
    strips = widget.screen._compositor.render_strips()[region.y:region.bottom]
    return [strip.crop(region.x, region.right).text.rstrip() for strip in strips]


async def test_the_equation_keeps_its_numbers_in_view_at_80x24(make_app):
    app = make_app("neuron_synapse_kernels")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        shown = "\n".join(text_of(app.query_one(EquationPane)))
        assert "convolution:" in shown and "= 0.0000" in shown
        assert "h(t) = t^n" not in shown
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        shown = "\n".join(text_of(app.query_one(EquationPane)))
        assert "h(t) = t^n" in shown and "convolution:" in shown


async def test_a_readout_cut_at_80x24_ends_in_an_ellipsis(make_app):
    app = make_app("neuron_activations")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        inspector = app.query_one(Inspector)
        lines = [" ".join(line.split()) for line in text_of(inspector) if line.strip()]
        assert lines
        shown = "\n".join(lines)
        for name, value, change in app.lab().frame.values:
            if name not in shown:
                continue  # below, a scroll away
            for cell in (value, change):
                # a cell is shown whole (on its row or the line below it), or replaced whole by "…"
                assert not cell or cell in shown or "…" in shown, (cell, shown)
        for line in lines:
            last = line.split()[-1]
            assert not line.endswith("…") or last == "…" or not last[:-1].replace(".", "").isdigit(), line


async def test_v_on_a_lab_with_one_view_says_so(make_app):
    app = make_app("neuron_hh_fi_curve")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        before = lab.view
        await pilot.press("v")
        assert lab.view == before
        assert "only view" in str(app.query_one("#lab-neuron #status").render())


@pytest.mark.parametrize("lab", ["1", "3"])
async def test_the_footer_shows_whole_keys_and_the_palette_key_in_the_last_column(make_app, lab):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await pilot.press(lab)
        await ready(pilot, app)
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        palette = footer.query_one("FooterKey.-command-palette")
        assert palette.region.right == footer.region.right
        shown = [key for key in footer.query(FooterKey) if key.display and key is not palette]
        assert footer.virtual_size.width <= footer.size.width
        assert all(key.region.right <= palette.region.x for key in shown)
        line = text_of(footer)[0]
        assert all(f"{key.key_display} {key.description}" in line for key in shown)
        assert any(key.action == "help" for key in shown)


async def test_the_equation_shows_this_steps_numbers_and_scrolls_to_the_rule_at_80x24(make_app):
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        pane = app.query_one(EquationPane)
        rule, *numbers = [str(line) for line in app.lab().frame.equation]
        flat = lambda lines: " ".join(" ".join(lines).split())  # noqa: E731
        assert " ".join(numbers[-1].split()) in flat(text_of(pane))
        assert " ".join(rule.split()) not in flat(text_of(pane))
        pane.focus()
        await pilot.press("home")
        await pilot.pause()
        assert flat(text_of(pane)).startswith(" ".join(rule.split())[:40])
        await pilot.press("n")
        await pilot.pause()
        assert " ".join(str(app.lab().frame.equation[-1]).split()) in flat(text_of(pane))
