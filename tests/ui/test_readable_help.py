"""The `?` help at 80x24: every character of its code blocks (the equations) is on screen, none cut."""

from __future__ import annotations

from rich.console import Console
from textual.geometry import Region
from textual.widgets._markdown import MarkdownFence

from nnlab.ui.help import HelpScreen
from nnlab.ui.widgets.fold import HANGING, fold

from .conftest import ready


def _shown(widget) -> str:
    """Everything `widget` draws in its region, as one string without spaces."""
    lines = widget.render_lines(Region(0, 0, widget.outer_size.width, widget.outer_size.height))
    return "".join("".join(strip.text.split()) for strip in lines)


async def test_the_help_wraps_its_equations_at_80x24(make_app):
    app = make_app("neuron_hh_spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        fences = list(app.screen.query(MarkdownFence))
        assert fences, "the neuron help has code blocks"
        codes = ["".join(fence.code.split()) for fence in fences]
        assert any("-g_L(V-E_L)" in code for code in codes) and any("heldfor" in code for code in codes)
        for fence, code in zip(fences, codes):
            assert fence.virtual_size.width <= fence.size.width, fence.code
            assert code in "".join(_shown(child) for child in fence.children), fence.code


def test_a_folded_code_line_keeps_every_character_and_hangs_under_its_start():
    code = "  tau_m dv/dt = v_in - v        v >= 1: spike, v <- 0, held for tau_ref\nshort"
    lines = fold(code, 30, Console())
    assert all(len(line) <= 30 for line in lines)
    assert "".join("".join(line.split()) for line in lines) == "".join(code.split())
    assert lines[0].startswith("  tau_m") and lines[1].startswith(" " * (2 + HANGING) + "v")
    assert lines[-1] == "short"
