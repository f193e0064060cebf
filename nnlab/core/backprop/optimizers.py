"""Gradient-descent update rules on a slice of the flat parameter vector (lectures 13 and EE optimisers), and
the update of one entry as calculations for the equation pane.

    sgd       theta <- theta - kappa g
    momentum  classical: v <- beta v - kappa g;  theta <- theta + v
              convex (lecture 13, form 2): V <- beta V + (1 - beta) g;  theta <- theta - kappa V
    nesterov  classical, reparameterised (the network is evaluated at the look-ahead point):
              v' <- beta v - kappa g;  theta <- theta + v' + beta (v' - v)
              convex: V <- beta V + (1 - beta) g;  theta <- theta - kappa (beta V + (1 - beta) g)
    adagrad   a <- a + g^2;  theta <- theta - kappa g / (sqrt(a) + delta)
    rmsprop   a <- rho a + (1 - rho) g^2;  theta <- theta - kappa g / (sqrt(a) + delta)
    adam      v <- b1 v + (1 - b1) g;  a <- b2 a + (1 - b2) g^2;
              theta <- theta - kappa (v / (1 - b1^t)) / (sqrt(a / (1 - b2^t)) + delta)

`m` holds v (momentum, first moment), `a` the squared-gradient average; `t` counts updates from 1.
"""

from __future__ import annotations

import numpy as np

from nnlab.core.equation_terms import plus
from nnlab.core.equation import Calc, Line, Num, fn

RULES = {
    "sgd": "theta <- theta - kappa g",
    "momentum": "v <- beta v - kappa g;  theta <- theta + v",
    "momentum_convex": "V <- beta V + (1-beta) g;  theta <- theta - kappa V",
    "nesterov": "v' <- beta v - kappa g;  theta <- theta + v' + beta (v' - v)",
    "nesterov_convex": "V <- beta V + (1-beta) g;  theta <- theta - kappa (beta V + (1-beta) g)",
    "adagrad": "a <- a + g^2;  theta <- theta - kappa g / (sqrt(a) + delta)",
    "rmsprop": "a <- rho a + (1-rho) g^2;  theta <- theta - kappa g / (sqrt(a) + delta)",
    "adam": "v <- b1 v + (1-b1) g;  a <- b2 a + (1-b2) g^2;  theta <- theta - kappa v^ / (sqrt(a^) + delta)",
}
"""The rule in force, as the equation pane shows it."""


def rule_key(optimizer: str, form: str) -> str:
    """Key of RULES for an optimizer and momentum form."""
    if optimizer in ("momentum", "nesterov") and form == "convex":
        return f"{optimizer}_convex"
    return optimizer


def update(optimizer: str, convex: bool, theta: np.ndarray, g: np.ndarray, m: np.ndarray, a: np.ndarray, t: int,
           lr: float, beta1: float, beta2: float, delta: float) -> None:
    """Apply one update in place to `theta` (and the optimiser state `m`, `a`) from gradient `g`."""
    if optimizer == "sgd":
        theta -= lr * g
    elif optimizer == "momentum":
        if convex:
            m[...] = beta1 * m + (1.0 - beta1) * g
            theta -= lr * m
        else:
            m[...] = beta1 * m - lr * g
            theta += m
    elif optimizer == "nesterov":
        if convex:
            m[...] = beta1 * m + (1.0 - beta1) * g
            theta -= lr * (beta1 * m + (1.0 - beta1) * g)
        else:
            old = m.copy()
            m[...] = beta1 * m - lr * g
            theta += m + beta1 * (m - old)
    elif optimizer == "adagrad":
        a += g * g
        theta -= lr * g / (np.sqrt(a) + delta)
    elif optimizer == "rmsprop":
        a[...] = beta2 * a + (1.0 - beta2) * g * g
        theta -= lr * g / (np.sqrt(a) + delta)
    elif optimizer == "adam":
        m[...] = beta1 * m + (1.0 - beta1) * g
        a[...] = beta2 * a + (1.0 - beta2) * g * g
        theta -= lr * (m / (1.0 - beta1 ** t)) / (np.sqrt(a / (1.0 - beta2 ** t)) + delta)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}")


def update_lines(optimizer: str, convex: bool, before: tuple[float, float, float], after: tuple[float, float, float],
                 g: float, t: int, lr: float, beta1: float, beta2: float, delta: float) -> tuple[Line, ...]:
    """The update of one entry as calculations: `before` and `after` are its (theta, m, a), `g` its gradient,
    the results those `update` wrote."""
    th0, m0, a0 = (Num(x) for x in before)
    th1, m1, a1 = after
    G, kappa, b1, b2 = Num(g), Num(lr, "g"), Num(beta1, "g"), Num(beta2, "g")
    if optimizer == "sgd":
        return (Line(Calc("theta <- theta - kappa g =", th0 - kappa * G, th1)),)
    if optimizer in ("momentum", "nesterov") and convex:
        v = Line(Calc("V <- beta V + (1-beta) g =", b1 * m0 + (1 - b1) * G, m1))
        step = Num(m1) if optimizer == "momentum" else b1 * Num(m1) + (1 - b1) * G
        rule = "kappa V" if optimizer == "momentum" else "kappa (beta V + (1-beta) g)"
        return v, Line(Calc(f"theta <- theta - {rule} =", th0 - kappa * step, th1))
    if optimizer in ("momentum", "nesterov"):
        name = "v" if optimizer == "momentum" else "v'"
        v = Line(Calc(f"{name} <- beta v - kappa g =", b1 * m0 - kappa * G, m1))
        if optimizer == "momentum":
            return v, Line(Calc("theta <- theta + v =", plus(th0, m1), th1))
        return v, Line(Calc("theta <- theta + v' + beta (v' - v) =", plus(th0, m1) + b1 * (Num(m1) - m0), th1))
    if optimizer in ("adagrad", "rmsprop"):
        grow = a0 + G ** 2 if optimizer == "adagrad" else b2 * a0 + (1 - b2) * G ** 2
        rule = "a + g^2" if optimizer == "adagrad" else "rho a + (1-rho) g^2"
        return (Line(Calc(f"a <- {rule} =", grow, a1)),
                Line(Calc("theta <- theta - kappa g/(sqrt(a) + delta) =",
                          th0 - kappa * G / (fn("sqrt", Num(a1)) + Num(delta, "g")), th1)))
    if optimizer == "adam":
        T = Num(t, "d")
        return (Line(Calc("v <- b1 v + (1-b1) g =", b1 * m0 + (1 - b1) * G, m1), ";  ",
                     Calc("a <- b2 a + (1-b2) g^2 =", b2 * a0 + (1 - b2) * G ** 2, a1)),
                Line(Calc(f"theta <- theta - kappa (v/(1-b1^t))/(sqrt(a/(1-b2^t)) + delta), t = {t}:",
                          th0 - kappa * (Num(m1) / (1 - b1 ** T)) / (fn("sqrt", Num(a1) / (1 - b2 ** T))
                                                                      + Num(delta, "g")), th1)))
    raise ValueError(f"unknown optimizer {optimizer!r}")
