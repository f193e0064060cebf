"""The Hopfield lab's core against the lecture's oracles (O18-O21) and independent computations."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.core.equation import false_calcs, lines_text
from nnlab.core.hopfield.capacity_model import CapacityModel
from nnlab.core.hopfield.glyphs import FONT_5X7, glyph
from nnlab.core.hopfield.network import energy, hebbian, modern_energy, rule, softmax_update
from nnlab.core.hopfield.params import HopfieldParams
from nnlab.core.grids import picture_shape
from nnlab.core.hopfield.patterns import PatternError, make_probe, read_file, stored_patterns
from nnlab.core.hopfield.recall_model import RecallModel, recalled_index
from nnlab.core.knobs import ParamError


def sylvester(k: int) -> np.ndarray:
    H = np.array([[1.0]])
    for _ in range(k):
        H = np.block([[H, H], [H, -H]])
    return H


def npz(tmp_path, name: str, patterns: np.ndarray) -> str:
    path = tmp_path / name
    np.savez(path, patterns=patterns)
    return str(path)


def model(seed: int = 0, **kw) -> RecallModel:
    return RecallModel(HopfieldParams(**kw), seed)


# -- O18: the weights ----------------------------------------------------------------------------------
def test_hebbian_weights_are_symmetric_with_zero_diagonal_and_lattice_entries():
    rng = np.random.default_rng(1)
    n = 7
    P = np.where(rng.random((n, 50)) < 0.5, -1.0, 1.0)
    W = hebbian(P, "n")
    assert np.array_equal(W, W.T)
    assert np.all(np.diag(W) == 0)
    off = W[~np.eye(50, dtype=bool)]
    lattice = -1 + 2 * np.arange(n + 1) / n
    assert np.all(np.min(np.abs(off[:, None] - lattice[None, :]), axis=1) < 1e-12)
    assert np.allclose(hebbian(P, "N"), W * n / 50)


def test_hadamard_patterns_give_wx_equal_3x_and_fixed_points(tmp_path):
    H = sylvester(4)[[1, 3, 6, 11]]
    W = hebbian(H, "n")
    for x in H:
        assert np.allclose(W @ x, 3.0 * x)
    m = model(patterns=(npz(tmp_path, "hadamard.npz", H),), probe="noise", noise=0.0, target=2)
    m.step(2)
    assert m.stable and m.sweeps == 1 and recalled_index(m.P, m.x) == 2
    assert m.shape == (4, 4)


# -- O19 / O20: the energy -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_energy_never_rises_on_an_asynchronous_update(seed):
    rng = np.random.default_rng(100 + seed)
    m = model(patterns=(), n_patterns=int(rng.integers(1, 30)), n_units=64, noise=float(rng.uniform(0.05, 0.5)),
              bias=float(rng.choice([0.0, 0.3, -0.2])), tie=str(rng.choice(["plus", "keep", "minus"])),
              order=str(rng.choice(["random", "sequential"])), seed=seed)
    m.step(2)
    E = m.E.view()
    assert len(E) > 64
    assert np.all(np.diff(E) <= 1e-12)
    assert E[-1] == pytest.approx(energy(m.W, m.x, m.b), abs=1e-9)


def test_every_recorded_energy_equals_the_direct_formula_over_300_runs():
    rng = np.random.default_rng(7)
    for run in range(300):
        N = int(rng.choice([9, 16, 25]))
        m = model(patterns=(), n_patterns=int(rng.integers(1, 6)), n_units=N, noise=0.4, bias=float(rng.normal(0, 0.2)),
                  tie=str(rng.choice(["plus", "keep", "minus"])), seed=run)
        xs = [m.x.copy()]
        while not m.finished():
            m.step(0)
            xs.append(m.x.copy())
        direct = np.array([energy(m.W, x, m.b) for x in xs])
        assert np.all(np.diff(direct) <= 1e-12)
        assert np.allclose(m.E.view(), direct, atol=1e-9)


def test_a_flip_changes_the_energy_by_minus_dx_times_h_minus_b():
    m = model(patterns=("H", "O", "T"), noise=0.3, bias=0.1)
    for _ in range(300):
        before = energy(m.W, m.x, m.b)
        m.step(0)
        d = m.last
        assert energy(m.W, m.x, m.b) - before == pytest.approx(-(d["new"] - d["old"]) * d["field"], abs=1e-9)
        if m.finished():
            break


def test_energy_is_even_without_thresholds():
    rng = np.random.default_rng(3)
    P = np.where(rng.random((5, 40)) < 0.5, -1.0, 1.0)
    W = hebbian(P)
    b = np.zeros(40)
    for _ in range(20):
        x = np.where(rng.random(40) < 0.5, -1.0, 1.0)
        assert energy(W, -x, b) == pytest.approx(energy(W, x, b), abs=1e-12)


def test_an_inverse_probe_falls_into_the_inverse_pattern_with_equal_energy():
    m = model(patterns=("H", "O", "T"), probe="inverse", noise=0.1)
    m.step(2)
    assert recalled_index(m.P, -m.x) == 0
    assert energy(m.W, m.x, m.b) == pytest.approx(energy(m.W, m.P[0], m.b))
    assert "inverse of H" in m.stage


# -- recall ----------------------------------------------------------------------------------------------
def test_stored_patterns_are_fixed_points_at_low_load():
    for seed in range(5):
        ps = stored_patterns(HopfieldParams(patterns=(), n_patterns=5, n_units=200), np.random.default_rng(seed))
        W = hebbian(ps.x)
        for x in ps.x:
            assert np.all(np.where(W @ x >= 0, 1.0, -1.0) == x)


def test_letters_recall_from_twenty_percent_noise():
    for seed in range(5):
        m = RecallModel(HopfieldParams(patterns=("H", "O", "T"), noise=0.2, target=seed % 3), seed)
        m.step(2)
        assert m.stable and recalled_index(m.P, m.x) == seed % 3, m.stage


def test_the_kernel_follows_the_rule_unit_by_unit():
    m = model(patterns=(), n_patterns=8, n_units=49, noise=0.3, tie="keep", bias=0.05)
    x = m.x.copy()
    for _ in range(3 * 49):
        m.step(0)
        i = m.last_unit
        x[i] = rule(float(m.W[i] @ x), 0.05, x[i], "keep")
        assert np.array_equal(x, m.x)


def test_unit_steps_sweeps_and_advance_give_the_same_run():
    kw = dict(patterns=(), n_patterns=10, n_units=64, noise=0.25, temperature=0.3, max_sweeps=6)
    a, b, c = model(**kw), model(**kw), model(**kw)
    while not a.finished():
        a.step(0)
    while not b.finished():
        b.step(1)
    c.advance(10**6)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.x, c.x)
    assert np.array_equal(a.E.view(), c.E.view())
    assert a.updates == c.updates == 6 * 64


def test_step_back_restores_exactly():
    m = model(patterns=("A", "B", "C"), noise=0.3)
    snaps = []
    for _ in range(150):
        snaps.append(m.snapshot())
        m.step(0)
    after = (m.x.copy(), m.E.view().copy())
    m.restore(snaps[40])
    for _ in range(110):
        m.step(0)
    assert np.array_equal(m.x, after[0]) and np.array_equal(m.E.view(), after[1])


def test_synchronous_updates_find_a_two_cycle(tmp_path):
    path = tmp_path / "two.txt"
    path.write_text("##\n")
    m = model(patterns=(str(path),), update="sync", noise=0.5)
    m.step(1)
    assert m.period == 2 and not m.stable
    assert "2-cycle" in m.stage
    assert m.metrics()["cycle_period"] == 2
    assert m.advance(10) == 0


def test_a_round_off_change_of_energy_is_no_change():
    m = model(patterns=("H", "O", "T"), update="sync", noise=0.5)
    for _ in range(3):
        f = m.step(0)
    E = m.E.view()
    assert E[2] != E[3] and abs(E[2] - E[3]) < 1e-9
    assert dict((k, v) for k, *v in f.values)["energy"] == ["-656", "+0"]
    assert f.data["lowered"].tolist() == [1]


def test_synchronous_recall_reaches_a_fixed_point():
    m = model(patterns=("H", "O", "T"), update="sync", noise=0.1)
    m.step(1)
    assert m.stable and m.period == 1 and recalled_index(m.P, m.x) == 0


def test_glauber_updates_follow_the_logistic_probability():
    T, bias = 0.5, 0.2
    m = model(patterns=(), n_patterns=0, n_units=400, temperature=T, bias=bias, probe="blank", max_sweeps=50)
    m.advance(400 * 50)
    p = 1.0 / (1.0 + np.exp(2 * bias / T))
    states = m.E.view()
    assert len(states) == 400 * 50 + 1
    assert np.mean(m.x > 0) == pytest.approx(p, abs=0.08)


def test_the_modern_memory_recalls_beyond_the_classical_capacity():
    m = RecallModel(HopfieldParams(patterns=(), n_patterns=40, n_units=100, noise=0.2, memory="both"), 4)
    m.step(2)
    assert recalled_index(m.P, m.x) == -1
    assert recalled_index(m.P, m.y) == 0
    assert m.metrics()["modern_recalled"] == 0


def test_the_modern_memory_has_its_overlap_and_outcome_on_screen():
    m = model(seed=2, patterns=(), n_patterns=20, n_units=100, noise=0.2, memory="both", beta=1.0)
    f = m.step(2)
    rows = {name: (value, note) for name, value, note in f.values}
    assert rows["overlap"] == ("0.440", "#1")
    assert rows["modern"] == ("1.000", "recalled #1")
    assert "m = 0.440 with #1" in f.stage and "modern memory: recalled #1, m = 1.000" in f.stage


def test_patterns_are_numbered_from_1_wherever_a_student_reads_them():
    m = model(patterns=(), n_patterns=3, n_units=100, probe="blank")
    m.store()
    assert m.names[-1] == "drawn 4" and m.stage == "stored the state as pattern 4 (drawn 4); 4 stored"
    m = model(patterns=(), n_patterns=0, n_units=100, probe="blank")
    m.store()
    assert m.stage == "stored the state as pattern 1 (drawn 1); 1 stored"


def test_the_modern_kernel_matches_the_numpy_reference():
    from nnlab.core.hopfield.kernels import modern_step

    rng = np.random.default_rng(11)
    for beta in (0.01, 0.1, 1.0):
        P = np.where(rng.random((12, 40)) < 0.5, -1.0, 1.0)
        x = np.where(rng.random(40) < 0.5, -1.0, 1.0)
        out, w = np.empty(40), np.empty(12)
        modern_step(P, x, beta, 0, out, w)
        ref, p = softmax_update(P, x, beta, "plus")
        assert np.array_equal(out, ref) and np.allclose(w, p)


def test_raising_the_temperature_mid_sweep_draws_fairly():
    m = model(patterns=("H", "O", "T"), noise=0.2)
    m.step(0)
    m.set_params(m.params.replace(temperature=50.0))
    m.step(1)
    assert 0.3 < np.mean(m.flips.view()[2:]) < 0.7


def test_a_new_threshold_restarts_the_energy_and_unsettles():
    m = model(patterns=("H", "O", "T"), noise=0.2)
    m.step(2)
    assert m.stable
    m.set_params(m.params.replace(bias=0.5))
    assert not m.stable and m.updates == 0
    assert m.E.view()[-1] == pytest.approx(energy(m.W, m.x, m.b))
    m.set_params(m.params.replace(tie="minus"))
    m.step(2)
    assert m.stable


@pytest.mark.parametrize("kw", [dict(update="sync", memory="both", noise=0.3), dict(memory="modern", noise=0.3),
                                dict(temperature=0.5, memory="both")])
def test_step_back_restores_sync_modern_and_both(kw):
    m = model(patterns=("A", "B", "C"), **kw)
    m.step(0)
    s = m.snapshot()
    m.store()
    m.step(0)
    m.step(0)
    after = (m.x.copy(), None if m.y is None else m.y.copy(), m.E.view().copy())
    m.restore(s)
    assert len(m.P) == 3
    m.store()
    m.step(0)
    m.step(0)
    assert np.array_equal(m.x, after[0]) and np.array_equal(m.E.view(), after[2])
    assert after[1] is None or np.array_equal(m.y, after[1])


def test_the_equation_after_a_sweep_describes_its_last_update():
    m = model(patterns=("H", "O", "T"), noise=0.2)
    f = m.step(1)
    assert m.last["unit"] == m.last_unit == m.order[-1]
    text = lines_text(f.equation)
    assert text[1].startswith("overlap with H: m = (same - different)/N = ")
    assert text[2].startswith(f"h_{m.last_unit} = sum_j") and text[3].endswith(f"= {m.E.view()[-1]:.5g}")
    assert not false_calcs(f.equation)


def test_softmax_update_is_the_nearest_pattern_at_large_beta():
    rng = np.random.default_rng(5)
    P = np.where(rng.random((6, 30)) < 0.5, -1.0, 1.0)
    x = P[2].copy()
    x[:5] *= -1
    new, p = softmax_update(P, x, 50.0, "plus")
    assert np.array_equal(new, P[2]) and p.argmax() == 2 and p.sum() == pytest.approx(1.0)
    assert modern_energy(P, P[2], 1.0) < modern_energy(P, x, 1.0)


def test_modern_energy_is_the_log_sum_exp_at_every_beta():
    """Against the formula written out (where its exp stays finite), the large-beta limit -max s - (small
    terms, kept by log1p), and the small-beta limit -log(n)/beta - mean s: -inf for beta = 5e-324 (beyond
    the doubles), except for one pattern, where it is -s exactly."""
    rng = np.random.default_rng(3)
    P = np.where(rng.random((5, 40)) < 0.5, -1.0, 1.0)
    x = np.where(rng.random(40) < 0.5, -1.0, 1.0)
    s = P @ x
    for beta in (1e-3, 0.1, 1.0, 7.0):
        assert modern_energy(P, x, beta) == pytest.approx(-np.log(np.exp(beta * s).sum()) / beta, rel=1e-13)
    second = np.sort(s)[-2]
    assert modern_energy(P, x, 50.0) == pytest.approx(-s.max() - np.exp(50.0 * (second - s.max())) / 50.0,
                                                      rel=1e-15)
    for beta in (1e-9, 1e-100, 1e-300):
        assert modern_energy(P, x, beta) == pytest.approx(-np.log(5) / beta - s.mean(), rel=1e-15)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert modern_energy(P, x, 5e-324) == -np.inf
        assert modern_energy(P[1:2], x, 5e-324) == -s[1]


@pytest.mark.parametrize("memory", ["both", "modern"])
def test_a_modern_energy_beyond_the_doubles_is_a_blowup_that_a_larger_beta_clears(memory):
    """beta = 5e-324: -log(n)/beta cannot be represented, so the run does not start and says what to change;
    a representable beta (a live knob) measures the energy anew from the same probe and runs."""
    m = model(patterns=("H", "O", "T"), noise=0.2, memory=memory, beta=5e-324)
    probe = m.x.copy()
    assert "modern energy" in m.blowup and "raise beta" in m.blowup and "n = 3" in m.blowup
    assert m.advance(10) == 0 and m.step(1).message == m.blowup and m.updates == 0
    m.set_params(HopfieldParams(patterns=("H", "O", "T"), noise=0.2, memory=memory, beta=1e-300))
    assert not m.blowup and np.array_equal(m.x, probe) and m.step(1).message == ""
    assert m.updates > 0 and all(np.isfinite(v).all() for v in m.traces().values())
    assert np.isfinite(m.EM.view() if memory == "both" else m.E.view()).all()
    m.set_params(HopfieldParams(patterns=("H", "O", "T"), noise=0.2, memory=memory, beta=5e-324))
    assert m.blowup and m.advance(5) == 0


def test_mixture_probe_is_the_sign_of_the_sum():
    ps = stored_patterns(HopfieldParams(patterns=("H", "O", "T")), np.random.default_rng(0))
    x = make_probe(HopfieldParams(patterns=("H", "O", "T"), probe="mixture", mixture=(1, 1, -1)), ps,
                   np.random.default_rng(0))
    assert np.array_equal(x, np.where(ps.x[0] + ps.x[1] - ps.x[2] >= 0, 1.0, -1.0))


def test_occlusion_changes_only_the_region():
    ps = stored_patterns(HopfieldParams(patterns=("E",)), np.random.default_rng(0))
    x = make_probe(HopfieldParams(patterns=("E",), probe="occlude", region="top", occlude=0.3), ps,
                   np.random.default_rng(1)).reshape(10, 10)
    assert np.array_equal(x[3:], ps.x[0].reshape(10, 10)[3:])
    assert not np.array_equal(x[:3], ps.x[0].reshape(10, 10)[:3])


def test_with_nothing_stored_the_end_says_so_and_one_sweep_is_singular():
    m = model(patterns=(), n_patterns=0, n_units=100, probe="blank")
    m.step(2)
    assert m.stage == "stable after 2 sweeps: no pattern stored yet (a stores the state)"
    m = model(patterns=("H", "O", "T"), noise=0.0)
    m.step(2)
    assert m.stage == "stable after 1 sweep: recalled H"
    m = model(patterns=("H", "O", "T"), update="sync", noise=0.0)
    m.step(2)
    assert m.stage == "stable after 1 step: recalled H"


def test_drawing_and_storing_a_pattern():
    m = model(patterns=(), n_patterns=0, n_units=100, probe="blank")
    for i in (11, 12, 13, 22, 33, 44):
        m.toggle(i)
    m.store()
    assert len(m.P) == 1 and m.names[-1] == "drawn 1"
    drawn = m.P[0].copy()
    m.corrupt()
    assert not np.array_equal(m.x, drawn)
    m.step(2)
    assert np.array_equal(m.x, drawn) or np.array_equal(m.x, -drawn)
    m.clear()
    assert np.all(m.x == -1)


# -- O21: capacity ---------------------------------------------------------------------------------------
def test_capacity_sweep_matches_the_course_table():
    c = CapacityModel(HopfieldParams(experiment="capacity", n_units=100, trials=200, max_load=0.3, noise=0.2), 0)
    c.advance(1000)
    rate = dict(zip(c.ns.tolist(), c.rate))
    course = {5: 1.0, 10: 0.895, 14: 0.58, 20: 0.095, 30: 0.0}
    for n, band in ((5, 0.05), (10, 0.05), (14, 0.10), (20, 0.075), (30, 0.05)):
        assert abs(rate[n] - course[n]) <= band, (n, rate[n])
    metrics = c.metrics()
    assert metrics["load"][9] == pytest.approx(0.1) and len(metrics["recall_rate"]) == 30


def test_capacity_steps_back():
    c = CapacityModel(HopfieldParams(experiment="capacity", n_units=50, trials=10, max_load=0.2), 0)
    c.step(0)
    s = c.snapshot()
    c.step(0)
    second = c.rate[-1]
    c.restore(s)
    c.step(0)
    assert c.rate[-1] == second and len(c.rate) == 2


# -- patterns and bad input ------------------------------------------------------------------------------
def test_every_glyph_is_7x5_and_scales():
    for name, rows in FONT_5X7.items():
        assert [len(r) for r in rows.split()] == [5] * 7, name
    assert glyph("A", 10).shape == (100,)
    assert picture_shape(100) == (10, 10) and picture_shape(1024) == (32, 32) and picture_shape(60) == (6, 10)


def test_text_pattern_files(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("; two 2x3 patterns\n#.#\n.#.\n\n###\n...\n")
    x, shape = read_file(path)
    assert shape == (2, 3) and np.array_equal(x[0], [1, -1, 1, -1, 1, -1])


@pytest.mark.parametrize("text,message", [
    ("#.#\n.#\n", "rows of one length"),
    ("#.#\n\n##\n", "pattern 2 is 1x2, pattern 1 is 1x3"),
    ("#?#\n", "found '?'"),
    ("\n\n", "no pattern"),
])
def test_bad_text_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(PatternError, match=message.replace("(", r"\(")):
        read_file(path)


def test_bad_npz_files(tmp_path):
    with pytest.raises(PatternError, match="array named `patterns`"):
        path = tmp_path / "a.npz"
        np.savez(path, other=np.ones((2, 4)))
        read_file(path)
    with pytest.raises(PatternError, match="found 0.5"):
        read_file(tmp_path / npz(tmp_path, "b.npz", np.full((2, 4), 0.5)).split("/")[-1])
    with pytest.raises(PatternError, match="no such pattern file"):
        read_file(tmp_path / "missing.npz")


def test_a_file_of_another_size_than_the_glyphs(tmp_path):
    f = npz(tmp_path, "small.npz", np.ones((1, 4, 4)))
    with pytest.raises(PatternError, match="small.npz is 4x4 but the patterns before it are 10x10"):
        stored_patterns(HopfieldParams(patterns=("A", f)), np.random.default_rng(0))


def test_a_pattern_file_too_large(tmp_path):
    f = npz(tmp_path, "huge.npz", np.ones((1, 80, 80)))
    with pytest.raises(PatternError, match="at most 4096 units"):
        stored_patterns(HopfieldParams(patterns=(f,)), np.random.default_rng(0))


def test_more_patterns_than_units():
    with pytest.raises(PatternError, match="at most N = 25 patterns, found 30"):
        stored_patterns(HopfieldParams(patterns=(), n_patterns=30, n_units=25), np.random.default_rng(0))


def test_bad_params():
    with pytest.raises(ParamError, match="patterns"):
        HopfieldParams(patterns=("AB",))
    with pytest.raises(PatternError, match="target"):
        RecallModel(HopfieldParams(patterns=("A", "B"), target=2), 0)
    with pytest.raises(ParamError, match="max_load"):
        HopfieldParams(experiment="capacity", n_units=10, max_load=0.05)
    assert len(CapacityModel(HopfieldParams(experiment="capacity", n_units=100, max_load=0.29, trials=1), 0).ns) == 29


def test_metrics_and_traces():
    m = model(patterns=("H", "O", "T"), memory="both")
    m.advance(10**6)
    met = m.metrics()
    assert set(met) >= {"recalled", "overlap", "final_energy", "updates"}
    assert met["recalled"] == 0 and met["overlap"] == 1.0
    tr = m.traces()
    assert tr["overlap"].shape == (m.updates + 1, 3)
    assert tr["energy"].shape == (m.updates + 1,)
    assert tr["W"].shape == (100, 100) and tr["state"].shape == (100,)
