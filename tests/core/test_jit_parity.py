"""One implementation: every kernel gives the same numbers as plain Python (NUMBA_DISABLE_JIT=1)."""

import os
import subprocess
import sys

import numpy as np

SCRIPT = """
import sys
import numpy as np
from nnlab.core.neuron import params as P
from nnlab.core.neuron.model import make_model
out = {}
cases = {
    "hh_euler": (P.HHParams(i_ext=10.0), 600),
    "hh_rk4": (P.HHParams(i_ext=10.0, method="rk4"), 300),
    "hh_exp": (P.HHParams(i_ext=10.0, method="exp_euler", input="noisy"), 300),
    "lif_euler": (P.LIFParams(n_neurons=3, v_in=1.5, v_in_max=4.0), 800),
    "lif_exact": (P.LIFParams(n_neurons=3, v_in=1.5, v_in_max=4.0, method="exact", input="noisy"), 800),
    "pair": (P.PairParams(), 800),
    "synapse": (P.SynapseParams(n=2), 300),
}
for name, (p, steps) in cases.items():
    m = make_model(p, 5)
    m.advance(steps)
    for k, v in m.traces().items():
        out[name + "." + k] = v
np.savez(sys.argv[1], **out)
"""


def run(path, disable):
    env = dict(os.environ, NUMBA_DISABLE_JIT="1" if disable else "0")
    subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, check=True, timeout=300)
    return np.load(path)


def test_kernels_match_plain_python(tmp_path):
    jit = run(tmp_path / "jit.npz", False)
    py = run(tmp_path / "py.npz", True)
    assert sorted(jit.files) == sorted(py.files)
    for key in jit.files:
        assert jit[key].shape == py[key].shape, key
        assert np.allclose(jit[key], py[key], rtol=1e-9, atol=1e-12), key
