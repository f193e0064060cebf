"""Figures of the backprop lab's perceptron and expression-graph modes: each frame and view becomes two plots.

Perceptron: the inputs with the decision line (a truth table for the 4-bit detector) or the table
of presentations above, errors per epoch below. Graph: the nodes with value | gradient above, the
current pass node by node below; or a table of the nodes above and the output over passes below.
Tables list the newest row first, so the rows a small panel cuts are the oldest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.backprop.graph import GRAPH_VIEWS
from nnlab.core.backprop.perceptron import PERCEPTRON_VIEWS
from nnlab.plotting.spec import Figure, Piece, Series, TextPanel, data_range

__all__ = ["GRAPH_VIEWS", "PERCEPTRON_VIEWS", "boundary_figure", "boundary_line", "errors_figure", "graph_figures",
           "graph_panel", "node_table", "output_figure", "pass_panel", "perceptron_figures", "presentation_table",
           "truth_table"]

BOX = (-0.5, 1.5)
"""x1 and x2 range of the boundary view."""
BARS_UP_TO = 200
"""Errors are bars up to this many epochs, a line beyond."""
ONE_COLUMN_NODES = 7
"""Graphs with more nodes are drawn in two columns (the panel has about 7 rows at 80x24)."""


# -- perceptron -------------------------------------------------------------------------------------
def perceptron_figures(frame: Any, view: str) -> tuple[Figure | TextPanel, Figure]:
    """(upper, lower) for a perceptron frame in the view "boundary" or "table"."""
    d = frame.data
    bottom = errors_figure(frame)
    if view == "table":
        return presentation_table(frame), bottom
    if d["x"].shape[1] != 2:
        return truth_table(frame), bottom
    return boundary_figure(frame), bottom


def _vec(v: Any) -> str:
    return "[" + ", ".join(f"{float(a):.3g}" for a in v) + "]"


def _blob(x: np.ndarray, y: np.ndarray, r: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Dots filling a small square around each point, so that one input shows as more than one dot."""
    ox, oy = np.meshgrid(np.linspace(-r, r, 5), np.linspace(-r, r, 3))
    return (x[:, None] + ox.ravel()).ravel(), (y[:, None] + oy.ravel()).ravel()


def _ring(x: float, y: float, r: float = 0.13) -> tuple[np.ndarray, np.ndarray]:
    a = np.linspace(0.0, 2 * np.pi, 32, endpoint=False)
    return x + r * np.cos(a), y + r * np.sin(a)


def boundary_line(w: np.ndarray, b: float, lo: float = BOX[0], hi: float = BOX[1]) -> np.ndarray | None:
    """The two ends of w1 x1 + w2 x2 + b = 0 inside the square [lo, hi]^2, or None when it misses it."""
    w1, w2 = float(w[0]), float(w[1])
    ends = []
    if abs(w2) > 1e-12:
        for x1 in (lo, hi):
            ends.append((x1, -(w1 * x1 + b) / w2))
    if abs(w1) > 1e-12:
        for x2 in (lo, hi):
            ends.append((-(w2 * x2 + b) / w1, x2))
    eps = 1e-9
    inside = sorted({(round(p, 12), round(q, 12)) for p, q in ends
                     if lo - eps <= p <= hi + eps and lo - eps <= q <= hi + eps})
    if len(inside) < 2:
        return None
    return np.array([inside[0], inside[-1]])


def boundary_figure(frame: Any) -> Figure:
    """The 2-D inputs by target, the sample just presented, and the decision line w.x + b = 0."""
    d = frame.data
    x, t, w, b = d["x"], d["t"], d["w"], d["b"]
    series = []
    for cls, role in ((1, "success"), (0, "error")):
        sel = t == cls
        if sel.any():
            px, py = _blob(x[sel, 0], x[sel, 1])
            series.append(Series(px, py, kind="points", role=role, label=f"t = {cls}"))
    line = boundary_line(w, b)
    if line is not None:
        series.append(Series(line[:, 0], line[:, 1], role="primary", label="w.x + b = 0"))
    if d["current"] >= 0:
        rx, ry = _ring(*x[d["current"]])
        series.append(Series(rx, ry, kind="points", role="accent", label="now"))
    notes = (f"w = {_vec(w)}", f"b = {b:.3g}") if line is not None else ("the line is outside the view",)
    return Figure("inputs and the decision line", tuple(series), BOX, BOX, xlabel="x1 (y = 1 where w.x + b >= 0)",
                  ylabel="x2", notes=notes)


