"""A real OpenSSH server on 127.0.0.1 for the remote tests: Debian's sshd with a temporary config, host
key and user key, and a HOME whose ~/.ssh (key, known_hosts, config) is what the client reads."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class Server:
    port: int
    user: str
    root: Path
    """Directory the tests put remote files in (an absolute path on the 'remote' host)."""
    home: Path
    host_pub: str

    def url(self, rel: str) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{self.root}/{rel}"

    def known(self, line: str) -> None:
        (self.home / ".ssh" / "known_hosts").write_text(line + "\n")


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory):
    if not Path(SSHD).exists():
        pytest.skip("Debian's openssh-server is not installed here (.ci/run installs it; CI never skips)")
    d = tmp_path_factory.mktemp("sshd")
    host_pub = _keygen(d / "host_key")
    user_pub = _keygen(d / "user_key")
    (d / "authorized_keys").write_text(user_pub + "\n")
    port = _free_port()
    (d / "sshd_config").write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {d / 'host_key'}
PidFile {d / 'sshd.pid'}
AuthorizedKeysFile {d / 'authorized_keys'}
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
""")
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"sshd did not start: {proc.stderr.read().decode()}")
            time.sleep(0.05)
    root = d / "remote"
    root.mkdir()
    home = d / "home"
    (home / ".ssh").mkdir(parents=True)
    shutil.copy(d / "user_key", home / ".ssh" / "id_ed25519")
    os.chmod(home / ".ssh" / "id_ed25519", 0o600)
    yield Server(port, getpass.getuser(), root, home, host_pub)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def server(sshd_server, monkeypatch):
    """The server, with HOME set to a fresh home that trusts its host key and holds the user's key."""
    s = sshd_server
    ssh = s.home / ".ssh"
    for f in ssh.iterdir():
        if f.name not in ("id_ed25519",):
            f.unlink()
    s.known(f"[127.0.0.1]:{s.port} {s.host_pub}")
    (ssh / "config").write_text(f"Host labhost\n    HostName 127.0.0.1\n    Port {s.port}\n    User {s.user}\n")
    monkeypatch.setenv("HOME", str(s.home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.setenv("NNLAB_SSH_TIMEOUT", "5")
    return s


@dataclass
class ClassServer:
    """A running `nnlab serve`, its folders, and the keys of its students."""

    proc: subprocess.Popen
    port: int
    root: Path
    data: Path
    scenarios: Path
    log_path: Path
    known_hosts: Path
    keys: dict[str, Path]

    def ssh(self, user: str, *args: str, key: str = "student") -> list[str]:
        """The OpenSSH client's command line, trusting this server's host key only, with one key."""
        return ["ssh", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.keys[key]),
                "-o", "IdentitiesOnly=yes", "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                *args, f"{user}@127.0.0.1"]

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_log(self, text: str, timeout: float = 20.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            log = self.log()
            if text in log:
                return log
            time.sleep(0.1)
        raise AssertionError(f"the server never logged {text!r}; its log:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_class_server(root: Path, *options: str) -> ClassServer:
    """`nnlab serve` on a free port of 127.0.0.1, with a class folder, two student keys (one bound to the
    name bob) and a key it does not know."""
    import sys

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed here (.ci/run installs it; CI never skips)")
    root.mkdir(parents=True, exist_ok=True)
    keys = {name: root / f"id_{name}" for name in ("student", "bob", "stranger")}
    pubs = {name: _keygen(path) for name, path in keys.items()}
    (root / "authorized_keys").write_text(f"# the class\n{pubs['student']}\nprincipals=\"bob\" {pubs['bob']}\n")
    scenarios = root / "class"
    (scenarios / "week1").mkdir(parents=True)
    bundled = Path(__file__).resolve().parents[2] / "scenarios"
    text = (bundled / "neuron_lif_constant.toml").read_text()
    (scenarios / "week1" / "lif.toml").write_text(text.replace('title = "', 'title = "Week 1: ', 1))
    (root / "secret.toml").write_text(text.replace('title = "', 'title = "SECRET ', 1))
    (scenarios / "escape.toml").symlink_to(root / "secret.toml")
    port = _free_port()
    data = root / "data"
    log_path = root / "serve.log"
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "nnlab", "serve", "--port", str(port),
                                 "--authorized-keys", str(root / "authorized_keys"), "--scenarios", str(scenarios),
                                 "--data-dir", str(data), *options], stdout=log, stderr=subprocess.STDOUT, env=env)
    server = ClassServer(proc, port, root, data, scenarios, log_path, root / "known_hosts", keys)
    end = time.monotonic() + 30
    while "listening on" not in server.log():
        if proc.poll() is not None or time.monotonic() > end:
            server.stop()
            pytest.fail(f"nnlab serve did not start: {server.log()}")
        time.sleep(0.05)
    host_pub = subprocess.run(["ssh-keygen", "-y", "-f", str(data / "host_key_ed25519")], capture_output=True,
                              text=True, check=True).stdout.split()
    server.known_hosts.write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    return server


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    server = start_class_server(tmp_path_factory.mktemp("class"))
    yield server
    server.stop()
