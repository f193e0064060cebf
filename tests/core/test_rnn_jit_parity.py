"""One implementation: the RNN lab's kernels (the reference ones and the fused epoch) give the same numbers as
plain Python (NUMBA_DISABLE_JIT=1), for every cell, stepped by gates and trained by epochs."""

import os
import subprocess
import sys

import numpy as np

SCRIPT = """
import sys
import numpy as np
from nnlab.core.rnn.params import RNNParams
from nnlab.core.rnn.seq_model import RNNModel
out = {}
cases = {
    "rnn": RNNParams(cell="rnn", task="sine", hidden=3, seq_len=5, n_sequences=6, batch_size=2, truncate=2),
    "lstm": RNNParams(cell="lstm", task="hello", hidden=3, seq_len=4, optimizer="adam", lr=0.05, clip=0.5),
    "gru": RNNParams(cell="gru", task="long_lag", lag=3, seq_len=5, hidden=3, n_sequences=6, batch_size=3),
    "gru_after": RNNParams(cell="gru", gru_form="reset_after", task="sine", hidden=3, seq_len=5, n_sequences=4,
                           batch_size=2),
    "mingru": RNNParams(cell="mingru", task="sine", hidden=3, seq_len=6, n_sequences=4, batch_size=2),
}
for name, p in cases.items():
    m = RNNModel(p, 5)
    for _ in range(7):
        m.step(0)
    m.step(2)
    m.advance(3)
    for k, v in m.traces().items():
        out[name + "." + k] = v
    if p.cell == "mingru":
        out[name + ".scan"] = m.frame().data["scan"]["scan"]
np.savez(sys.argv[1], **out)
"""


def run(path, disable):
    env = dict(os.environ, NUMBA_DISABLE_JIT="1" if disable else "0")
    subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, check=True, timeout=300)
    return np.load(path)


def test_rnn_kernels_match_plain_python(tmp_path):
    jit = run(tmp_path / "jit.npz", False)
    py = run(tmp_path / "py.npz", True)
    assert sorted(jit.files) == sorted(py.files)
    for key in jit.files:
        assert jit[key].shape == py[key].shape, key
        assert np.allclose(jit[key], py[key], rtol=1e-9, atol=1e-12, equal_nan=True), key
