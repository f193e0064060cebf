"""The layout of small pictures side by side: enlargement, wrapping, shrinking and hit testing."""

from __future__ import annotations

import numpy as np

from nnlab.plotting.mosaic import arrange
from nnlab.plotting.spec import Mosaic, Tile
from nnlab.plotting.text_export import mosaic_text


def tiles(n: int, shape=(10, 10), highlight=None) -> Mosaic:
    return Mosaic("t", tuple(Tile(f"p{i}", np.ones(shape), highlight if i == 0 else None) for i in range(n)))


def test_the_largest_whole_enlargement_that_fits():
    placed = arrange(tiles(3), 100, 40)
    assert {p.k for p in placed} == {3}
    assert [p.x for p in placed] == [0, 32, 64] and all(p.y == 0 for p in placed)
    assert placed[0].pixels.shape == (30, 30)


def test_tiles_wrap_and_those_without_room_are_left_out():
    placed = arrange(tiles(5), 25, 12)
    assert [(p.x, p.y) for p in placed] == [(0, 0), (12, 0), (0, 6), (12, 6)]
    assert len(placed) == 4


def test_a_tile_too_large_is_shrunk():
    placed = arrange(tiles(1, (64, 64)), 40, 10)
    assert placed[0].s == 4 and placed[0].pixels.shape == (16, 16)


def test_unit_under_a_cell_and_the_highlight():
    placed = arrange(tiles(2, highlight=(3, 4)), 100, 40)
    p = placed[0]
    assert p.unit_at(4 * p.k + 1, (3 * p.k) // 2 + 1) == (3, 4)
    assert p.unit_at(p.x + p.width, 0) is None
    assert p.highlight.sum() == p.k * p.k
    text = mosaic_text(tiles(2, highlight=(0, 0)), 40, 12)
    assert text.splitlines()[1].startswith("@")


def test_a_tile_label_keeps_whole_words_so_no_overlap_is_cut():
    from nnlab.plotting.mosaic import tile_label

    assert tile_label("#1 +0.56", 8) == "#1 +0.56"
    assert tile_label("#1 +0.56", 6) == "#1"
    assert tile_label("modern", 4) == "mode"
    assert tile_label("H +0.68 x", 7) == "H +0.68"
