"""The RNN lab's core against independent results (issue 17; lectures 21, 22 and 25, the EE147 notes and the
CS 479 cheat sheet): BPTT against central differences (oracle O28), tau = 1 against the backprop lab's
feed-forward backprop, the LSTM's held cell state (oracle O29), minGRU's scan against its loop, the parameter
counts, the GRU's conventions, truncation, clipping, snapshots, the stepping ladder, bad input, blow-ups and
every bundled scenario headless. No Textual."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from nnlab.cli import main
from nnlab.core.backprop.mlp_model import MLPModel
from nnlab.core.backprop.params import MLPParams
from nnlab.core.data.dataset import DataError
from nnlab.core.equation import lines_text
from nnlab.core.knobs import ParamError
from nnlab.core.registry import LABS
from nnlab.core.rnn import kernels as K
from nnlab.core.rnn.gradcheck import grad_check
from nnlab.core.rnn.network import Layout, count_text
from nnlab.core.rnn.params import RNNParams
from nnlab.core.rnn.seq_model import RNNModel
from nnlab.scenario import ScenarioError, load
from nnlab.scenario.bundled import bundled_names

SMALL = dict(hidden=3, seq_len=6, n_sequences=4)


def model(seed: int = 0, **kw) -> RNNModel:
    return RNNModel(RNNParams(**{**SMALL, **kw}), seed)


def sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def passes(m: RNNModel, rows: np.ndarray | None = None, flat: np.ndarray | None = None):
    """A fresh batch of `rows` (default: every sequence) through forward, loss and BPTT at `flat`."""
    bt = m._batch(np.arange(m.data.n) if rows is None else rows)
    flat = m.theta if flat is None else flat
    m._forward(bt, 0, m.T, flat)
    m._loss(bt)
    m._backward(bt, m.T, 0, flat)
    return bt


# -- O28: BPTT = central finite differences, every cell --------------------------------------------------------
O28_CASES = [
    dict(cell="rnn", activation="tanh", task="random", inputs=2),
    dict(cell="rnn", activation="logistic", task="random", inputs=2, output="logistic"),
    dict(cell="rnn", activation="relu", task="random", inputs=2, output="tanh"),
    dict(cell="rnn", activation="identity", task="scalar_memory", loss_at="last"),
    dict(cell="rnn", activation="tanh", task="long_lag", lag=3),
    dict(cell="rnn", activation="logistic", task="hello", seq_len=4),
    dict(cell="rnn", activation="relu", task="text", text="abracadabra, alakazam"),
    dict(cell="rnn", activation="identity", task="long_lag", lag=5, loss_at="last"),
    dict(cell="lstm", task="random", inputs=2, forget_bias=1.0),
    dict(cell="lstm", task="long_lag", lag=4),
    dict(cell="lstm", task="adding", loss_at="last", output="tanh"),
    dict(cell="gru", gru_form="reset_before", task="sine", loss_at="last"),
    dict(cell="gru", gru_form="reset_before", task="long_lag", lag=3),
    dict(cell="gru", gru_form="reset_after", task="random", inputs=2, output="logistic"),
    dict(cell="gru", gru_form="reset_after", task="hello", seq_len=4),
    dict(cell="mingru", task="adding"),
    dict(cell="mingru", task="long_lag", lag=4),
    dict(cell="mingru", task="random", inputs=3, loss_at="last"),
]


def _id(kw: dict) -> str:
    return "-".join(str(v) for k, v in kw.items() if k in ("cell", "gru_form", "activation", "task", "output",
                                                            "loss_at"))


@pytest.mark.parametrize("kw", O28_CASES, ids=_id)
def test_o28_bptt_equals_central_differences(kw):
    """O28 (lecture 21's BPTT; lecture 22 / the EE notes for the gated cells): every entry of dE/dtheta by BPTT
    equals central differences of E (perturb `model.theta`, call `model.energy`), and the lab's own
    `grad_check` agrees. The alpha masks (long_lag, loss_at = last, adding) zero the loss of the other steps."""
    m = model(seed=5, **kw)
    rng = np.random.default_rng(1)
    m.theta = m.theta + 0.3 * rng.standard_normal(m.theta.size)  # away from the symmetric start
    bt = m._batch(np.arange(m.data.n))
    analytic = m.gradient(bt)
    h = 1e-6
    num = np.empty_like(analytic)
    for i in range(m.theta.size):
        th = m.theta.copy()
        th[i] += h
        up = m.energy(bt, th)
        th[i] -= 2 * h
        num[i] = (up - m.energy(bt, th)) / (2 * h)
    scale = float(np.abs(analytic).max())
    assert scale > 1e-6
    assert np.abs(analytic - num).max() <= 1e-7 * scale, (m.lay.offsets(), np.abs(analytic - num).argmax())
    for name, v in m.tensors(analytic).items():
        if v.size and name != "b_hn":
            assert np.abs(v).max() > 0, f"{name}: a zero gradient checks nothing"
    rows = grad_check(m)
    assert {r.tensor for r in rows} == {n for n, v in m.tensors().items() if v.size}
    assert max(r.rel_err for r in rows) < 1e-6



@pytest.mark.parametrize("rho", [0.5, 1.0, 4.0, 8.0])
def test_o28_logistic_gradient_through_time_falls_by_rho_over_4(rho):
    """O28's bound (lecture 22; rnn_gradient_through_time): with logistic units (sigma' <= 1/4), W = rho Q (Q
    orthogonal, |W|_2 = rho) and the loss at the last step only, dE/dh_(t-1) = W^T (sigma' * dE/dh_t), so
    |dE/dh_(t-1)| <= (rho / 4) |dE/dh_t| at every step back."""
    m = model(seed=6, cell="rnn", activation="logistic", task="random", inputs=1, hidden=16, seq_len=30,
              n_sequences=2, loss_at="last", init="orthogonal", rho=rho)
    assert np.linalg.norm(m.tensors()["W"], 2) == pytest.approx(rho, rel=1e-12)
    norms = np.sqrt((passes(m).dhs ** 2).sum(axis=2))  # (T, B)
    assert np.all(norms > 0)
    ratio = norms[:-1] / norms[1:]
    assert np.all(ratio <= rho / 4 * (1 + 1e-12))
    assert ratio.max() > rho / 4 / 10  # not trivially below it


def test_o28_the_check_sees_a_wrong_gradient():
    """O28's check can fail: a truncated gradient (truncate = 1, loss at the last step) is not dE/dtheta, and
    central differences say so."""
    m = model(seed=2, cell="rnn", task="random", inputs=2, loss_at="last", truncate=1)
    bt = m._batch(np.arange(m.data.n))
    cut = m.gradient(bt)
    h = 1e-6
    w_off, w_shape = m.lay.offsets()["W"]
    i = w_off
    th = m.theta.copy()
    th[i] += h
    up = m.energy(bt, th)
    th[i] -= 2 * h
    num = (up - m.energy(bt, th)) / (2 * h)
    assert abs(num - cut[i]) > 1e-4 * max(abs(num), 1e-3)
    assert max(r.rel_err for r in grad_check(m)) < 1e-6  # grad_check turns truncation off


# -- tau = 1 is the backprop lab's feed-forward backprop -------------------------------------------------------
@pytest.mark.parametrize("act,out", [("tanh", "identity"), ("logistic", "logistic"), ("relu", "tanh"),
                                     ("identity", "identity"), ("tanh", "softmax"), ("logistic", "softmax")])
def test_tau_1_is_feed_forward_backprop(act, out, tmp_path):
    """Lecture 21: unrolled over one step with h_0 = 0 the RNN is the two-layer network of lectures 8-14. Its BPTT
    gradient equals MLPModel.gradient with the same weights (U -> W0, b -> b1, V -> W1, c -> b2), both with the
    mean over the batch and C = |y - t|^2 (MLP 'mse') or the cross-entropy; dE/dW = 0 exactly."""
    H = 4
    if out == "softmax":
        rng = np.random.default_rng(3)
        path = tmp_path / "classes.npz"
        np.savez(path, x=rng.standard_normal((6, 1, 2)), target=np.array([[0], [1], [2], [2], [1], [0]]))
        rp = RNNParams(task="file", data_file=str(path), seq_len=1, hidden=H, activation=act, output="softmax")
        mp = MLPParams(dataset="blobs", layers=(2, H, 3), activation=act, output="softmax", loss="cce")
    else:
        rp = RNNParams(task="random", inputs=2, n_sequences=6, seq_len=1, hidden=H, activation=act, output=out)
        mp = MLPParams(dataset="xor", layers=(2, H, 1), activation=act, output=out, loss="mse")
    r = RNNModel(rp, 1)
    assert r.T == 1
    r.theta = r.theta + np.random.default_rng(4).normal(0, 0.5, r.theta.size)
    m = MLPModel(mp, 2)
    v = r.tensors()
    lay = m.net.layout
    for ours, theirs in (("U", "W0"), ("b", "b1"), ("V", "W1"), ("c", "b2")):
        lay.view(m.theta, theirs)[...] = v[ours]
    g = r.tensors(r.gradient(r._batch(np.arange(r.data.n))))
    gm = m.gradient(np.ascontiguousarray(r.data.x[:, 0]), np.ascontiguousarray(r.data.target[:, 0]))
    assert np.all(g["W"] == 0.0)
    for ours, theirs in (("U", "W0"), ("b", "b1"), ("V", "W1"), ("c", "b2")):
        want = lay.view(gm, theirs)
        assert np.abs(want).max() > 1e-6
        np.testing.assert_allclose(g[ours], want, rtol=0, atol=1e-12, err_msg=ours)


# -- O29: the LSTM holds its cell state -------------------------------------------------------------------------
def _held_cell(bf: float, bi: float) -> tuple[np.ndarray, np.ndarray]:
    """c_0 and c_20 of an LSTM whose forget and input gates see nothing (their rows of W and U zero) and have the
    biases bf, bi. c_0 (uniform in [-1, 1]) is written into the Batch's cs[0] before `kernels.forward` runs the
    20 steps directly (the model itself always starts from c_0 = 0). The candidate and output rows are large so
    that c~ = tanh(.) saturates near +-1, the worst case for the input gate's leak."""
    m = model(seed=7, cell="lstm", task="random", inputs=2, hidden=4, seq_len=20, n_sequences=5)
    H = m.lay.H
    v = m.tensors()
    v["W"][:] *= 4.0
    v["U"][:] *= 4.0
    for blk in (v["W"], v["U"]):
        blk[:2 * H] = 0.0  # f and i rows
    v["b"][:H], v["b"][H:2 * H] = bf, bi
    bt = m._batch(np.arange(m.data.n))
    bt.xs[...] *= 3.0
    c0 = np.random.default_rng(0).uniform(-1, 1, bt.cs[0].shape)
    c0[0, :2] = (-1.0, 1.0)
    bt.cs[0] = c0
    w = m._kernel_args(bt, m.theta)
    K.forward(K.CELLS.index("lstm"), False, 0, 0, 0, m.T, bt.xs, bt.hs, bt.cs, bt.pre, bt.gates, bt.aux, bt.zo,
              bt.ys, w["Wh"], w["Ux"], w["bias"], w["bhn"], w["V"], w["c"])
    assert np.abs(bt.gates[:, :, 2 * H:3 * H]).max() > 0.99  # c~ saturated somewhere
    return c0, bt.cs[20]


def test_o29_lstm_with_open_forget_and_closed_input_gate_keeps_c():
    """O29 (lecture 22): W_f = W_i = 0, b_f = +15, b_i = -15 -> f = logistic(15), i = logistic(-15), so
    |c_20 - c_0| <= (1 - f^20) |c_0| + 20 i <= 1.3e-5 for |c_0| <= 1. With b_f = 5, b_i = -5 it is not held."""
    c0, c20 = _held_cell(15.0, -15.0)
    assert np.abs(c20 - c0).max() <= 1.3e-5
    assert np.abs(c20 - c0).max() > 0  # it does move (by the leak), so the kernel ran
    c0, c20 = _held_cell(5.0, -5.0)
    assert np.abs(c20 - c0).max() > 1e-3


# -- minGRU: the parallel scan equals the loop ------------------------------------------------------------------
@pytest.mark.parametrize("T", [1, 2, 3, 7, 16, 33])
def test_mingru_scan_equals_the_sequential_loop(T):
    """The cheat sheet's minGRU: h_t = (1 - z) h_(t-1) + z h~ is h_t = a_t h_(t-1) + b_t, so a Hillis-Steele scan
    (ceil(log2 T) rounds) gives every h_t; equal to the kernel's loop to 1e-12, from h_0 = 0 and from h_0 != 0."""
    m = model(seed=T, cell="mingru", task="random", inputs=2, hidden=3, seq_len=T, n_sequences=3)
    H = m.lay.H
    for h0 in (np.zeros((3, H)), np.random.default_rng(T).normal(size=(3, H))):
        bt = m._batch(np.arange(3))
        bt.hs[0] = h0
        m._forward(bt, 0, T, m.theta)
        z, n = bt.gates[:, :, :H], bt.gates[:, :, H:]
        rounds = int(np.ceil(np.log2(T))) if T > 1 else 0
        levels = np.zeros((rounds + 1, T, 3, H))
        hs = K.scan(np.ascontiguousarray(1.0 - z), np.ascontiguousarray(z * n), h0, levels)
        np.testing.assert_allclose(hs, bt.hs, rtol=0, atol=1e-12)
        assert np.abs(bt.hs[1:]).max() > 0.01
        np.testing.assert_allclose(levels[-1], hs[1:] - np.cumprod(1.0 - z, axis=0) * h0, atol=1e-12)


# -- parameter counts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("H,X", [(1, 1), (8, 1), (20, 22), (64, 30)])
def test_parameter_counts(H, X):
    """Lecture 25 and the EE notes: LSTM 4x the vanilla cell H (H + X) + H, GRU 3x (+ H for reset_after's b_hn),
    minGRU 2 H (X + 1)."""
    vanilla = H * (H + X) + H
    assert Layout("rnn", H, X, 2).cell_count() == vanilla
    assert Layout("lstm", H, X, 2).cell_count() == 4 * vanilla
    assert Layout("gru", H, X, 2).cell_count() == 3 * vanilla
    assert Layout("gru", H, X, 2, reset_after=True).cell_count() == 3 * vanilla + H
    assert Layout("mingru", H, X, 2).cell_count() == 2 * H * (X + 1)
    for cell in ("rnn", "lstm", "gru", "mingru"):
        lay = Layout(cell, H, X, 2)
        assert lay.size == lay.cell_count() + 2 * H + 2
        assert f"{lay.cell_count():,}" in count_text(lay)


def test_keras_simple_rnn_example_has_860_parameters():
    """The EE notes' Keras example: SimpleRNN(20) on 22 inputs has 20 (22 + 20 + 1) = 860 parameters."""
    assert Layout("rnn", 20, 22, 1).cell_count() == 860
    assert "860" in count_text(Layout("rnn", 20, 22, 1))


# -- GRU conventions --------------------------------------------------------------------------------------------
def _cheat_sheet_gru(v: dict, xs: np.ndarray, after: bool, flip: bool = True) -> np.ndarray:
    """The cheat sheet's GRU in numpy: h = g h~ + (1 - g) h_prev with g = 1 - z (flip = False: g = z, wrong)."""
    H = v["W"].shape[1]
    W, U, b = v["W"], v["U"], v["b"]
    h = np.zeros((xs.shape[1], H))
    out = [h]
    for x in xs:
        r = sig(h @ W[:H].T + x @ U[:H].T + b[:H])
        z = sig(h @ W[H:2 * H].T + x @ U[H:2 * H].T + b[H:2 * H])
        if after:
            n = np.tanh(x @ U[2 * H:].T + b[2 * H:] + r * (h @ W[2 * H:].T + v["b_hn"]))
        else:
            n = np.tanh((r * h) @ W[2 * H:].T + x @ U[2 * H:].T + b[2 * H:])
        g = 1.0 - z if flip else z
        h = g * n + (1.0 - g) * h
        out.append(h)
    return np.array(out)


@pytest.mark.parametrize("form", ["reset_before", "reset_after"])
def test_gru_update_gate_conventions_give_the_same_trajectory(form):
    """X25 (EE notes against the cheat sheet): the lab's h = (1 - z) h~ + z h_prev is the cheat sheet's
    h = g h~ + (1 - g) h_prev with g = 1 - z: the same trajectory, from a numpy reference using the model's
    weights, in both reset forms (the notes' before W_n, PyTorch's after). g = z instead gives another one."""
    m = model(seed=3, cell="gru", gru_form=form, task="random", inputs=2, hidden=4, seq_len=7)
    bt = passes(m)
    ref = _cheat_sheet_gru(m.tensors(), bt.xs, form == "reset_after")
    np.testing.assert_allclose(bt.hs, ref, rtol=0, atol=1e-12)
    assert np.abs(_cheat_sheet_gru(m.tensors(), bt.xs, form == "reset_after", flip=False) - bt.hs).max() > 1e-3


# -- truncation and clipping ------------------------------------------------------------------------------------
def test_truncated_bptt_stops_the_error_p_steps_back():
    """EE notes' remedy: with truncate = p the carried dE/dh is cut at every multiple of p. A loss at the last
    step only (T = 12, p = 4) reaches no h_t or x_t before t = 8: dhs and the deltas there are exactly 0, and
    the gradient equals full BPTT over the chunk [8, 12) started from the detached h_8 (as h.detach())."""
    m = model(seed=4, cell="rnn", task="random", inputs=2, seq_len=12, loss_at="last", truncate=4)
    bt = passes(m)
    assert np.all(bt.dhs[:8] == 0.0) and np.all(bt.da[:8] == 0.0)
    assert np.all(np.abs(bt.dhs[8:]).max(axis=(1, 2)) > 0)
    full = dataclasses.replace(m.params, truncate=0)
    chunk = m._batch(np.arange(m.data.n))
    for name in ("xs", "target", "alpha"):
        setattr(chunk, name, np.ascontiguousarray(getattr(chunk, name)[8:]))
    sub = RNNModel.__new__(RNNModel)
    sub.__dict__.update(m.__dict__)
    sub.params = full
    sub.data = dataclasses.replace(m.data, x=m.data.x[:, 8:], target=m.data.target[:, 8:], alpha=m.data.alpha[:, 8:])
    cb = sub._batch(np.arange(m.data.n))
    cb.hs[0] = bt.hs[8]
    sub._forward(cb, 0, 4, m.theta)
    sub._loss(cb)
    sub._backward(cb, 4, 0, m.theta)
    np.testing.assert_allclose(cb.hs, bt.hs[8:], rtol=0, atol=1e-14)
    np.testing.assert_allclose(bt.grad, cb.grad, rtol=0, atol=1e-13)
    m_full = RNNModel.__new__(RNNModel)
    m_full.__dict__.update(m.__dict__)
    m_full.params = full
    assert np.abs(passes(m_full).grad - bt.grad).max() > 1e-6  # truncation did change the gradient


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_truncate_at_least_tau_is_full_bptt(cell):
    """truncate >= T cuts only after the last step back: the gradient is full BPTT's, bit for bit."""
    grads = []
    for p in (0, 6, 9):
        m = model(seed=8, cell=cell, task="sine", seq_len=6, truncate=p)
        grads.append(passes(m).grad)
    assert np.array_equal(grads[0], grads[1]) and np.array_equal(grads[0], grads[2])
    m = model(seed=8, cell=cell, task="sine", seq_len=6, truncate=2)
    assert not np.allclose(passes(m).grad, grads[0], rtol=0, atol=1e-9)


def test_clipping_rescales_the_whole_gradient():
    """EE notes: g <- g clip/|g| when |g| > clip; with SGD the update is theta - lr g clip/|g| (g computed
    here from scratch at the weights before the step). Below the threshold the update is plain SGD."""
    for clip, clipped in ((0.05, True), (1e6, False)):
        m = model(seed=6, cell="rnn", task="sine", seq_len=10, init="orthogonal", rho=2.0, clip=clip,
                  optimizer="sgd", lr=0.1, batch_size=2)
        before = m.theta.copy()
        m.step(2)
        assert m.updates == 1
        g = m.gradient(m.last, before)
        norm = float(np.sqrt((g * g).sum()))
        assert (norm > clip) == clipped
        want = before - 0.1 * g * (clip / norm if clipped else 1.0)
        np.testing.assert_allclose(m.theta, want, rtol=0, atol=1e-12)


# -- snapshots and the stepping ladder --------------------------------------------------------------------------
def _picture(m: RNNModel) -> tuple:
    f = m.frame()
    return m.theta.copy(), lines_text(f.equation), f.values, f.stage


def _same(a: tuple, b: tuple) -> None:
    assert np.array_equal(a[0], b[0])
    assert a[1:] == b[1:]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "mingru"])
