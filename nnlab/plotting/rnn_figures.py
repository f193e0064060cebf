"""Figures of the RNN lab (lectures 21, 22 and 25): the unrolled chain, h and the gates over time, the LSTM's
cell state, |dE/dh_t| through time against its bound, the loss, the prediction, minGRU's scan, the check.

Every figure shows sequence 1 of the batch in flight (or of the last batch); a time step the forward or
backward pass has not reached yet is NaN in the frame and is drawn as "·" or left dark. The upper plot
shows the chosen view; the lower one the loss (or, where the loss is the upper view, the accuracy or
the gradient), as the backprop and SOM labs do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.rnn.frames import RECURRENT
from nnlab.plotting.spec import Figure, Mosaic, Picture, Series, TextPanel, Tile, data_range, padded

UNIT_ROLES = ("primary", "warning", "success", "accent", "secondary", "error")
"""Colours of units 1, 2, ... (and of gates in the order the frame names them)."""
SHOWN_UNITS = 4
"""Units drawn as lines (h, c, the scan); the pictures show all of them."""
CHAIN_STEPS = 16
"""Time steps the chain shows at once (as many as the width allows), a window that follows the step in force."""
CHAIN_BEFORE = 2
"""Steps shown before the one in force, so that it stays in the first columns of a narrow plot."""
CHAIN_UNITS = 3
SHOWN_CHAR = {" ": "␣", "\n": "⏎", "\t": "⇥"}
"""Characters of a vocabulary that would not show in a label."""
GATE_TEXT = {"f": "forget f", "i": "input i", "g": "candidate c~", "o": "output o", "r": "reset r", "z": "update z",
             "n": "candidate h~"}


def current_step(d: dict[str, Any]) -> int | None:
    """The time step (0-based) the last operation worked on; None for the loss, the update and between batches."""
    return d["step_t"]


def _ts(d: dict[str, Any]) -> np.ndarray:
    return np.arange(1, d["T"] + 1, dtype=np.float64)


def _t_range(d: dict[str, Any]) -> tuple[float, float]:
    return padded(1.0, float(max(d["T"], 2)), 0.0)


def _now(d: dict[str, Any]) -> tuple[Series, ...]:
    cur = current_step(d)
    if cur is None:
        return ()
    return (Series(np.array([cur + 1.0]), np.zeros(1), kind="vlines", role="accent", label=f"t = {cur + 1}"),)


def _where(d: dict[str, Any]) -> tuple[str, ...]:
    return (f"epoch {d['epoch']}", f"batch {d['batch'] + 1}/{d['n_batches']}")


def _log(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.log10(np.maximum(v, 1e-300)), np.nan)


# -- the chain --------------------------------------------------------------------------------------
def _symbol(v: np.ndarray, vocab: tuple[str, ...], classes: bool) -> str:
    if not np.isfinite(v).all():
        return "·"
    if classes and len(vocab) == len(v):
        return vocab[int(np.argmax(v))]
    return f"{v[0]:+.2f}"


def _short(v: float) -> str:
    """A magnitude in at most 6 characters: 0.042, 1.3e-5."""
    if not np.isfinite(v):
        return "·"
    if 1e-3 <= abs(v) < 1e3 or v == 0:
        return f"{v:.3g}"
    mant, exp = f"{v:.1e}".split("e")
    return f"{mant}e{int(exp)}"


def _cells(label: str, texts: list[str], roles: list[str | None], width: int) -> tuple[tuple[str, str | None], ...]:
    return ((f"{label:<9}", "dim"),) + tuple((t.rjust(width - 1)[: width - 1] + " ", r) for t, r in zip(texts, roles))


def _hide(a: np.ndarray, t: int) -> np.ndarray:
    """`a` with step t not reached yet: the kernel computes a whole step, the gate level reveals it op by op
    (h_t and y_t are the last two operations of every cell)."""
    out = a.copy()
    out[t] = np.nan
    return out


def chain_panel(frame: Any) -> TextPanel:
    """The unrolled chain, one column per time step: x_t, y_t against the target (for classes the predicted
    character against the target one), |dE/dh_t|, the first units of h_t (the hidden view shows them all)
    and the LSTM's c_t of unit 1; the step in force marked."""
    d = frame.data
    T, cur = d["T"], current_step(d)
    if cur is not None and d["phase"] == "forward" and d["op"] != "y":
        d = dict(d, y=_hide(d["y"], cur))
        if d["op"] != "h":
            d["h"] = _hide(d["h"], cur)
    mid = cur if cur is not None else (0 if d["phase"] in ("forward", "idle") else T - 1)
    lo = max(mid - CHAIN_BEFORE, 0)
    steps = list(range(lo, min(lo + CHAIN_STEPS, T)))
    classes = d["kind"] == "classes"
    vocab = tuple(d["vocab"])
    width = 7
    head = [(f"▸{t + 1}" if t == cur else f"{t + 1}") for t in steps]
    rows = [_cells("t", head, ["accent" if t == cur else "dim" for t in steps], width)]
    rows.append(_cells("x_t", [_symbol(d["x"][t], vocab, classes and d["X"] == len(vocab)) for t in steps],
                       [None] * len(steps), width))
    ys, targets, roles = [], [], []
    for t in steps:
        y, want = _symbol(d["y"][t], vocab, classes), _symbol(d["target"][t], vocab, classes)
        asked = d["alpha"][t] > 0
        ys.append(y)
        targets.append(want if asked else "-")
        if y == "·" or not asked:
            roles.append("dim")
        elif classes:
            roles.append("success" if y == want else "error")
        else:
            roles.append(None)
    rows.append(_cells("y_t", ys, roles, width))
    rows.append(_cells("target", targets, ["dim" if r == "dim" else None for r in roles], width))
    norms = [d["dh_norm"][t] for t in steps]
    rows.append(_cells("|dE/dh|", [_short(v) for v in norms], ["warning"] * len(steps),
                       width))
    for k in range(min(d["H"], CHAIN_UNITS)):
        vals = [d["h"][t, k] for t in steps]
        rows.append(_cells(f"h_t[{k + 1}]", [f"{v:+.2f}" if np.isfinite(v) else "·" for v in vals],
                           ["dim" if not np.isfinite(v) else "primary" if v >= 0 else "error" for v in vals], width))
    if "c" in d:
        vals = [d["c"][t, 0] for t in steps]
        rows.append(_cells("c_t[1]", [f"{v:+.2f}" if np.isfinite(v) else "·" for v in vals],
                           ["dim" if not np.isfinite(v) else "primary" if v >= 0 else "error" for v in vals], width))
    notes = (f"from t = {steps[0] + 1} of {T}",) if T > len(steps) else ()
    return TextPanel(f"unrolled {d['cell']} chain (sequence 1)", tuple(rows),
                     notes + (f"H = {d['H']}", "·: not reached yet, -: no target"))


