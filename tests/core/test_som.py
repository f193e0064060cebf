"""The SOM lab's core against the catalogue's oracles (O26, O27), direct computation and a second
implementation in plain numpy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nnlab.cli import main
from nnlab.core.data import DataError
from nnlab.core.equation import false_calcs, lines_text
from nnlab.core.knobs import ParamError
from nnlab.core.som import kernels as K
from nnlab.core.som.data import MapData
from nnlab.core.som.lattice import adjacent_within, edges, neighbours, positions
from nnlab.core.som.map_model import SOMModel
from nnlab.core.som.params import DECAYS, NEIGHBOURHOODS, SOMParams
from nnlab.core.som.words import GROUPS
from nnlab.scenario import load


def theta_direct(pos: np.ndarray, bmu: int, sigma: float, kind: str, c: float) -> np.ndarray:
    d2 = ((pos - pos[bmu]) ** 2).sum(axis=1)
    g = lambda s: np.exp(-d2 / (2 * s * s))  # noqa: E731
    if kind == "gaussian":
        return g(sigma)
    if kind == "bubble":
        return (np.sqrt(d2) <= sigma + 1e-9).astype(float)
    return (g(sigma) - c * g(2 * sigma)) / (1 - c)


def numpy_som(W: np.ndarray, x: np.ndarray, order: np.ndarray, p: SOMParams) -> np.ndarray:
    """A second implementation: the lecture's loop in numpy, one sample at a time."""
    pos = positions(p.rows, p.cols, p.topology)
    W = W.copy()
    T = p.epochs * len(x)
    for t, i in enumerate(order):
        f = t / T
        a, b = (p.sigma, p.sigma_end), (p.lr, p.lr_end)
        if p.decay == "exponential":
            s, eta = a[0] * (a[1] / a[0]) ** f, b[0] * (b[1] / b[0]) ** f
        elif p.decay == "linear":
            s, eta = a[0] + (a[1] - a[0]) * f, b[0] + (b[1] - b[0]) * f
        else:
            s, eta = a[0] / (1 + (a[0] / a[1] - 1) * f), b[0] / (1 + (b[0] / b[1] - 1) * f)
        u = int(np.argmin(((W - x[i]) ** 2).sum(axis=1)))
        W += eta * theta_direct(pos, u, s, p.neighbourhood, p.inhibition)[:, None] * (x[i] - W)
    return W


# -- the lattice --------------------------------------------------------------------------------------
@pytest.mark.parametrize("rows, cols", [(5, 7), (6, 3), (1, 9)])
@pytest.mark.parametrize("topology", ["rect", "hex"])
def test_neighbours_are_the_units_at_lattice_distance_one(rows, cols, topology):
    """Hexagonal (and rectangular) neighbours by row parity against distances between positions."""
    pos = positions(rows, cols, topology)
    for u, vs in enumerate(neighbours(rows, cols, topology)):
        d = np.hypot(*(pos - pos[u]).T)
        assert vs == [v for v in range(rows * cols) if 0 < d[v] <= adjacent_within(topology)]
    inner = neighbours(rows, cols, topology)[cols + 1] if rows > 2 and cols > 2 else None
    if inner is not None:
        assert len(inner) == (6 if topology == "hex" else 8)
    e = edges(rows, cols, topology)
    assert np.allclose(np.hypot(*(pos[e[:, 0]] - pos[e[:, 1]]).T), 1.0)
    pairs = {(u, v) for u in range(rows * cols) for v in range(u + 1, rows * cols)
             if abs(np.hypot(*(pos[u] - pos[v])) - 1.0) < 1e-9}
    assert {tuple(p) for p in e} == pairs


def test_hex_rows_are_offset_and_sqrt3_over_2_apart():
    pos = positions(3, 4, "hex")
    assert np.allclose(pos[4], [0.5, math.sqrt(3) / 2]) and np.allclose(pos[8], [0.0, math.sqrt(3)])


# -- the kernels against direct formulas --------------------------------------------------------------
@pytest.mark.parametrize("kind", NEIGHBOURHOODS)
@pytest.mark.parametrize("topology", ["rect", "hex"])
def test_separable_neighbourhood_is_the_formula_of_the_distance(kind, topology):
    rows, cols = 7, 9
    pos = positions(rows, cols, topology)
    theta = np.empty(rows * cols)
    fy, fx = np.empty((2, rows)), np.empty((2, 2, cols))
    grid = np.stack([np.arange(cols, dtype=float), np.arange(cols) + 0.5])
    for bmu in (0, 13, 31, 62):
        for sigma in (0.7, 2.0, 5.5):
            K.neighbourhood(theta, bmu, rows, cols, topology == "hex", sigma, NEIGHBOURHOODS.index(kind), 0.2, fy,
                            fx, grid)
            np.testing.assert_allclose(theta, theta_direct(pos, bmu, sigma, kind, 0.2), atol=1e-12)
    assert theta.max() == pytest.approx(1.0)