def test_snapshot_restore_then_stepping_is_bit_identical(cell):
    """Issue 17: step gates, snapshot, k more gates (across the loss, BPTT and an update), restore, the same k
    again: identical weights, equation text and inspector rows at every step. `b` (restore the snapshot taken
    before a step) gives back the frame before it."""
    m = model(seed=9, cell=cell, task="sine", seq_len=3, batch_size=2, optimizer="adam")
    for _ in range(10):
        m.step(0)
    snap = m.snapshot()
    first = []
    for _ in range(40):
        m.step(0)
        first.append(_picture(m))
    assert m.updates >= 1 and not np.array_equal(first[0][0], first[-1][0])
    m.restore(snap)
    for want in first:
        m.step(0)
        _same(_picture(m), want)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_step_back_gives_back_the_frame_before_the_step(cell):
    """Issue 17: `b` restores the snapshot taken before a step (the UI's history); at every level of the ladder
    the weights, the equation pane's text and the inspector rows are those before the step."""
    m = model(seed=9, cell=cell, task="sine", seq_len=3, batch_size=2, optimizer="adam")
    for _ in range(50):
        m.step(0)
    for level in range(4):
        before = _picture(m)
        s = m.snapshot()
        m.step(level)
        m.restore(s)
        _same(_picture(m), before)
        m.step(level)


