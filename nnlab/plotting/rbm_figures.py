"""Figures of the RBM lab: the passes of a CD update, receptive fields, curves, dreams, the exact check,
the Boltzmann curves and the sampler's histogram.

The upper plot shows the chosen view; the lower one the reconstruction error per epoch (the
free energies when the error is the upper view).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.plotting.spec import Figure, Mosaic, Series, Tile, data_range, padded

T_ROLES = ("error", "warning", "success", "secondary", "primary", "accent")
MAX_FIELDS = 64


def _tile(label: str, x: np.ndarray | None, shape: tuple[int, int]) -> Tile:
    """Values in [0, 1] (states or probabilities) drawn from dark (0) to bright (1)."""
    if x is None:
        return Tile(f"{label} ·", np.full(shape, np.nan))
    return Tile(label, (2.0 * np.asarray(x, dtype=np.float64) - 1.0).reshape(shape))


def passes_mosaic(frame: Any) -> Mosaic:
    """v1, h1, then the negative phase's latest v and h with their probabilities, for sample 1 of the batch."""
    d = frame.data
    vs, hs = d["vshape"], d["hshape"]
    tiles = [_tile("v1 (data)", d["v1"], vs), _tile("h1", d["h1"], hs)]
    if d["pv"] is not None:
        tiles += [_tile("P(v)", d["pv"], vs), _tile("v", d["v"], vs)]
    if d["ph"] is not None and d["op"] != 1:
        tiles += [_tile("P(h)", d["ph"], hs), _tile("h", d["h"], hs)]
    return Mosaic(f"the passes of CD-{d['k']} for sample 1 of the batch", tuple(tiles),
                  (f"T = {d['T']:g}", f"epoch {d['epoch']}"),
                  "bright: on (probability 1), dark: off; '·' not computed yet in this update")


def fields_mosaic(frame: Any) -> Mosaic:
    """Each hidden unit's weights from the visible units, drawn as a picture (red negative)."""
    W = frame.data["W"]
    shape = frame.data["vshape"]
    big = (float(np.abs(W).max()) if W.size else 0.0) or 1.0
    tiles = tuple(Tile(f"h{j + 1}", (W[j] / big).reshape(shape)) for j in range(min(len(W), MAX_FIELDS)))
    notes = (f"max |W| {big:.3g}",) + ((f"first {MAX_FIELDS} of {len(W)}",) if len(W) > MAX_FIELDS else ())
    return Mosaic("receptive fields: row j of W as a picture", tiles, notes,
                  "bright: positive weight, red: negative, dark: 0", signed=True)


def recon_figure(frame: Any) -> Figure:
    r = frame.data["recon"]
    x = np.arange(len(r), dtype=np.float64)
    return Figure("reconstruction error mean (v - P(v | P(h | v)))^2", (Series(x, r, label="train"),),
                  padded(0.0, max(len(r) - 1, 1), 0.0), data_range(r), xlabel="epoch",
                  notes=(f"{r[-1]:.4g}",) if len(r) else (), missing="" if len(r) else "no epoch yet")


def free_energy_figure(frame: Any) -> Figure:
    d = frame.data
    ft, fh = d["f_train"], d["f_test"]
    x = np.arange(len(ft), dtype=np.float64)
    series = [Series(x, ft, label="training data")]
    notes: tuple[str, ...] = ()
    if len(fh) and len(ft):
        series.append(Series(x, fh, role="warning", label="held-out"))
        notes = (f"gap {fh[-1] - ft[-1]:+.3g}",)
    return Figure("mean free energy F(v) = v^T b - T sum_j log(1 + exp((W v - c)_j / T))", tuple(series),
                  padded(0.0, max(len(ft) - 1, 1), 0.0), data_range(ft, fh), xlabel="epoch", notes=notes)


def dreams_mosaic(frame: Any) -> Mosaic:
    d = frame.data
    shape = d["vshape"]
    tiles = tuple(Tile(f"{i + 1}", (2.0 * v - 1.0).reshape(shape)) for i, v in enumerate(d.get("dreams", ())))
    return Mosaic(f"dreams: {d.get('dream_steps', 0)} Gibbs steps from the same noise, with the same draws", tiles,
                  (f"T = {d['T']:g}",), "what the model generates on its own")


def _state_labels(n: int) -> str:
    return "visible state (bits, first unit highest)" if n <= 16 else "visible state index"


STEM_STATES = 64
"""Up to this many visible states the exact view draws a bar (a stem) per state, data beside model."""


