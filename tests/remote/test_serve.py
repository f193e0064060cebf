"""`nnlab serve` driven by the real OpenSSH client, in a real terminal (tmux), as students would use it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time

import pytest

from tests.remote.conftest import start_class_server
from tests.remote.terminal import Terminal


def _session_pid(log: str, user: str) -> int:
    pids = re.findall(rf"session start user={user} \S+ pid=(\d+)", log)
    assert pids, log
    return int(pids[-1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def terms():
    made: list[Terminal] = []

    def open_terminal(command: list[str], cols: int = 80, rows: int = 24) -> Terminal:
        t = Terminal(command, cols, rows)
        made.append(t)
        return t

    yield open_terminal
    for t in made:
        t.close()


def _lab(term: Terminal) -> str:
    return term.wait(lambda s: "1 Neuron" in s and "step 0" in s, 60, "the neuron lab")


def test_connect_step_resize_and_disconnect(class_server, terms):
    term = terms(class_server.ssh("alice", "-tt"))
    screen = _lab(term)
    assert "paused  t = 0 ms  step 0" in screen
    term.keys("n")
    term.keys("n")
    screen = term.wait_text("step 2")
    assert "t = 0.02 ms" in screen

    term.resize(120, 32)
    screen = term.wait(lambda s: len(s.splitlines()) == 32 and len(s.splitlines()[1].rstrip()) == 120, 20,
                       "the app at 120x32")
    assert "step 2" in screen.splitlines()[-2]
    term.resize(70, 20)
    term.wait(lambda s: len(s.splitlines()) == 20 and len(s.splitlines()[1].rstrip()) == 70, 20, "the app at 70x20")

    pid = _session_pid(class_server.log(), "alice")
    assert _alive(pid)
    term.close()
    class_server.wait_log(f"pid={pid} after")
    assert re.search(rf"session end user=alice \S+ pid={pid} after [\d.]+ s: the client disconnected",
                     class_server.log())
    end = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < end:
        time.sleep(0.1)
    assert not _alive(pid)


def test_quitting_the_app_ends_the_connection(class_server, terms):
    term = terms(class_server.ssh("quitter", "-tt"))
    _lab(term)
    term.keys("q")
    term.wait_text("[client exited] 0", 20)
    log = class_server.wait_log("user=quitter")
    class_server.wait_log("the app quit")
    assert "session end user=quitter" in log or "session end user=quitter" in class_server.log()


def test_class_scenarios_open_and_paths_outside_are_refused(class_server, terms):
    term = terms(class_server.ssh("carol", "-tt"), 110, 32)
    _lab(term)
    term.keys("o")
    screen = term.wait_text("Week 1:")
    assert "week1/lif.toml" in screen
    typed = ""
    for name, why in (("../secret.toml", "a path with .."), ("/etc/passwd", "an absolute path"),
                      ("escape.toml", "a link that leads out of it"),
                      ("ssh://me@example.org/x.toml", "found an SSH address")):
        if typed:
            term.clear_input(typed)
        term.type(name)
        typed = name
        term.keys("Enter")
        screen = term.wait_text(why)
        assert "SECRET" not in screen
    term.clear_input(typed)
    term.type("week1/lif")
    term.keys("Enter")
    term.wait_text("opening lif: Week 1:")


def test_a_student_saves_into_their_own_folder(class_server, terms):
    term = terms(class_server.ssh("dave", "-tt"), 110, 32)
    _lab(term)
    term.keys("s")
    term.wait_text("Save the scenario in your folder")
    term.clear_input("neuron_hh_spike.toml")
    term.type("../../escape.toml")
    term.keys("Enter")
    term.wait_text("expected a plain file name")
    term.clear_input("../../escape.toml")
    term.type("mine.toml")
    term.keys("Enter")
    term.wait_text("scenario saved to ~/mine.toml")
    saved = class_server.data / "users" / "dave" / "mine.toml"
    assert saved.is_file() and 'lab = "neuron"' in saved.read_text()
    assert not (class_server.scenarios / "mine.toml").exists()
    term.keys("o")
    term.wait_text("~/mine.toml")


def test_one_session_crashing_leaves_the_others_running(class_server, terms):
    a = terms(class_server.ssh("erin", "-tt"))
    b = terms(class_server.ssh("frank", "-tt"))
    _lab(a)
    _lab(b)
    os.kill(_session_pid(class_server.log(), "erin"), signal.SIGKILL)
    a.wait_text("the lab stopped unexpectedly", 20)
    class_server.wait_log("user=erin")
    assert re.search(r"session end user=erin .*exit status -9", class_server.wait_log("exit status -9"))
    b.keys("n")
    b.wait_text("step 1")


def test_a_key_not_in_the_file_is_refused(class_server):
    out = subprocess.run(class_server.ssh("alice", key="stranger"), capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 255
    assert "Permission denied (publickey)" in out.stderr
    assert "auth failed user=alice" in class_server.wait_log("auth failed user=alice")


def test_a_key_bound_to_a_name_logs_in_under_that_name_only(class_server):
    as_bob = subprocess.run(class_server.ssh("bob", key="bob") + ["true"], capture_output=True, text=True, timeout=30)
    assert as_bob.returncode == 1 and "runs the lab only" in as_bob.stderr + as_bob.stdout
    as_alice = subprocess.run(class_server.ssh("alice", key="bob") + ["true"], capture_output=True, text=True,
                              timeout=30)
    assert as_alice.returncode == 255 and "Permission denied (publickey)" in as_alice.stderr


def test_commands_terminals_missing_and_sftp_are_refused(class_server):
    out = subprocess.run(class_server.ssh("alice") + ["cat", "/etc/passwd"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 1
    assert "runs the lab only, no commands" in out.stdout + out.stderr
    assert "root:" not in out.stdout
    assert "refused command 'cat /etc/passwd' user=alice" in class_server.wait_log("refused command")

    out = subprocess.run(class_server.ssh("alice", "-T"), capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 1 and "the lab needs a terminal" in out.stdout + out.stderr

    sftp = ["sftp", "-F", "/dev/null", "-P", str(class_server.port)] + class_server.ssh("alice")[5:]
    out = subprocess.run(sftp, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert out.returncode != 0
    assert "refused subsystem 'sftp'" in class_server.wait_log("refused subsystem")


def test_port_forwarding_is_refused(class_server):
    out = subprocess.run(class_server.ssh("alice", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:22"),
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 255 and "forwarding failed" in out.stderr
    assert "refused remote forward" in class_server.wait_log("refused remote forward")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        local = s.getsockname()[1]
    client = subprocess.Popen(class_server.ssh("alice", "-N", "-L", f"{local}:127.0.0.1:{class_server.port}"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        conn = None
        for _ in range(100):
            try:
                conn = socket.create_connection(("127.0.0.1", local), timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        assert conn is not None
        conn.settimeout(10)
        with conn:
            assert conn.recv(100) == b""  # the SSH server's banner would show a working tunnel
        class_server.wait_log(f"refused port forward to '127.0.0.1':{class_server.port}")
    finally:
        client.kill()
        client.wait(timeout=10)


def test_max_sessions_idle_timeout_and_stopping_the_server(tmp_path, terms):
    server = start_class_server(tmp_path, "--max-sessions", "1", "--idle-timeout", "8")
    try:
        first = terms(server.ssh("alice", "-tt"))
        _lab(first)
        second = terms(server.ssh("bob", "-tt", key="bob"))
        second.wait_text("the class is full (1 sessions running)", 30)
        assert "refused the class is full (1 sessions running)" in server.wait_log("refused the class is full")
        first.wait_text("closed after 8 s without a key press", 30)
        assert "idle for 8 s" in server.wait_log("idle for 8 s")
        third = terms(server.ssh("bob", "-tt", key="bob"))
        server.wait_log("session start user=bob")
        pid = _session_pid(server.log(), "bob")
        server.stop()
        third.wait_text("the class server was stopped", 20)
        assert server.proc.returncode == 0 and not _alive(pid)
        assert "session end user=bob" in server.log() and "the server stopped" in server.log()
    finally:
        server.stop()


def test_the_host_key_is_private(class_server):
    key = class_server.data / "host_key_ed25519"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert class_server.log().count("host key made") == 1