@pytest.mark.parametrize("cell,batch_size", [("rnn", 0), ("lstm", 0), ("gru", 2), ("mingru", 2)])
def test_every_way_of_stepping_reaches_the_same_weights(cell, batch_size):
    """Issue 17's ladder: one epoch by gates, by time steps, by sequences and as one epoch gives the same
    weights (to 1e-12) from the same seed."""
    kw = dict(seed=11, cell=cell, task="sine", seq_len=5, n_sequences=4, batch_size=batch_size, optimizer="adam",
              lr=0.05, gru_form="reset_after")
    out = []
    for level in range(4):
        m = model(**kw)
        while m.epoch < 1:
            m.step(level)
        out.append(m.theta.copy())
        assert m.updates == (1 if batch_size == 0 else 2)
    start = model(**kw).theta
    assert np.abs(out[0] - start).max() > 1e-4
    for theta in out[1:]:
        np.testing.assert_allclose(theta, out[0], rtol=0, atol=1e-12)


# -- bad input and blow-ups -------------------------------------------------------------------------------------
def _one_line(exc: BaseException, *names: str) -> None:
    text = str(exc)
    assert "\n" not in text.strip()
    for n in names:
        assert n in text


def test_zero_length_sequence_and_a_lag_past_the_end_name_their_keys(tmp_path):
    """Issue 17's bad input: seq_len = 0 and lag >= seq_len are one line naming the key, from RNNParams and
    from a scenario file."""
    with pytest.raises(ParamError) as e:
        RNNParams(seq_len=0)
    _one_line(e.value, "seq_len")
    with pytest.raises(ParamError) as e:
        RNNParams(task="long_lag", lag=8, seq_len=8)
    _one_line(e.value, "lag")
    RNNParams(task="long_lag", lag=7, seq_len=8)
    path = tmp_path / "bad.toml"
    for line, key in (("seq_len = 0", "seq_len"), ("task = \"long_lag\"\nlag = 9\nseq_len = 5", "lag")):
        path.write_text(f'schema = 1\nlab = "rnn"\ntitle = "t"\n[params]\n{line}\n')
        with pytest.raises(ScenarioError) as e:
            load(str(path))
        assert key in str(e.value) and str(path) in str(e.value)