@pytest.mark.parametrize("decay", DECAYS)
def test_schedules_go_from_start_to_end(decay):
    code = DECAYS.index(decay)
    assert K.decayed(3.0, 0.5, 0.0, code) == pytest.approx(3.0)
    assert K.decayed(3.0, 0.5, 1.0, code) == pytest.approx(0.5)
    assert K.decayed(3.0, 0.5, 2.0, code) == pytest.approx(0.5)
    mid = {"linear": 1.75, "exponential": 3.0 * (0.5 / 3.0) ** 0.5, "inverse": 3.0 / (1 + 5.0 * 0.5)}[decay]
    assert K.decayed(3.0, 0.5, 0.5, code) == pytest.approx(mid)


def test_errors_match_a_direct_computation():
    m = SOMModel(SOMParams(rows=4, cols=5, n_samples=300), 3)
    m.advance(150)
    m._evaluate()
    W, x = m.Wt.T, m.x
    d = np.sqrt(((x[:, None, :] - W[None]) ** 2).sum(axis=2))
    first = d.argmin(axis=1)
    second = np.argsort(d, axis=1, kind="stable")[:, 1]
    adj = neighbours(4, 5, "rect")
    assert m.qe[-1] == pytest.approx(d.min(axis=1).mean(), rel=1e-12)
    assert m.te[-1] == pytest.approx(np.mean([s not in adj[f] for f, s in zip(first, second)]))
    assert np.array_equal(m.hits, np.bincount(first, minlength=20))


