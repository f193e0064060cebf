"""The braille raster, the layout of a figure, half-block pictures and the text export."""

import numpy as np

from nnlab.plotting.canvas import Raster, decimate, draw
from nnlab.plotting.picture import ascii_rows, fit, scale
from nnlab.plotting.render import layout, tick, to_text
from nnlab.plotting.spec import ROLES, Figure, Series
from nnlab.plotting.text_export import figure_text


def test_a_dot_sets_the_right_braille_bit():
    r = Raster(2, 1)
    r.dots(np.array([0, 3]), np.array([0, 3]), 0)
    assert r.text_rows() == [chr(0x2800 + 0x01) + chr(0x2800 + 0x80)]


def test_decimation_keeps_a_one_sample_spike():
    x = np.arange(100_000, dtype=float)
    y = np.zeros_like(x)
    y[54_321] = 1.0
    px, py = decimate(x / x[-1] * 99, y, 100)
    assert len(px) <= 2 * 101 and py.max() == 1.0


def test_a_spike_in_a_long_trace_reaches_the_top_row():
    t = np.linspace(0, 1000, 100_001)
    v = np.full_like(t, -65.0)
    v[50_000] = 40.0
    fig = Figure("V", (Series(t, v),), (0.0, 1000.0), (-70.0, 40.0))
    r = draw(fig, 40, 10, ROLES)
    assert r.bits[0].any()


def test_layout_has_title_ticks_and_the_exact_size():
    fig = Figure("V (mV)", (Series(np.array([0.0, 1.0]), np.array([0.0, 1.0]), label="V"),), (0.0, 1.0),
                 (0.0, 1.0), xlabel="ms", notes=("3 spikes",))
    rows = layout(fig, 50, 12)
    assert len(rows) == 12
    text = to_text(fig, 50, 12).splitlines()
    assert text[0].startswith("V (mV)") and "3 spikes" in text[0]
    assert all(len(line) <= 50 for line in text)
    assert "ms" in text[-1]


def test_tiny_sizes_do_not_fail():
    fig = Figure("V", (Series(np.arange(10.0), np.arange(10.0)),), (0.0, 9.0), (0.0, 9.0))
    for w, h in ((1, 1), (5, 2), (8, 3), (12, 4)):
        assert len(layout(fig, w, h)) == max(h, 1)


def test_ticks_are_short():
    assert tick(0.0) == "0" and tick(123.456) == "123" and tick(0.000012) == "1.2e-5"


def test_half_block_picture_scaling_and_ascii_fallback():
    values = np.array([[1.0, -2.0], [0.0, 0.5]])
    s = scale(values)
    assert s.min() == -1.0 and s.max() == 0.5
    assert fit(np.zeros((10, 30)), 5, 2).shape == (4, 5)
    grown = fit(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), 20, 5, grow=True)
    assert grown.shape == (10, 6)
    assert np.array_equal(grown[:3, :3], np.ones((3, 3))) and grown[-1, -1] == 6.0
    assert fit(np.zeros((10, 30)), 5, 2, grow=True).shape == (4, 5)
    rows = ascii_rows(scale(np.array([[1.0, 0.0], [1.0, 0.0]])))
    assert rows == ["@ "]


def test_text_export_uses_plotext_and_has_no_colour_codes():
    t = np.linspace(0, 100, 10_001)
    fig = Figure("V (mV)", (Series(t, np.sin(t), label="V"),), (0.0, 100.0), (-1.2, 1.2), xlabel="ms")
    text = figure_text(fig, 60, 15)
    assert "V (mV)" in text and "ms" in text and "\x1b" not in text
    assert len(text.splitlines()) == 15


def test_picture_text_export():
    from nnlab.plotting.spec import Picture

    text = figure_text(Picture("rates", np.ones((4, 4)), xlabel="x"), 20, 8)
    assert text.splitlines()[0] == "rates" and "@" in text