def _build(**kw) -> RNNModel:
    return LABS["rnn"].build_model(RNNParams(**kw), 0, None)


def test_bad_data_files_are_one_line_naming_the_file(tmp_path):
    """A .npz of the wrong width (inputs = 3, x has 2 columns), a .csv with too few rows, a missing file, a
    softmax on real targets: one DataError line naming the file (and what it expected)."""
    npz = tmp_path / "two.npz"
    np.savez(npz, x=np.zeros((4, 6, 2)))
    with pytest.raises(DataError) as e:
        _build(task="file", data_file=str(npz), inputs=3, seq_len=5)
    _one_line(e.value, "two.npz", "3")
    _build(task="file", data_file=str(npz), inputs=2, seq_len=5)
    csv = tmp_path / "short.csv"
    csv.write_text("v\n1\n2\n3\n")
    with pytest.raises(DataError) as e:
        _build(task="file", data_file=str(csv), seq_len=5)
    _one_line(e.value, "short.csv", "6")
    with pytest.raises(DataError) as e:
        _build(task="file", data_file=str(tmp_path / "nowhere.npz"))
    _one_line(e.value, "nowhere.npz")
    reals = tmp_path / "reals.npz"
    np.savez(reals, x=np.zeros((4, 6)), target=np.ones((4, 6)))
    with pytest.raises(DataError) as e:
        _build(task="file", data_file=str(reals), output="softmax", seq_len=6)
    _one_line(e.value, "reals.npz")


