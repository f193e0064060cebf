"""The RBM lab's core against the lecture's oracles (O22-O24) and direct computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlab.core.equation import false_calcs, lines_text
from nnlab.core.rbm.energy import (all_states, cd_statistics, energy, exact_joint, free_energy, hidden_gap,
                                   p_on, total_variation, visible_gap)
from nnlab.core.rbm.kernels import (THRESHOLDS, bit_statistics, cd_update, draw_layer, draw_layer_fast, gibbs_counts,
                                   pack_bits, uniform_at, uniforms)


def small_rbm(seed: int = 0, n_v: int = 3, n_h: int = 2, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (n_h, n_v)), rng.normal(0, 0.5, n_v), rng.normal(0, 0.5, n_h)


def test_boltzmann_probabilities_of_the_lecture():
    for T, expected in ((1, 0.8808), (2, 0.7311), (5, 0.5987), (20, 0.5250)):
        assert float(p_on(2.0, T)) == pytest.approx(expected, abs=5e-5)
    assert np.all(p_on(np.zeros(4), np.array([0.1, 1, 10, 100])) == 0.5)
    assert float(p_on(1.0, 1e-3)) == 1.0 and float(p_on(-1.0, 1e-3)) == 0.0
    assert float(p_on(-5.0, 1e6)) == pytest.approx(0.5, abs=1e-5)
    assert np.isfinite(p_on(np.array([-1e4, 1e4]), 1.0)).all()


def test_gaps_are_energy_differences():
    W, b, c = small_rbm(1, 4, 3)
    rng = np.random.default_rng(2)
    v = (rng.random((5, 4)) < 0.5).astype(float)
    h = (rng.random((5, 3)) < 0.5).astype(float)
    for j in range(3):
        off, on = h.copy(), h.copy()
        off[:, j], on[:, j] = 0, 1
        assert np.allclose(energy(W, b, c, v, off) - energy(W, b, c, v, on), hidden_gap(W, c, v)[:, j])
    for k in range(4):
        off, on = v.copy(), v.copy()
        off[:, k], on[:, k] = 0, 1
        assert np.allclose(energy(W, b, c, off, h) - energy(W, b, c, on, h), visible_gap(W, b, h)[:, k])


def test_free_energy_is_minus_t_log_of_the_sum_over_hidden_states():
    W, b, c = small_rbm(3, 4, 3)
    H = all_states(3)
    for T in (0.5, 1.0, 4.0):
        for v in all_states(4):
            direct = -T * math.log(sum(math.exp(-energy(W, b, c, v[None], h[None])[0] / T) for h in H))
            assert free_energy(W, b, c, v[None], T)[0] == pytest.approx(direct, abs=1e-10)


def test_exact_joint_is_normalised_and_matches_the_energy():
    W, b, c = small_rbm(4)
    P = exact_joint(W, b, c, 2.0)
    assert P.shape == (8, 4) and P.sum() == pytest.approx(1.0)
    V, H = all_states(3), all_states(2)
    E = np.array([[energy(W, b, c, v[None], h[None])[0] for h in H] for v in V])
    assert np.allclose(P, np.exp(-E / 2.0) / np.exp(-E / 2.0).sum())
    marginal = np.exp(-free_energy(W, b, c, V, 2.0) / 2.0)
    assert np.allclose(P.sum(axis=1), marginal / marginal.sum())
    with pytest.raises(ValueError, match="at most 20 units"):
        exact_joint(np.zeros((11, 10)), np.zeros(10), np.zeros(11))


def test_gibbs_sampling_visits_states_as_often_as_boltzmann_says():
    W, b, c = small_rbm(5, scale=1.5)
    T = 1.0
    P = exact_joint(W, b, c, T)
    rng = np.random.default_rng(0)
    counts = np.zeros((8, 4), np.int64)
    v, h = np.zeros(3), np.zeros(2)
    gibbs_counts(W, b, c, T, v, h, rng.random((1000, 2)), rng.random((1000, 3)), np.zeros((8, 4), np.int64))
    steps = 100_000
    gibbs_counts(W, b, c, T, v, h, rng.random((steps, 2)), rng.random((steps, 3)), counts)
    expected = P.ravel() * steps
    chi2 = float(((counts.ravel() - expected) ** 2 / expected).sum())
    # p > 0.001 for 31 degrees of freedom: chi2 below 61.1
    assert chi2 < 61.1, chi2
    assert total_variation(counts.ravel() / steps, P.ravel()) < 0.02


def test_a_wrong_distribution_fails_the_same_test():
    W, b, c = small_rbm(5, scale=1.5)
    rng = np.random.default_rng(0)
    counts = np.zeros((8, 4), np.int64)
    gibbs_counts(W, b, c, 1.0, np.zeros(3), np.zeros(2), rng.random((100_000, 2)), rng.random((100_000, 3)), counts)
    wrong = exact_joint(W, b, c, 1.3).ravel() * 100_000
    assert float(((counts.ravel() - wrong) ** 2 / wrong).sum()) > 61.1


def test_perfect_reconstruction_gives_a_zero_update_and_s_has_the_shape_of_w():
    rng = np.random.default_rng(6)
    v = (rng.random((7, 5)) < 0.5).astype(float)
    h = (rng.random((7, 3)) < 0.5).astype(float)
    dW, db, dc = cd_statistics(v, h, v.copy(), h.copy())
    assert dW.shape == (3, 5) and not dW.any() and not db.any() and not dc.any()
    dW, _, _ = cd_statistics(v, h, 1 - v, h)
    assert np.allclose(dW, (h.T @ v - h.T @ (1 - v)) / 7)


# -- training ----------------------------------------------------------------------------------------
from nnlab.core.data import DataError  # noqa: E402
from nnlab.core.rbm.data import bars_stripes, onehot3  # noqa: E402
from nnlab.core.rbm.params import RBMParams  # noqa: E402
from nnlab.core.rbm.readouts import readouts  # noqa: E402
from nnlab.core.rbm.train_model import RBMTrainModel  # noqa: E402


def lecture_example_passes(m: RBMTrainModel) -> bool:
    """Example 20.1: the three most probable states at T = 1 are the one-hot patterns, with distinct hidden codes."""
    P = exact_joint(m.W, m.b, m.c, 1.0).ravel()
    top = np.argsort(P)[::-1][:3]
    return sorted(int(t) // 4 for t in top) == [1, 2, 4] and len({int(t) % 4 for t in top}) == 3


def test_the_lecture_example_learns_the_one_hot_patterns_for_most_seeds():
    passed = 0
    for seed in range(30):
        m = RBMTrainModel(RBMParams(n_samples=100, rare=0.0, schedule=(20, 10, 5, 2, 1), epochs=2000), seed)
        m.advance(2000)
        passed += lecture_example_passes(m)
    assert passed >= 21, passed


def test_an_untrained_model_does_not_pass_the_lecture_check():
    assert not any(lecture_example_passes(RBMTrainModel(RBMParams(n_samples=100), s)) for s in range(5))


@pytest.mark.parametrize("kw", [dict(), dict(k=3, noise=0.1), dict(persistent=True, k=2, batch_size=30)])
def test_half_steps_updates_and_epochs_give_the_same_run(kw):
    """Operations and updates are one code path; whole epochs (cd_epoch) are a second implementation that
    draws the same numbers: the same states exactly, the weights to rounding (S1 - S2 is summed in
    another order)."""
    p = RBMParams(dataset="bars_stripes", n_visible=16, n_hidden=6, n_samples=70, batch_size=kw.pop("batch_size", 25),
                  epochs=5, **kw)
    a, b, c, d = (RBMTrainModel(p, 3) for _ in range(4))
    while a.epoch < 2:
        a.step(0)
    while b.epoch < 2:
        b.step(1)
    c.advance(2)
    for _ in range(5):
        d.step(0)
    d.advance(2)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b) and np.array_equal(a.c, b.c)
    for m in (c, d):
        for key in ("W", "b", "c"):
            np.testing.assert_allclose(getattr(m, key), getattr(a, key), rtol=0, atol=1e-12)
        for key in ("v1", "h1", "v", "h"):
            assert np.array_equal(getattr(m, key), getattr(a, key)), key
        assert np.array_equal(m.dreams(), a.dreams())
        np.testing.assert_allclose(m.pv, a.pv, atol=1e-12)
        np.testing.assert_allclose(m.last["dW"], a.last["dW"], atol=1e-12)
        np.testing.assert_allclose(m.recon, a.recon, atol=1e-12)
        assert m.updates == a.updates and m.op == a.op == 0


def test_dreams_are_a_function_of_the_weights_and_looking_changes_nothing():
    p = RBMParams(dataset="bars_stripes", n_visible=16, n_hidden=8, n_samples=60, batch_size=20, epochs=5, chains=5)
    looked, unseen = RBMTrainModel(p, 1), RBMTrainModel(p, 1)
    first = looked.dreams()
    assert first.shape == (5, 16) and set(np.unique(first)) <= {0.0, 1.0}
    for _ in range(3):
        looked.advance(1)
        looked.dreams()
        looked.frame()
    unseen.advance(3)
    assert np.array_equal(looked.W, unseen.W) and np.array_equal(looked.dreams(), unseen.dreams())
    restarted = RBMTrainModel(p, 1)
    restarted.W, restarted.b, restarted.c, restarted.updates = unseen.W, unseen.b, unseen.c, unseen.updates
    assert np.array_equal(restarted.dreams(), unseen.dreams())


def test_float32_epochs_learn_as_float64_epochs_do():
    base = dict(dataset="bars_stripes", n_visible=16, n_hidden=16, n_samples=400, batch_size=20, kappa=0.1,
                gamma=0.1, epochs=30)
    final = {}
    for precision in ("float64", "float32"):
        runs = [RBMTrainModel(RBMParams(precision=precision, **base), s) for s in range(6)]
        for m in runs:
            m.advance(30)
            assert m.W.dtype == np.float64 and m.recon[-1] < 0.7 * m.recon[0]
        final[precision] = np.mean([m.recon[-1] for m in runs])
    assert abs(final["float32"] - final["float64"]) < 0.2 * final["float64"], final


def test_one_update_is_the_lecture_rule():
    m = RBMTrainModel(RBMParams(k=1, kappa=0.7, gamma=0.3, temperature=2.0), 1)
    W, b, c = m.W.copy(), m.b.copy(), m.c.copy()
    for _ in range(3):
        m.step(0)
    v1, h1, v2, h2 = m.v1, m.h1, m.v, m.h
    m.step(0)
    assert np.allclose(m.W, W + 0.7 * (h1.T @ v1 - h2.T @ v2) / len(v1))
    assert np.allclose(m.b, b - 0.3 * (v1 - v2).mean(axis=0))
    assert np.allclose(m.c, c - 0.3 * (h1 - h2).mean(axis=0))


def test_the_equation_shows_each_operation_with_the_models_numbers():
    m = RBMTrainModel(RBMParams(k=2, kappa=0.7, gamma=0.3, temperature=2.0, persistent=True), 1)
    for _ in range(2 * m.ops_per_batch):
        f = m.step(0)
        assert not false_calcs(f.equation), lines_text(f.equation)
    text = lines_text(f.equation)
    assert text[1].startswith("(S1 - S2)_11 = ") and text[2].startswith("W_11 += kappa (S1 - S2)_11: ")
    assert text[2].split(";")[0].endswith(f"= {m.W[0, 0]:.4g}")
    f = m.step(0)
    assert lines_text(f.equation)[2].endswith(f"= {m.ph[0, 0]:.4f}, drew {m.h1[0, 0]:g}")
    f = m.step(2)
    assert not false_calcs(f.equation) and lines_text(f.equation)[1].startswith("(S1 - S2)_11 = ")


def test_step_back_is_exact():
    m = RBMTrainModel(RBMParams(dataset="bars_stripes", n_visible=16, n_hidden=4, n_samples=40, batch_size=10,
                                persistent=True), 0)
    snaps = []
    for _ in range(30):
        snaps.append(m.snapshot())
        m.step(0)
    after = m.W.copy()
    m.restore(snaps[7])
    for _ in range(23):
        m.step(0)
    assert np.array_equal(m.W, after)


def test_the_schedule_splits_the_epochs():
    p = RBMParams(schedule=(20, 10, 5, 2, 1), epochs=2000)
    assert [p.temperature_at(e) for e in (0, 399, 400, 1999)] == [20, 20, 10, 1]
    assert RBMParams(temperature=3.0).temperature_at(10) == 3.0


def test_data_sets():
    rng = np.random.default_rng(0)
    x = onehot3(10_000, 0.05, rng)
    assert x.shape == (10_000, 3) and abs((x.sum(axis=1) == 1).mean() - 0.95) < 0.01
    bs = bars_stripes(500, rng).reshape(-1, 4, 4)
    assert all((p == p[:, :1]).all() or (p == p[:1, :]).all() for p in bs)


def test_bad_data_and_shapes(tmp_path):
    with pytest.raises(Exception, match="n_visible"):
        RBMParams(dataset="digits", n_visible=10)
    f = tmp_path / "x.npz"
    np.savez(f, x=np.full((4, 3), 2.0))
    with pytest.raises(DataError, match="values in \\[0, 1\\]"):
        RBMTrainModel(RBMParams(dataset="file", data_file=str(f)), 0)
    np.savez(f, x=np.ones((4, 5)))
    with pytest.raises(DataError, match="set n_visible = 5"):
        RBMTrainModel(RBMParams(dataset="file", data_file=str(f)), 0)


# -- the small experiments ---------------------------------------------------------------------------
from nnlab.core.rbm.model import make_model  # noqa: E402


def test_boltzmann_experiment_curves_and_simulated_frequencies():
    m = make_model(RBMParams(experiment="boltzmann", samples=20_000), 0)
    m.step(1)
    assert m.metrics()["p_on_at_gap_2"] == pytest.approx([0.5250, 0.5498, 0.5987, 0.7311, 0.8808], abs=5e-5)
    for T, freq in zip(m.temps, m.freqs):
        assert np.allclose(freq, p_on(np.arange(-6.0, 7.0, 2.0), T), atol=0.015)


def test_free_sampling_converges_to_the_exact_distribution_and_steps_back():
    m = make_model(RBMParams(experiment="sample", n_visible=3, n_hidden=2, init_scale=1.5, samples=100_000), 2)
    m.step(0)
    s = m.snapshot()
    first = m.tv[-1]
    m.step(0)
    again = m.counts.copy()
    m.restore(s)
    m.step(0)
    assert np.array_equal(m.counts, again)
    m.step(1)
    assert m.taken == 100_000 and m.tv[-1] < min(first, 0.02)
    assert m.chi2() < 61.1


def test_splitmix64_is_the_reference_stream_and_uniform():
    """Vigna's splitmix64.c from state 0 first returns 0xE220A8397B1DCDAF."""
    assert uniform_at(np.uint64(0), 0) == (0xE220A8397B1DCDAF >> 11) * 2.0 ** -53
    u = uniforms(np.random.default_rng(1), (400, 500))
    counts = np.bincount((u * 20).astype(int).ravel(), minlength=20)
    expected = u.size / 20
    assert ((counts - expected) ** 2 / expected).sum() < 43.8  # chi-square, 19 dof, p = 0.001
    assert abs(np.corrcoef(u.ravel()[:-1], u.ravel()[1:])[0, 1]) < 0.01


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_table_draws_are_the_exact_draws(dtype):
    """draw_layer_fast decides by the table of P(on) and draw_layer by P itself: the same states, at
    every temperature, for huge, tiny and NaN gaps."""
    rng = np.random.default_rng(4)
    G = np.concatenate([rng.normal(0, 4, (300, 50)), rng.normal(0, 200, (20, 50))]).astype(dtype)
    G[0, :5] = [np.nan, np.inf, -np.inf, 0.0, 1e-300]
    bias = rng.normal(0, 1, 50).astype(dtype)
    pending = np.empty(G.size, np.int64)
    for T in (0.05, 1.0, 7.0):
        seed = np.uint64(rng.integers(0, 2 ** 63))
        P, exact, fast = (np.empty_like(G) for _ in range(3))
        draw_layer(G, bias, dtype(T), seed, P, exact)
        draw_layer_fast(G, bias, dtype(T), seed, fast, THRESHOLDS, pending)
        assert np.array_equal(fast, exact)
        ok = ~np.isnan(P)
        np.testing.assert_allclose(P[ok], p_on((G.astype(np.float64) - bias) / T, 1.0)[ok], rtol=1e-5 if
                                   dtype == np.float32 else 1e-12, atol=1e-30)