def errors_figure(frame: Any) -> Figure:
    """Misclassified presentations in every completed epoch."""
    d = frame.data
    errors = d["errors"].astype(np.float64)
    n = len(d["x"])
    k = len(errors)
    epochs = np.arange(1, k + 1, dtype=np.float64)
    if k <= BARS_UP_TO:
        # one bar per epoch: columns (k, 0) -> (k, errors) separated by NaN breaks
        bx = np.repeat(epochs, 3)
        by = np.column_stack([np.zeros(k), errors, np.full(k, np.nan)]).ravel()
        bx[2::3] = np.nan
        series = (Series(bx, by, role="warning", label="errors"),)
    else:
        series = (Series(epochs, errors, role="warning", label="errors"),)
    if d["pos"]:
        note = f"epoch {d['epoch'] + 1}: {d['epoch_errors']} so far"
    elif k:
        note = f"epoch {k}: {int(errors[-1])}" + (" (converged)" if d["converged"] else "")
    else:
        note = "no epoch yet"
    return Figure("errors per epoch", series, (0.0, float(max(k, 2))), (0.0, float(n)),
                  xlabel="epoch", notes=(note,), integer_y=True)


def _bits(x: Any) -> str:
    return "".join(str(int(v)) for v in x)


def presentation_table(frame: Any) -> TextPanel:
    """The presentations, newest first: epoch, input, target, z, y, E, and w and b after the update."""
    d = frame.data
    width = len(_vec(d["w"])) + 2
    head = f"{'epoch':>5}  {'x':<{d['x'].shape[1] + 1}} t {'z':>7}  y  {'E':>2}  {'w':<{width}} {'b':>6}"
    rows: list[tuple[Piece, ...]] = [((head, "dim"),)]
    for k, r in enumerate(reversed(d["rows"])):
        role = "accent" if k == 0 else None
        e = f"{r['e']:+d}" if r["e"] else "0"
        rows.append(((f"{r['epoch']:>5}  {_bits(r['x']):<{d['x'].shape[1] + 1}} {r['t']} {r['z']:>7.3g}  "
                      f"{r['y']}  ", role),
                     (f"{e:>2}", role or ("error" if r["e"] else None)),
                     (f"  {_vec(r['w']):<{width}} {r['b']:>6.3g}", role)))
    if len(rows) == 1:
        rows.append((("n presents the first sample", "dim"),))
    return TextPanel("presentations, newest first", tuple(rows), notes=(f"{d['presentations']} so far",))


def truth_table(frame: Any) -> TextPanel:
    """Every input of the detector with z, y and t, in two columns (y != t in the error colour)."""
    d = frame.data
    x, t, z, y = d["x"], d["t"], d["z_all"], d["y_all"]
    half = (len(x) + 1) // 2
    head = f"{'x':<{x.shape[1]}} {'z':>6}  y t"
    rows: list[tuple[Piece, ...]] = [((head + "   │ " + head, "dim"),)]
    for r in range(half):
        pieces: list[Piece] = []
        for i in (r, r + half):
            if i >= len(x):
                continue
            role = "accent" if i == d["current"] else "error" if y[i] != t[i] else "success" if y[i] else None
            if i == r + half:
                pieces.append(("   │ ", "dim"))
            pieces.append((f"{_bits(x[i])} {z[i]:+6.2f}  {y[i]} {t[i]}", role))
        rows.append(tuple(pieces))
    fire = int(y.sum())
    return TextPanel(f"truth table: w = {_vec(d['w'])}, b = {d['b']:.3g}", tuple(rows),
                     notes=(f"{fire} of {len(x)} fire",))


# -- expression graph -------------------------------------------------------------------------------
def graph_figures(frame: Any, view: str) -> tuple[TextPanel, TextPanel | Figure]:
    """(upper, lower) for an expression-graph frame in the view "graph" or "values"."""
    if view == "values":
        d = frame.data
        bottom = output_figure(frame) if len(d["outputs"]) > 1 else pass_panel(frame)
        return node_table(frame), bottom
    return graph_panel(frame), pass_panel(frame)


def _num(v: float | None, digits: int) -> str:
    if v is None:
        return "·"
    return f"{v:.{digits}f}" if abs(v) < 1000 else f"{v:.3g}"


def _short_label(node: dict[str, Any]) -> str:
    if node["op"] == "leaf":
        return node["name"] + (" (param)" if node["param"] else "")
    return f"{node['name']}={node['label'].replace('sigmoid', 'σ').replace(' ', '')}"