# -- states and gates -------------------------------------------------------------------------------
def _picture(values: np.ndarray, title: str, d: dict[str, Any], caption: str) -> Picture:
    cur = current_step(d)
    marks = ((0.0, (cur + 0.5) / d["T"], "▼", "accent"),) if cur is not None else ()
    shown = np.nan_to_num(values, nan=0.0).T
    top = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    return Picture(title, shown, signed=True, grow=True, marks=marks,
                   notes=(f"max |.| {top:.3g}", f"{d['H']} x {d['T']}"), xlabel=caption)


def hidden_picture(frame: Any) -> Picture:
    d = frame.data
    return _picture(d["h"], "hidden states h_t: unit (row) over time (column)", d,
                    "t = 1 left to T right; dark: 0 or not reached; ▼ the step in force")


def dh_picture(frame: Any) -> Picture:
    d = frame.data
    return _picture(d["dh"], "dE/dh_t by BPTT: unit (row) over time (column)", d,
                    "filled from t = T back to 1 by the backward pass; dark: 0 or not reached")


def gates_mosaic(frame: Any) -> Mosaic | Figure:
    """Every gate as an H x T picture (units down, time across), in the order the cell computes them."""
    d = frame.data
    names = [n for n in d["gate_names"] if f"gate_{n}" in d]
    if not names:
        return Figure("gates", (), (0.0, 1.0), (0.0, 1.0),
                      missing="the vanilla RNN has no gates: cell = lstm, gru or mingru")
    tiles = []
    for n in names:
        g = d[f"gate_{n}"]
        top = float(np.nanmax(np.abs(g))) if np.isfinite(g).any() else 1.0
        tiles.append(Tile(GATE_TEXT.get(n, n), np.nan_to_num(g / max(top, 1.0), nan=0.0).T))
    form = f", {d['gru_form']}" if d["cell"] == "gru" else ""
    return Mosaic(f"{d['cell']} gates{form}", tuple(tiles), (f"T = {d['T']}",),
                  xlabel=f"rows: units 1..{d['H']}; columns: t = 1..{d['T']}; red: < 0", signed=True)