def test_a_blowup_pauses_at_the_last_good_state_naming_the_causes():
    """Issue 17: W = 8 Q (orthogonal), lr = 50, SGD, no clipping on the sine task: the loss or a state becomes
    non-finite; the model stops with `blowup` naming lr, rho and clipping, at the weights before the failing
    step (all finite), and steps no further."""
    m = model(seed=1, cell="rnn", task="sine", seq_len=20, n_sequences=8, init="orthogonal", rho=8.0, lr=50.0,
              optimizer="sgd", clip=0.0, batch_size=2, hidden=8)
    with np.errstate(over="ignore"):  # the last good batch holds finite deltas near 1e277
        for _ in range(50):
            good = m.theta.copy()
            m.step(3)
            if m.blowup:
                break
    assert m.blowup, "no blow-up"
    _one_line(m.blowup, "lr", "rho", "clip")
    assert np.isfinite(m.theta).all() and np.array_equal(m.theta, good)
    with np.errstate(over="ignore"):
        m.step(3)
        assert np.array_equal(m.theta, good)
        assert np.isfinite(m.frame().data["loss"]).all()


def m_rows(cell: str) -> int:
    return {"rnn": 1, "lstm": 4, "gru": 3}[cell]


# -- every bundled scenario headless ----------------------------------------------------------------------------
RNN_SCENARIOS = [n for n in bundled_names() if load(n).lab == "rnn"]