def graph_panel(frame: Any) -> TextPanel:
    """Every node as "name = formula  value | gradient" in topological order, leaves first.

    Up to ONE_COLUMN_NODES nodes take a row each, indented by depth; more fill two columns.
    """
    d = frame.data
    nodes = d["nodes"]
    two = len(nodes) > ONE_COLUMN_NODES
    digits = 2 if two else 4
    labels = [_short_label(n) if two else ("  " * min(n["depth"], 4) + _short_label(n).replace("=", " = "))
              for n in nodes]
    lw = max(len(s) for s in labels)
    vals = [_num(n["value"], digits) for n in nodes]
    grads = [_num(n["grad"], digits) for n in nodes]
    vw = max(len(s) for s in vals)
    gw = max(len(s) for s in grads)

    def cell(i: int) -> list[Piece]:
        now = i == d["current"]
        return [("▶" if now else " ", "accent" if now else None),
                (labels[i].ljust(lw) + " ", "accent" if now else None),
                (vals[i].rjust(vw), "dim" if nodes[i]["value"] is None else None),
                ("|", "dim"),
                (grads[i].ljust(gw), "dim" if nodes[i]["grad"] is None else "warning")]

    n_rows = (len(nodes) + 1) // 2 if two else len(nodes)
    rows = []
    for r in range(n_rows):
        pieces = cell(r)
        if two and r + n_rows < len(nodes):
            pieces += [("  ", None)] + cell(r + n_rows)
        rows.append(tuple(pieces))
    return TextPanel(d["formula"], tuple(rows), notes=(_where(d), "value|grad"))


def _where(d: dict[str, Any]) -> str:
    if d["phase"] == "done":
        return f"pass {d['passes']} done"
    return f"{d['phase']}, pass {d['passes'] + 1}"


def pass_panel(frame: Any) -> TextPanel:
    """The nodes in the order of the current pass: what each did (value, or local gradient x upstream)."""
    d = frame.data
    nodes, log, current = d["nodes"], d["log"], d["current"]
    forward = d["phase"] == "forward"
    rows: list[tuple[Piece, ...]] = []
    if not forward:
        name = nodes[d["output"]]["name"]
        just_seeded = d["phase"] == "backward" and not log
        rows.append(((f"seed: d{name}/d{name} = 1", "accent" if just_seeded else None),))
    for i in d["order"]:
        n = nodes[i]
        if i in log:
            text = log[i] if forward else f"{n['name']}: {log[i]}"
            rows.append(((text, "accent" if i == current else None),))
        else:
            rows.append(((f"{n['name']} = {n['label']}   ·" if forward else f"{n['name']}: ·", "dim"),))
    title = ("forward pass: values in topological order" if forward else
             "backward pass: local gradient x upstream, added to each input")
    return TextPanel(title, tuple(rows), notes=(_where(d),))


def node_table(frame: Any) -> TextPanel:
    """Every node with its formula, value and gradient to six digits; the current node first."""
    d = frame.data
    nodes = d["nodes"]
    order = ([d["current"]] if d["current"] >= 0 else []) + [i for i in range(len(nodes)) if i != d["current"]]
    lw = max(11, *(len(n["label"]) for n in nodes))
    nw = max(4, *(len(n["name"]) for n in nodes))
    rows: list[tuple[Piece, ...]] = [((f"{'node':<{nw}}  {'formula':<{lw}}  {'value':>12}  {'grad':>12}", "dim"),)]
    for i in order:
        n = nodes[i]
        formula = "(parameter)" if n["param"] else "(leaf)" if n["op"] == "leaf" else n["label"]
        v = "·" if n["value"] is None else f"{n['value']:.6g}"
        g = "·" if n["grad"] is None else f"{n['grad']:.6g}"
        now = "accent" if i == d["current"] else None
        rows.append(((f"{n['name']:<{nw}}  {formula:<{lw}}  ", now),
                     (f"{v:>12}", "dim" if n["value"] is None else now),
                     (f"  {g:>12}", "dim" if n["grad"] is None else "warning")))
    return TextPanel("nodes: value and gradient (current first)", tuple(rows), notes=(_where(d),))


def output_figure(frame: Any) -> Figure:
    """The output at the end of every completed pass (it falls as the updates descend)."""
    d = frame.data
    y = np.asarray(d["outputs"], dtype=np.float64)
    x = np.arange(1, len(y) + 1, dtype=np.float64)
    name = d["nodes"][d["output"]]["name"]
    return Figure(f"{name} after each pass", (Series(x, y, role="primary", label=name),
                                              Series(x, y, kind="points", role="primary")),
                  (1.0, float(max(len(y), 2))), data_range(y), xlabel="pass", notes=(f"{y[-1]:.6g}",))