def gate_lines(frame: Any, unit: int = 0) -> Figure:
    """Each gate of one unit over time."""
    d = frame.data
    names = [n for n in d["gate_names"] if f"gate_{n}" in d]
    ts = _ts(d)
    series = tuple(Series(ts, d[f"gate_{n}"][:, unit], role=UNIT_ROLES[i % len(UNIT_ROLES)], label=n)
                   for i, n in enumerate(names)) + _now(d)
    missing = "" if names else "no gates: cell = lstm, gru or mingru"
    return Figure(f"gates of unit {unit + 1} over time", series, _t_range(d),
                  data_range(*[s.y for s in series if s.kind == "line"], np.zeros(1), np.ones(1)), xlabel="t",
                  missing=missing)


def unit_lines(frame: Any, key: str, title: str) -> Figure:
    """The first units of a (T, H) state over time."""
    d = frame.data
    if key not in d:
        return Figure(title, (), (0.0, 1.0), (0.0, 1.0), missing=f"no cell state in a {d['cell']} cell: cell = lstm")
    v = d[key]
    ts = _ts(d)
    k = min(d["H"], SHOWN_UNITS)
    series = tuple(Series(ts, v[:, j], role=UNIT_ROLES[j], label=f"unit {j + 1}") for j in range(k)) + _now(d)
    notes = (f"max |.| {float(np.nanmax(np.abs(v))):.3g}",) if np.isfinite(v).any() else ()
    return Figure(title, series, _t_range(d), data_range(*[s.y for s in series if s.kind == "line"]), xlabel="t",
                  notes=notes + ((f"units 1..{k} of {d['H']}",) if d["H"] > k else ()))


def cell_figure(frame: Any) -> Figure:
    return unit_lines(frame, "c", "cell state c_t = f_t c_(t-1) + i_t c~_t over time")


# -- gradients and losses ---------------------------------------------------------------------------
def grad_norm_figure(frame: Any) -> Figure:
    """|dE/dh_t| against t (log10). For a logistic vanilla RNN with the loss at the last step, the bound
    |dE/dh_t| <= |dE/dh_T| (|W|_2 / 4)^(T-t), since sigma' <= 1/4 (oracle O28, lecture 21)."""
    d = frame.data
    ts, norm = _ts(d), d["dh_norm"]
    title = "|dE/dh_t| through time (log10)"
    series = [Series(ts, _log(norm), label="|dE/dh_t|")]
    block = RECURRENT.get(d["cell"], "W")
    notes = [f"|{block}|_2 {d['norm2']:.3g}", f"rho {d['rho']:.3g}"] if np.isfinite(d["norm2"]) else []
    if not np.isfinite(norm).any():
        return Figure(title, (), _t_range(d), (0.0, 1.0), xlabel="t", notes=tuple(notes),
                      missing="no backward pass yet: step through the forward pass and the loss (n, N)")
    T = d["T"]
    last = norm[T - 1]
    last_only = not (d["alpha"][:-1] > 0).any()
    if d["cell"] == "rnn" and d["activation"] == "logistic" and last_only and np.isfinite(last) and last > 0:
        bound = last * (d["norm2"] / 4.0) ** (T - 1 - np.arange(T))
        series.append(Series(ts, _log(bound), role="warning", label="bound (|W|/4)^(T-t)"))
    first = np.flatnonzero(np.isfinite(norm) & (norm > 0))
    if len(first) and first[0] < T - 1 and norm[T - 1] > 0:
        notes.insert(0, f"ratio t={first[0] + 1}/T {norm[first[0]] / norm[T - 1]:.2g}")
    if d["truncate"]:
        notes.append(f"truncated every {d['truncate']}")
    ylim = data_range(*[s.y for s in series])
    return Figure(title, tuple(series) + _now(d), _t_range(d), ylim, xlabel="t (the loss flows back from T)",
                  notes=tuple(notes))


