"""Step-back keeps snapshots up to a memory budget, not a count."""

from __future__ import annotations

import numpy as np
from textual.widgets import Static

from nnlab.ui.lab_state import ENTRY_OVERHEAD, History

from .conftest import ready


def test_the_history_drops_the_oldest_snapshots_past_its_budget():
    h = History(budget=10 * 8_000 + 10 * ENTRY_OVERHEAD)
    for k in range(25):
        h.push({"W": np.full(1000, float(k)), "step": k})
    assert len(h) == 10 and h.bytes <= h.budget
    assert [h.pop()["step"] for _ in range(10)] == list(range(24, 14, -1))
    assert h.bytes == 0 and not h


def test_arrays_shared_with_the_snapshot_before_are_counted_once():
    W = np.zeros((256, 784))
    h = History(budget=4 * W.nbytes)
    for k in range(100):
        h.push({"W": W, "step": k})
    assert len(h) == 100
    assert h.bytes == W.nbytes + 100 * ENTRY_OVERHEAD
    for k in range(3):
        h.push({"W": W.copy(), "step": 100 + k})
    assert h.bytes <= h.budget
    assert len(h) < 103


async def test_the_status_line_says_how_far_b_reaches(make_app, monkeypatch):
    monkeypatch.setenv("NNLAB_HISTORY_MB", "1")
    app = make_app("rbm_digits")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        assert lab.history.budget == 2**20
        for _ in range(40):
            await pilot.press("n")
        assert 0 < len(lab.history) < 40 and lab.history.bytes <= 2**20
        status = str(app.query_one("#lab-rbm #status", Static).render())
        assert f"b: {len(lab.history)} back" in status
