"""Frames of the Hopfield lab: the rule in force with its numbers, the inspector rows, the arrays to draw."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.equation_terms import dot, fmt_of, total
from nnlab.core.equation import Calc, Line, Num
from nnlab.core.hopfield.recall_model import recalled_index
from nnlab.core.lab import Frame, readonly

ROUNDOFF = 1e-9
"""A change of energy within ROUNDOFF (|E| + 1) is no change: a synchronous step recomputes E from the whole
state, and the same E summed in another order differs in its last bits."""


def energy_changes(E: np.ndarray) -> np.ndarray:
    """dE between successive energies, with the changes that are only round-off set to 0."""
    dE = np.diff(E)
    scale = np.maximum(np.abs(E[1:]), np.abs(E[:-1])) + 1.0
    dE[np.abs(dE) <= ROUNDOFF * scale] = 0.0
    return dE


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


def numbers_lines(m: Any) -> tuple[Line, ...]:
    """The overlap with the target pattern, then the last update with its numbers: a unit's field and the energy
    it leaves, or a whole step's count (last, so that a short pane keeps them)."""
    d = m.last
    p = m.params
    E = float(m.E.view()[-1])
    if "unit" in d and not m.whole_steps:
        i = d["unit"]
        h = d["field"] + p.bias
        row = m.W[i]
        field = Calc(f"h_{i} = sum_j W_{i},j x_j =", dot(row, m.x), h, fmt_of(h, float(np.abs(row).sum())))
        how = (f" {'>=' if d['field'] >= 0 else '<'} b = {p.bias:g}" if p.temperature == 0
               else f", drawn at T = {p.temperature:g}")
        change = f": x_{i} {d['old']:+g} -> {d['new']:+g}"
        flip = Num(d["new"], "g") - Num(d["old"], "g")
        energy = Calc("E <- E + dE = E - (x_i' - x_i)(h_i - b) =",
                      Num(d["E_before"], ".5g") - flip * (Num(h) - Num(p.bias, "g")), E, ".5g")
        lines = (Line(field, how + change), Line(energy))
    elif "changed" in d:
        lines = (Line(f"{d['changed']} of {m.N} units changed;  E = ", Num(E, ".5g")),)
    else:
        n = len(m.P)
        parts: list[str | Num | Calc] = [f"{weights_text(p)}: {n} pattern{'' if n == 1 else 's'}, N = {m.N};  "]
        if n:
            parts += [_weight_calc(m), ";  "]
        lines = (Line(*parts, "E = ", Num(E, ".5g")),)
    return _overlap_line(m) + lines


def _weight_calc(m: Any) -> Calc:
    """W_0,1 from the stored patterns: the Hebbian sum over the patterns, scaled."""
    n = len(m.P)
    scale = n if m.params.scaling == "n" else m.N
    products = [Num(a, "g") * Num(b, "g") for a, b in m.P[:, :2]]
    return Calc(f"W_0,1 = (1/{'n' if m.params.scaling == 'n' else 'N'}) sum_s x_s,0 x_s,1 =",
                total(products) / Num(scale, "d"), float(m.W[0, 1]))


def _overlap_line(m: Any) -> tuple[Line, ...]:
    """m = x_t . x / N of the target pattern, counted as (units that agree - units that differ) / N."""
    if not len(m.P):
        return ()
    target = m.params.target if m.params.target < len(m.P) else 0
    same = int((m.P[target] == m.x).sum())
    return (Line(Calc(f"overlap with {m.names[target]}: m = (same - different)/N =",
                      (Num(same, "d") - Num(m.N - same, "d")) / Num(m.N, "d"), float(m.M.view()[-1][target]),
                      ".3f")),)


def _modern_rows(m: Any) -> tuple[tuple[str, str, str], ...]:
    """The modern memory's overlap with the target and the stored pattern it reached, beside the classical row."""
    if m.y is None or not len(m.P):
        return ()
    k = recalled_index(m.P, m.y)
    return (("modern", f"{float(m.P[m.target] @ m.y / m.N):.3f}", f"recalled {m.names[k]}" if k >= 0 else "no pattern"),)


def recall_frame(m: Any) -> Frame:
    """The frame of a RecallModel."""
    p = m.params
    E = m.E.view()
    dE = energy_changes(E)
    n_stored = len(m.P)
    target = p.target if p.target < n_stored else 0
    overlap = float(m.P[target] @ m.x / m.N) if n_stored else float("nan")
    rows = [("updates", f"{m.updates}", "steps" if m.whole_steps else f"sweep {m.sweeps}"),
            ("energy", f"{E[-1]:.5g}", f"{dE[-1]:+.3g}" if len(dE) else ""),
            ("overlap", f"{overlap:.3f}" if n_stored else "-", m.names[target] if n_stored else "none stored"),
            *_modern_rows(m),
            ("stored", f"{n_stored}", f"load {n_stored / m.N:.3g}"),
            ("N", f"{m.N}", "x".join(map(str, m.shape)))]
    if "unit" in m.last and not m.whole_steps:
        rows.append(("unit", f"{m.last['unit']}", f"h-b {m.last['field']:.3g}"))
    data: dict[str, Any] = {
        "state": readonly(m.x.copy()), "probe": readonly(m.x0), "patterns": readonly(m.P), "names": m.names,
        "shape": m.shape, "unit": m.last_unit if not m.whole_steps else -1, "energy": readonly(E),
        "overlap": readonly(m.M.view()),
        "lowered": np.flatnonzero(dE < 0) + 1,
        "W": m.W, "target": target, "whole_steps": m.whole_steps, "memory": p.memory,
        "modern": None if m.y is None else readonly(m.y.copy()), "modern_energy": readonly(m.EM.view()), "modern_only": m.modern_only,
        "finished": m.finished(), "period": m.period,
    }
    return Frame(t=float(m.updates), step=m.updates, stage=m.stage, equation=(rule_text(m),) + numbers_lines(m),
                 values=tuple(rows), data=data, done=m.finished(), message=m.blowup)
