"""A read-only install keeps numba's cache in the user's cache directory instead."""

import os
import subprocess
import sys


def test_read_only_package_falls_back_to_the_user_cache(tmp_path):
    code = (
        "import os\n"
        "real = os.access\n"
        "os.access = lambda p, mode: False if str(p).endswith('nnlab/core') else real(p, mode)\n"
        "import nnlab.core._jit\n"
        "print(os.environ['NUMBA_CACHE_DIR'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "nnlab" / "numba")
    assert (tmp_path / "nnlab" / "numba").is_dir()


def test_a_writable_package_keeps_numbas_default():
    code = "import os, nnlab.core._jit; print(os.environ.get('NUMBA_CACHE_DIR', 'default'))"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "default"