def loss_figure(frame: Any) -> Figure:
    """E over all sequences after every epoch, and E of every batch at its update (log10), on one epoch axis."""
    d = frame.data
    loss, batch = d["loss"], d["batch_loss"]
    x = np.arange(len(loss), dtype=np.float64)
    series = [Series(x, _log(loss), label="E all")]
    if len(batch):
        xb = np.arange(1, len(batch) + 1, dtype=np.float64) / max(d["n_batches"], 1)
        series.insert(0, Series(xb, _log(batch), role="secondary", label="E batch"))
    notes = (f"E {loss[-1]:.4g}",) if len(loss) and np.isfinite(loss[-1]) else ()
    if len(d["accuracy"]):
        notes += (f"accuracy {100 * d['accuracy'][-1]:.0f} %",)
    return Figure("loss E, all sequences and each batch (log10)", tuple(series),
                  padded(0.0, max(float(len(loss) - 1), float(x[-1] if len(x) else 1), 1.0), 0.0),
                  data_range(*[s.y for s in series]), xlabel="epoch", notes=notes)


def accuracy_figure(frame: Any) -> Figure:
    d = frame.data
    acc = d["accuracy"]
    x = np.arange(len(acc), dtype=np.float64)
    return Figure("accuracy: steps with a target whose argmax is right", (Series(x, acc, role="success",
                  label="accuracy"),), padded(0.0, max(len(acc) - 1, 1), 0.0), (0.0, 1.02), xlabel="epoch",
                  notes=(f"{100 * acc[-1]:.1f} %",) if len(acc) else ())


# -- prediction and scan ----------------------------------------------------------------------------
def prediction_figure(frame: Any) -> Figure:
    """y_t against the target over t: the first output for regression, the argmax class for classes."""
    d = frame.data
    ts = _ts(d)
    asked = d["alpha"] > 0
    if d["kind"] == "classes":
        y = np.where(np.isfinite(d["y"]).all(axis=1), np.argmax(np.nan_to_num(d["y"], nan=-np.inf), axis=1), np.nan)
        want = np.where(asked, np.argmax(d["target"], axis=1), np.nan).astype(np.float64)
        hit = np.isfinite(y) & (y == want)
        series = (Series(ts, want, role="warning", label="target class"),
                  Series(ts, y, role="primary", label="predicted class"))
        notes = (f"{int(hit.sum())}/{int(asked.sum())} right",)
        vocab = "".join(SHOWN_CHAR.get(c, c) for c in d["vocab"])
        return Figure("prediction: argmax class of y_t against the target", series + _now(d), _t_range(d),
                      (-0.5, max(d["Y"] - 0.5, 0.5)), xlabel=f"t; class k = k-th of {vocab} (from 0)", integer_y=True,
                      notes=notes + _where(d))
    y, want = d["y"][:, 0], np.where(asked, d["target"][:, 0], np.nan)
    series = (Series(ts, want, kind="points" if not asked.all() else "line", role="warning", label="target"),
              Series(ts, y, role="primary", label="y_t"))
    err = np.abs(y - want)[asked & np.isfinite(y)]
    notes = (f"max |y - t| {err.max():.3g}",) if len(err) else ()
    return Figure("prediction: y_t[1] against the target", series + _now(d), _t_range(d), data_range(y, want),
                  xlabel="t", notes=notes + _where(d))


