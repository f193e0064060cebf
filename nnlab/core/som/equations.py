"""The SOM's equation pane: the stage in force, then the same with the numbers of the last sample (lecture 20).

    draw      x = the next sample
    BMU       |x - W_u| = sqrt(sum_d (x_d - W_u,d)^2), the least over the units
    update    sigma(t), eta(t) from the schedule; theta of a unit next to the BMU; the BMU's and that
              unit's weight for one input (the one farthest from the BMU) moved by W_v += eta theta (x - W_v)

Each calculation ends in the number the kernels left: the BMU's distance, sigma and eta of
`kernels.decayed`, theta of `kernels.neighbourhood`, the weights after `kernels.update`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.equation_terms import total
from nnlab.core.equation import Calc, EquationLine, Expr, Line, Num, fn

THETA_TEXT = {"gaussian": "theta = exp(-d^2 / 2 sigma^2)", "bubble": "theta = 1 if d <= sigma else 0",
              "mexican_hat": "theta = (g(sigma) - {c:g} g(2 sigma)) / (1 - {c:g})"}
"""The neighbourhood in force, as the rule line writes it."""

SCHEDULE_TEXT = {"linear": "a + (b - a) t/T", "exponential": "a (b/a)^(t/T)", "inverse": "a / (1 + (a/b - 1) t/T)"}
"""sigma(t) and eta(t) from a at t = 0 to b at t = T."""


def equation_lines(m: Any) -> tuple[EquationLine, ...]:
    """The stage in force and its numbers."""
    p = m.params
    if m.stage == 1:
        shown = ", ".join(f"{v:.3g}" for v in m.xv[:4]) + (", ..." if len(m.xv) > 4 else "")
        return ("draw: x = the next sample of this epoch's random order", Line(f"x = ({shown})"))
    if m.stage == 2:
        return ("BMU u = argmin_v |x - W_v|  (competition, Euclidean distance)", _distance_line(m))
    rule = (f"W_v += eta(t) theta(d(v, u)) (x - W_v);  {THETA_TEXT[p.neighbourhood].format(c=p.inhibition)};  "
            f"sigma(t), eta(t) = {SCHEDULE_TEXT[p.decay]}")
    if m.used is not None and m.used["t"] == m.t - 1:
        u = m.used
        return (rule, _schedule_line(m, u["t"], u["sigma"], u["eta"])) + _update_lines(m)
    s, eta = m.sigma_eta()
    return rule, _schedule_line(m, m.t, s, eta)


def _distance_line(m: Any) -> Line:
    """|x - W_u| of the BMU from its squared differences (the first ones and the rest)."""
    w = m.Wt[:, m.bmu]
    squares = [(Num(float(a)) - Num(float(b))) ** 2 for a, b in zip(m.xv, w)]
    r, c = divmod(m.bmu, m.params.cols)
    return Line(f"u = {m.bmu} (row {r}, col {c}):  ",
                Calc("|x - W_u| = sqrt(sum_d (x_d - W_u,d)^2) =", fn("sqrt", total(squares)), m.bmu_dist))


def _schedule(decay: str, a: float, b: float, t: int, T: int) -> Expr:
    """The schedule's value at t as a calculation (t stops at T, as the kernel clamps it)."""
    f = Num(min(t, T), "d") / Num(T, "d")
    A, B = Num(a, "g"), Num(b, "g")
    if decay == "linear":
        return A + (B - A) * f
    if decay == "exponential":
        return A * (B / A) ** f
    return A / (1 + (A / B - 1) * f)


def _schedule_line(m: Any, t: int, s: float, eta: float) -> Line:
    p = m.params
    moved = f";  {int(m.moved.sum())} units moved" if m.moved.any() else ""
    return Line(f"t = {t} of {m.T} ({p.decay} decay):  ",
                Calc("sigma =", _schedule(p.decay, p.sigma, p.sigma_end, t, m.T), s), ";  ",
                Calc("eta =", _schedule(p.decay, p.lr, p.lr_end, t, m.T), eta), moved)


def _theta(m: Any, d: float, s: float) -> Expr | None:
    """theta at lattice distance d as a calculation (None for the bubble's step)."""
    p = m.params

    def g(width: Expr) -> Expr:
        return fn("exp", -Num(d) ** 2 / (2 * width ** 2))

    if p.neighbourhood == "gaussian":
        return g(Num(s))
    if p.neighbourhood == "mexican_hat":
        c = Num(p.inhibition, "g")
        return (g(Num(s)) - c * g(2 * Num(s))) / (1 - c)
    return None


def _update_lines(m: Any) -> tuple[Line, ...]:
    """theta of the unit beside the BMU, then the weight of both for the input farthest from the BMU, as the
    update moved it."""
    u = m.used
    bmu, near = u["units"]
    lines: list[Line] = []
    if near >= 0:
        d = float(np.hypot(*(m.pos[near] - m.pos[bmu])))
        theta = _theta(m, d, u["sigma"])
        head = f"unit {near} beside the BMU, d = {d:.4g}: "
        lines.append(Line(head, Calc("theta =", theta, u["theta"][1])) if theta is not None
                     else Line(head + "theta = ", Num(u["theta"][1], "g")))
    parts: list[str | Calc] = []
    k = u["dim"]
    for unit, before, theta_u in zip(u["units"], u["before"], u["theta"]):
        if unit < 0:
            continue
        move = Num(before) + Num(u["eta"]) * Num(theta_u) * (Num(float(m.xv[k])) - Num(before))
        parts += [";  " if parts else "", Calc(f"W_{unit},{k + 1} <- W + eta theta (x_{k + 1} - W) =", move,
                                               float(m.Wt[k, unit]))]
    return (*lines, Line(*parts))
