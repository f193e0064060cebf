"""Frames of the Hopfield lab: the rule in force with its numbers, the inspector rows, the arrays to draw."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.lab import Frame, readonly


def weights_text(p: Any) -> str:
    if p.scaling == "n":
        return "W = (1/n) sum_s x_s x_s^T - I"
    return "W = (1/N) sum_s x_s x_s^T, W_ii = 0"


def rule_text(m: Any) -> str:
    p = m.params
    if m.modern_only:
        return f"x <- sgn(X^T softmax(beta X x)), beta = {p.beta:g};  E = -(1/beta) log sum_s exp(beta x_s.x)"
    if p.temperature > 0:
        return (f"P(x_i = +1) = 1 / (1 + exp(-2 (h_i - b) / T)), h_i = sum_j W_ij x_j, T = {p.temperature:g}, "
                f"b = {p.bias:g}")
    tie = {"plus": "+1", "keep": "kept", "minus": "-1"}[p.tie]
    head = "x <- sgn(W x - b) for every unit at once" if p.update == "sync" else \
        "x_i <- sgn(h_i - b), h_i = sum_j W_ij x_j"
    return f"{head} (tie {tie});  E = -1/2 x^T W x + b^T x"


def numbers_text(m: Any) -> str:
    d = m.last
    p = m.params
    if "unit" in d and not m.whole_steps:
        i = d["unit"]
        h = d["field"] + p.bias
        return (f"h_{i} = {h:.4g} {'>=' if d['field'] >= 0 else '<'} b = {p.bias:g}: x_{i} "
                f"{'+1' if d['old'] > 0 else '-1'} -> {'+1' if d['new'] > 0 else '-1'};  "
                f"dE = -(x'-x)(h-b) = {d['dE']:.4g};  E = {m.E.view()[-1]:.5g}")
    if "changed" in d:
        return f"{d['changed']} of {m.N} units changed;  E = {m.E.view()[-1]:.5g}"
    n = len(m.P)
    return f"{weights_text(p)}: {n} pattern{'' if n == 1 else 's'}, N = {m.N};  E = {m.E.view()[-1]:.5g}"


def recall_frame(m: Any) -> Frame:
    """The frame of a RecallModel."""
    p = m.params
    E = m.E.view()
    n_stored = len(m.P)
    target = p.target if p.target < n_stored else 0
    overlap = float(m.P[target] @ m.x / m.N) if n_stored else float("nan")
    rows = [("updates", f"{m.updates}", "steps" if m.whole_steps else f"sweep {m.sweeps}"),
            ("energy", f"{E[-1]:.5g}", f"{E[-1] - E[-2]:+.3g}" if len(E) > 1 else ""),
            ("overlap", f"{overlap:.3f}" if n_stored else "-", m.names[target] if n_stored else "none stored"),
            ("stored", f"{n_stored}", f"load {n_stored / m.N:.3g}"),
            ("N", f"{m.N}", "x".join(map(str, m.shape)))]
    if "unit" in m.last and not m.whole_steps:
        rows.append(("unit", f"{m.last['unit']}", f"h-b {m.last['field']:.3g}"))
    data: dict[str, Any] = {
        "state": readonly(m.x.copy()), "probe": readonly(m.x0), "patterns": readonly(m.P), "names": m.names,
        "shape": m.shape, "unit": m.last_unit if not m.whole_steps else -1, "energy": readonly(E),
        "overlap": readonly(m.M.view()),
        "lowered": np.flatnonzero(np.diff(E) < 0) + 1 if len(E) > 1 else np.zeros(0, np.int64),
        "W": m.W, "target": target, "whole_steps": m.whole_steps, "memory": p.memory,
        "modern": None if m.y is None else readonly(m.y.copy()), "modern_energy": readonly(m.EM.view()), "modern_only": m.modern_only,
        "finished": m.finished(), "period": m.period,
    }
    return Frame(t=float(m.updates), step=m.updates, stage=m.stage, equation=(rule_text(m), numbers_text(m)),
                 values=tuple(rows), data=data, done=m.finished())
