"""The frame of the MLP: the operation just done as an equation with its numbers, and what to draw.

Numbers are those of sample 1 (the first of the batch) and the first unit of the layer (the pane
says so), each calculation with the result the operation wrote; the whole tensor that changed goes
to the inspector's heatmap. A sum over many units or samples shows its first terms and the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.backprop.network import BN_EPS, label, slope
from nnlab.core.backprop.ops import BatchPass, Op, eval_pass, rule
from nnlab.core.backprop.optimizers import update_lines
from nnlab.core.equation_terms import dot, fmt_of, numbers, plus, total
from nnlab.core.equation import Calc, EquationLine, Expr, Line, Num, fn
from nnlab.core.lab import Frame

LOSS_TEXT = {
    "mse": "|y - t|^2",
    "bce": "-sum_k [t ln y + (1-t) ln(1-y)]",
    "cce": "-sum_k t ln y",
}

SLOPE_TEXT = {"logistic": "h1 (1 - h1) ", "tanh": "(1 - h1^2) ", "relu": "[z1 > 0] ", "identity": ""}
"""f'(z1) of a hidden activation as the backward line writes it."""


def _n(v: float) -> str:
    return f"{v:.4g}"


def _slope(name: str, u: float, h: float) -> Expr | None:
    """f'(u) as a calculation on h = f(u) (None for the identity, whose slope is 1)."""
    if name == "logistic":
        return Num(h) * (1 - Num(h))
    if name == "tanh":
        return 1 - Num(h) ** 2
    if name == "relu":
        return Num(float(slope("relu", np.array([u]), np.array([h]))[0]), "g")
    return None


def _times(factor: Expr | None, expr: Expr) -> Expr:
    """factor * expr, or expr when there is no factor."""
    return expr if factor is None else factor * expr


def loss_text(model: Any) -> str:
    """E as defined in force: the reduction, the per-sample loss and the penalty."""
    p = model.params
    head = "E = (1/B) sum_p " if p.reduction == "mean" else "E = sum_p "
    pen = ""
    if p.weight_decay:
        pen = " + lambda sum W^2" if p.penalty == "l2" else " + lambda sum |W|"
    return head + LOSS_TEXT[p.loss] + pen