def stems(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A vertical line from 0 to y at every x, as one line series broken by NaN."""
    nan = np.full(len(x), np.nan)
    return np.column_stack((x, x, nan)).ravel(), np.column_stack((np.zeros(len(y)), y, nan)).ravel()


def exact_figure(frame: Any) -> Figure:
    """The model's exact P(v) at T = 1 beside the frequency of each state in the training data."""
    d = frame.data
    if "exact_v" not in d:
        return Figure("exact distribution: only for n_v + n_h <= 20 units", (), (0.0, 1.0), (0.0, 1.0))
    p, q = d["exact_v"], d["data_freq"]
    x = np.arange(len(p), dtype=np.float64)
    if len(p) <= STEM_STATES:
        series = (Series(*stems(x - 0.15, q), role="warning", label="data"),
                  Series(*stems(x + 0.15, p), role="primary", label="model P(v), T = 1"))
    else:
        series = (Series(x, q, kind="points", role="warning", label="data"),
                  Series(x, p, kind="points", role="primary", label="model P(v), T = 1"),
                  Series(x, p, role="primary"))
    top = np.argsort(p)[::-1][:3]
    n_v = len(d["b"])
    names = ", ".join(format(int(i), f"0{n_v}b") for i in top) if n_v <= 16 else ", ".join(map(str, top))
    return Figure("exact P(v) = sum_h exp(-E) / Z against the data", series, padded(0.0, len(p) - 1.0),
                  (0.0, max(float(p.max()), float(q.max()), 0.05) * 1.05), xlabel=_state_labels(n_v),
                  notes=(f"top: {names}",))


def boltzmann_figure(frame: Any) -> Figure:
    d = frame.data
    series = []
    for i, (T, curve, freq) in enumerate(zip(d["temps"], d["curves"], d["freqs"])):
        role = T_ROLES[i % len(T_ROLES)]
        series.append(Series(d["gaps"], curve, role=role, label=f"T = {T:g}"))
        series.append(Series(d["probe_gaps"], freq, kind="points", role=role))
    return Figure("P(on) = 1 / (1 + exp(-dE / T)); dots: simulated units", tuple(series), (-10.0, 10.0),
                  (-0.02, 1.02), xlabel="dE = E(off) - E(on)")


def gap2_figure(frame: Any) -> Figure:
    """P(on) at dE = 2 against T: the lecture's 0.8808, 0.7311, 0.5987, 0.5250 at T = 1, 2, 5, 20."""
    d = frame.data
    T = np.array(d["temps"], dtype=np.float64)
    p = 1.0 / (1.0 + np.exp(-2.0 / T)) if len(T) else np.zeros(0)
    series = (Series(T, p, kind="points", role="primary", label="P(on | dE = 2)"),) if len(T) else ()
    return Figure("P(on) at dE = 2 against T", series, (0.0, 21.0), (0.45, 1.0), xlabel="T",
                  notes=tuple(f"T={t:g}: {q:.4f}" for t, q in zip(T, p))[:3])


def sampler_figure(frame: Any) -> Figure:
    d = frame.data
    p, q = d["exact"].ravel(), d["freq"].ravel()
    x = np.arange(len(p), dtype=np.float64)
    series = (Series(x, p, role="primary", label="exact"), Series(x, q, kind="points", role="warning",
                                                                  label="Gibbs visits"))
    return Figure("P(v, h): exact against the frequencies Gibbs sampling visits", series, padded(0.0, len(p) - 1.0),
                  (0.0, max(float(p.max()), float(q.max())) * 1.05),
                  xlabel=f"state index v * 2^{d['n_h']} + h", notes=(f"{d['taken']} samples",))


def tv_figure(frame: Any) -> Figure:
    tv = frame.data["tv"]
    x = np.arange(1, len(tv) + 1, dtype=np.float64)
    return Figure("total variation 1/2 sum |p - q| as samples accumulate", (Series(x, tv, label="TV"),),
                  padded(1.0, max(len(tv), 2.0), 0.0), (0.0, float(tv.max()) * 1.05 if len(tv) else 1.0),
                  xlabel="block of samples")


def rbm_figures(frame: Any, view: str) -> tuple[Any, Any]:
    """(upper, lower) for an experiment's frame and a view."""
    d = frame.data
    if "curves" in d:
        return boltzmann_figure(frame), gap2_figure(frame)
    if "exact" in d:
        return sampler_figure(frame), tv_figure(frame)
    upper = {"passes": passes_mosaic, "fields": fields_mosaic, "curves": recon_figure, "dreams": dreams_mosaic,
             "exact": exact_figure}[view](frame)
    lower = free_energy_figure(frame) if view == "curves" else recon_figure(frame)
    return upper, lower