@pytest.mark.parametrize("topology", ["rect", "hex"])
def test_u_matrix_against_a_direct_computation(topology):
    m = SOMModel(SOMParams(rows=5, cols=6, topology=topology, n_samples=200, init="sample"), 1)
    W = m.weights
    pos = positions(5, 6, topology)
    expect = np.zeros((5, 6))
    for r in range(5):
        for c in range(6):
            u = r * 6 + c
            near = [v for v in range(30) if 0 < np.hypot(*(pos[v] - pos[u])) <= adjacent_within(topology)]
            expect[r, c] = np.mean([np.linalg.norm(W[r, c] - W[v // 6, v % 6]) for v in near])
    np.testing.assert_allclose(m.u_matrix().reshape(5, 6), expect, rtol=1e-12)


# -- the model against the oracles --------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(topology="hex", neighbourhood="mexican_hat", decay="linear"),
                                dict(neighbourhood="bubble", decay="inverse", rows=1, cols=12)])
def test_stages_samples_and_epochs_are_the_numpy_loops_map(kw):
    """Stepping by stages, samples and whole epochs gives one map, exactly; and it is the map of the
    lecture's loop written in numpy, sample by sample (to rounding)."""
    p = SOMParams(n_samples=120, epochs=2, **{"rows": 4, "cols": 5, **kw})
    m = SOMModel(p, 5)
    W0 = m.Wt.T.copy()
    for _ in range(7):
        m.step(0)
    first = m.order.copy()
    m.advance(118)
    assert m.epoch == 1 and m.i == 0
    m.step(1)
    second = m.order.copy()
    m.step(2)
    assert m.epoch == 2
    ref = SOMModel(p, 5)
    ref.advance(ref.default_steps())
    assert np.array_equal(ref.Wt, m.Wt) and ref.qe == m.qe
    np.testing.assert_allclose(m.Wt.T, numpy_som(W0, m.x, np.concatenate([first, second]), p), atol=1e-10)


def test_o26_bmu_reaches_x_and_inhibition_pushes_away():
    """O26: with eta theta(u, u) = 1 the BMU's weights become x; where theta < 0 units move away from x."""
    p = SOMParams(rows=6, cols=6, n_samples=100, lr=1.0, lr_end=1.0, neighbourhood="mexican_hat",
                  inhibition=0.5, sigma=0.6, sigma_end=0.6, init="sample")
    m = SOMModel(p, 2)
    for _ in range(2):
        m.step(0)
    before = m.Wt.T.copy()
    x, u = m.xv.copy(), m.bmu
    m.step(0)
    after = m.Wt.T
    assert np.allclose(after[u], x)
    theta = theta_direct(m.pos, u, 0.6, "mexican_hat", 0.5)
    far = theta < -1e-9
    assert far.any()
    grew = np.linalg.norm(after - x, axis=1) > np.linalg.norm(before - x, axis=1)
    assert grew[far].all()
    near = (theta > 1e-9) & (np.arange(36) != u)
    assert (~grew[near]).all()


def test_convex_updates_keep_the_weights_in_the_data_box():
    p = SOMParams(rows=5, cols=5, n_samples=400, epochs=3, lr=0.9, init="sample")
    m = SOMModel(p, 4)
    m.advance(1200)
    lo, hi = m.x.min(axis=0), m.x.max(axis=0)
    assert (m.Wt.T >= lo - 1e-12).all() and (m.Wt.T <= hi + 1e-12).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_o27_square_map_quantization_and_topographic_error(seed):
    """O27: 10x10 on U[0,1]^2, 5,000 steps, sigma 3 -> 0.5, eta 0.5 -> 0.01 exponential: QE about 0.044
    (< 0.06) and TE < 2 %."""
    m = SOMModel(SOMParams(dataset="square", n_samples=1000, epochs=5), seed)
    m.advance(m.default_steps())
    assert m.t == 5000
    assert m.qe[-1] < 0.06 and abs(m.qe[-1] - 0.044) < 0.006
    assert m.te[-1] < 0.02
    assert m.qe[-1] < 0.3 * m.qe[0]


def test_a_chain_on_a_line_keeps_its_order():
    x = np.random.default_rng(0).random((500, 1))
    p = SOMParams(dataset="file", data_file="line.csv", rows=1, cols=15, sigma=4.0, epochs=4)
    m = SOMModel(p, 0, data=MapData(x))
    m.advance(m.default_steps())
    w = m.Wt[0]
    steps = np.diff(w)
    assert (steps > 0).all() or (steps < 0).all()
    assert w.min() < 0.1 and w.max() > 0.9


def test_words_of_a_group_land_together():
    m = SOMModel(SOMParams(dataset="words", rows=6, cols=8, epochs=200), 0)
    m.advance(m.default_steps())
    m._evaluate()
    where = {name: m.pos[b] for name, b in zip(m.data.names, m.bmus)}

    def mean_distance(pairs: list[tuple[str, str]]) -> float:
        return float(np.mean([np.hypot(*(where[a] - where[b])) for a, b in pairs]))

    same = [(a, b) for g in GROUPS.values() for a in g for b in g if a < b]
    other = [(a, b) for g in GROUPS.values() for h in GROUPS.values() if g != h for a in g for b in h]
    assert mean_distance(same) < 0.5 * mean_distance(other)


def test_pca_init_spans_the_first_components():
    m = SOMModel(SOMParams(dataset="digits", rows=6, cols=8, init="pca"), 0)
    W = m.Wt.T
    np.testing.assert_allclose(W.mean(axis=0), m.x.mean(axis=0), atol=1e-12)
    xc = m.x - m.x.mean(axis=0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    coords = (W - W.mean(axis=0)) @ vt[:2].T
    np.testing.assert_allclose((W - W.mean(axis=0)) - coords @ vt[:2], 0.0, atol=1e-9)
    sd = s[:2] / np.sqrt(len(m.x) - 1)
    np.testing.assert_allclose(np.abs(coords).max(axis=0), sd, rtol=1e-9)


def test_step_back_replays_the_same_numbers():
    m = SOMModel(SOMParams(n_samples=50), 9)
    for _ in range(4):
        m.step(0)
    snap = m.snapshot()
    m.step(1)
    m.advance(80)
    after = (m.Wt.copy(), list(m.qe))
    assert len(after[1]) == 2
    m.restore(snap)
    m.step(1)
    m.advance(80)
    assert np.array_equal(m.Wt, after[0]) and m.qe == after[1]


def test_metrics_and_traces():
    m = SOMModel(SOMParams(rows=3, cols=4, n_samples=40, epochs=2), 0)
    m.advance(m.default_steps())
    assert set(m.metrics()) >= {"qe", "te"}
    t = m.traces()
    assert t["weights"].shape == (3, 4, 2) and t["qe"].shape == (3,) and t["hits"].shape == (3, 4)
    assert t["hits"].sum() == 40


def test_metrics_describe_the_map_after_the_samples_run_within_an_epoch(capsys):
    """Headless runs shorter than an epoch report the map they leave, not the untrained one."""
    sc = load("som_square")
    untrained = SOMModel(sc.params, sc.seed).metrics()
    m = SOMModel(sc.params, sc.seed)
    m.advance(100)
    assert m.epoch == 0 and m.i == 100 and len(m.qe) == 1
    hits = m.hits.copy()
    scratch = (np.empty_like(m.bmus), np.empty_like(m.hits), np.empty(m.units))
    qe, te = K.evaluate(m.Wt, m.x, m.adjacent, *scratch)
    assert m.metrics()["qe"] == pytest.approx(qe) and m.metrics()["te"] == pytest.approx(te)
    assert m.metrics()["qe"] < 0.5 * untrained["qe"]
    assert len(m.qe) == 1 and np.array_equal(m.hits, hits)
    m.advance(m.n - m.i)
    assert m.i == 0 and m.metrics()["qe"] == m.qe[-1]
    assert main(["run", "som_square", "--steps", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["qe"] == pytest.approx(qe) and out["metrics"]["te"] == pytest.approx(te)


def test_the_equation_of_each_stage_ends_in_the_kernels_numbers():
    m = SOMModel(SOMParams(rows=4, cols=5, n_samples=40, epochs=2, neighbourhood="mexican_hat", decay="linear"), 0)
    for _ in range(3):
        f = m.step(0)
        assert not false_calcs(f.equation), lines_text(f.equation)
    text = lines_text(f.equation)
    assert text[1].startswith("t = 0 of 80 (linear decay):  sigma = ") and text[2].startswith("unit ")
    assert text[3].split(";")[0].endswith(f"= {m.Wt[m.used['dim'], m.used['units'][0]]:.4g}")
    snap = m.snapshot()
    m.step(1)
    m.restore(snap)
    assert lines_text(m.frame().equation) == text


# -- bad input ----------------------------------------------------------------------------------------
def test_bad_input_is_one_clear_line(tmp_path):
    with pytest.raises(ParamError, match="sigma: expected a number in \\[0.01, 1000\\], found 0"):
        SOMParams(sigma=0.0)
    with pytest.raises(DataError, match="at least 50 samples for a 10 x 10 map"):
        SOMModel(SOMParams(n_samples=20), 0)
    f = tmp_path / "x.csv"
    f.write_text("r,g,b,a\n0.1,0.2,0.3,0.4\n" * 1 + "0.5,0.5,0.5,0.5\n" * 30)
    with pytest.raises(DataError, match="x.csv: expected 3 columns \\(dim = 3\\), found 4"):
        SOMModel(SOMParams(dataset="file", data_file=str(f), dim=3, rows=2, cols=2), 0)
    f.write_text("1,2\n3,nan\n")
    with pytest.raises(DataError, match="finite numbers"):
        SOMModel(SOMParams(dataset="file", data_file=str(f), rows=1, cols=2), 0)
    f.write_text("1,2\n3\n")
    with pytest.raises(DataError, match="x.csv: expected rows of numbers"):
        SOMModel(SOMParams(dataset="file", data_file=str(f), rows=1, cols=2), 0)
    with pytest.raises(DataError, match="no such file"):
        SOMModel(SOMParams(dataset="file", data_file=str(tmp_path / "none.csv")), 0)


def test_too_strong_inhibition_pauses_at_the_last_good_state():
    p = SOMParams(neighbourhood="mexican_hat", inhibition=0.9, lr=1.0, lr_end=1.0, sigma=0.5, sigma_end=0.5,
                  epochs=400, n_samples=200)
    m = SOMModel(p, 0)
    m.advance(m.default_steps())
    assert "inhibition" in m.blowup and m.advance(10) == 0
    assert np.isfinite(m.Wt).all() and np.abs(m.Wt).max() < 1000 * 2
    stepped = SOMModel(p, 0)
    for _ in range(300_000):
        stepped.step(0)
        if stepped.blowup:
            break
    assert "inhibition" in stepped.blowup and np.isfinite(stepped.Wt).all()
    assert stepped.step(1).message == stepped.blowup


def test_files_csv_header_bom_and_npz_labels(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("\ufeffa,b\n0.1,0.2\n0.3,0.4\n0.5,0.9\n", encoding="utf-8")
    m = SOMModel(SOMParams(dataset="file", data_file=str(f), rows=1, cols=2), 0)
    assert m.x.shape == (3, 2)
    f.write_text("1,,3\n4,5,6\n")
    with pytest.raises(DataError, match="rows of numbers"):
        SOMModel(SOMParams(dataset="file", data_file=str(f), rows=1, cols=1), 0)
    f.write_text("a,b\n")
    with pytest.raises(DataError, match="no data rows"):
        SOMModel(SOMParams(dataset="file", data_file=str(f), rows=1, cols=1), 0)
    g = tmp_path / "p.npz"
    np.savez(g, x=np.random.default_rng(0).random((6, 2, 2)), y=np.array([5, 10**7, 5, 5, 10**7, 5]))
    m = SOMModel(SOMParams(dataset="file", data_file=str(g), rows=2, cols=2), 0)
    assert m.x.shape == (6, 4) and m.data.names == ("5", "10000000") and list(m.data.labels) == [0, 1, 0, 0, 1, 0]