def op_equation(model: Any, op: Op, bp: BatchPass) -> tuple[EquationLine, ...]:
    """The equation of `op` and the same with the numbers of sample 1."""
    net = model.net
    lay = net.layout
    l = op.layer
    k = op.kind
    per_batch = net.reduction == "mean"
    B = Num(bp.B, "d")
    if k == "affine":
        W = lay.weight(model.theta, l - 1)
        b = lay.view(model.theta, f"b{l}")
        h = bp.h[l - 1][0]
        z = float(bp.z[l][0, 0])
        scale = float(np.abs(W[0] * h).sum() + abs(b[0]))
        return (f"z[{l}] = W[{l - 1}] h[{l - 1}] + b[{l}]   (W[{l - 1}] is {W.shape[0]}x{W.shape[1]}; sample 1, "
                "unit 1)", Line(Calc("z1 =", plus(dot(W[0], h), float(b[0])), z, fmt_of(z, scale))))
    if k == "bn":
        xhat, mu, var = bp.bn[l]
        g = lay.view(model.theta, f"gamma{l}")[0]
        be = lay.view(model.theta, f"beta{l}")[0]
        centred = plus(Num(float(bp.z[l][0, 0])), -float(mu[0]))
        u = Num(float(g)) * centred / fn("sqrt", Num(float(var[0])) + Num(BN_EPS, "g"))
        return ("u = gamma (z - mu_B) / sqrt(var_B + eps) + beta   (batch statistics, eps = 1e-5)",
                Line(Calc("u1 =", plus(u, float(be)), float(bp.u[l][0, 0]))))
    if k == "act":
        f = net.act(l)
        arg = "u1" if lay.batchnorm and l < lay.n_layers else "z1"
        u, h = float(bp.u[l][0, 0]), float(bp.h[l][0, 0])
        return (f"h[{l}] = {f}(z[{l}])", _act_line(f, arg, bp.u[l][0], u, h))
    if k == "drop":
        m = bp.masks[l][0]
        kept = int((m > 0).sum())
        keep = Num(float(m[0] > 0), "g")
        h = Num(float(bp.h_pre(l)[0, 0])) * keep / (1 - Num(net.dropout, "g"))
        return (f"h[{l}] <- h[{l}] * m / (1 - p)   (inverted dropout, p = {net.dropout:g}; training only)",
                Line(Calc("h1 <- h1 m1/(1 - p) =", h, float(bp.h[l][0, 0])),
                     f";  the mask of sample 1 keeps {kept} of {len(m)} units"))
    if k == "loss":
        y = bp.h[l][0]
        t = bp.t[0]
        mean = numbers(bp.losses) / B if per_batch else numbers(bp.losses)
        parts: list[str | Num | Calc] = [f"sample 1: y = {_vec(y)}, t = {_vec(t)};  ",
                                         Calc("E = (1/B) sum_p L_p =" if per_batch else "E = sum_p L_p =", mean,
                                              bp.E)]
        if net.weight_decay:
            parts += ["  (the penalty adds ", Num(net.penalty_value(model.theta, lay.weight_mask())), ")"]
        return (loss_text(model), Line(*parts))
    if k == "delta":
        d = float(bp.delta[l][0, 0]) + 0.0
        y, t = float(bp.h[l][0, 0]), float(bp.t[0, 0])
        over = "/B" if per_batch else ""
        diff = plus(Num(y), -t)
        if (net.loss, net.output) in (("bce", "logistic"), ("cce", "softmax")):
            return (f"delta[{l}] = dE/dz[{l}] = {'1/B ' if per_batch else ''}(y - t)   ({net.output} output with "
                    f"{net.loss})", Line(Calc(f"delta1 = (y1 - t1){over} =", diff / B if per_batch else diff, d)))
        rule_text = (f"delta[{l}] = dE/dz[{l}] = {'1/B ' if per_batch else ''}2 (y - t) * f'(z)   ({net.output} output "
                     "with mse)")
        if net.output == "softmax":
            return rule_text, Line("delta1 = ", Num(d))
        grad = 2 * diff / B if per_batch else 2 * diff
        factor = _slope(net.output, float(bp.u[l][0, 0]), y)
        slope_text = SLOPE_TEXT[net.output].replace("h1", "y1")
        return rule_text, Line(Calc(f"delta1 = 2 (y1 - t1){over} {slope_text}=",
                                    grad if factor is None else grad * factor, d))
    if k == "grad":
        return _grad_equation(model, l, bp)
    if k == "back":
        W = lay.weight(model.theta, l - 1)
        target = bp.du[l - 1] if lay.batchnorm else bp.delta[l - 1]
        u, h = float(bp.u[l - 1][0, 0]), float(bp.h_pre(l - 1)[0, 0])
        back = dot(W[:, 0], bp.delta[l][0])
        factor = _slope(net.hidden, u, h)
        name = "dE/du1" if lay.batchnorm else "delta1"
        mask = ""
        if (l - 1) in bp.masks:
            keep = Num(float(bp.masks[l - 1][0, 0] > 0), "g") / (1 - Num(net.dropout, "g"))
            factor = keep if factor is None else factor * keep
            mask = "m1/(1 - p) "
        value = float(target[0, 0]) + 0.0
        scale = float(np.abs(W[:, 0] * bp.delta[l][0]).sum())
        return (f"delta[{l - 1}] = f'(z[{l - 1}]) * (W[{l - 1}]^T delta[{l}])   (sums over every path through "
                f"layer {l})", Line(Calc(f"{name} = {SLOPE_TEXT[net.hidden]}{mask}(W^T delta)1 =",
                                         _times(factor, back), value, fmt_of(value, scale))))
    if k == "bn_back":
        return ("dE/dz = gamma / (m sqrt(var + eps)) (m g - sum g - xhat sum g xhat);  dgamma = sum g xhat;  "
                "dbeta = sum g", Line("delta1 = ", Num(float(bp.delta[l][0, 0]))))
    if k == "update":
        first = lay.offsets[op.tensor][0]
        after = (float(model.theta[first]), float(model.opt.m[first]), float(model.opt.a[first]))
        lines = update_lines(net.optimizer, net.convex, model.before or after, after, float(bp.grad[first]),
                             model.opt.t, net.lr, net.beta1, net.beta2, net.delta)
        return (rule(net) + f"   ({label(op.tensor)}, kappa = {net.lr:g}; its first entry)",) + lines
    return ()


