"""The inspector never cuts inside a number: a row too wide puts its change on a line below; where even that
does not fit, it drops the change, then the value, as whole cells replaced by "…"."""

from __future__ import annotations

from nnlab.ui.widgets.inspector import Inspector

ROWS = (("tanh", "-1", "slope 2.458e-05"), ("logistic", "0.2689", "slope 0.1966"))


def _lines(rows, width):
    return Inspector._table(rows, width).plain.splitlines()


def test_a_row_that_fits_is_whole():
    assert _lines(ROWS, 80) == ["tanh     -1     slope 2.458e-05", "logistic 0.2689 slope 0.1966"]


def test_a_change_that_does_not_fit_goes_on_a_line_below():
    lines = _lines(ROWS, 28)
    assert lines == ["tanh     -1", "         slope 2.458e-05", "logistic 0.2689 slope 0.1966"]
    assert all(len(line) <= 28 for line in lines)


def test_then_the_change_and_the_value_go_as_whole_cells():
    row = (("tanh", "-0.999999", "+1e-05"),)
    assert _lines(row, 16) == ["tanh -0.999999", "     +1e-05"]
    assert _lines(row, 12) == ["tanh …"]


def test_no_row_ends_in_a_cut_number_at_any_width():
    rows = ROWS + (("v (mV)", "-65.00213", "+1.234e-03"),)
    for width in range(4, 40):
        for line in _lines(rows, width):
            assert len(line) <= width
            cells = line.split()
            if line.endswith("…"):
                assert cells[-1] == "…" or not any(ch.isdigit() for ch in cells[-1])
