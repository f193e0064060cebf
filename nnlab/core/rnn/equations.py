"""The RNN lab's equation pane: the operation in force and the same with the numbers of unit 1 of sequence 1.

Every calculation ends in the number the kernels left in the batch's arrays (pre-activations,
gates, states, deltas, the accumulated gradient, the weights after the update), so a test can
re-evaluate each line (lectures 21, 22, 25; the EE notes' GRU and the cheat sheet's minGRU).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.backprop import optimizers
from nnlab.core.equation import Calc, EquationLine, Expr, Line, Num, fn
from nnlab.core.equation_terms import dot, numbers, plus, total
from nnlab.core.rnn.params import OUTPUTS

FORWARD_RULES = {
    "rnn": {"s": "s_t = U x_t + W h_(t-1) + b", "h": "h_t = sigma(s_t)"},
    "lstm": {"f": "f_t = logistic(W_f X_t + b_f),  X_t = (h_(t-1), x_t)", "i": "i_t = logistic(W_i X_t + b_i)",
             "g": "c~_t = tanh(W_c X_t + b_c)", "c": "c_t = f_t c_(t-1) + i_t c~_t", "o": "o_t = logistic(W_o X_t + b_o)",
             "h": "h_t = o_t tanh(c_t)"},
    "gru": {"r": "r_t = logistic(W_r h_(t-1) + U_r x_t + b_r)  (reset)",
            "z": "z_t = logistic(W_z h_(t-1) + U_z x_t + b_z)  (update; z ~ 1 keeps h: the EE notes' u, "
                 "the cheat sheet's g = 1 - z)",
            "n": {"reset_before": "h~_t = tanh(W_n (r_t h_(t-1)) + U_n x_t + b_n)  (reset before W_n: notes)",
                  "reset_after": "h~_t = tanh(U_n x_t + b_n + r_t (W_n h_(t-1) + b_hn))  (reset after W_n: PyTorch)"},
            "h": "h_t = (1 - z_t) h~_t + z_t h_(t-1)"},
    "mingru": {"z": "z_t = logistic(U_z x_t + b_z)  (from x only; z ~ 1 takes the new state)",
               "n": "h~_t = U_h x_t + b_h  (from x only)", "h": "h_t = (1 - z_t) h_(t-1) + z_t h~_t"},
}
BACKWARD_RULES = {
    "dy": "dzo_t = (alpha_t / B) dC/dzo_t  ({})",
    "dh": "dE/dh_t = V^T dzo_t + dh_next  (the lecture's recursion; dh_next = dE/dh_t through h_(t+1))",
    "ds": "ds_t = sigma'(s_t) dE/dh_t;  dW += ds h_(t-1)^T, dU += ds x_t^T, db += ds;  dh_next = W^T ds",
    "dc": "dE/dc_t = dc_next + dE/dh_t o_t (1 - tanh^2 c_t);  dc_next = dE/dc_t f_t",
    "da": {"lstm": "da_f = dc c_(t-1) f(1-f), da_i = dc c~ i(1-i), da_c = dc i (1-c~^2), da_o = dh tanh(c) o(1-o)",
           "gru": "da_n = dh (1-z)(1-h~^2), da_z = dh (h_(t-1) - h~) z(1-z), da_r = (reset path) r(1-r)",
           "mingru": "da_z = dh (h~ - h_(t-1)) z(1-z), dh~ = dh z"},
    "dh_prev": "dW += da h_(t-1)^T, dU += da x_t^T, db += da;  dh_next = dE/dh_(t-1) = W^T da (+ the direct path)",
}
DY_FORMS = {"softmax": "y - t", "identity": "2 (y - t)", "logistic": "2 (y - t) y (1 - y)",
            "tanh": "2 (y - t) (1 - y^2)"}
ACT_TEXT = {"tanh": "tanh", "logistic": "logistic", "relu": "max(0, .)", "identity": "identity"}


def _act_expr(name: str, s: float) -> Expr:
    if name == "relu":
        return fn("max", 0, Num(s))
    if name == "identity":
        return Num(s) + 0
    return fn(name, Num(s))


def _slope_expr(name: str, s: float, h: float) -> Expr:
    if name == "tanh":
        return 1 - Num(h) ** 2
    if name == "logistic":
        return Num(h) * (1 - Num(h))
    return Num(1.0 if (name == "identity" or s > 0) else 0.0, "g")


def _pre_calc(m: Any, bt: Any, t: int, row: int, label: str, recurrent: bool = True) -> Calc:
    """a = W[row] h_(t-1) + U[row] x_t + b[row] for sequence 1 (the lecture's W X_t with X_t = (h, x))."""
    v = m.lay.views(bt.theta)
    u = v["U"][row]
    x = np.asarray(bt.xs[t, 0], np.float64)
    if recurrent and v["W"].size:
        w = np.r_[v["W"][row], u]
        inputs = np.r_[np.asarray(bt.hs[t, 0], np.float64), x]
    else:
        w, inputs = u, x
    return Calc(f"{label} =", plus(dot(w, inputs), float(v["b"][row])), float(bt.pre[t, 0, row]))


def _forward_lines(m: Any, bt: Any, t: int, op: str) -> tuple[EquationLine, ...]:
    p = m.params
    H, cell = m.lay.H, p.cell
    g = lambda k: float(bt.gates[t, 0, k])  # noqa: E731
    hp, hn, x = float(bt.hs[t, 0, 0]), float(bt.hs[t + 1, 0, 0]), t + 1
    if op == "y":
        return _output_lines(m, bt, t)
    rule = FORWARD_RULES[cell][op]
    if isinstance(rule, dict):
        rule = rule[p.gru_form]
    if cell == "rnn":
        if op == "s":
            return rule, Line(_pre_calc(m, bt, t, 0, f"s_{x},1"))
        return (rule.replace("sigma", ACT_TEXT[p.activation]),
                Line(Calc(f"h_{x},1 =", _act_expr(p.activation, float(bt.pre[t, 0, 0])), hn)))
    gate_row = {"lstm": {"f": 0, "i": H, "g": 2 * H, "o": 3 * H}, "gru": {"r": 0, "z": H},
                "mingru": {"z": 0}}[cell]
    if op in gate_row:
        row = gate_row[op]
        name = {"g": "c~"}.get(op, op)
        f = "tanh" if op == "g" else "logistic"
        pre = _pre_calc(m, bt, t, row, f"a_{name},1", recurrent=cell != "mingru")
        return rule, Line(pre, ";  ", Calc(f"{name}_{x},1 = {f}(a) =", fn(f, Num(float(bt.pre[t, 0, row]))), g(row)))
    if cell == "lstm":
        cp, cn = float(bt.cs[t, 0, 0]), float(bt.cs[t + 1, 0, 0])
        if op == "c":
            return rule, Line(Calc(f"c_{x},1 =", Num(g(0)) * Num(cp) + Num(g(H)) * Num(g(2 * H)), cn))
        return rule, Line(Calc(f"h_{x},1 =", Num(g(3 * H)) * fn("tanh", Num(cn)), hn))
    if cell == "gru" and op == "n":
        v = m.lay.views(bt.theta)
        xs = np.asarray(bt.xs[t, 0], np.float64)
        h_prev = np.asarray(bt.hs[t, 0], np.float64)
        r = np.asarray(bt.gates[t, 0, :H], np.float64)
        Wn, un, bn = v["W"][2 * H], v["U"][2 * H], float(v["b"][2 * H])
        if p.gru_form == "reset_before":
            a = Calc("a_n,1 =", plus(dot(np.r_[Wn, un], np.r_[r * h_prev, xs]), bn), float(bt.pre[t, 0, 2 * H]))
        else:
            inner = Calc("W_n h + b_hn =", plus(dot(Wn, h_prev), float(v["b_hn"][0])), float(bt.aux[t, 0, 0]))
            a = Calc("a_n,1 = U_n x + b_n + r (.) =", plus(dot(un, xs), bn) + Num(g(0)) * Num(float(bt.aux[t, 0, 0])),
                     float(bt.pre[t, 0, 2 * H]))
            return rule, Line(inner, ";  ", a), Line(Calc(f"h~_{x},1 = tanh(a) =", fn("tanh", Num(a.result)), g(2 * H)))
        return rule, Line(a, ";  ", Calc(f"h~_{x},1 =", fn("tanh", Num(a.result)), g(2 * H)))
    if cell == "gru":
        z = Num(g(H))
        return rule, Line(Calc(f"h_{x},1 =", (1 - z) * Num(g(2 * H)) + z * Num(hp), hn))
    if op == "n":
        return rule, Line(Calc(f"h~_{x},1 =", plus(dot(m.lay.views(bt.theta)["U"][H], np.asarray(bt.xs[t, 0], np.float64)),
                                                   float(m.lay.views(bt.theta)["b"][H])), g(H)))
    z = Num(g(0))
    return rule, Line(Calc(f"h_{x},1 =", (1 - z) * Num(hp) + z * Num(g(H)), hn))


def _output_lines(m: Any, bt: Any, t: int) -> tuple[EquationLine, ...]:
    v = m.lay.views(bt.theta)
    h = np.asarray(bt.hs[t + 1, 0], np.float64)
    zo = np.asarray(bt.zo[t, 0], np.float64)
    out = OUTPUTS[m.out]
    z1 = Calc(f"zo_{t + 1},1 =", plus(dot(v["V"][0], h), float(v["c"][0])), float(zo[0]))
    y = float(bt.ys[t, 0, 0])
    if out == "softmax":
        ye = fn("exp", Num(float(zo[0] - zo.max()))) / total([fn("exp", Num(float(z - zo.max()))) for z in zo])
        yc = Calc(f"y_{t + 1},1 = e^(zo_1 - max)/sum e^(zo - max) =", ye, y)
    elif out == "identity":
        yc = Calc(f"y_{t + 1},1 =", Num(float(zo[0])) + 0, y)
    else:
        yc = Calc(f"y_{t + 1},1 =", fn(out, Num(float(zo[0]))), y)
    return f"y_t = {out}(zo_t),  zo_t = V h_t + c", Line(z1, ";  ", yc)


def _loss_lines(m: Any, bt: Any) -> tuple[EquationLine, ...]:
    B = bt.xs.shape[1]
    w = bt.alpha * bt.losses
    terms = [Num(float(a)) for a in w.T.ravel() if a != 0] or [Num(0.0)]
    C = "cross-entropy -sum t ln y" if m.out == 3 else "|y - t|^2"
    return (f"E = (1/B) sum_b sum_t alpha_t C(y_t, t_t),  C = {C}",
            Line(Calc(f"E = (1/{B}) (", total(terms) / Num(B, "d"), bt.E), "  [the terms alpha_t C_t]"))


def _backward_lines(m: Any, bt: Any, t: int, op: str) -> tuple[EquationLine, ...]:
    p = m.params
    H, cell = m.lay.H, p.cell
    f = lambda a: float(a)  # noqa: E731
    dh = f(bt.dhs[t, 0, 0])
    x = t + 1
    cut = bt.truncate > 0 and t % bt.truncate == 0
    if op == "dy":
        out = OUTPUTS[m.out]
        y, tg, a, B = f(bt.ys[t, 0, 0]), f(bt.target[t, 0, 0]), f(bt.alpha[t, 0]), bt.xs.shape[1]
        d = Num(y) - Num(tg)
        g = d if out == "softmax" else 2 * d
        if out == "logistic":
            g = g * Num(y) * (1 - Num(y))
        elif out == "tanh":
            g = g * (1 - Num(y) ** 2)
        return (BACKWARD_RULES["dy"].format(DY_FORMS[out]),
                Line(Calc(f"dzo_{x},1 =", Num(a, "g") / Num(B, "d") * g, f(bt.dzo[t, 0, 0]))))
    if op == "dh":
        V = m.lay.views(bt.theta)["V"]
        expr = plus(dot(V[:, 0], np.asarray(bt.dzo[t, 0], np.float64)), f(bt.carried_h[0, 0]))
        return BACKWARD_RULES["dh"], Line(Calc(f"dE/dh_{x},1 =", expr, dh))
    if op == "ds":
        s, h = f(bt.pre[t, 0, 0]), f(bt.hs[t + 1, 0, 0])
        ds = Calc(f"ds_{x},1 =", _slope_expr(p.activation, s, h) * Num(dh), f(bt.da[t, 0, 0]))
        return BACKWARD_RULES["ds"], Line(ds), _carry_line(m, bt, t, cut)
    if op == "dc":
        o, c = f(bt.gates[t, 0, 3 * H]), f(bt.cs[t + 1, 0, 0])
        expr = plus(Num(dh) * Num(o) * (1 - fn("tanh", Num(c)) ** 2), f(bt.carried_c[0, 0]))
        return BACKWARD_RULES["dc"], Line(Calc(f"dE/dc_{x},1 =", expr, f(bt.dcs[t, 0, 0])))
    if op == "da":
        g = lambda k: Num(f(bt.gates[t, 0, k]))  # noqa: E731
        hp = Num(f(bt.hs[t, 0, 0]))
        if cell == "lstm":
            dc = Num(f(bt.dcs[t, 0, 0]))
            fg = g(0)
            a1 = Calc("da_f,1 =", dc * Num(f(bt.cs[t, 0, 0])) * fg * (1 - fg), f(bt.da[t, 0, 0]))
            o = g(3 * H)
            a2 = Calc("da_o,1 =", Num(dh) * fn("tanh", Num(f(bt.cs[t + 1, 0, 0]))) * o * (1 - o), f(bt.da[t, 0, 3 * H]))
            return BACKWARD_RULES["da"]["lstm"], Line(a1, ";  ", a2)
        if cell == "gru":
            z, n = g(H), g(2 * H)
            a1 = Calc("da_n,1 =", Num(dh) * (1 - z) * (1 - n ** 2), f(bt.da[t, 0, 2 * H]))
            a2 = Calc("da_z,1 =", Num(dh) * (hp - n) * z * (1 - z), f(bt.da[t, 0, H]))
            return BACKWARD_RULES["da"]["gru"], Line(a1, ";  ", a2)
        z, n = g(0), g(H)
        a1 = Calc("da_z,1 =", Num(dh) * (n - hp) * z * (1 - z), f(bt.da[t, 0, 0]))
        return BACKWARD_RULES["da"]["mingru"], Line(a1, ";  ", Calc("dh~_1 =", Num(dh) * z, f(bt.da[t, 0, H])))
    return BACKWARD_RULES["dh_prev"], _grad_line(m, bt, t), _carry_line(m, bt, t, cut)


def _grad_line(m: Any, bt: Any, t: int) -> Line:
    """db_1 so far: the sum of da over the steps walked back and the batch (minGRU: over its U_z row)."""
    terms = np.asarray(bt.da[t:, :, 0], np.float64).ravel()
    grad_b = float(m.lay.views(bt.grad)["b"][0])
    return Line(Calc(f"db_1 (sum of da_1 over t >= {t + 1} and the batch) =", numbers(terms), grad_b))


def _carry_line(m: Any, bt: Any, t: int, cut: bool) -> Line:
    """dE/dh_(t-1), unit 1, as it goes on to the step before (0 where truncation cuts it)."""
    p = m.params
    H = m.lay.H
    got = float(bt.dh_next[0, 0])
    if cut:
        return Line(f"truncate = {bt.truncate}: t = {t + 1} starts a chunk, so dh_next = ", Num(got, "g"),
                    " (the error stops here)")
    if t == 0:
        return Line("t = 1: nothing before it (h_0 is fixed); dh_next = ", Num(got, "g"))
    v = m.lay.views(bt.theta)
    da = np.asarray(bt.da[t, 0], np.float64)
    dh, f = float(bt.dhs[t, 0, 0]), lambda a: float(a)
    if p.cell in ("rnn", "lstm"):
        return Line(Calc(f"dE/dh_{t},1 = W^T da =", dot(v["W"][:, 0], da), got))
    if p.cell == "mingru":
        z = Num(f(bt.gates[t, 0, 0]))
        return Line(Calc(f"dE/dh_{t},1 = dh (1 - z) =", Num(dh) * (1 - z), got))
    z, r = Num(f(bt.gates[t, 0, H])), np.asarray(bt.gates[t, 0, :H], np.float64)
    Wn = v["W"][2 * H:, 0]
    dan = da[2 * H:]
    reset = dot(Wn, dan) * Num(float(r[0])) if p.gru_form == "reset_before" else dot(Wn, dan * r)
    return Line(Calc(f"dE/dh_{t},1 = dh z + W_n^T(.) + W_r^T da_r + W_z^T da_z =",
                     Num(dh) * z + reset + dot(v["W"][:2 * H, 0], da[:2 * H]), got))


def _update_lines(m: Any) -> tuple[EquationLine, ...]:
    bt = m.last
    hp = m.hyper
    form = "convex" if hp["convex"] else "classical"
    out: list[EquationLine] = [optimizers.RULES[optimizers.rule_key(hp["optimizer"], form)]]
    clip = hp["clip"]
    if clip > 0:
        g = np.asarray(bt.grad, np.float64)
        norm = Calc("|g| =", fn("sqrt", numbers(g * g)), bt.clip_norm)
        clipped = f": clipped, g <- g {clip:g}/|g|" if bt.clip_norm > clip else f" <= clip = {clip:g}: as it is"
        out.append(Line(norm, clipped))
    if m.before is None:
        return tuple(out)
    i = m.lay.offsets()["W" if m.lay.cell != "mingru" else "U"][0]
    th, mm, aa = m.before
    name = "W_1,1" if m.lay.cell != "mingru" else "U_1,1"
    lines = optimizers.update_lines(hp["optimizer"], hp["convex"], (th[i], mm[i], aa[i]), (m.theta[i], m.m[i], m.a[i]),
                                    float(m.applied[i]), m.updates, hp["lr"], hp["beta1"], hp["beta2"], hp["delta"])
    out.append(f"{name}: g = {float(m.applied[i]):.4g}")
    return (*out, *lines)


def equation_lines(m: Any) -> tuple[EquationLine, ...]:
    """The operation the last step did, with its numbers."""
    from nnlab.core.rnn.seq_model import BACKWARD_OPS, FORWARD_OPS

    p = m.params
    bt = m.bt
    if bt is None:
        if m.last is None:
            return ("forward: " + "; ".join(str(r) if not isinstance(r, dict) else r[p.gru_form]
                                           for r in FORWARD_RULES.get(p.cell, {}).values()),
                    Line("press n: the first gate of t = 1"))
        return _update_lines(m)
    if m.phase == 0:
        if m.op == 0:
            return _forward_lines(m, bt, m.t - 1, "y") if m.t else ("start",)
        return _forward_lines(m, bt, m.t, FORWARD_OPS[p.cell][m.op - 1])
    if m.phase == 1:
        return _forward_lines(m, bt, m.T - 1, "y")
    if m.phase == 2:
        if m.op == 0:
            return _loss_lines(m, bt) if m.t == m.T - 1 else _backward_lines(m, bt, m.t + 1, BACKWARD_OPS[p.cell][-1])
        return _backward_lines(m, bt, m.t, BACKWARD_OPS[p.cell][m.op - 1])
    return _backward_lines(m, bt, 0, BACKWARD_OPS[p.cell][-1])
