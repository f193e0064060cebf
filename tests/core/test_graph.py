"""The expression-graph mode against the notes' numbers, closed forms and central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlab.core.backprop.graph import GraphModel, GraphParams
from nnlab.core.backprop.graph_presets import PRESETS, forward
from nnlab.core.equation import false_calcs, lines_text
from nnlab.core.knobs import ParamError


def model(expression: str = "sigmoid_neuron", **kw) -> GraphModel:
    return GraphModel(GraphParams(expression=expression, **kw))


def both_passes(m: GraphModel) -> dict[str, float]:
    m.step(1)
    m.step(1)
    assert m.phase == "done"
    return {n.name: m.grad[i] for i, n in enumerate(m.nodes)}


def values(m: GraphModel) -> dict[str, float]:
    return {n.name: m.value[i] for i, n in enumerate(m.nodes)}


def test_add_mul_fig_11():
    m = model("add_mul")
    g = both_passes(m)
    assert values(m)["f"] == 20.0
    assert (g["f"], g["z"], g["w"], g["x"], g["y"]) == (1.0, 5.0, 4.0, 4.0, 4.0)


def test_sigmoid_neuron_fig_13_forward_and_backward_chain():
    m = model()
    g = both_passes(m)
    v = values(m)
    assert [round(v[k], 2) for k in ("s", "n", "e", "a", "f")] == [1.0, -1.0, 0.37, 1.37, 0.73]
    assert [round(g[k], 2) for k in ("f", "a", "e", "n", "s")] == [1.0, -0.53, -0.53, -0.2, 0.2]
    shortcut = 1 / (1 + math.exp(-1)) * (1 - 1 / (1 + math.exp(-1)))
    assert g["s"] == pytest.approx(shortcut, abs=1e-15) and round(shortcut, 4) == 0.1966
    # every summand gets 0.2 times its partner
    assert g["w0"] == pytest.approx(-shortcut) and g["x0"] == pytest.approx(2 * shortcut)
    assert g["w1"] == pytest.approx(-2 * shortcut) and g["x1"] == pytest.approx(-3 * shortcut)
    assert g["w2"] == pytest.approx(shortcut)


def test_softplus_gradient_is_the_sigmoid():
    for x in (-5.0, -1.0, 1.0, 4.5):
        m = model("softplus", values=(x,))
        g = both_passes(m)
        assert values(m)["y"] == pytest.approx(math.log1p(math.exp(x)), rel=1e-14)
        assert g["x"] == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-14)


def test_gates_distribute_switch_route_and_fan_out_sums():
    m = model("gates")
    g = both_passes(m)
    v = values(m)
    assert (v["p"], v["s"], v["m"], v["f"]) == (2.0, 5.0, 5.0, 10.0)
    assert g["m"] == 2.0 and g["s"] == 2.0 and g["p"] == 0.0  # mul switches, max routes to s
    assert g["z"] == 2.0 and g["x"] == 0.0  # add distributes
    assert g["y"] == 7.0  # 5 (through f = m y) + 2 (through s) + 0 (through p)


def test_max_routes_to_the_larger_input_either_way():
    g = both_passes(model("gates", values=(3.0, 2.0, 1.0)))  # x y = 6 > y + z = 3
    assert g["p"] == 2.0 and g["s"] == 0.0 and g["z"] == 0.0
    assert g["x"] == 4.0 and g["y"] == 2 * 3.0 * 2.0  # f = x y^2


def test_regularized_logistic_equals_the_closed_form():
    x, t, w, b, lam = 1.5, 1.0, 0.5, -0.2, 0.1
    g = both_passes(model("regularized_logistic"))
    s = 1 / (1 + math.exp(-(w * x + b)))
    assert g["w"] == pytest.approx((s - t) * s * (1 - s) * x + lam * w, rel=1e-14)
    assert g["b"] == pytest.approx((s - t) * s * (1 - s), rel=1e-14)
    assert g["L"] == 1.0 and g["lR"] == 1.0 and g["g"] == pytest.approx(s - t)


def test_var_op_shared_node_sums_both_paths():
    a, b = 1.2, -0.7
    m = model("var_op")
    g = both_passes(m)
    u = a * b + math.sin(a)
    assert values(m)["E"] == pytest.approx(u * u, rel=1e-14)
    assert g["a"] == pytest.approx(2 * u * (b + math.cos(a)), rel=1e-14)
    assert g["b"] == pytest.approx(2 * u * a, rel=1e-14)


@pytest.mark.parametrize("expression", list(PRESETS))
def test_reverse_mode_equals_central_differences(expression):
    m = model(expression)
    both_passes(m)
    x = np.array(m.params.leaf_values())
    h = 1e-6
    for k, i in enumerate(m.preset.leaves):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        fd = (forward(expression, tuple(up))[-1] - forward(expression, tuple(down))[-1]) / (2 * h)
        g = m.grad[i]
        assert abs(fd - g) <= 1e-6 * max(abs(fd), abs(g)), (m.nodes[i].name, fd, g)


def test_not_computed_is_none_until_its_turn():
    m = model()
    assert all(v is None for i, v in enumerate(m.value) if i not in m.preset.leaves)
    assert all(gr is None for gr in m.grad)
    m.step(0)
    assert m.value[5] == -2.0 and m.value[6] is None
    m.step(1)
    m.step(0)  # the seed
    assert m.grad[m.out] == 1.0 and m.grad[m.out - 1] is None
    m.step(0)
    assert m.grad[m.out - 1] == pytest.approx(-1 / (1 + math.exp(-1)) ** 2) and m.grad[0] is None


def test_backward_equation_shows_local_gradient_times_upstream():
    m = model()
    m.step(1)
    m.step(0)
    f = m.step(0)
    assert lines_text(f.equation) == ("d(1/a)/da = -1/a^2 = -1/1.3679^2 = -0.5344",
                                      "grad[a] += -0.5344 * 1.0000 = -0.5344")
    assert not false_calcs(f.equation)
    assert f.values[0] == ("f", "0.7311", "grad 1.0000") and f.data["current"] == m.out


def test_accumulate_doubles_the_gradients_on_the_second_pass():
    for acc, factor in ((False, 1.0), (True, 2.0)):
        m = model("var_op", accumulate=acc)
        first = both_passes(m)
        m.step(0)  # a new pass: values cleared, gradients kept only with accumulate
        assert (m.grad[0] is None) != acc
        second = both_passes(m)
        assert second["a"] == factor * first["a"] and second["b"] == factor * first["b"]


def test_update_moves_the_parameters_and_lowers_the_loss():
    m = model("regularized_logistic", lr=1.0)
    g = both_passes(m)
    loss = values(m)["Lreg"]
    f = m.step(2)
    assert m.value[2] == pytest.approx(0.5 - g["w"]) and m.value[3] == pytest.approx(-0.2 - g["b"])
    assert m.value[0] == 1.5 and m.phase == "forward" and f.data["nodes"][5]["value"] is None
    m.step(2)
    assert m.passes == 2 and m.traces()["output"][1] < loss
    assert m.traces()["value"].shape == (2, len(m.nodes))


def test_values_are_checked_against_the_leaves():
    with pytest.raises(ParamError) as e:
        GraphParams(expression="var_op", values=(1.0,))
    assert e.value.name == "values" and "a, b" in str(e.value)


def test_snapshot_restore_reproduces_the_numbers():
    m = model("gates", accumulate=True)
    m.step(0)
    s = m.snapshot()
    for _ in range(7):
        m.step(0)
    m.step(2)
    m.step(1)
    a = (m.frame().values, m.traces(), m.metrics())
    m.restore(s)
    for _ in range(7):
        m.step(0)
    m.step(2)
    m.step(1)
    b = (m.frame().values, m.traces(), m.metrics())
    assert a[0] == b[0] and a[2] == b[2]
    assert all(np.array_equal(a[1][k], b[1][k], equal_nan=True) for k in a[1])


def test_default_steps_end_at_the_end_of_the_backward_pass():
    m = model("add_mul")
    n = m.default_steps()
    assert n == 2 + 1 + 2 and m.advance(n) == n and m.phase == "done"
    met = m.metrics()
    assert met == {"output": 20.0, "passes": 1, "grad_x": 4.0, "grad_y": 4.0, "grad_z": 5.0}
    assert m.default_steps() == 1 + 2 + 1 + 2
    assert m.advance(8) == 8 and m.passes == 2 and m.phase == "forward" and m.cursor == 1


def test_blowup_when_updates_run_away():
    m = model("add_mul", lr=100.0)
    for _ in range(400):
        m.step(2)
        if m.blowup:
            break
    assert "became inf" in m.blowup and m.advance(5) == 0 and m.frame().message == m.blowup
