"""PSC kernels and their Euler form against lecture 4's closed forms (O4, O5); the LIF pair (lecture 5)."""

import math

import numpy as np
import pytest

from nnlab.core.neuron.analytic import filtered_train, psc_kernel
from nnlab.core.neuron.params import PairParams, SynapseParams
from nnlab.core.neuron.synapse_model import PairModel, SynapseModel


@pytest.mark.parametrize("n", [0, 1, 2])
@pytest.mark.parametrize("tau_s", [0.01, 0.05, 0.3])
def test_kernel_integrates_to_one_o4(n, tau_s):
    t = np.linspace(0.0, 60.0 * tau_s, 600_001)
    h = psc_kernel(t, n, tau_s)
    area = float(np.sum((h[1:] + h[:-1]) / 2.0 * np.diff(t)))
    assert area == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("n", [1, 2])
def test_kernel_peaks_at_n_tau_s_o4(n):
    t = np.linspace(0.0, 0.2, 200_001)
    h = psc_kernel(t, n, 0.02)
    assert t[np.argmax(h)] == pytest.approx(n * 0.02, abs=2e-6)


def test_kernel_n1_peak_value_and_n0_start_o4():
    assert psc_kernel(np.array([0.02]), 1, 0.02)[0] == pytest.approx(1.0 / (math.e * 0.02))
    assert psc_kernel(np.array([0.0]), 0, 0.02)[0] == pytest.approx(50.0)
    assert psc_kernel(np.array([-0.01]), 0, 0.02)[0] == 0.0


def one_spike(n=0, dt=1e-3, tau_s=5e-3, weight=0.7, steps=400):
    m = SynapseModel(SynapseParams(n=n, dt=dt, tau_s=tau_s, weight=weight, train="times", spike_times=(dt,)), 0)
    m.advance(steps)
    return m


@pytest.mark.parametrize("n", [0, 1, 2])
def test_euler_area_of_one_spike_is_exactly_the_weight_o5(n):
    m = one_spike(n=n)
    assert float(np.sum(m.euler.view())) * 1e-3 == pytest.approx(0.7, rel=1e-9)


def test_euler_decay_is_geometric_o5():
    m = one_spike(dt=1e-3, tau_s=1e-2, weight=1.0, steps=20)
    s = m.euler.view()
    assert s[1] == pytest.approx(100.0)
    assert s[11] / s[1] == pytest.approx(0.9**10, rel=1e-12)
    assert 0.9**10 == pytest.approx(0.3487, abs=1e-4)


def test_euler_form_oscillates_then_diverges_and_pauses_o5():
    osc = one_spike(dt=1.5e-2, tau_s=1e-2, weight=1.0, steps=10).euler.view()
    assert osc[2] < 0 < osc[1]
    m = SynapseModel(SynapseParams(dt=2.5e-2, tau_s=1e-2, train="times", spike_times=(0.025,)), 0)
    taken = m.advance(5000)
    assert taken < 5000 and "diverged" in m.blowup


@pytest.mark.parametrize("n", [0, 1, 2])
def test_euler_form_converges_to_the_convolution(n):
    errs = []
    for dt in (1e-3, 1e-4):
        m = SynapseModel(SynapseParams(n=n, dt=dt, tau_s=0.02, train="times", spike_times=(0.01, 0.05, 0.052)), 0)
        m.advance(int(round(0.2 / dt)))
        errs.append(float(np.max(np.abs(m.euler.view() - m.exact.view()))))
    assert errs[1] < errs[0] / 5


def test_filtering_is_linear_superposition():
    t = np.linspace(0, 0.3, 3001)
    both = filtered_train(t, np.array([0.05, 0.1]), 1, 0.02, 2.0)
    apart = filtered_train(t, np.array([0.05]), 1, 0.02, 2.0) + filtered_train(t, np.array([0.1]), 1, 0.02, 2.0)
    assert np.allclose(both, apart)


def test_poisson_train_has_about_the_asked_rate():
    m = SynapseModel(SynapseParams(train="poisson", rate=40.0, dt=1e-3), 1)
    m.advance(50_000)
    assert len(m.spike_t) / 50.0 == pytest.approx(40.0, rel=0.05)


def test_one_presynaptic_spike_injects_w_into_the_postsynaptic_current():
    p = PairParams(v_in=1.2, weight=0.5, tau_s=0.002, dt=1e-4)
    m = PairModel(p, 0)
    m.step(2)
    assert int(np.sum(m.spike_i.view() == 0)) == 1
    k = len(m.t)
    m.advance(300)
    assert int(np.sum(m.spike_i.view() == 0)) == 1
    s = m.rec.view()[k - 1 :, 2]
    assert float(np.sum(s)) * 1e-4 == pytest.approx(0.5, rel=1e-6)


def test_excitation_drives_and_inhibition_silences_the_postsynaptic_neuron():
    exc = PairModel(PairParams(weight=0.03), 0)
    exc.advance(5000)
    inh = PairModel(PairParams(weight=-0.03, v_in_post=2.5), 0)
    inh.advance(5000)
    alone = PairModel(PairParams(weight=0.0, v_in_post=2.5), 0)
    alone.advance(5000)
    assert exc.metrics()["post_rate_hz"] > 30.0
    assert inh.metrics()["post_rate_hz"] < 0.2 * alone.metrics()["post_rate_hz"]
