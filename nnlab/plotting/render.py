"""Lay a figure out in character cells: title, legend and notes, y ticks, the braille plot, x ticks.

The result is a list of rows, each a list of (text, role) pieces; role None is plain text,
"dim" is muted, other roles are the series' colour roles. Widgets turn pieces into styles.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.plotting.canvas import draw
from nnlab.plotting.legend import corner_box, cut_words, header, legend, wrap_words
from nnlab.plotting.spec import ROLES, Figure, Row


def tick(v: float, extra: int = 0) -> str:
    """A short label for an axis value, with `extra` more significant digits than the shortest."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        return f"{v:.{1 + extra}e}".replace("e+0", "e").replace("e-0", "e-")
    if a >= 100:
        return f"{v:.{extra}f}"
    if a >= 10:
        return f"{v:.{1 + extra}f}".rstrip("0").rstrip(".")
    return f"{v:.{3 + extra}g}"


def ticks(values: list[float]) -> list[str]:
    """Labels for axis values in order, with as few digits as keep neighbours apart (-776.8 and -777.2,
    not -777 twice); neighbours still alike after 6 more digits (a flat range) keep only the first."""
    for extra in range(7):
        labels = [tick(v, extra) for v in values]
        if all(a != b for a, b in zip(labels, labels[1:])):
            return labels
    return [s if k == 0 or s != labels[k - 1] else "" for k, s in enumerate(labels)]


def layout(fig: Figure, width: int, height: int) -> list[Row]:
    """The figure as `height` rows of at most `width` cells."""
    return laid_out(fig, width, height)[0]


def laid_out(fig: Figure, width: int, height: int) -> tuple[list[Row], bool]:
    """`layout`, and whether a title, legend entry, note or caption had to be cut (the widget then offers
    the whole text as a tooltip)."""
    if width < 8 or height < 3:
        return [[(cut_words(fig.title, width), None)]] + [[("", None)] for _ in range(height - 1)], True
    y0, y1 = fig.ylim
    top_rows = 2 if height >= 8 else 1
    rows, left_over, was_cut = header(fig.title, legend(fig), fig.notes, width, top_rows)
    plot_h = height - 1 - len(rows)
    at = [0, (plot_h - 1) // 2, plot_h - 1] if plot_h >= 5 else [0, plot_h - 1]
    values = [y1 - (y1 - y0) * r / max(plot_h - 1, 1) for r in at]
    if fig.integer_y:
        whole = [str(int(round(v))) for v in values]
        text = [s if k == 0 or s != whole[k - 1] else "" for k, s in enumerate(whole)]
    else:
        text = ticks(values)
    labels = dict(zip(at, text))
    margin = max(len(s) for s in labels.values()) + 1
    plot_w = width - margin - 1
    raster = draw(fig, plot_w, plot_h, ROLES)
    text = raster.text_rows()
    box_row, box_col, box = corner_box(left_over, raster.bits) if left_over else (0, 0, [])
    shown = {text.strip() for row in box for text, _ in row}
    was_cut = was_cut or any(text not in shown for text, _ in left_over)
    said = _centred(fig.missing, plot_w, plot_h) if fig.missing else {}
    for r in range(plot_h):
        label = labels.get(r, "")
        row: Row = [(label.rjust(margin - 1) + " ", "dim"), ("│", "dim")]
        inside = r - box_row
        if r in said:
            row.append((said[r], "warning"))
        elif 0 <= inside < len(box):
            right = box_col + sum(len(t) for t, _ in box[inside])
            row.extend(_colour_runs(text[r][:box_col], raster.role[r][:box_col]))
            row.extend(box[inside])
            row.extend(_colour_runs(text[r][right:], raster.role[r][right:]))
        else:
            row.extend(_colour_runs(text[r], raster.role[r]))
        rows.append(row)
    x_row, label_cut = _x_row(fig, width, margin)
    rows.append(x_row)
    return rows, was_cut or label_cut


def _centred(text: str, width: int, height: int) -> dict[int, str]:
    """`text` wrapped between words and centred in a width x height plot: {row: the row's text}."""
    lines = wrap_words(text, width)
    if len(lines) > height:
        lines = lines[: height - 1] + [cut_words(" ".join(lines[height - 1 :]), width)]
    top = max((height - len(lines)) // 2, 0)
    return {top + i: line.center(width).rstrip() for i, line in enumerate(lines)}


def _x_row(fig: Figure, width: int, margin: int) -> tuple[Row, bool]:
    """The x ticks under the plot (left, middle, right) and the x label after the right one, and whether
    the label was cut (between words). No tick comes within TICK_GAP of another: the middle one is left
    out when the label needs its room or no gap is left beside it, then the label, then the right tick."""
    x0, x1 = fig.xlim
    start = margin + 1
    plot_w = width - start
    left, mid, right = ticks([x0, (x0 + x1) / 2, x1])
    left_end = start + len(left)
    if left_end + TICK_GAP + len(right) > width:
        return [(cut_words(fig.xlabel, width) if fig.xlabel else "", "dim")], bool(fig.xlabel)
    mid_at = start + plot_w // 2 - len(mid) // 2
    mid_end = mid_at + len(mid) if mid and mid_at >= left_end + TICK_GAP else left_end
    beside_mid = width - mid_end - TICK_GAP - len(right) - 1
    alone = width - left_end - TICK_GAP - len(right) - 1
    if len(fig.xlabel) <= beside_mid or (len(fig.xlabel) > alone and beside_mid >= MIN_LABEL):
        room = beside_mid
    else:
        room, mid_end = alone, left_end
    label, was_cut = _label(fig.xlabel, room)
    right_at = width - len(right) - len(label)
    cells = [" "] * width
    for pos, text in ((start, left), (right_at, right + label)):
        cells[pos : pos + len(text)] = text
    if mid_end > left_end and mid_end + TICK_GAP <= right_at:
        cells[mid_at:mid_end] = mid
    return [("".join(cells), "dim")], was_cut


TICK_GAP = 2
"""Blank cells the middle x tick keeps from its neighbours, so that two ticks never read as one number."""
MIN_LABEL = 8
"""Cells of the x label kept beside the middle tick before the tick gives up its room to the label."""


def _label(text: str, room: int) -> tuple[str, bool]:
    """" text" in at most `room` + 1 cells, cut between words; "" when not even its first word fits."""
    if not text:
        return "", False
    if len(text) <= room:
        return " " + text, False
    fits = room >= 2 and " " in text[:room]
    return (" " + cut_words(text, room) if fits else ""), True


def _colour_runs(text: str, roles: np.ndarray) -> Row:
    out: Row = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or roles[i] != roles[start]:
            role = ROLES[roles[start]] if roles[start] >= 0 else None
            out.append((text[start:i], role))
            start = i
    return out


def to_text(fig: Figure, width: int, height: int) -> str:
    """The figure as plain text (for exports and tests)."""
    return "\n".join("".join(t for t, _ in row) for row in layout(fig, width, height))