def scan_figure(frame: Any) -> Figure:
    """minGRU: h of the first units by the sequential loop and by the parallel scan (lecture 25)."""
    d = frame.data
    if "scan" not in d:
        return Figure("scan", (), (0.0, 1.0), (0.0, 1.0),
                      missing=f"the parallel scan is minGRU's: a {d['cell']} cell's h_t needs h_(t-1) (cell = mingru)")
    s = d["scan"]
    ts = _ts(d)
    k = min(d["H"], SHOWN_UNITS)
    series = []
    for j in range(k):
        series.append(Series(ts, s["loop"][:, j], role=UNIT_ROLES[j], label=f"loop {j + 1}" if j == 0 else ""))
        series.append(Series(ts, s["scan"][:, j], kind="points", role="foreground",
                             label="scan" if j == 0 else ""))
    return Figure(f"minGRU: loop and scan agree, max diff {s['max_diff']:.1e}", tuple(series), _t_range(d),
                  data_range(s["loop"][:, :k], s["scan"][:, :k]), xlabel=f"t; units 1..{k} of {d['H']}",
                  notes=(f"{s['rounds']} rounds for T = {d['T']}",))


def scan_levels(frame: Any) -> Picture:
    """The scan's partial sums of unit 1 after every round (rows), over t (columns)."""
    d = frame.data
    lv = d["scan"]["levels"][:, :, 0]
    return Picture("scan rounds: B after round r (row r) of unit 1", lv, signed=True, grow=True,
                   notes=(f"{d['scan']['rounds']} rounds",),
                   xlabel="round r combines steps 2^r apart: the last row is h_t (h_0 = 0)")


CHECK_TITLE = "gradient check: BPTT vs central differences"
"""Short enough for the upper plot at 80 columns; the method is the panel's last row."""


def check_panel(frame: Any) -> TextPanel:
    """BPTT's gradient against central differences, one row per tensor (narrow enough for 80 columns)."""
    rows_in = frame.data.get("check")
    if rows_in is None:
        return TextPanel(CHECK_TITLE, ((("the check runs when the lab is paused (space pauses)", "dim"),),))
    rows = [(("tensor  rel. error    max |g|  entries", "dim"),)]
    for r in rows_in:
        role = "success" if r.ok else "error"
        rows.append(((f"{r.tensor:<7} ", None), (f"{r.rel_err:9.2e}", role), (f"  {r.max_grad:9.3g}", None),
                     (f"  {r.checked:>7}", "dim"), ("  ok" if r.ok else f"  MISMATCH at {r.worst}", role)))
    worst = max(r.rel_err for r in rows_in)
    rows.append(((f"worst {worst:.1e}", "success" if all(r.ok for r in rows_in) else "error"),))
    rows.append((("central differences, h = 1e-5, over full BPTT", "dim"),))
    return TextPanel(CHECK_TITLE, tuple(rows))


def rnn_figures(frame: Any, view: str) -> tuple[Any, Any]:
    """(upper, lower) for a frame and a view."""
    d = frame.data
    upper = {"chain": chain_panel, "hidden": hidden_picture, "gates": gates_mosaic, "cell": cell_figure,
             "grad_norm": grad_norm_figure, "loss": loss_figure, "prediction": prediction_figure,
             "scan": scan_figure, "check": check_panel}[view](frame)
    if view == "hidden" or view == "grad_norm":
        lower: Any = dh_picture(frame) if view == "hidden" else loss_figure(frame)
    elif view == "gates" and "gate_names" in d and f"gate_{d['gate_names'][0]}" in d:
        lower = gate_lines(frame)
    elif view == "cell":
        lower = unit_lines(frame, "h", "hidden state h_t over time")
    elif view == "scan" and "scan" in d:
        lower = scan_levels(frame)
    elif view == "loss":
        lower = accuracy_figure(frame) if len(d["accuracy"]) else grad_norm_figure(frame)
    else:
        lower = loss_figure(frame)
    return upper, lower
