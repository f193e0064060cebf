"""Figures of the SOM lab: the map in input space (a mesh over the data), as colours, labelled by its
samples, the U-matrix, hit counts, the errors over epochs and the schedules of sigma and eta.

The upper plot shows the chosen view; the lower one the quantization and topographic errors per
epoch (sigma(t) and eta(t) when the errors are the upper view).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.plotting.spec import Figure, Picture, Series, TextPanel, data_range, padded

MAX_POINTS = 250
"""Data points drawn under the mesh (an even subset of larger sets, so that the mesh stays visible)."""
LABEL_ROLES = ("primary", "warning", "success", "accent", "error", "secondary")


def _grid(values: np.ndarray, d: dict[str, Any]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(d["rows"], d["cols"])


def _hex_note(d: dict[str, Any]) -> tuple[str, ...]:
    return ("hex lattice: odd rows sit half a unit right",) if d["topology"] == "hex" else ()


def _bmu_mark(d: dict[str, Any]) -> tuple[tuple[float, float, str, str], ...]:
    if d["bmu"] < 0:
        return ()
    r, c = divmod(d["bmu"], d["cols"])
    return (((r + 0.5) / d["rows"], (c + 0.5) / d["cols"], "X", "error"),)


def mesh_figure(frame: Any) -> Figure:
    """Each unit's weights as a point in the (2-D) input space, lattice neighbours joined by lines."""
    d = frame.data
    W, x = d["W"], d["x"]
    if W.shape[1] == 1:
        W = np.column_stack([W[:, 0], np.zeros(len(W))])
        x = np.column_stack([x[:, 0], np.zeros(len(x))])
    step = max(1, len(x) // MAX_POINTS)
    pts = x[::step]
    e = d["edges"]
    series = [Series(pts[:, 0], pts[:, 1], kind="points", role="secondary", label="data")]
    if len(e):
        s = np.full((len(e), 3, 2), np.nan)
        s[:, 0], s[:, 1] = W[e[:, 0]], W[e[:, 1]]
        s = s.reshape(-1, 2)
        series.append(Series(s[:, 0], s[:, 1], role="primary", label="map"))
    if d["moved"].any():
        m = W[d["moved"]]
        series.append(Series(m[:, 0], m[:, 1], kind="points", role="accent", label="moved"))
    if d["sample"] is not None and d["stage"] != 0:
        sx = d["sample"] if len(d["sample"]) > 1 else np.array([d["sample"][0], 0.0])
        series.append(Series(np.array([sx[0]]), np.array([sx[1]]), kind="points", role="warning", label="x"))
    if d["bmu"] >= 0:
        series.append(Series(W[d["bmu"]:d["bmu"] + 1, 0], W[d["bmu"]:d["bmu"] + 1, 1], kind="points", role="error",
                             label="BMU"))
    lo, hi = x.min(axis=0), x.max(axis=0)
    margin = 0.5 * np.maximum(hi - lo, 1e-9)
    inside = np.all((W >= lo - margin) & (W <= hi + margin), axis=1)
    notes = (f"epoch {d['epoch']}",) + ((f"{int((~inside).sum())} units outside the view",) if not inside.all() else ())
    xr = data_range(x[:, 0], W[inside, 0]) if inside.any() else data_range(x[:, 0])
    yr = data_range(x[:, 1], W[inside, 1]) if inside.any() else data_range(x[:, 1])
    return Figure(f"the map in input space: {d['rows']} x {d['cols']} {d['topology']}", tuple(series), xr, yr,
                  xlabel="x1", ylabel="x2", notes=notes)


def colour_picture(frame: Any) -> Picture:
    """Each unit's three weights drawn as its colour (red, green, blue)."""
    d = frame.data
    rgb = np.clip(d["W"], 0.0, 1.0).reshape(d["rows"], d["cols"], 3)
    return Picture("the map as colours: unit (r, c) drawn in its weights' RGB", np.zeros((d["rows"], d["cols"])),
                   rgb=rgb, grow=True, marks=_bmu_mark(d), notes=(f"epoch {d['epoch']}",) + _hex_note(d),
                   xlabel="X: the BMU of the last sample")


def label_panel(frame: Any) -> TextPanel:
    """Every unit labelled by the samples it wins: the most frequent label (digits) or the words."""
    d = frame.data
    labels, names, bmus = d["labels"], d["names"], d["bmus"]
    rows, cols = d["rows"], d["cols"]
    cells: list[list[tuple[str, int]]] = [[("·", -1)] * cols for _ in range(rows)]
    for u in range(rows * cols):
        won = labels[bmus == u]
        if len(won):
            counts = np.bincount(won, minlength=len(names))
            k = int(counts.argmax())
            text = names[k] if len(names[k]) <= 8 else names[k][:8]
            if counts[k] < len(won) and len(names) > 10:
                text += "+"
            cells[u // cols][u % cols] = (text, k)
    width = max(2, max(len(t) for row in cells for t, _ in row) + 1)
    out = []
    for r, row in enumerate(cells):
        pad = " " * (width // 2) if d["topology"] == "hex" and r % 2 else ""
        pieces: list[tuple[str, str | None]] = [(pad, None)] if pad else []
        for text, k in row:
            role = "dim" if k < 0 else LABEL_ROLES[k % len(LABEL_ROLES)]
            pieces.append((text.ljust(width), role))
        out.append(tuple(pieces))
    what = "the words each unit wins" if len(names) > 10 else "the label most of a unit's samples have"
    notes = (f"epoch {d['epoch']}", "· wins nothing") + (("+: more words there",) if len(names) > 10 else ())
    return TextPanel(f"the map labelled: {what}", tuple(out), notes=notes)


def map_view(frame: Any) -> Figure | Picture | TextPanel:
    """The map view that suits the data: labels, colours, the mesh, or the U-matrix."""
    d = frame.data
    dim = d["W"].shape[1]
    if d["labels"] is not None and dim > 2:
        return label_panel(frame)
    if d["dataset"] == "colours" or (dim == 3 and d["x"].min() >= 0 and d["x"].max() <= 1):
        return colour_picture(frame)
    if dim <= 2:
        return mesh_figure(frame)
    return umatrix_picture(frame)


def umatrix_picture(frame: Any) -> Picture:
    d = frame.data
    u = _grid(d["umatrix"], d)
    return Picture("U-matrix: mean distance to the neighbours' weights", u,
                   grow=True, marks=_bmu_mark(d), notes=(f"max {u.max():.3g}",) + _hex_note(d),
                   xlabel="dark: clusters, bright: borders")


def hits_picture(frame: Any) -> Picture:
    d = frame.data
    h = _grid(d["hits"], d)
    dead = int((h == 0).sum())
    return Picture("hits: samples whose BMU each unit is (after the last epoch)", h, grow=True, marks=_bmu_mark(d),
                   notes=(f"max {int(h.max())}", f"{dead} units win nothing") + _hex_note(d),
                   xlabel=f"{d['n']} samples over {d['rows'] * d['cols']} units")


def errors_figure(frame: Any) -> Figure:
    d = frame.data
    qe, te = d["qe"], d["te"]
    x = np.arange(len(qe), dtype=np.float64)
    q0 = float(qe[0]) if len(qe) and qe[0] > 0 else 1.0
    top = max(1.0, float(np.nanmax(np.concatenate([qe / q0, te])))) if len(qe) else 1.0
    return Figure("errors: QE (mean |x - W_BMU|) over its start, TE (share)",
                  (Series(x, qe / q0, label=f"QE / {q0:.3g}"), Series(x, te, role="warning", label="TE")),
                  padded(0.0, max(len(qe) - 1, 1), 0.0), (0.0, 1.05 * top), xlabel="epoch",
                  notes=(f"QE {qe[-1]:.4g}", f"TE {100 * te[-1]:.3g} %") if len(qe) else ())


def schedule_figure(frame: Any) -> Figure:
    """sigma(t) and eta(t) over the run, each over its start value, with now marked."""
    d = frame.data
    ts, s, e = d["schedule"]
    s0, e0 = float(s[0]), float(e[0])
    series = (Series(ts, s / s0, label=f"sigma / {s0:g}"), Series(ts, e / e0, role="warning", label=f"eta / {e0:g}"),
              Series(np.array([float(d["t"])]), np.zeros(1), kind="vlines", role="accent", label="now"))
    top = max(1.0, float(np.max(s / s0)), float(np.max(e / e0)))
    return Figure("schedules: sigma(t) and eta(t) over the run", series, padded(0.0, float(d["T"]), 0.0),
                  (0.0, 1.05 * top), xlabel="t (samples presented)",
                  notes=(f"sigma {d['sigma']:.3g}", f"eta {d['eta']:.3g}"))


def som_figures(frame: Any, view: str) -> tuple[Any, Any]:
    """(upper, lower) for a frame and a view."""
    upper = {"map": map_view, "umatrix": umatrix_picture, "hits": hits_picture, "errors": errors_figure,
             "schedule": schedule_figure}[view](frame)
    lower = schedule_figure(frame) if view == "errors" else errors_figure(frame)
    return upper, lower
