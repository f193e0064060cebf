"""Figures of the MLP: the network, loss and accuracy curves, the decision map, gradient norms, the check.

The upper plot shows the chosen view; the lower one the tensor the last operation changed
(a signed heatmap, or its numbers when values are asked for), or the accuracy while training.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.plotting.spec import Figure, Picture, Series, TextPanel, data_range, padded

CLASS_ROLES = ("error", "primary", "success", "warning", "accent", "secondary")
"""Colours of classes 0, 1, 2, ... in the decision map."""
LAYER_ROLES = ("primary", "warning", "success", "accent", "secondary", "error")


def _num(v: float) -> str:
    return f"{v:+.2f}" if abs(v) < 10 else f"{v:+.0f}"


def network_panel(frame: Any, width_cells: int = 10) -> TextPanel:
    """The layers top to bottom: unit values, and between them the weights by sign and size."""
    d = frame.data
    sizes = d["sizes"]
    acts = d["act"]
    L = len(sizes) - 1
    touched = d.get("layer", 0)
    op = d.get("op", "")
    rows: list[tuple[tuple[str, str | None], ...]] = []
    for l in range(L + 1):
        name = "x" if l == 0 else ("y" if l == L else f"h[{l}]")
        role = "accent" if op in ("affine", "act", "bn", "drop", "delta", "back") and touched == l else "dim"
        vals = acts[l] if l < len(acts) and acts[l] is not None else None
        pieces: list[tuple[str, str | None]] = [(f"{name:>6} ", role)]
        if vals is None:
            pieces.append(("· not computed yet", "dim"))
        else:
            for v in vals[:width_cells]:
                pieces.append((f"[{v:5.2f}]", "primary" if v >= 0 else "error"))
            if len(vals) > width_cells:
                pieces.append((f" ... {len(vals)} units", "dim"))
        rows.append(tuple(pieces))
        if l < L:
            W = d["weights"][l]
            big = float(np.abs(W).max()) or 1.0
            wrole = "accent" if (op == "grad" and touched == l + 1) or (op == "update" and d.get("tensor_name") in
                                                                    (f"W{l}", f"b{l + 1}")) else "dim"
            line: list[tuple[str, str | None]] = [(f"{'W[' + str(l) + ']':>6} ", wrole)]
            for i in range(min(W.shape[0], 3)):
                for j in range(min(W.shape[1], 4)):
                    w = W[i, j]
                    strong = abs(w) >= 0.5 * big
                    line.append((_num(w) + " ", ("success" if w >= 0 else "error") if strong else
                                 ("secondary" if w >= 0 else "warning")))
                line.append(("| ", "dim"))
            if W.size > 12:
                line.append((f"{W.shape[0]}x{W.shape[1]}", "dim"))
            rows.append(tuple(line))
    notes = (f"epoch {d['epoch']}", f"batch {d.get('batch_now', d['batch'])}/{d['n_batches']}")
    return TextPanel("network: unit values of sample 1; weights (bright: |w| >= half the largest)", tuple(rows), notes)


def curves(frame: Any, which: str = "loss") -> Figure:
    """Training and test loss (or accuracy) per epoch."""
    h = frame.data["hist"]
    key, test_key = ("loss", "test_loss") if which == "loss" else ("train_acc", "test_acc")
    y = h[key]
    x = np.arange(len(y), dtype=np.float64)
    compare = frame.data.get("compare", {}) if which == "loss" else {}
    series = [Series(x, y, role="primary", label=f"train ({frame.data['optimizer']})" if compare else "train")]
    for i, (name, loss) in enumerate(compare.items()):
        series.append(Series(np.arange(len(loss), dtype=np.float64), loss, role=LAYER_ROLES[(i + 1) % 6], label=name))
    if np.isfinite(h[test_key]).any():
        series.append(Series(x, h[test_key], role="warning", label="test"))
    ylim = data_range(*[s.y for s in series])
    if which == "acc":
        ylim = (0.0, 1.02)
    notes = (f"{y[-1]:.4g}",) if len(y) and np.isfinite(y[-1]) else ()
    return Figure("loss per sample" if which == "loss" else "accuracy", tuple(series), padded(0.0, max(len(y) - 1, 1), 0.0),
                  ylim, xlabel="epoch", notes=notes)


def decision_map(frame: Any) -> Picture:
    """The classes the network gives across the input plane, with the training points marked."""
    b = frame.data["boundary"]
    grid = b["grid"]
    if grid.shape[2] == 1:
        p = grid[:, :, 0]
        values = (p >= 0.5).astype(np.float64) + np.clip(np.abs(p - 0.5) * 2, 0, 0.999)
        n_classes = 2
    else:
        k = grid.argmax(axis=2)
        values = k + np.clip(grid.max(axis=2), 0, 0.999)
        n_classes = grid.shape[2]
    lo, hi = b["lo"], b["hi"]
    marks = []
    for pts, labels, char in ((b["x"], b["labels"], "o"), (b.get("test_x"), b.get("test_labels"), "+")):
        if pts is None or labels is None:
            continue
        for (px, py), lab in zip(pts[:300], labels[:300]):
            marks.append((float((hi[1] - py) / (hi[1] - lo[1])), float((px - lo[0]) / (hi[0] - lo[0])), char,
                          "foreground" if n_classes > 2 else ("error" if lab == 0 else "primary")))
    return Picture("decision map (o training points, + test points; shade = confidence)", values, classes=tuple(
        CLASS_ROLES[i % len(CLASS_ROLES)] for i in range(n_classes)), marks=tuple(marks),
        xlabel=f"x1 from {lo[0]:.2g} to {hi[0]:.2g}; x2 from {lo[1]:.2g} (bottom) to {hi[1]:.2g}")


def fit_figure(frame: Any) -> Figure:
    """A 1-D regression: the network's curve over the data."""
    f = frame.data["fit"]
    series = [Series(f["xs"], f["ys"], role="primary", label="network"),
              Series(f["x"], f["y"], kind="points", role="warning", label="training data")]
    if f["test_x"] is not None:
        series.append(Series(f["test_x"], f["test_y"], kind="points", role="success", label="test data"))
    return Figure("fit: y(x) of the network", tuple(series), padded(float(f["xs"][0]), float(f["xs"][-1]), 0.02),
                  data_range(f["ys"], f["y"]), xlabel="x")


