"""What is written around a plot: the title, the legend (a marker and name per series, in its colour)
and the notes, flowed into the rows above the plot; what finds no room there goes into a box in the
plot's emptiest corner, so nothing is dropped and as little data as possible is hidden.
"""

from __future__ import annotations

import numpy as np

from nnlab.plotting.spec import Figure, Piece, Row

MARKERS = {"line": "─", "points": "•", "vlines": "│", "hline": "┄"}
"""The legend's mark for each kind of series: the shape it is drawn with."""
GAP = "  "
"""Space between the title, legend entries and notes on a row."""


def legend(fig: Figure) -> list[Piece]:
    """One entry per labelled series: its marker and label, in its colour role."""
    return [(f"{MARKERS.get(s.kind, '■')} {s.label}", s.role) for s in fig.series if s.label]


def cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, ending in "…" when shortened."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def cut_words(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut after the last whole word that fits and ending in "…" when
    shortened, so no word or number is left half-shown (a single word longer than the row is cut)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = text[: width - 1]
    if text[width - 1] != " " and " " in head.strip():
        head = head[: head.rstrip().rfind(" ")]
    return head.rstrip() + "…"


def header(title: str, entries: list[Piece], notes: tuple[str, ...], width: int,
           max_rows: int) -> tuple[list[Row], list[Piece], bool]:
    """The title, then the notes (right-aligned) and legend entries, in at most `max_rows` rows of `width`.

    The title wraps between words onto the following rows and is cut with "…" only when it fills them all.
    Returns the rows, the notes and entries that found no room (for the corner box), and whether the
    title was cut.
    """
    title_rows = wrap_words(title, width)
    if len(title_rows) > max_rows:
        title_rows = title_rows[: max_rows - 1] + [cut_words(" ".join(title_rows[max_rows - 1 :]), width)]
    was_cut = " ".join(title_rows) != " ".join(title.split())
    rows: list[Row] = [[(line, "title")] for line in title_rows] or [[]]
    used = [len(line) for line in title_rows] or [0]
    if was_cut:
        used[-1] = width  # nothing after the "…" of a cut title: it would read as part of the title
    right = [0] * len(rows)
    left_over: list[Piece] = []
    note = GAP.join(notes)
    if note:
        k = next((k for k in range(max_rows) if k >= len(rows) or used[k] + len(GAP) + len(note) <= width), None)
        if k is None:
            left_over.extend((text, "note") for text in notes)
        else:
            while len(rows) <= k:
                rows.append([])
                used.append(0)
                right.append(0)
            right[k] = len(note) + len(GAP)
    first = 0
    for text, role in entries:
        piece = GAP + text
        k = next((k for k in range(first, max_rows)
                  if (k >= len(rows) or used[k] + len(piece) + right[k] <= width)), None)
        if k is None:
            left_over.append((text, role))
            first = max_rows
            continue
        first = k
        while len(rows) <= k:
            rows.append([])
            used.append(0)
            right.append(0)
        start = piece if used[k] else text
        rows[k].append((start, role))
        used[k] += len(start)
    if note:
        for k, space in enumerate(right):
            if space:
                rows[k].append((" " * (width - used[k] - len(note)), None))
                rows[k].append((note, "note"))
    return rows, left_over, was_cut


def wrap_words(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken between words (a word longer than a line is cut)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(cut(word, width))
    return lines


def corner_box(pieces: list[Piece], bits: np.ndarray) -> tuple[int, int, list[Row]]:
    """Where to write `pieces` inside a plot whose braille cells are `bits` (rows, cols): the corner
    whose cells hold the fewest dots, as (row, column, rows of the box), one piece per row.

    The box has a blank column on its inner side; pieces wider than half the plot are cut between words
    with "…",
    and pieces beyond the plot's height are dropped with a count ("+2 more").
    """
    height, width = bits.shape
    inner = max(width // 2 - 1, 1)
    if len(pieces) > height:
        more = len(pieces) - height + 1
        pieces = pieces[: height - 1] + [(f"+{more} more", "dim")]
    texts = [(cut_words(text, inner), role) for text, role in pieces]
    box_w = min(max(len(t) for t, _ in texts) + 1, width)
    box_h = len(texts)
    corners = [(0, width - box_w), (0, 0), (height - box_h, width - box_w), (height - box_h, 0)]
    dots = [int(np.count_nonzero(bits[r : r + box_h, c : c + box_w])) for r, c in corners]
    row, col = corners[int(np.argmin(dots))]
    on_right = col > 0
    box = [[(" " + t.ljust(box_w - 1), role)] if on_right else [(t.ljust(box_w - 1) + " ", role)]
           for t, role in texts]
    return row, col, box


def one_row(pieces: list[Piece], width: int) -> tuple[Row, bool]:
    """`pieces` in one row of `width` cells, and whether any was shortened. When they overflow, a leading
    "title" piece gives up its room first (cut between words, ending in "…") so that the readouts after
    it (notes such as "max |W| 0.03", warnings) survive; readouts that still find no room are dropped
    whole from the end, a "…" in their place."""
    if sum(len(text) for text, _ in pieces) <= width:
        return list(pieces), False
    title = pieces[0] if pieces and pieces[0][1] == "title" else None
    rest = list(pieces[1:] if title else pieces)
    least = min(len(title[0]), MIN_TITLE) if title else 0

    def need(k: int) -> int:
        return least + sum(len(text) for text, _ in rest[:k]) + (2 if k < len(rest) else 0)

    k = len(rest)
    while k > 0 and need(k) > width:
        k -= 1
    readouts = rest[:k] + ([(" …", "dim")] if k < len(rest) else [])
    room = width - sum(len(text) for text, _ in readouts)
    head = [(cut_words(title[0], room), title[1])] if title and room > 0 else []
    return head + readouts, True


MIN_TITLE = 8
"""Cells a cut title keeps beside the readouts of its row (fewer, and readouts are dropped instead)."""
