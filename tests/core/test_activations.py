"""Activation functions against lecture 3's values (O7) and their derivatives against central differences."""

import numpy as np
import pytest

from nnlab.core.activations import FUNCTIONS, d_logistic, logistic


def test_logistic_values_of_the_catalogue_o7():
    assert logistic(5.0) == pytest.approx(0.99331, abs=1e-5)
    assert d_logistic(5.0) == pytest.approx(0.006648, abs=1e-6)
    assert d_logistic(0.1) == pytest.approx(0.249376, abs=1e-6)
    assert d_logistic(4.0) == pytest.approx(0.017663, abs=1e-6)
    z = np.linspace(-10, 10, 20001)
    assert d_logistic(z).max() == pytest.approx(0.25) and z[np.argmax(d_logistic(z))] == pytest.approx(0.0)
    assert d_logistic(0.1) / d_logistic(5.0) == pytest.approx(37.5, abs=0.1)


@pytest.mark.parametrize("name", ["logistic", "arctan", "tanh", "relu", "softplus"])
def test_derivatives_match_central_differences(name):
    f, d, _ = FUNCTIONS[name]
    z = np.linspace(-6, 6, 241) + 0.013
    h = 1e-6
    assert np.allclose(d(z), (f(z + h) - f(z - h)) / (2 * h), atol=1e-7)


def test_threshold_is_one_at_zero_and_logistic_is_stable_for_large_inputs():
    f, _, _ = FUNCTIONS["threshold"]
    assert f(np.array([0.0]))[0] == 1.0 and f(np.array([-1e-12]))[0] == 0.0
    assert np.isfinite(logistic(np.array([-800.0, 800.0]))).all()


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_the_pane_shows_the_values_the_model_computes(name):
    from nnlab.core.equation import false_calcs
    from nnlab.core.neuron.activation_model import ActivationModel
    from nnlab.core.neuron.params import ActivationParams

    m = ActivationModel(ActivationParams(function=name, z_min=-100.0, z_max=100.0, z_start=-100.0, dt=0.7), 0)
    for _ in range(280):
        f = m.step(0)
        assert not false_calcs(f.equation), f.equation