def reconstruction_error(W: np.ndarray, b: np.ndarray, c: np.ndarray, v: np.ndarray, T: float) -> float:
    """The one-step mean-field reconstruction error in numpy: mean (v - P(v | P(h | v)))^2."""
    r = p_on(visible_gap(W, b, p_on(hidden_gap(W, c, v), T)), T)
    return float(((v - r) ** 2).mean())


@pytest.mark.parametrize("scale, n_h", [(1.0, 7), (60.0, 7), (0.1, 1300)])
def test_readouts_match_the_numpy_formulas(scale, n_h):
    """The float32 read-outs against the float64 formulas, also where exp(dE / T) would overflow and
    for rows too wide for one product of 1 + e."""
    rng = np.random.default_rng(2)
    W, b, c = rng.normal(0, scale, (n_h, 12)), rng.normal(0, 1, 12), rng.normal(0, 1, n_h)
    v = (rng.random((40, 12)) < 0.5).astype(float)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        recon, f = readouts(W, b, c, v, 1.7)
    assert recon == pytest.approx(reconstruction_error(W, b, c, v, 1.7), rel=1e-5, abs=1e-7)
    assert f == pytest.approx(free_energy(W, b, c, v, 1.7).mean(), rel=1e-5)


@pytest.mark.parametrize("rows", [1, 64, 100, 130])
def test_bit_packed_statistics_are_the_product(rows):
    rng = np.random.default_rng(rows)
    h1, h2 = (rng.random((2, rows, 9)) < 0.4).astype(float)
    v1, v2 = (rng.random((2, rows, 13)) < 0.6).astype(float)
    packed = [np.empty((-(-rows // 64), x.shape[1]), np.uint64) for x in (h1, v1, h2, v2)]
    for x, out in zip((h1, v1, h2, v2), packed):
        pack_bits(x, out)
    D = np.empty((9, 13))
    bit_statistics(*packed, D, np.empty(13, np.int64))
    assert np.array_equal(D, h1.T @ v1 - h2.T @ v2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_update_is_the_lectures_update(dtype):
    """cd_update (bits, counts, then W, b, c in place) against the update written out in numpy."""
    rng = np.random.default_rng(8)
    n, n_v, n_h = 70, 11, 6
    v1, v2 = (rng.random((2, n, n_v)) < 0.5).astype(dtype)
    h1, h2 = (rng.random((2, n, n_h)) < 0.5).astype(dtype)
    W, b, c = rng.normal(0, 1, (n_h, n_v)), rng.normal(0, 1, n_v), rng.normal(0, 1, n_h)
    kappa, gamma = 0.3, 0.2
    W_ref = W + kappa * (h1.T @ v1 - h2.T @ v2) / n
    b_ref, c_ref = b - gamma * (v1 - v2).mean(axis=0), c - gamma * (h1 - h2).mean(axis=0)
    W, b, c = W.astype(dtype), b.astype(dtype), c.astype(dtype)
    bits = tuple(np.empty((2, u), np.uint64) for u in (n_h, n_v, n_h, n_v))
    cd_update(W, b, c, np.concatenate([v1, v2]), np.concatenate([h1, -h2]), n, kappa, gamma, bits,
              np.empty(n_v, np.int64), np.empty((n_h, n_v), dtype))
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for got, want in ((W, W_ref), (b, b_ref), (c, c_ref)):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_warmup_compiles_every_signature_training_uses():
    """After `warmup` no kernel compiles again while a model trains (a compile would freeze the UI)."""
    from nnlab.core.rbm import kernels

    kernels.warmup()
    jitted = [getattr(kernels, n) for n in dir(kernels) if hasattr(getattr(kernels, n), "signatures")]
    before = {k.py_func.__name__: len(k.signatures) for k in jitted}
    for precision in ("float64", "float32"):
        for kw in (dict(), dict(persistent=True, noise=0.1, k=2), dict(schedule=(20, 10, 5, 2, 1), epochs=5)):
            m = RBMTrainModel(RBMParams(dataset="bars_stripes", n_visible=16, n_hidden=5, precision=precision, **kw), 0)
            m.advance(2)
            m.step(0)
            m.step(1)
            m.frame()
    assert {k.py_func.__name__: len(k.signatures) for k in jitted} == before


# -- T -> 0: the limits, and the blow-ups ------------------------------------------------------------
TINY = 5e-324
"""The smallest positive double: 1 / TINY overflows, and so does every gap / TINY but 0."""


def test_at_a_vanishing_temperature_p_on_and_the_free_energy_are_their_limits():
    """P(on) -> the step (1/2 at dE = 0), T log(1 + exp(g / T)) -> max(g, 0)."""
    W, b, c = small_rbm(3, 4, 3)
    gaps = np.array([-2.0, -1e-300, 0.0, 1e-300, 3.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert p_on(gaps, TINY).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
        F = free_energy(W, b, c, all_states(4), TINY)
    V = all_states(4)
    assert np.allclose(F, V @ b - np.maximum(hidden_gap(W, c, V), 0.0).sum(axis=1), rtol=0, atol=1e-12)
    assert np.allclose(free_energy(W, b, c, V, 1e-3), F, atol=1e-2)


@pytest.mark.parametrize("T", [TINY, 1e-310, 1e-40, 1e-300])
def test_readouts_at_a_vanishing_temperature_are_the_step_limits(T):
    """The float32 read-outs where T itself is below float32's range: finite, and the T -> 0 limits of
    the float64 formulas (1/2 where a gap is exactly 0)."""
    rng = np.random.default_rng(2)
    W, b, c = rng.normal(0, 1, (7, 12)), rng.normal(0, 1, 12), rng.normal(0, 1, 7)
    c[0] = 0.0
    v = (rng.random((40, 12)) < 0.5).astype(float)
    v[0] = 0.0
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        recon, f = readouts(W, b, c, v, T)
    assert recon == pytest.approx(reconstruction_error(W, b, c, v, T), rel=1e-5, abs=1e-7)
    assert f == pytest.approx(free_energy(W, b, c, v, T).mean(), rel=1e-5)


def test_exact_joint_at_a_vanishing_temperature_is_the_point_mass_on_the_lowest_energy():
    W, b, c = small_rbm(4)
    V, H = all_states(3), all_states(2)
    E = np.array([[energy(W, b, c, v[None], h[None])[0] for h in H] for v in V])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = exact_joint(W, b, c, TINY)
    assert P.sum() == 1.0 and P[np.unravel_index(np.argmin(E), E.shape)] == 1.0
    tied = exact_joint(np.zeros((2, 3)), np.zeros(3), np.zeros(2), TINY)
    assert np.array_equal(tied, np.full((8, 4), 1 / 32))
    np.testing.assert_allclose(exact_joint(W, b, c, 1e-3), P, atol=1e-12)


def test_table_draws_are_the_exact_draws_where_the_table_scale_overflows():
    """Below T = 64 / 1.8e308 the table's scale is infinite: draw_layer_fast draws by P itself, the same
    states as draw_layer (a gap of exactly 0 on with probability 1/2, as at every T), not NaN cells."""
    rng = np.random.default_rng(5)
    G = rng.normal(0, 1, (400, 30))
    G[:, :3] = [0.0, 1e-320, -1e-320]
    bias = np.zeros(30)
    pending = np.empty(G.size, np.int64)
    for T in (TINY, 1e-310):
        seed = np.uint64(rng.integers(0, 2 ** 63))
        P, exact, fast = (np.empty_like(G) for _ in range(3))
        draw_layer(G, bias, T, seed, P, exact)
        draw_layer_fast(G, bias, T, seed, fast, THRESHOLDS, pending)
        assert np.array_equal(fast, exact)
        assert np.array_equal(exact[:, 3:], (G[:, 3:] > 0).astype(float))
        for k in range(3):  # 1e-320 / 5e-324 is 2000 (a sure step), 1e-320 / 1e-310 is 1e-10 (a fair coin)
            assert abs(exact[:, k].mean() - float(p_on(G[0, k], T))) < 0.1


def test_training_at_a_vanishing_temperature_is_finite_and_the_same_run_by_steps():
    """T = 5e-324: the sampling is the step of the gaps, the read-outs finite. An epoch of one batch draws
    the states that stepping draws; a float32 epoch (T below float32's range) runs in float64. (Later
    epochs part by rounding: at T -> 0 a gap of 0 against 1e-17 is a coin against a sure step.)"""
    kw = dict(dataset="bars_stripes", n_visible=16, n_hidden=6, n_samples=25, batch_size=25, temperature=TINY)
    stepped, whole = RBMTrainModel(RBMParams(**kw), 3), RBMTrainModel(RBMParams(**kw), 3)
    single = RBMTrainModel(RBMParams(precision="float32", **kw), 3)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        stepped.step(1)
        whole.advance(1)
        single.advance(1)
        for key in ("v1", "h1", "v", "h"):
            assert np.array_equal(getattr(stepped, key), getattr(whole, key)), key
        np.testing.assert_allclose(whole.W, stepped.W, rtol=0, atol=1e-12)
        assert np.array_equal(single.W, whole.W) and single.recon == whole.recon
        for m in (stepped, whole):
            m.advance(3)
            m.frame()
            assert np.isfinite(m.recon).all() and np.isfinite(m.f_train).all() and not m.blowup
            assert all(np.isfinite(v).all() for v in m.traces().values())


def test_an_unrepresentable_weight_stops_training_at_the_last_good_state():
    """No knob in range takes the weights near 1.8e308 (each update moves one by at most kappa); set by
    hand, they stop the next step back where it started, naming what could not be represented."""
    p = RBMParams(dataset="bars_stripes", n_visible=16, n_hidden=4, n_samples=40, batch_size=20)
    for W, named in ((1.5e308, "reconstruction error"), (np.inf, "weights W")):
        m = RBMTrainModel(p, 0)
        m.advance(1)
        m.W = np.full_like(m.W, W)
        before = m.snapshot()
        with np.errstate(all="ignore"):
            assert m.advance(3) == 0
            frame = m.step(0)
        assert frame.step == before["updates"] and frame.message == m.blowup
        assert named in m.blowup and "lower kappa" in m.blowup
        assert m.epoch == before["epoch"] and m.updates == before["updates"] and len(m.recon) == before["lens"][0]
        assert m.W is before["W"] and m.op == 0
        m.restore(before)
        assert not m.blowup


def test_a_chi_square_beyond_the_largest_double_stops_sampling_at_the_last_good_state():
    """At T = 0.01 this chain stays in a valley whose states have probability below 1e-300: the
    chi-square overflows on the first block, which is undone; the sampler says why and what to change."""
    m = make_model(RBMParams(experiment="sample", n_visible=3, n_hidden=2, init_scale=10, temperature=0.01,
                             samples=10_000), 1)
    assert np.isfinite(m.exact).all() and m.exact.sum() == pytest.approx(1.0)
    assert m.advance(5) == 0 and m.taken == 0 and not m.counts.any() and m.tv == []
    assert "chi-square" in m.blowup and "raise temperature" in m.blowup
    assert m.step(1).message == m.blowup and m.taken == 0
    assert all(np.isfinite(v).all() for v in m.traces().values())
    assert math.isfinite(m.metrics()["chi2"])


def test_sampling_at_a_vanishing_temperature_stays_on_the_lowest_energy():
    m = make_model(RBMParams(experiment="sample", n_visible=3, n_hidden=2, init_scale=1.5, temperature=TINY,
                             samples=3000), 0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        m.advance(3)
    assert not m.blowup and m.exact.max() == 1.0 and m.tv[-1] == 0.0 and m.chi2() == 0.0
