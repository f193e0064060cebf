"""The expressions of the course as graphs: nodes in topological order and default leaf values."""

from __future__ import annotations

from dataclasses import dataclass

from nnlab.core.backprop.graph_ops import Node, node_value


@dataclass(frozen=True)
class Preset:
    """A named expression: its nodes in topological order and the default values of its leaves."""

    formula: str
    source: str
    nodes: tuple[Node, ...]
    defaults: tuple[float, ...]
    """One value per leaf, in leaf order."""

    @property
    def leaves(self) -> tuple[int, ...]:
        return tuple(i for i, n in enumerate(self.nodes) if n.op == "leaf")

    @property
    def leaf_names(self) -> tuple[str, ...]:
        return tuple(self.nodes[i].name for i in self.leaves)


def _preset(formula: str, source: str, leaves: str, params: str, defaults: tuple[float, ...],
            ops: list[tuple[str, str, str, float]]) -> Preset:
    """Leaves by name (`params` the moved ones), then ops (name, op, input names, constant)."""
    nodes = [Node(n, "leaf", param=n in params.split()) for n in leaves.split()]
    index = {n.name: i for i, n in enumerate(nodes)}
    for name, op, inputs, c in ops:
        nodes.append(Node(name, op, tuple(index[p] for p in inputs.split()), c))
        index[name] = len(nodes) - 1
    return Preset(formula, source, tuple(nodes), defaults)


PRESETS: dict[str, Preset] = {
    "add_mul": _preset("f = (x + y) z", "EE notes Fig. 11: f = 20, grads z 5, w 4, x 4, y 4", "x y z", "x y z",
                       (2.0, 3.0, 4.0), [("w", "add", "x y", 0), ("f", "mul", "w z", 0)]),
    "sigmoid_neuron": _preset(
        "f = 1/(1 + exp(-(w0 x0 + w1 x1 + w2)))", "EE notes Fig. 13: 1, -1, 0.37, 1.37, 0.73; back 0.2 at the sum",
        "w0 x0 w1 x1 w2", "w0 w1 w2", (2.0, -1.0, -3.0, -2.0, -3.0),
        [("p0", "mul", "w0 x0", 0), ("p1", "mul", "w1 x1", 0), ("s", "add", "p0 p1 w2", 0),
         ("n", "mulc", "s", -1.0), ("e", "exp", "n", 0), ("a", "addc", "e", 1.0), ("f", "recip", "a", 0)]),
    "softplus": _preset("y = log(1 + exp(x))", "EE notes Fig. 15: dy/dx = sigmoid(x)", "x", "x", (1.0,),
                        [("ex", "exp", "x", 0), ("a", "addc", "ex", 1.0), ("y", "log", "a", 0)]),
    # y fans out to three paths; at x=1, y=2, z=3 the max routes to y + z, so the x*y path carries 0:
    # df/dy = m + y (through the add) + 0 = 5 + 2 = 7, df/dz = 2, df/dx = 0
    "gates": _preset("f = max(x y, y + z) y", "EE notes: add distributes, mul switches, max routes", "x y z",
                     "x y z", (1.0, 2.0, 3.0),
                     [("p", "mul", "x y", 0), ("s", "add", "y z", 0), ("m", "max", "p s", 0),
                      ("f", "mul", "m y", 0)]),
    "regularized_logistic": _preset(
        "L_reg = (sigmoid(w x + b) - t)^2/2 + lambda w^2/2",
        "EE notes Fig. 18: dL/dw = (sigma - t) sigma' x + lambda w, dL/db = (sigma - t) sigma'",
        "x t w b lambda", "w b", (1.5, 1.0, 0.5, -0.2, 0.1),
        [("wx", "mul", "w x", 0), ("z", "add", "wx b", 0), ("y", "sigmoid", "z", 0), ("g", "sub", "y t", 0),
         ("L", "half_square", "g", 0), ("R", "half_square", "w", 0), ("lR", "mul", "lambda R", 0),
         ("Lreg", "add", "L lR", 0)]),
    "var_op": _preset("E = (a b + sin a)^2", "Var/Op lectures: a is shared by two paths", "a b", "a b",
                      (1.2, -0.7),
                      [("ab", "mul", "a b", 0), ("s", "sin", "a", 0), ("u", "add", "ab s", 0),
                       ("E", "square", "u", 0)]),
}
"""The expressions of the course, by the name the `expression` knob takes."""


def forward(expression: str, values: tuple[float, ...]) -> list[float]:
    """Every node's value for the given leaf values (the plain forward pass, for finite differences)."""
    nodes = PRESETS[expression].nodes
    out: list[float] = []
    leaf = iter(values)
    for n in nodes:
        out.append(float(next(leaf)) if n.op == "leaf" else node_value(n, [out[p] for p in n.parents]))
    return out
