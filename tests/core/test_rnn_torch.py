"""The RNN lab against PyTorch (issue 17; lectures 21, 22 and 25, the EE147 notes): the same weights in float64
give the same h_t (and c_t for the LSTM) at every step and the same gradient of every tensor as `nn.RNN` (tanh,
relu), `nn.LSTM` and `nn.GRU` (the reset_after form), to 1e-10. The loss is ours, computed in torch on the outputs
of a `nn.Linear` (V, c): E = (1/B) sum_b sum_t alpha_t C, with alpha masks read from the .npz's `mask`.

Mapping: weight_ih = our U, weight_hh = our W, with PyTorch's LSTM blocks i, f, g, o against our f, i, g, o;
PyTorch has two biases, b_ih + b_hh = our b (both get our db), and the GRU's n block of b_hh is our b_hn.
Without PyTorch (the `bench` extra) the module is skipped; CI installs it.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnlab.core.rnn.params import RNNParams  # noqa: E402
from nnlab.core.rnn.seq_model import RNNModel  # noqa: E402

B, T, X, H = 3, 7, 2, 4
F64 = torch.float64


def _data(tmp_path, classes: bool) -> str:
    """B sequences of T steps, a target at most steps (mask alpha_t of 0 or 1, and a weight of 2 once)."""
    rng = np.random.default_rng(17)
    mask = (rng.uniform(size=(B, T)) < 0.7).astype(np.float64)
    mask[:, -1] = 1.0
    mask[0, 2] = 2.0
    target = rng.integers(0, 3, (B, T)) if classes else rng.standard_normal((B, T, 2))
    path = tmp_path / ("classes.npz" if classes else "reals.npz")
    np.savez(path, x=1.5 * rng.standard_normal((B, T, X)), target=target, mask=mask)
    return str(path)


def _ours(tmp_path, cell: str, classes: bool, **kw) -> tuple[RNNModel, object]:
    p = RNNParams(cell=cell, task="file", data_file=_data(tmp_path, classes), seq_len=T, hidden=H, batch_size=0,
                  output="softmax" if classes else "identity", **kw)
    m = RNNModel(p, 5)
    m.theta = m.theta + np.random.default_rng(6).normal(0, 0.4, m.theta.size)
    bt = m._batch(np.arange(m.data.n))
    m._forward(bt, 0, m.T, m.theta)
    m._loss(bt)
    m._backward(bt, m.T, 0, m.theta)
    assert bt.alpha[2, 0] == 2.0 and (bt.alpha == 0).any()
    return m, bt


def _t(a: np.ndarray):
    return torch.tensor(np.ascontiguousarray(a), dtype=F64)


def _split_bias(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Our one bias as PyTorch's two, b_ih + b_hh = b (an uneven split, so a swap would show)."""
    hh = 0.3 + 0.1 * np.arange(b.size)
    return b - hh, hh


def _loss(m: RNNModel, bt, outs):
    """Our E on PyTorch's hidden states (T, B, H), through a Linear with our V and c."""
    v = m.tensors()
    lin = torch.nn.Linear(H, m.lay.Y, dtype=F64)
    with torch.no_grad():
        lin.weight.copy_(_t(v["V"]))
        lin.bias.copy_(_t(v["c"]))
    zo = lin(outs)
    target, alpha = _t(bt.target), _t(bt.alpha)
    if m.data.kind == "classes":
        C = -(target * torch.log_softmax(zo, dim=2)).sum(dim=2)
    else:
        C = ((zo - target) ** 2).sum(dim=2)
    return (alpha * C).sum() / B, lin


def _check_grads(pairs) -> None:
    for name, ours, theirs in pairs:
        theirs = theirs.detach().numpy()
        assert np.abs(theirs).max() > 1e-8, f"{name}: zero gradient checks nothing"
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("classes", [False, True], ids=["squared-error", "softmax"])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_vanilla_rnn_equals_torch_rnn(nonlinearity, classes, tmp_path):
    """Lecture 21's h_t = sigma(U x_t + W h_(t-1) + b) and its BPTT equal nn.RNN's forward and autograd."""
    m, bt = _ours(tmp_path, "rnn", classes, activation=nonlinearity)
    v = m.tensors()
    net = torch.nn.RNN(X, H, nonlinearity=nonlinearity, dtype=F64)
    b_ih, b_hh = _split_bias(v["b"])
    with torch.no_grad():
        net.weight_ih_l0.copy_(_t(v["U"]))
        net.weight_hh_l0.copy_(_t(v["W"]))
        net.bias_ih_l0.copy_(_t(b_ih))
        net.bias_hh_l0.copy_(_t(b_hh))
    outs, _ = net(_t(bt.xs))
    np.testing.assert_allclose(bt.hs[1:], outs.detach().numpy(), rtol=0, atol=1e-10)
    E, lin = _loss(m, bt, outs)
    assert abs(E.item() - bt.E) < 1e-10
    E.backward()
    g = m.tensors(bt.grad)
    _check_grads([("U", g["U"], net.weight_ih_l0.grad), ("W", g["W"], net.weight_hh_l0.grad),
                  ("b/b_ih", g["b"], net.bias_ih_l0.grad), ("b/b_hh", g["b"], net.bias_hh_l0.grad),
                  ("V", g["V"], lin.weight.grad), ("c", g["c"], lin.bias.grad)])


LSTM_ORDER = np.r_[H:2 * H, 0:H, 2 * H:4 * H]
"""Our rows (f, i, g, o) in PyTorch's order (i, f, g, o); the permutation is its own inverse."""