def grad_norms(frame: Any) -> Figure:
    """|delta[l]| = |dE/dz[l]| per layer over updates (log scale): vanishing or exploding gradients."""
    dn = frame.data["dnorm"]
    if not len(dn):
        return Figure("gradient norm per layer |dE/dz[l]| (log10)", (), (0.0, 1.0), (0.0, 1.0), xlabel="update",
                      notes=("no update yet",))
    x = np.arange(len(dn), dtype=np.float64)
    series = []
    logs = np.log10(np.maximum(dn, 1e-300))
    for l in range(dn.shape[1]):
        series.append(Series(x, logs[:, l], role=LAYER_ROLES[l % len(LAYER_ROLES)], label=f"layer {l + 1}"))
    last = dn[-1]
    ratio = f"first/last layer {last[0] / last[-1]:.3g}" if last[-1] > 0 else ""
    return Figure("gradient norm per layer |dE/dz[l]| (log10)", tuple(series), padded(0.0, max(len(dn) - 1, 1), 0.0),
                  data_range(logs), xlabel="update", notes=(ratio,) if ratio else ())


def check_panel(frame: Any) -> TextPanel:
    """The gradient check table."""
    rows_in = frame.data.get("check")
    if rows_in is None:
        return TextPanel("gradient check", ((("computing ...", "dim"),),))
    rows = [(("tensor     worst rel. error   largest |g|   entries", "dim"),)]
    for r in rows_in:
        role = "success" if r.ok else "error"
        rows.append(((f"{r.tensor:<10} ", None), (f"{r.rel_err:9.2e}", role), (f"         {r.max_grad:9.3g}", None),
                     (f"   {r.checked:>6}", "dim"), ("   ok" if r.ok else f"   MISMATCH at {r.worst}", role)))
    worst = max(r.rel_err for r in rows_in)
    return TextPanel("gradient check: backprop against central differences (h = 1e-5, float64)", tuple(rows),
                     (f"worst {worst:.1e}",))


def tensor_view(frame: Any, show_values: bool) -> Picture | TextPanel | None:
    """The tensor the last operation changed: a signed heatmap, or its numbers."""
    t = frame.data.get("tensor")
    if t is None:
        return None
    name, arr = t
    a = np.atleast_2d(arr)
    if show_values:
        rows = []
        for row in a[:40]:
            pieces = [(f"{v:+9.4f} ", "primary" if v >= 0 else "error") for v in row[:12]]
            if len(row) > 12:
                pieces.append((f"... {len(row)} columns", "dim"))
            rows.append(tuple(pieces))
        return TextPanel(f"{name}: values (i hides them)", tuple(rows), (f"{a.shape[0]}x{a.shape[1]}",))
    return Picture(f"{name}: changed by the last step", a, signed=True, grow=True,
                   notes=(f"max |.| {float(np.abs(a).max()):.3g}", f"{a.shape[0]}x{a.shape[1]}"),
                   xlabel="positive: primary colour, negative: red, dark: 0;  i shows the numbers")


def mlp_figures(frame: Any, view: str, show_values: bool = False) -> tuple[Any, Any]:
    """(upper, lower) for the MLP."""
    d = frame.data
    if view == "curves":
        top = curves(frame, "loss")
    elif view == "boundary":
        top = decision_map(frame) if "boundary" in d else fit_figure(frame) if "fit" in d else curves(frame, "loss")
    elif view == "grads":
        top = grad_norms(frame)
    elif view == "check":
        top = check_panel(frame)
    else:
        top = network_panel(frame)
    bottom = tensor_view(frame, show_values)
    if bottom is None:
        if view == "curves":
            bottom = curves(frame, "acc") if d["data_kind"] != "regression" else grad_norms(frame)
        else:
            bottom = curves(frame, "loss")
    return top, bottom
