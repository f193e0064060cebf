"""Layering: the cores and the scenario loader import no terminal library."""

import subprocess
import sys


def test_core_and_scenario_import_without_textual_rich_or_plotext():
    code = (
        "import sys\n"
        "import nnlab.core, nnlab.scenario, nnlab.core.registry, nnlab.core.runner\n"
        "import nnlab.core.neuron.model, nnlab.core.neuron.kernels\n"
        "from nnlab.core.neuron.kernels import warmup\n"
        "bad = [m for m in ('textual', 'rich', 'plotext') if m in sys.modules]\n"
        "print('BAD', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "BAD []" in out.stdout, out.stderr


def test_only_nnlab_remote_imports_asyncssh_and_local_use_never_loads_it():
    from pathlib import Path

    import nnlab

    root = Path(nnlab.__file__).parent
    importers = {p.relative_to(root).parts[0] for p in root.rglob("*.py") if "import asyncssh" in p.read_text()}
    assert importers == {"remote"}
    code = ("import sys\nfrom nnlab.remote import load_any\nload_any('som_square')\n"
            "print('LOADED', 'asyncssh' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "LOADED False" in out.stdout, out.stderr