def _act_line(f: str, arg: str, row: np.ndarray, u: float, h: float) -> Line:
    """h1 = f(u1) with the numbers: a calculation, except for the identity (h1 = z1)."""
    if f == "identity":
        return Line(f"h1 = {arg} = ", Num(h))
    if f == "softmax":
        if np.abs(row).max() > 700:
            return Line(f"h1 = exp({arg})/sum_k exp(z_k) = ", Num(h))
        terms = [fn("exp", Num(float(x))) for x in row]
        return Line(Calc("h1 =", terms[0] / total(terms), h))
    expr = fn("max", 0, Num(u)) if f == "relu" else fn(f, Num(u))
    return Line(Calc("h1 =", expr, h))


def _grad_equation(model: Any, l: int, bp: BatchPass) -> tuple[EquationLine, ...]:
    """dE/dW11 = sum over the batch of delta1 h1, with the tied decoder's share and the penalty where they enter."""
    net = model.net
    lay = net.layout
    tied_decoder = lay.tied and l == 2
    name = "W0" if tied_decoder else f"W{l - 1}"
    g = lay.view(bp.grad, name)
    d, hp = bp.delta[l][:, 0], bp.h[l - 1][:, 0]
    expr = dot(d, hp)
    scale = float(np.abs(d * hp).sum())
    lhs = "dE/dW11 = sum_p delta1 h1"
    if lay.tied and l == 1:
        decoder = float(bp.delta[2][:, 0] @ bp.h[1][:, 0])
        expr = Num(decoder) + expr
        lhs = "dE/dW11 = (decoder's share) + sum_p delta1 h1"
    if net.weight_decay and not tied_decoder:
        w = float(lay.view(model.theta, name)[0, 0])
        lam = Num(net.weight_decay, "g")
        expr = expr + (2 * lam * Num(w) if net.penalty == "l2" else lam * Num(float(np.sign(w)), "g"))
        lhs += " + 2 lambda W11" if net.penalty == "l2" else " + lambda sign(W11)"
    extra = " + 2 lambda W" if net.weight_decay and net.penalty == "l2" else (
        " + lambda sign(W)" if net.weight_decay else "")
    value = float(g[0, 0]) + 0.0
    parts: list[str | Num | Calc] = [Calc(lhs + " =", expr, value, fmt_of(value, scale))]
    if not tied_decoder:
        parts += [";  |dE/dW| = ", Num(float(np.sqrt((g * g).sum())))]
    return (f"dE/dW[{l - 1}] = delta[{l}] h[{l - 1}]^T{extra} (outer product, summed over the batch);  "
            f"dE/db[{l}] = sum delta[{l}]", Line(*parts))


def _vec(v: np.ndarray, limit: int = 4) -> str:
    items = ", ".join(_n(x) for x in v[:limit])
    return f"({items}{', ...' if len(v) > limit else ''})"


def changed_tensor(model: Any, op: Op, bp: BatchPass) -> tuple[str, np.ndarray]:
    """Name and values of the array `op` wrote."""
    lay = model.net.layout
    if op.kind == "update":
        return label(op.tensor), lay.view(model.theta, op.tensor).copy()
    if op.kind == "grad":
        name = f"W{op.layer - 1}" if not (lay.tied and op.layer == 2) else "W0"
        return f"dE/d{label(name)}", lay.view(bp.grad, name).copy()
    if op.kind == "loss":
        return "sample losses", bp.losses[:, None].copy()
    arrays = {"affine": bp.z, "bn": bp.u, "act": bp.h, "drop": bp.h, "delta": bp.delta,
              "back": bp.du if lay.batchnorm else bp.delta, "bn_back": bp.delta}
    layer = op.layer - 1 if op.kind == "back" else op.layer
    name = {"affine": "z", "bn": "u", "act": "h", "drop": "h", "delta": "delta", "bn_back": "delta",
            "back": "dE/du" if lay.batchnorm else "delta"}[op.kind]
    return f"{name}[{layer}] (samples x units)", arrays[op.kind][layer].copy()


