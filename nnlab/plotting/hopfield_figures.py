"""Figures of the Hopfield lab: the state beside the stored patterns, energy, overlaps, W, capacity.

The upper plot shows the chosen view; the lower one the energy (the overlaps when the energy
is the upper view). The capacity experiment shows the recall rate above and the final
overlap below.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.plotting.spec import Figure, Mosaic, Picture, Series, Tile, data_range, padded

PATTERN_ROLES = ("primary", "warning", "success", "accent", "secondary", "error")
MAX_OVERLAP_LINES = 6
NO_PATTERN = "no stored pattern yet: a stores the state"
"""What the overlap plot says while the memory holds no pattern (hopfield_draw starts so)."""


def _grid(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(shape)


def state_mosaic(frame: Any, cursor: int | None = None) -> Mosaic:
    """Probe, state (the last updated unit, or the edit cursor, highlighted), the modern memory's
    state, then the stored patterns with their overlaps, the closest first."""
    d = frame.data
    shape = d["shape"]
    cols = shape[1]
    mark = cursor if cursor is not None else d["unit"]
    hl = (mark // cols, mark % cols) if mark is not None and mark >= 0 else None
    state_label = "drawing" if cursor is not None else "state"
    tiles = [Tile("probe", _grid(d["probe"], shape)), Tile(state_label, _grid(d["state"], shape), hl)]
    if d["modern"] is not None:
        tiles.append(Tile("modern", _grid(d["modern"], shape)))
    N = len(d["state"])
    m = d["patterns"] @ d["state"] / N if len(d["names"]) else np.zeros(0)
    for k in np.argsort(-m, kind="stable"):
        tiles.append(Tile(f"{d['names'][k]} {m[k]:+.2f}", _grid(d["patterns"][k], shape), key=int(k)))
    E = d["energy"]
    notes = ((f"E = {E[-1]:.4g}",) if len(E) else ()) + (f"{len(d['names'])} stored, N = {N}",)
    if cursor is not None:
        caption = "drawing: arrows move the cursor (accent), space toggles, a stores, d ends"
    else:
        caption = ("bright: +1, dark: -1; labels: pattern and overlap m = x_s.x/N"
                   + ("; the updated unit in the accent colour" if hl else ""))
    return Mosaic("state & patterns", tuple(tiles), notes, caption)


def energy_figure(frame: Any) -> Figure:
    """E after every update; dots where an update lowered it."""
    d = frame.data
    E = np.asarray(d["energy"])
    x = np.arange(len(E), dtype=np.float64)
    series = [Series(x, E, role="primary", label="E")]
    low = d["lowered"]
    if len(low):
        series.append(Series(low.astype(np.float64), E[low], kind="points", role="success", label="lowered"))
    unit = "step" if d["whole_steps"] else "unit update"
    notes = (f"E = {E[-1]:.5g}", f"{len(low)} of {len(E) - 1} updates lowered it") if len(E) else ()
    title = ("energy E = -(1/beta) log sum_s exp(beta x_s.x)" if d.get("modern_only") else
             "energy E = -1/2 x^T W x + b^T x")
    return Figure(title, tuple(series), padded(0.0, max(len(E) - 1, 1), 0.0),
                  data_range(E), xlabel=unit, notes=notes, missing="" if len(E) else "no state yet")


def overlap_figure(frame: Any) -> Figure:
    """m_s = x_s . x / N over updates, for the target and the first few other patterns."""
    d = frame.data
    M = np.asarray(d["overlap"])
    x = np.arange(len(M), dtype=np.float64)
    names = d["names"]
    order = [d["target"]] + [k for k in range(len(names)) if k != d["target"]] if len(names) else []
    series = []
    for i, k in enumerate(order[:MAX_OVERLAP_LINES]):
        series.append(Series(x, M[:, k], role=PATTERN_ROLES[i % len(PATTERN_ROLES)], label=names[k]))
    notes = (f"+{len(names) - MAX_OVERLAP_LINES} not drawn",) if len(names) > MAX_OVERLAP_LINES else ()
    return Figure("overlap with each stored pattern", tuple(series), padded(0.0, max(len(M) - 1, 1), 0.0),
                  (-1.05, 1.05), xlabel="step" if d["whole_steps"] else "unit update", notes=notes,
                  missing="" if len(names) else NO_PATTERN)


def weights_picture(frame: Any) -> Picture:
    """W as a signed heatmap."""
    W = frame.data["W"]
    big = float(np.abs(W).max()) if W.size else 0.0
    return Picture("weights W (symmetric, zero diagonal)", W, signed=True, grow=True,
                   notes=(f"max |W| {big:.3g}", f"{W.shape[0]}x{W.shape[1]}"),
                   xlabel="positive: primary colour, negative: red; row i holds the weights into unit i")


def capacity_figure(frame: Any) -> Figure:
    """Recall rate against the load n/N, the 0.138 line, and the modern memory's rate."""
    d = frame.data
    loads = d["loads"]
    series = [Series(np.array([d["capacity"]]), np.array([0.0]), kind="vlines", role="warning", label="0.138")]
    if len(loads):
        series.append(Series(loads, d["rate"], role="primary", label="classic"))
        series.append(Series(loads, d["rate"], kind="points", role="primary"))
        if len(d["modern_rate"]):
            series.append(Series(loads, d["modern_rate"], role="success", label="modern"))
    notes = (f"N = {d['N']}", f"{len(loads)} points")
    return Figure("recall rate against the load n/N", tuple(series), (0.0, d["max_load"]), (-0.02, 1.05),
                  xlabel="n/N (dashes: 0.138)", notes=notes)


def capacity_overlap_figure(frame: Any) -> Figure:
    d = frame.data
    loads = d["loads"]
    series = [Series(loads, d["overlap"], role="secondary", label="mean final overlap")] if len(loads) else []
    return Figure("mean final overlap with the probed pattern", tuple(series), (0.0, d["max_load"]), (-0.05, 1.05),
                  xlabel="n/N")


def hopfield_figures(frame: Any, view: str, cursor: int | None = None) -> tuple[Any, Any]:
    """(upper, lower) for a view."""
    if "loads" in frame.data:
        return capacity_figure(frame), capacity_overlap_figure(frame)
    if cursor is not None:
        return state_mosaic(frame, cursor), energy_figure(frame)
    upper = {"state": lambda: state_mosaic(frame), "energy": lambda: energy_figure(frame),
             "overlap": lambda: overlap_figure(frame), "weights": lambda: weights_picture(frame),
             "capacity": lambda: state_mosaic(frame)}[view]()
    lower = overlap_figure(frame) if view == "energy" else energy_figure(frame)
    return upper, lower