def test_the_issue_names_its_scenarios():
    want = {"rnn_even_numbers", "rnn_powers_of_two", "rnn_hello", "rnn_scalar_memory", "rnn_sine",
            "rnn_gradient_through_time", "rnn_truncated_bptt", "rnn_gradient_clipping", "lstm_gate_viewer",
            "lstm_hold_memory", "lstm_vs_rnn_long_lag", "gru_conventions", "mingru_scan", "rnn_text"}
    assert want <= set(RNN_SCENARIOS)


@pytest.mark.parametrize("name", RNN_SCENARIOS)
def test_every_rnn_scenario_runs_headless_and_writes_the_arrays(name, tmp_path, capsys):
    """`nnlab run NAME --json --steps 2 --out F.npz`: exit 0, a finite final_loss, and the arrays the issue names
    (loss per epoch; x, y, target, h (T x H), c (T x H, LSTM), dh_norm (T), the gates (T x H) of the last
    sequence; the weights W, U, b, V and the output bias, written c_out beside the LSTM's c)."""
    out = tmp_path / "run.npz"
    assert main(["run", name, "--json", "--steps", "2", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["lab"] == "rnn" and result["blowup"] is None
    metrics = result["metrics"]
    assert metrics["epochs"] == 2 and np.isfinite(metrics["final_loss"])
    p = load(name).params
    data = np.load(out)
    T, H = p.seq_len, p.hidden
    assert data["loss"].shape == (3,) and np.isfinite(data["loss"]).all()
    for key in ("x", "y", "target"):
        assert data[key].shape[0] == T
    assert data["h"].shape == (T, H) and data["dh_norm"].shape == (T,)
    gates = {"rnn": (), "lstm": ("f", "i", "g", "o"), "gru": ("r", "z"), "mingru": ("z",)}[p.cell]
    for g in gates:
        assert data[f"gate_{g}"].shape == (T, H), g
    for w in ("U", "b", "V"):
        assert w in data
    if p.cell == "mingru":
        assert "W" not in data  # no recurrent weights (an empty W is not written)
    else:
        assert data["W"].shape == (m_rows(p.cell) * H, H)
    assert data["c_out"].shape == (data["y"].shape[1],)  # the output bias c (c is the LSTM's cell state)
    if p.cell == "lstm":
        assert data["c"].shape == (T, H) and np.isfinite(data["c"]).all()
    else:
        assert "c" not in data
    if p.task in ("hello", "text", "long_lag"):
        assert 0.0 <= metrics["train_acc"] <= 1.0


@pytest.mark.parametrize("name", ["rnn_hello", "rnn_sine", "lstm_gate_viewer", "gru_conventions", "mingru_scan"])
def test_grad_check_metric_in_the_json(name, capsys):
    """`grad_check = true`: the JSON metrics carry grad_check_max_rel_err (O28) below 1e-6."""
    argv = ["run", name, "--json", "--steps", "1", "--set", "params.grad_check=true"]
    if name == "gru_conventions":
        argv += ["--set", 'params.gru_form="reset_after"']
    assert main(argv) == 0
    err = json.loads(capsys.readouterr().out)["metrics"]["grad_check_max_rel_err"]
    assert 0 <= err < 1e-6


def test_the_gradient_norm_trace_is_finite_when_the_deltas_are():
    """The grad_norm view's |dE/dh_t| (lecture 22's vanishing/exploding picture) of large but finite deltas is
    finite: the norm of a finite vector never exceeds sqrt(H) times its largest entry."""
    m = model(seed=1, cell="rnn", task="sine", seq_len=5, optimizer="sgd", lr=1e-3)
    m.tensors()["V"][...] *= 1e100
    with np.errstate(over="ignore"):
        m.step(2)
        traces = m.traces()
    assert not m.blowup
    dh = traces["dh"]
    assert np.isfinite(dh).all() and np.abs(dh).max() > 1e160
    big = np.abs(dh).max(axis=1)
    want = big * np.sqrt(((dh / big[:, None]) ** 2).sum(axis=1))
    np.testing.assert_allclose(traces["dh_norm"], want, rtol=1e-12)
