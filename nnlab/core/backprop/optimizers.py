"""Gradient-descent update rules on a slice of the flat parameter vector (lectures 13 and EE optimisers).

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
