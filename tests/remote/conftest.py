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
