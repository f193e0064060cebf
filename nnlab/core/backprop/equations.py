"""The frame of the MLP: the operation just done as an equation with its numbers, and what to draw.

Numbers are those of the first sample of the batch and the first unit of the layer (the pane
says so); the whole tensor that changed goes to the inspector's heatmap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.backprop.network import label
from nnlab.core.backprop.ops import BatchPass, Op, eval_pass, rule
from nnlab.core.lab import Frame

LOSS_TEXT = {
    "mse": "|y - t|^2",
    "bce": "-sum_k [t ln y + (1-t) ln(1-y)]",
    "cce": "-sum_k t ln y",
}


def _n(v: float) -> str:
    return f"{v:.4g}"


def _sum(ws: np.ndarray, hs: np.ndarray, limit: int = 3) -> str:
    terms = [f"{_n(w)}*{_n(h)}" for w, h in zip(ws[:limit], hs[:limit])]
    if len(ws) > limit:
        terms.append(f"... ({len(ws)} terms)")
    return " + ".join(terms)


def loss_text(model: Any) -> str:
    """E as defined in force: the reduction, the per-sample loss and the penalty."""
    p = model.params
    head = "E = (1/B) sum_p " if p.reduction == "mean" else "E = sum_p "
    pen = ""
    if p.weight_decay:
        pen = " + lambda sum W^2" if p.penalty == "l2" else " + lambda sum |W|"
    return head + LOSS_TEXT[p.loss] + pen


def op_equation(model: Any, op: Op, bp: BatchPass) -> tuple[str, ...]:
    """The equation of `op` and the same with the first sample's numbers."""
    net = model.net
    lay = net.layout
    l = op.layer
    k = op.kind
    if k == "affine":
        W = lay.weight(model.theta, l - 1)
        b = lay.view(model.theta, f"b{l}")
        return (f"z[{l}] = W[{l - 1}] h[{l - 1}] + b[{l}]   (W[{l - 1}] is {W.shape[0]}x{W.shape[1]}; first sample, "
                "unit 1)", f"z1 = {_sum(W[0], bp.h[l - 1][0])} + {_n(b[0])} = {_n(bp.z[l][0, 0])}")
    if k == "bn":
        xhat, mu, var = bp.bn[l]
        g = lay.view(model.theta, f"gamma{l}")[0]
        be = lay.view(model.theta, f"beta{l}")[0]
        return ("u = gamma (z - mu_B) / sqrt(var_B + eps) + beta   (batch statistics, eps = 1e-5)",
                f"u1 = {_n(g)} ({_n(bp.z[l][0, 0])} - {_n(mu[0])}) / sqrt({_n(var[0])} + 1e-5) + {_n(be)} = "
                f"{_n(bp.u[l][0, 0])}")
    if k == "act":
        f = net.act(l)
        return (f"h[{l}] = {f}(z[{l}])", f"h1 = {f}({_n(bp.u[l][0, 0])}) = {_n(bp.h[l][0, 0])}")
    if k == "drop":
        m = bp.masks[l][0]
        kept = int((m > 0).sum())
        return (f"h[{l}] <- h[{l}] * m / (1 - p)   (inverted dropout, p = {net.dropout:g}; training only)",
                f"mask of sample 1 keeps {kept} of {len(m)} units; kept units x {1 / (1 - net.dropout):.4g}")
    if k == "loss":
        y = bp.h[l][0]
        t = bp.t[0]
        return (loss_text(model), f"sample 1: y = {_vec(y)}, t = {_vec(t)};  E = {_n(bp.E)} over B = {bp.B}")
    if k == "delta":
        d = bp.delta[l][0, 0]
        y, t = bp.h[l][0, 0], bp.t[0, 0]
        sc = "1/B " if net.reduction == "mean" else ""
        if (net.loss, net.output) in (("bce", "logistic"), ("cce", "softmax")):
            return (f"delta[{l}] = dE/dz[{l}] = {sc}(y - t)   ({net.output} output with {net.loss})",
                    f"delta1 = {sc.strip() + ' ' if sc else ''}({_n(y)} - {_n(t)}) = {_n(d)}")
        return (f"delta[{l}] = dE/dz[{l}] = {sc}2 (y - t) * f'(z)   ({net.output} output with mse)",
                f"delta1 = {_n(d)}")
    if k == "grad":
        d = bp.delta[l]
        hp = bp.h[l - 1]
        g = lay.view(bp.grad, f"W{l - 1}" if not (lay.tied and l == 2) else "W0")
        extra = " + 2 lambda W" if net.weight_decay and net.penalty == "l2" else (
            " + lambda sign(W)" if net.weight_decay else "")
        val = float((d[:, 0] * hp[:, 0]).sum())
        return (f"dE/dW[{l - 1}] = delta[{l}] h[{l - 1}]^T{extra} (outer product, summed over the batch);  "
                f"dE/db[{l}] = sum delta[{l}]",
                f"dE/dW11 = sum_p delta1 h1 = {_n(val)}" + ("" if lay.tied and l == 2 else f";  |dE/dW| = "
                                                          f"{_n(float(np.sqrt((g * g).sum())))}"))
    if k == "back":
        W = lay.weight(model.theta, l - 1)
        col = W[:, 0]
        dl = bp.delta[l][0]
        target = bp.du[l - 1] if lay.batchnorm else bp.delta[l - 1]
        return (f"delta[{l - 1}] = f'(z[{l - 1}]) * (W[{l - 1}]^T delta[{l}])   (sums over every path through "
                f"layer {l})", f"delta1 = f'({_n(bp.u[l - 1][0, 0])}) * ({_sum(col, dl)}) = {_n(target[0, 0])}")
    if k == "bn_back":
        return ("dE/dz = gamma / (m sqrt(var + eps)) (m g - sum g - xhat sum g xhat);  dgamma = sum g xhat;  "
                "dbeta = sum g", f"delta1 = {_n(bp.delta[l][0, 0])}")
    if k == "update":
        t = model.net.layout.view(model.theta, op.tensor).ravel()
        before = model.before.ravel() if model.before is not None else t
        g = model.net.layout.view(bp.grad, op.tensor).ravel()
        return (rule(net) + f"   ({label(op.tensor)}, kappa = {net.lr:g})",
                f"first entry: g = {_n(g[0])},  {_n(before[0])} -> {_n(t[0])}")
    return ()


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
        data["act"] = [h[0].copy() for h in eval_pass(net, model.theta, model.train.x[:1], model.running).h]
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
    equation: tuple[str, ...] = ()
    if shown is not None:
        equation = op_equation(model, op, shown)
    else:
        equation = (loss_text(model) + f";  {p.optimizer}, kappa = {p.lr:g}, batch {model.batch_size}",
                    f"epoch {model.epoch}: training loss {_n(model.hist['loss'][-1])}" +
                    (f", accuracy {model.hist['train_acc'][-1]:.1%}" if model.train.kind != "regression" else ""))
    values = _values(model, data)
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


def _values(model: Any, data: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    h = model.hist
    rows = [("epoch", f"{model.epoch}", f"of {model.params.epochs}"),
            ("batch", f"{model.batch + (1 if model.bp is not None else 0)}/{model.n_batches}",
             f"B = {model.batch_size}"),
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
