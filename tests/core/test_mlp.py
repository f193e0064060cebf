"""The MLP core against independent results: central differences, closed forms, the lecture's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.core.backprop.gradcheck import grad_check
from nnlab.core.backprop.mlp_model import MLPModel, ShapeError
from nnlab.core.backprop.network import Layout, activate, output_delta, sample_losses
from nnlab.core.backprop.ops import BatchPass, OptState, plan
from nnlab.core.backprop.params import MLPParams
from nnlab.core.equation import lines_text
from nnlab.core.knobs import ParamError
from nnlab.scenario import load


def model(**kw) -> MLPModel:
    seed = kw.pop("seed", 3)
    return MLPModel(MLPParams(**kw), seed)


# -- O8 softmax -------------------------------------------------------------------------------------
def test_softmax_example_5_1():
    y = activate("softmax", np.array([[0.6, 3.4, -1.2, 0.05]]))[0]
    assert y.sum() == pytest.approx(1.0)
    assert y.argmax() == 1
    assert y == pytest.approx([0.05498, 0.90420, 0.00909, 0.03172], abs=1e-4)


# -- O11 backprop = central differences -------------------------------------------------------------
CASES = [
    dict(dataset="xor", layers=(2, 3, 1), activation="logistic", output="logistic", loss="bce"),
    dict(dataset="xor", layers=(2, 3, 1), activation="tanh", output="logistic", loss="mse"),
    dict(dataset="xor", layers=(2, 4, 1), activation="relu", output="identity", loss="mse", init="he",
         bias_init=0.1),
    dict(dataset="blobs", layers=(2, 5, 3), activation="tanh", output="softmax", loss="cce", n_samples=30),
    dict(dataset="blobs", layers=(2, 4, 3), activation="logistic", output="softmax", loss="mse", n_samples=30),
    dict(dataset="sin", layers=(1, 6, 1), activation="tanh", output="tanh", loss="mse", n_samples=20),
    dict(dataset="xor", layers=(2, 3, 3, 1), activation="logistic", output="logistic", loss="bce",
         reduction="sum"),
    dict(dataset="xor", layers=(2, 3, 1), weight_decay=0.05, penalty="l2"),
    dict(dataset="xor", layers=(2, 3, 1), weight_decay=0.05, penalty="l1"),
    dict(dataset="moons", layers=(2, 6, 6, 1), dropout=0.5, n_samples=40),
    dict(dataset="moons", layers=(2, 5, 4, 1), batchnorm=True, n_samples=40, activation="tanh"),
    dict(dataset="patterns8", layers=(8, 3, 8), tied=True, n_samples=5),
]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items() if k != "layers"))
def test_backprop_matches_central_differences(kw):
    m = model(**kw)
    m.advance(3)
    rows = grad_check(m)
    assert rows and all(r.checked > 0 for r in rows)
    worst = max(r.rel_err for r in rows)
    assert worst < 1e-6, [(r.tensor, r.rel_err) for r in rows]


def test_gradient_check_can_fail():
    m = model(dataset="xor", layers=(2, 3, 1))
    good = m.gradient
    m.gradient = lambda x, t, masks=None: good(x, t, masks) * 1.01
    assert max(r.rel_err for r in grad_check(m)) > 1e-3


# -- output deltas (catalogue section 6) -------------------------------------------------------------
def test_output_deltas_are_y_minus_t_for_matched_pairs():
    u = np.array([[0.3, -1.0]])
    t = np.array([[1.0, 0.0]])
    y = activate("logistic", u)
    assert output_delta("bce", "logistic", u, y, t, 1.0) == pytest.approx(y - t)
    ys = activate("softmax", u)
    assert output_delta("cce", "softmax", u, ys, t, 1.0) == pytest.approx(ys - t)
    assert output_delta("mse", "identity", u, u, t, 0.5) == pytest.approx(2 * 0.5 * (u - t))


def test_mse_gradient_vanishes_where_ce_does_not():
    u = np.array([[-50.0]])
    t = np.array([[1.0]])
    y = activate("logistic", u)
    assert abs(output_delta("mse", "logistic", u, y, t, 0.5)[0, 0]) < 1e-20
    assert output_delta("bce", "logistic", u, y, t, 1.0)[0, 0] == pytest.approx(-1.0)


def test_cross_entropy_is_exact_far_in_the_tails():
    u = np.array([[-800.0]])
    assert sample_losses("bce", "logistic", u, activate("logistic", u), np.array([[1.0]]))[0] == pytest.approx(800.0)


# -- O12, O13 chains ---------------------------------------------------------------------------------
def _chain_deltas(w: float, biases: list[float], x: float) -> list[float]:
    """delta[1..5] of a 5-layer chain of one logistic unit per layer (lecture 12, example 12.1)."""
    from nnlab.core.backprop.mlp_model import make_net

    net = make_net(MLPParams(dataset="sin", layers=(1, 1, 1, 1, 1, 1), output="logistic", loss="mse"))
    lay = net.layout
    theta = np.zeros(lay.size)
    for l in range(5):
        lay.view(theta, f"W{l}")[...] = w
        lay.view(theta, f"b{l + 1}")[...] = biases[l]
    bp = BatchPass(net, theta, np.array([[x]]), np.array([[1.0]]), {})
    for op in plan(net):
        if op.kind == "update":
            break
        bp.run(op, None, None)
    return [float(d[0, 0]) for d in bp.delta[1:]]


def test_exploding_chain_multiplies_by_16():
    d = _chain_deltas(8.0, [-4.0] * 5, 0.5)
    assert d[0] == pytest.approx(16.0 * d[4], rel=1e-12)
    for lower, upper in zip(d[:-1], d[1:]):
        assert lower == pytest.approx(2.0 * upper, rel=1e-12)


def test_vanishing_chain_quarters_every_layer():
    d = _chain_deltas(1.0, [0.0, -0.5, -0.5, -0.5, -0.5], 0.0)
    for lower, upper in zip(d[:-1], d[1:]):
        assert lower == pytest.approx(0.25 * upper, rel=1e-12)
    assert d[0] == pytest.approx(d[4] / 256, rel=1e-12)
    d = _chain_deltas(1.0, [0.0] * 5, 0.0)
    for lower, upper in zip(d[:-1], d[1:]):
        assert abs(lower) <= 0.25 * abs(upper) * (1 + 1e-12)


# -- O14 L2 decay ------------------------------------------------------------------------------------
def test_pure_l2_decay_is_geometric():
    from nnlab.core.backprop.optimizers import update

    theta = np.array([1.0, -2.0])
    m = np.zeros(2)
    lam, kappa = 0.1, 0.5
    for n in range(1, 6):
        update("sgd", False, theta, 2 * lam * theta, m, m.copy(), n, kappa, 0.9, 0.999, 1e-8)
    assert theta == pytest.approx(np.array([1.0, -2.0]) * (1 - 2 * kappa * lam) ** 5)


# -- O15 and the optimisers' first steps by hand -----------------------------------------------------
def test_convex_momentum_tends_to_the_gradient():
    from nnlab.core.backprop.optimizers import update

    g = np.array([0.3])
    theta, m, a = np.zeros(1), np.zeros(1), np.zeros(1)
    beta = 0.9
    for n in range(1, 20):
        update("momentum", True, theta, g, m, a, n, 0.1, beta, 0.999, 1e-8)
        assert m[0] == pytest.approx((1 - beta ** n) * 0.3)


FIRST_STEPS = {
    "sgd": lambda g, k: -k * g,
    "momentum": lambda g, k: -k * g,
    "nesterov": lambda g, k: -k * g * (1 + 0.9),
    "adagrad": lambda g, k: -k * g / (np.abs(g) + 1e-8),
    "rmsprop": lambda g, k: -k * g / (np.sqrt(0.001) * np.abs(g) + 1e-8),
    "adam": lambda g, k: -k * g / (np.abs(g) + 1e-8),
}


@pytest.mark.parametrize("opt", sorted(FIRST_STEPS))
def test_first_update_of_every_optimiser_by_hand(opt):
    m = model(dataset="xor", layers=(2, 3, 1), optimizer=opt, lr=0.05, beta2=0.999 if opt == "adam" else 0.999)
    before = m.theta.copy()
    g = m.gradient(m.train.x, m.train.y)
    m.step(2)  # one full batch (full-batch GD, no shuffle effect on the gradient)
    expected = FIRST_STEPS[opt](g, 0.05)
    assert m.theta - before == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_adam_first_step_is_about_lr_times_sign():
    m = model(dataset="xor", layers=(2, 3, 1), optimizer="adam", lr=1e-3)
    before = m.theta.copy()
    g = m.gradient(m.train.x, m.train.y)
    m.step(2)
    big = np.abs(g) > 1e-4
    assert np.abs(m.theta - before)[big] == pytest.approx(1e-3, rel=1e-3)


# -- O16 dropout ---------------------------------------------------------------------------------------
def test_inverted_dropout_keeps_the_mean_and_zeroes_dropped_rows():
    m = model(dataset="moons", layers=(2, 8, 1), dropout=0.5, batch_size=1, n_samples=50)
    m._begin_epoch()
    masks = [m._masks(slice(i, i + 1))[1] for i in range(50)]
    assert np.mean(masks) == pytest.approx(1.0, abs=3 / np.sqrt(400))
    for _ in range(len(m.ops)):
        if m.ops[m.op_index if m.bp else 0].kind == "grad" and m.bp is not None and m.ops[m.op_index].layer == 1:
            break
        m.step(0)
    m.step(0)
    mask = m.last_bp.masks[1][0] if m.bp is None else m.bp.masks[1][0]
    bp = m.bp or m.last_bp
    dW0 = m.net.layout.view(bp.grad, "W0")
    assert np.all(dW0[mask == 0] == 0.0)
    assert mask.min() == 0.0 and mask.max() == pytest.approx(2.0)


# -- O17 batch norm -------------------------------------------------------------------------------------
def test_batchnorm_output_mean_and_variance():
    m = model(dataset="moons", layers=(2, 6, 1), batchnorm=True, n_samples=64, activation="tanh")
    lay = m.net.layout
    lay.view(m.theta, "gamma1")[...] = 1.7
    lay.view(m.theta, "beta1")[...] = -0.3
    m._begin_batch()
    m.step(0)
    m.step(0)
    z = m.bp.z[1]
    u = m.bp.u[1]
    var = z.var(axis=0)
    assert u.mean(axis=0) == pytest.approx(np.full(6, -0.3))
    assert u.var(axis=0) == pytest.approx(1.7 ** 2 * var / (var + 1e-5))


def test_batchnorm_input_gradient_sums_to_zero():
    m = model(dataset="moons", layers=(2, 5, 1), batchnorm=True, n_samples=32)
    m.step(2)
    bp = m.last_bp
    assert np.abs(bp.delta[1].sum(axis=0)).max() < 1e-12


# -- O40 tied weights --------------------------------------------------------------------------------
def test_tied_autoencoder_stays_tied_and_learns():
    m = model(dataset="patterns8", layers=(8, 3, 8), tied=True, n_samples=5, lr=2.0, epochs=3000)
    first = m.hist["loss"][-1]
    m.advance(3000)
    W0 = m.net.layout.view(m.theta, "W0")
    assert np.array_equal(m.net.layout.weight(m.theta, 1), W0.T)
    assert "W1" not in m.net.layout.names
    assert m.hist["loss"][-1] < 0.2 * first


# -- the numba kernel and the BLAS path against the numpy operations (second implementations) -------
KERNEL_CASES = [
    dict(dataset="xor", layers=(2, 3, 1), optimizer=opt) for opt in ("sgd", "momentum", "nesterov", "adagrad",
                                                                     "rmsprop", "adam")
] + [
    dict(dataset="xor", layers=(2, 3, 1), optimizer="momentum", momentum_form="convex"),
    dict(dataset="xor", layers=(2, 3, 1), optimizer="nesterov", momentum_form="convex"),
    dict(dataset="blobs", layers=(2, 6, 3), output="softmax", loss="cce", batch_size=7, activation="relu",
         n_samples=40, weight_decay=0.01),
    dict(dataset="blobs", layers=(2, 6, 3), output="softmax", loss="mse", batch_size=5, n_samples=30,
         weight_decay=0.01, penalty="l1"),
    dict(dataset="sin", layers=(1, 8, 1), output="identity", loss="mse", batch_size=4, reduction="sum", lr=0.01,
         n_samples=30, activation="tanh"),
    dict(dataset="moons", layers=(2, 7, 5, 1), dropout=0.3, batch_size=8, n_samples=40),
]


@pytest.mark.parametrize("path", ["kernel", "blas"])
@pytest.mark.parametrize("kw", KERNEL_CASES, ids=lambda kw: "-".join(f"{v}" for v in kw.values()))
def test_whole_epochs_match_the_stepped_operations(kw, path, monkeypatch):
    """The numba kernel and the BLAS path (second implementations) against the per-operation engine."""
    if path == "blas":
        monkeypatch.setattr("nnlab.core.backprop.mlp_model.KERNEL_MAX_WEIGHTS", 0)
    a = model(**kw)
    b = model(**kw)
    assert a.uses_kernel() == (path == "kernel")
    for _ in range(3):
        a.advance(1)
        while b.epoch == a.epoch - 1:
            b.step(2)
    assert b.theta == pytest.approx(a.theta, rel=1e-10, abs=1e-12)
    assert b.hist["loss"] == pytest.approx(a.hist["loss"], rel=1e-10)
    assert np.array(b.batch_loss) == pytest.approx(np.array(a.batch_loss), rel=1e-10)


@pytest.mark.parametrize("kw", KERNEL_CASES[:1] + KERNEL_CASES[8:], ids=lambda kw: "-".join(f"{v}" for v in kw.values()))
def test_float32_epochs_follow_float64_to_single_precision(kw):
    a = model(**kw)
    b = model(**kw, precision="float32")
    assert not b.uses_kernel()
    a.advance(3)
    b.advance(3)
    assert b.theta.dtype == np.float64
    assert b.theta == pytest.approx(a.theta, rel=1e-4, abs=1e-5)
    assert not np.array_equal(a.theta, b.theta)


def test_float32_with_batchnorm_is_refused():
    with pytest.raises(ParamError, match="precision"):
        MLPParams(batchnorm=True, precision="float32", layers=(2, 3, 1)).check()


# -- stepping and rewinding ----------------------------------------------------------------------------
def test_every_operation_of_a_batch_in_order():
    m = model(dataset="xor", layers=(2, 2, 1), batch_size=1)
    kinds = []
    while m.batch == 0 and m.epoch == 0:
        m.step(0)
        kinds.append(m.last_op.kind)
    assert kinds == ["affine", "act", "affine", "act", "loss", "delta", "grad", "back", "grad", "update", "update",
                     "update", "update"]


def test_layer_steps_group_operations():
    m = model(dataset="xor", layers=(2, 3, 1), batch_size=1)
    m.step(1)
    assert m.stage.startswith("h[1]")
    m.step(1)
    m.step(1)
    assert m.last_op.kind == "delta"


def test_step_back_reproduces_the_same_numbers():
    m = model(dataset="moons", layers=(2, 4, 1), dropout=0.4, batch_size=5, n_samples=30)
    snaps = []
    for _ in range(17):
        snaps.append(m.snapshot())
        m.step(0)
    after = (m.theta.copy(), m.bp.E if m.bp else None)
    m.restore(snaps[5])
    for _ in range(12):
        m.step(0)
    assert np.array_equal(m.theta, after[0])
    m.restore(snaps[0])
    m.advance(2)
    m2 = model(dataset="moons", layers=(2, 4, 1), dropout=0.4, batch_size=5, n_samples=30)
    m2.advance(2)
    assert m.theta == pytest.approx(m2.theta, rel=1e-12)


def test_sample_1_is_one_sample_before_and_after_the_first_operation():
    """The first screen shows the sample the first batch starts with (its order read ahead), not row 0."""
    sc = load("backprop_xor")
    m = MLPModel(sc.params, sc.seed)

    def sample_1(frame):
        return dict((r[0], r[1:]) for r in frame.values)["sample 1"]

    before = m.frame()
    first = m.first_sample()
    assert m.order is None and not np.array_equal(m.train.x[first], m.train.x[0])
    after = m.step(0)
    assert first == int(m.batch_idx[0])
    assert np.array_equal(before.data["act"][0], after.data["act"][0])
    assert np.array_equal(after.data["act"][0], m.train.x[first])
    assert sample_1(before)[0] == sample_1(after)[0]
    assert sample_1(before)[1] == "first of the next batch" and sample_1(after)[1] == "first of this batch"
    assert "sample 1" in lines_text(after.equation)[0]
    assert m.step(3).data["act"][0] == pytest.approx(m.train.x[m.first_sample()])
    following = m.first_sample()
    m.step(0)
    assert int(m.batch_idx[0]) == following


def test_divergence_pauses_with_a_message():
    m = model(dataset="sin", layers=(1, 20, 1), output="identity", loss="mse", activation="relu", lr=50.0,
              n_samples=50, init="normal", init_scale=3.0)
    done = m.advance(200)
    assert done < 200
    assert "learning rate" in m.blowup and "too large" in m.blowup
    assert np.isfinite(m.theta).all()


# -- learning outcomes -----------------------------------------------------------------------------------
def test_xor_is_learnt_by_a_hidden_layer():
    m = model(dataset="xor", layers=(2, 3, 1), lr=2.0, seed=0)
    m.advance(3000)
    assert m.metrics()["train_acc"] == 1.0


def test_digits_reach_95_percent_on_the_test_set():
    m = model(dataset="digits", layers=(64, 32, 10), activation="relu", output="softmax", loss="cce",
              init="he", batch_size=32, lr=0.1, test_fraction=0.25, optimizer="momentum", momentum=0.9, seed=1)
    m.advance(30)
    assert m.metrics()["test_acc"] >= 0.95


# -- bad input ----------------------------------------------------------------------------------------------
def test_impossible_shapes_are_one_line_errors(tmp_path):
    with pytest.raises(ParamError, match="layers"):
        MLPParams(layers=(2, 0, 1))
    with pytest.raises(ParamError, match="2 input units for dataset xor"):
        MLPParams(layers=(3, 2, 1))
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((10, 3)), y=np.zeros(10, dtype=int) + np.arange(10) % 2)
    with pytest.raises(ShapeError, match="3 input columns, but layers starts with 2"):
        MLPModel(MLPParams(dataset="file", data_file=str(path), layers=(2, 2, 1)))
