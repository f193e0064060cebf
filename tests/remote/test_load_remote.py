"""Scenarios loaded over SSH from a real OpenSSH server, and every failure as one clear line."""

from __future__ import annotations

import socket
import threading

import numpy as np
import pytest

from nnlab.cli import main
from nnlab.remote import load_any, parse_remote
from nnlab.remote.address import RemoteRef
from nnlab.scenario import ScenarioError

SCENARIO = """schema = 1
lab = "som"
title = "Remote map"
seed = 3

[params]
dataset = "file"
data_file = "data/points.csv"
rows = 3
cols = 3
epochs = 1
"""


def test_addresses():
    assert parse_remote("ssh://ann@lab.example:2222/srv/s.toml") == RemoteRef("lab.example", "/srv/s.toml", "ann", 2222)
    assert parse_remote("ssh://lab/~/s.toml") == RemoteRef("lab", "s.toml")
    assert parse_remote("ann@lab:dir/s.toml") == RemoteRef("lab", "dir/s.toml", "ann")
    assert parse_remote("lab:/abs/") == RemoteRef("lab", "/abs/")
    assert parse_remote("lab:/abs/").is_dir
    for local in ("neuron_hh_spike", "scenarios/x.toml", "./a:b.toml", "/tmp/x.toml", "C:\\x.toml"):
        assert parse_remote(local) is None
    assert str(RemoteRef("lab", "s.toml", "ann", 2222)) == "ssh://ann@lab:2222/~/s.toml"


def _put(server, rel: str, text: str) -> None:
    path = server.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_scenario_and_its_data_file_over_ssh(server, capsys):
    _put(server, "class/map.toml", SCENARIO)
    _put(server, "class/data/points.csv", "x,y\n" + "\n".join(f"{i / 40},{(i * 7 % 40) / 40}" for i in range(40)))
    sc = load_any(server.url("class/map.toml"))
    assert sc.lab == "som" and sc.title == "Remote map" and sc.source == server.url("class/map.toml")
    assert sc.params.data_file.endswith("data/points.csv") and not sc.params.data_file.startswith(str(server.root))
    from nnlab.core.registry import LABS

    model = LABS["som"].build_model(sc.params, sc.seed)
    assert model.x.shape == (40, 2)
    scp = load_any(f"labhost:{server.root}/class/map.toml")
    assert scp.params.rows == 3
    assert main(["run", server.url("class/map.toml"), "--json"]) == 0
    assert '"qe"' in capsys.readouterr().out
    assert main(["check", server.url("class/map.toml")]) == 0


def test_a_directory_lists_its_scenarios(server, capsys):
    _put(server, "many/a.toml", SCENARIO)
    _put(server, "many/b.toml", SCENARIO)
    _put(server, "many/notes.txt", "x")
    from nnlab.remote.fetch import list_remote

    found = list_remote(parse_remote(server.url("many/")))
    assert [r.path.rsplit("/", 1)[-1] for r in found] == ["a.toml", "b.toml"]
    assert main(["run", server.url("many/")]) == 1
    assert "a.toml, b.toml" in capsys.readouterr().err


def _one_line(ref: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_any(ref)
    text = "\n".join(str(p) for p in info.value.problems)
    assert len(text.splitlines()) == 1 and "Traceback" not in text
    return text


def test_every_failure_is_one_line(server, tmp_path, monkeypatch):
    _put(server, "ok.toml", SCENARIO.replace('data_file = "data/points.csv"', 'dataset = "square"')
         .replace('dataset = "file"\n', ""))
    _put(server, "bad.toml", "schema = 1\nlab = [\n")
    (server.root / "big.toml").write_bytes(b"#" * ((1 << 20) + 10))
    assert "no such file" in _one_line(server.url("missing.toml"))
    assert "too large" in _one_line(server.url("big.toml"))
    bad = _one_line(server.url("bad.toml"))
    assert server.url("bad.toml") in bad and "expected valid TOML" in bad
    server.known("")
    msg = _one_line(server.url("ok.toml"))
    assert "host key is unknown" in msg and "SHA256:" in msg
    server.known(f"[127.0.0.1]:{server.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
    assert "CHANGED" in _one_line(server.url("ok.toml"))
    server.known(f"[127.0.0.1]:{server.port} {server.host_pub}")
    (server.home / ".ssh" / "id_ed25519").rename(tmp_path / "kept")
    try:
        import subprocess

        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(server.home / ".ssh" / "id_ed25519")],
                       check=True)
        assert "authentication failed" in _one_line(server.url("ok.toml"))
    finally:
        (server.home / ".ssh" / "id_ed25519").unlink()
        (server.home / ".ssh" / "id_ed25519.pub").unlink()
        (tmp_path / "kept").rename(server.home / ".ssh" / "id_ed25519")
    assert load_any(server.url("ok.toml")).lab == "som"


def test_connection_failures(server, monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    port = silent.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("NNLAB_SSH_TIMEOUT", "1")
    try:
        assert "no answer within 1 s" in _one_line(f"ssh://127.0.0.1:{port}/x.toml")
    finally:
        stop.set()
        thread.join()
        for c in held:
            c.close()
        silent.close()
    assert "connection refused" in _one_line(f"ssh://127.0.0.1:{port}/x.toml")
    assert "unknown host" in _one_line("ssh://no-such-host.invalid/x.toml")
    assert np is not None