def frame_of(model: Any) -> Frame:
    """The model's frame."""
    p = model.params
    net = model.net
    lay = net.layout
    bp = model.bp
    op = model.last_op
    data: dict[str, Any] = {"kind": "mlp", "sizes": lay.sizes, "hidden": net.hidden, "output": net.output,
                            "epoch": model.epoch, "batch": model.batch, "n_batches": model.n_batches,
                            "batch_now": model.batch + (1 if bp is not None else 0),
                            "hist": {k: np.array(v) for k, v in model.hist.items()},
                            "batch_loss": np.array(model.batch_loss),
                            "dnorm": np.array(model.dnorm) if model.dnorm else np.zeros((0, lay.n_layers)),
                            "weights": [lay.weight(model.theta, l).copy() for l in range(lay.n_layers)],
                            "data_kind": model.train.kind, "op": op.kind if op else "", "layer": op.layer if op else 0,
                            "tensor_name": op.tensor if op else "",
                            "optimizer": p.optimizer,
                            "compare": {k: np.array(v.hist["loss"]) for k, v in model.shadows.items()}}
    shown = (bp or model.last_bp) if op is not None else None
    if shown is None:
        first = model.first_sample()
        data["act"] = [h[0].copy() for h in eval_pass(net, model.theta, model.train.x[first:first + 1],
                                                      model.running).h]
    else:
        data["act"] = [None if h is None else h[0].copy() for h in shown.h]
        data["tensor"] = changed_tensor(model, op, shown)
    if lay.sizes[0] == 2 and model.train.kind != "regression":
        data["boundary"] = _boundary(model)
    if lay.sizes[0] == 1 and lay.sizes[-1] == 1:
        data["fit"] = _fit(model)
    if getattr(model, "want_check", False):
        from nnlab.core.backprop.gradcheck import grad_check

        data["check"] = grad_check(model)
    equation: tuple[EquationLine, ...] = ()
    if shown is not None:
        equation = op_equation(model, op, shown)
    else:
        readout: list[str | Num] = [f"epoch {model.epoch}: training loss ", Num(model.hist["loss"][-1])]
        if model.train.kind != "regression":
            readout += [", accuracy ", Num(model.hist["train_acc"][-1], ".1%")]
        equation = (loss_text(model) + f";  {p.optimizer}, kappa = {p.lr:g}, batch {model.batch_size}",
                    Line(*readout))
    values = _values(model, data, shown is not None)
    return Frame(t=float(model.epoch), step=model.ops_done, stage=model.stage, equation=equation, values=values,
                 data=data, message=model.message or model.blowup, done=model.epoch >= p.epochs)


def _boundary(model: Any) -> dict[str, Any]:
    x = model.data.x
    lo = x.min(axis=0)
    hi = x.max(axis=0)
    pad = (hi - lo) * 0.1 + 1e-9
    lo, hi = lo - pad, hi + pad
    cols, rows = 64, 40
    gx = np.linspace(lo[0], hi[0], cols)
    gy = np.linspace(hi[1], lo[1], rows)
    xx, yy = np.meshgrid(gx, gy)
    out = model.predict(np.column_stack([xx.ravel(), yy.ravel()]))
    return {"lo": lo, "hi": hi, "grid": out.reshape(rows, cols, -1), "x": model.train.x.copy(),
            "labels": model.train.labels.copy() if model.train.labels is not None else None,
            "test_x": None if model.test is None else model.test.x.copy(),
            "test_labels": None if model.test is None or model.test.labels is None else model.test.labels.copy()}


def _fit(model: Any) -> dict[str, Any]:
    x = model.data.x[:, 0]
    lo, hi = float(x.min()), float(x.max())
    xs = np.linspace(lo, hi, 200)
    ys = model.predict(xs[:, None])[:, 0]
    return {"xs": xs, "ys": ys, "x": model.train.x[:, 0].copy(), "y": model.train.y[:, 0].copy(),
            "test_x": None if model.test is None else model.test.x[:, 0].copy(),
            "test_y": None if model.test is None else model.test.y[:, 0].copy()}


def _values(model: Any, data: dict[str, Any], in_batch: bool) -> tuple[tuple[str, str, str], ...]:
    h = model.hist
    rows = [("epoch", f"{model.epoch}", f"of {model.params.epochs}"),
            ("batch", f"{model.batch + (1 if model.bp is not None else 0)}/{model.n_batches}",
             f"B = {model.batch_size}"),
            ("sample 1", _vec(data["act"][0]), "first of this batch" if in_batch else "first of the next batch"),
            ("loss", _n(h["loss"][-1]), "train")]
    if model.test is not None:
        rows.append(("test loss", _n(h["test_loss"][-1]), ""))
    if model.train.kind != "regression":
        rows.append(("accuracy", f"{h['train_acc'][-1]:.1%}", "" if model.test is None else
                     f"test {h['test_acc'][-1]:.1%}"))
    if "tensor" in data:
        name, arr = data["tensor"]
        rows.append(("changed", name.split(" ")[0], "x".join(str(s) for s in arr.shape)))
        if arr.size:
            rows.append(("range", f"{float(arr.min()):.3g}..{float(arr.max()):.3g}", ""))
            rows.append(("norm", _n(float(np.sqrt((arr * arr).sum()))), "|.|_2"))
    return tuple(rows)