@pytest.mark.parametrize("classes", [False, True], ids=["squared-error", "softmax"])
def test_lstm_equals_torch_lstm(classes, tmp_path):
    """Lecture 25's LSTM (X_t = (h_(t-1), x_t) split as W h + U x) and the full backward pass the notes leave to
    derive: h_t, c_t at every step and every gradient equal nn.LSTM's."""
    m, bt = _ours(tmp_path, "lstm", classes, forget_bias=1.0)
    v = m.tensors()
    net = torch.nn.LSTM(X, H, dtype=F64)
    b_ih, b_hh = _split_bias(v["b"][LSTM_ORDER])
    with torch.no_grad():
        net.weight_ih_l0.copy_(_t(v["U"][LSTM_ORDER]))
        net.weight_hh_l0.copy_(_t(v["W"][LSTM_ORDER]))
        net.bias_ih_l0.copy_(_t(b_ih))
        net.bias_hh_l0.copy_(_t(b_hh))
    xs = _t(bt.xs)
    outs, _ = net(xs)
    np.testing.assert_allclose(bt.hs[1:], outs.detach().numpy(), rtol=0, atol=1e-10)
    with torch.no_grad():  # one step at a time for c_t (nn.LSTM returns only the last c)
        h = torch.zeros(1, B, H, dtype=F64)
        c = torch.zeros(1, B, H, dtype=F64)
        for t in range(T):
            _, (h, c) = net(xs[t:t + 1], (h, c))
            np.testing.assert_allclose(bt.hs[t + 1], h[0].numpy(), rtol=0, atol=1e-10)
            np.testing.assert_allclose(bt.cs[t + 1], c[0].numpy(), rtol=0, atol=1e-10)
    E, lin = _loss(m, bt, outs)
    assert abs(E.item() - bt.E) < 1e-10
    E.backward()
    g = m.tensors(bt.grad)
    _check_grads([("U", g["U"][LSTM_ORDER], net.weight_ih_l0.grad), ("W", g["W"][LSTM_ORDER], net.weight_hh_l0.grad),
                  ("b/b_ih", g["b"][LSTM_ORDER], net.bias_ih_l0.grad),
                  ("b/b_hh", g["b"][LSTM_ORDER], net.bias_hh_l0.grad),
                  ("V", g["V"], lin.weight.grad), ("c", g["c"], lin.bias.grad)])


@pytest.mark.parametrize("classes", [False, True], ids=["squared-error", "softmax"])
def test_gru_reset_after_equals_torch_gru(classes, tmp_path):
    """The GRU with the reset after W_n (PyTorch, Cho et al. v1): n = tanh(U_n x + b_n + r (W_n h + b_hn)),
    h = (1 - z) n + z h_prev. Blocks r, z, n in both; b_hh's n block is our b_hn."""
    m, bt = _ours(tmp_path, "gru", classes, gru_form="reset_after")
    v = m.tensors()
    net = torch.nn.GRU(X, H, dtype=F64)
    rz_ih, rz_hh = _split_bias(v["b"][:2 * H])
    with torch.no_grad():
        net.weight_ih_l0.copy_(_t(v["U"]))
        net.weight_hh_l0.copy_(_t(v["W"]))
        net.bias_ih_l0.copy_(_t(np.r_[rz_ih, v["b"][2 * H:]]))
        net.bias_hh_l0.copy_(_t(np.r_[rz_hh, v["b_hn"]]))
    outs, _ = net(_t(bt.xs))
    np.testing.assert_allclose(bt.hs[1:], outs.detach().numpy(), rtol=0, atol=1e-10)
    E, lin = _loss(m, bt, outs)
    assert abs(E.item() - bt.E) < 1e-10
    E.backward()
    g = m.tensors(bt.grad)
    _check_grads([("U", g["U"], net.weight_ih_l0.grad), ("W", g["W"], net.weight_hh_l0.grad),
                  ("b/b_ih", g["b"], net.bias_ih_l0.grad),
                  ("b_rz/b_hh", g["b"][:2 * H], net.bias_hh_l0.grad[:2 * H]),
                  ("b_hn", g["b_hn"], net.bias_hh_l0.grad[2 * H:]),
                  ("V", g["V"], lin.weight.grad), ("c", g["c"], lin.bias.grad)])


@pytest.mark.parametrize("p", [1, 3])
def test_truncated_bptt_equals_detach_every_p_steps(p, tmp_path):
    """The EE notes' truncated BPTT: our cut of dh_next at every multiple of p is PyTorch's h.detach() before
    every p-th step (an RNNCell unrolled by hand)."""
    m, bt = _ours(tmp_path, "rnn", False, truncate=p)
    v = m.tensors()
    cell = torch.nn.RNNCell(X, H, dtype=F64)
    with torch.no_grad():
        cell.weight_ih.copy_(_t(v["U"]))
        cell.weight_hh.copy_(_t(v["W"]))
        cell.bias_ih.copy_(_t(v["b"]))
        cell.bias_hh.zero_()
    xs = _t(bt.xs)
    h = torch.zeros(B, H, dtype=F64)
    outs = []
    for t in range(T):
        if t % p == 0:
            h = h.detach()
        h = cell(xs[t], h)
        outs.append(h)
    E, lin = _loss(m, bt, torch.stack(outs))
    E.backward()
    g = m.tensors(bt.grad)
    _check_grads([("U", g["U"], cell.weight_ih.grad), ("W", g["W"], cell.weight_hh.grad),
                  ("b", g["b"], cell.bias_ih.grad), ("V", g["V"], lin.weight.grad)])
