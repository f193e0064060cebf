"""Load benchmark of `nnlab serve`, the SSH class server, against OpenSSH's sshd with a ForceCommand.

One run starts both servers on free ports of 127.0.0.1, with temporary host keys, data folders and
one fresh ed25519 user key, and drives them with the real OpenSSH client (`ssh -tt`), each client in
its own pseudo-terminal of 80x24:

- **uncontended**: one client at a time; seconds from starting `ssh` to the first complete screen
  (the client's output, escape sequences stripped, holds both "1 Neuron" and "step 0"); one untimed
  warm-up connection per server first, then `--runs` rounds, each connecting once to each server.
- **load**: `--sessions` clients started at once (users s01, s02, ... on nnlab serve; the current
  user on sshd), each one's connect -> first screen time; then, after 5 s of rest once every client has
  its first screen, for `--seconds` every client presses
  `n` (one step of dt) about every 0.5 s, and the script follows the `step N` each session shows
  and the time from writing `n` to the counter's change in the stream (keypress -> screen latency).
  A session is *dropped* if its ssh client exited, or its step counter did not advance during the
  last 10 s. Every 5 s: VmRSS and Pss (smaps_rollup) of each session's app process, of the server
  (nnlab serve's own process; sshd's listener and its per-connection processes) and the machine's
  CPU use (/proc/stat). The load runs `--load-rounds` times per server (default 2, in the order nnlab serve,
  sshd, sshd, nnlab serve), since this shared machine's speed swings by a third from one minute to the next
  and 20 sessions on 2 cores turn that into queueing; the rounds' samples are pooled, and each round is
  reported with a speed probe taken before it and the apps' CPU time per key press.

The peer, **sshd + ForceCommand**, is how an instructor would host the lab without nnlab serve:
Debian's /usr/sbin/sshd -D -e -f CONFIG, `ForceCommand exec <python> -m nnlab`, the same key in
AuthorizedKeysFile, login as the current user (root here). Its sessions get the environment nnlab
serve gives its own (PYTHONPATH, NUMBA_CACHE_DIR, LANG, PYTHONIOENCODING, OPENBLAS_NUM_THREADS=1...),
through SetEnv, so both run the same nnlab the same way. MaxStartups is raised to 100:30:200: with
sshd's default (10:30:100) 20 simultaneous logins would see some connections dropped at random.

    python benchmarks/serve_load.py            # 20 sessions, 60 s, 2 load rounds per server: about 10 minutes
    python benchmarks/serve_load.py --quick    # 3 sessions, 10 s, 1 load round: results/serve_load.quick.*

Options --sessions N, --seconds S, --runs N (uncontended rounds), --load-rounds N; a run with other values than
the defaults writes results/serve_load.partial-*. To measure a committed nnlab while the checkout is edited, put
an exported snapshot first on PYTHONPATH (see README.md); servers and sessions then import it too.

Everything it started (clients, servers, sessions, temporary folders) is ended and removed on the way
out, also after an error or Ctrl+C. Nothing here imports the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import collections
import fcntl
import getpass
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from harness import fmt, run_header, speed_probe, table, write_results

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SIZE = (80, 24)
"""Columns and rows of every client's terminal."""
PRESS_EVERY = 0.5
SAMPLE_EVERY = 5.0
SETTLE = 5.0
"""Seconds between the last first screen and the first key press of the load."""
STALL_WINDOW = 10.0
"""A session whose step counter did not move for this long at the end of the load counts as dropped."""
FIRST_SCREEN_TIMEOUT = 60.0
LOAD_SCREEN_TIMEOUT = 240.0
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "NUMBA_CACHE_DIR", "OPENBLAS_NUM_THREADS",
              "PYTHONPATH", "VIRTUAL_ENV")
"""What nnlab serve passes on to a session (HOME aside, which sshd sets itself); given to sshd's sessions too."""
HZ = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

# Escape sequences: CSI, OSC, charset selection and the two-byte ones. Cursor moves become a line break, so
# that text from two places of the screen never runs together ("step 1" next to "2 ..." is not "step 12").
ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]")
MOVES = set("ABCDEFGHdf")
STEP = re.compile(r"step (\d+)(?=\D)")
TABS = "1 Neuron"
SESSION_START = re.compile(r"session start user=(\S+) addr=\S+ pid=(\d+)")
SESSION_END = re.compile(r"session end user=(\S+) addr=\S+ pid=(\d+) after [\d.]+ s: (.*)")
ORDINARY_LOG = re.compile(r"(?:\S+ \S+ )?(?:connect addr=|auth ok user=|session start user=|session end user=.*: "
                          r"(?:the client disconnected|the server stopped)$|disconnect user=|host key made: |"
                          r"nnlab serve: listening on |students connect with: |stopping: )")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def strip(text: str) -> str:
    return ESCAPE.sub(lambda m: "\n" if m.group(0)[-1] in MOVES and m.group(0)[1] == "[" else "", text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "serve_load", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# -- /proc -------------------------------------------------------------------------------------------------
def proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError, ValueError):
            continue
        out[int(entry)] = (ppid, cmd)
    return out


def descendants(root: int, procs: dict[int, tuple[int, str]]) -> list[int]:
    children = collections.defaultdict(list)
    for pid, (ppid, _) in procs.items():
        children[ppid].append(pid)
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def mem_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, Pss) of a process in kB, or None once it is gone."""
    try:
        rss = pss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                    break
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
        return rss, pss
    except (OSError, ValueError):
        return None


def environment(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            items = f.read().decode(errors="replace").split("\0")
    except OSError:
        return {}
    return dict(sorted(item.split("=", 1) for item in items if "=" in item))


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process used so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except (OSError, IndexError, ValueError):
        return 0.0


def sched_s(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of all threads of a process so far."""
    run = wait = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0, 0.0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                a, b, _ = f.read().split()
            run += int(a)
            wait += int(b)
        except (OSError, ValueError):
            continue
    return run / 1e9, wait / 1e9


def machine_ticks() -> list[tuple[int, int]]:
    """(busy, total) CPU ticks of the whole machine, then of each core (steal counts as busy)."""
    out = []
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu"):
                break
            v = [int(a) for a in line.split()[1:]]
            idle = v[3] + (v[4] if len(v) > 4 else 0)
            out.append((sum(v[:8]) - idle, sum(v[:8])))
    return out


def busy_between(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[float]:
    """Busy fraction of the machine, then of each core, between two `machine_ticks()`."""
    return [round((y[0] - x[0]) / max(y[1] - x[1], 1), 4) for x, y in zip(a, b)]


def alive(pid: int, marker: str = "") -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and marker in cmd


def kill_pids(pids: list[int], marker: str = "", grace: float = 3.0) -> None:
    """SIGTERM, then SIGKILL after `grace`, to the processes still alive whose command line holds `marker`."""
    pids = [p for p in pids if alive(p, marker)]
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    end = time.monotonic() + grace
    while time.monotonic() < end and any(alive(p, marker) for p in pids):
        time.sleep(0.05)
    for p in pids:
        if alive(p, marker):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


CLEANUPS: list[Callable[[], None]] = []
"""Run in reverse order on the way out, whatever happened."""


def stop_popen(proc: subprocess.Popen, group: bool = False, grace: float = 5.0) -> None:
    if proc.poll() is None:
        try:
            if group:
                os.killpg(proc.pid, signal.SIGTERM)
            else:
                proc.terminate()
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                if group:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
            except ProcessLookupError:
                pass
            proc.wait()


# -- servers ---------------------------------------------------------------------------------------------------
class Server:
    label = ""
    port = 0
    proc: subprocess.Popen
    log_path: Path
    known_hosts: Path
    key: Path

    def user(self, i: int) -> str:
        raise NotImplementedError

    def sessions(self) -> dict[int, list[int]]:
        """The running sessions: app pid -> the pids of the processes the server keeps for that connection."""
        raise NotImplementedError

    def server_pids(self) -> list[int]:
        """The server's own processes (shared by all sessions)."""
        return [self.proc.pid]

    def ssh(self, user: str) -> list[str]:
        return ["ssh", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.key), "-o", "IdentitiesOnly=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-tt", f"{user}@127.0.0.1"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def trust(self, host_key: Path) -> None:
        pub = subprocess.run(["ssh-keygen", "-y", "-f", str(host_key)], capture_output=True, text=True,
                             check=True).stdout.split()
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {pub[0]} {pub[1]}\n")


class NnlabServe(Server):
    label = "nnlab serve"

    def __init__(self, root: Path, key: Path, authorized: Path, env: dict[str, str], max_sessions: int) -> None:
        root.mkdir()
        self.key = key
        self.port = free_port()
        self.data = root / "data"
        self.log_path = root / "serve.log"
        self.known_hosts = root / "known_hosts"
        self.argv = [sys.executable, "-m", "nnlab", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                     "--authorized-keys", str(authorized), "--data-dir", str(self.data), "--idle-timeout", "0",
                     "--max-sessions", str(max_sessions)]
        with open(self.log_path, "w") as out:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True, cwd=root)
        CLEANUPS.append(self.stop)
        end = time.monotonic() + 60
        while "listening on" not in self.log():
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"nnlab serve did not start:\n{self.log()}")
            time.sleep(0.05)
        self.trust(self.data / "host_key_ed25519")

    def user(self, i: int) -> str:
        return f"s{i:02d}"

    def logged_sessions(self) -> tuple[dict[int, str], dict[int, str]]:
        """pid -> user of every session start in the log, and pid -> reason of every session end."""
        text = self.log()
        started = {int(m.group(2)): m.group(1) for m in SESSION_START.finditer(text)}
        ended = {int(m.group(2)): m.group(3) for m in SESSION_END.finditer(text)}
        return started, ended

    def sessions(self) -> dict[int, list[int]]:
        started, ended = self.logged_sessions()
        return {pid: [] for pid in started if pid not in ended and alive(pid, "class_session")}

    def stop(self) -> None:
        started, _ = self.logged_sessions() if self.log_path.exists() else ({}, {})
        stop_popen(self.proc, grace=15)
        kill_pids(list(started), "class_session")


class Sshd(Server):
    label = "sshd + ForceCommand"

    def __init__(self, root: Path, key: Path, authorized: Path, env: dict[str, str]) -> None:
        root.mkdir()
        self.key = key
        self.port = free_port()
        self.log_path = root / "sshd.log"
        self.known_hosts = root / "known_hosts"
        keygen(root / "host_key")
        self.set_env = [k for k in (*PASSED_ENV, "PYTHONIOENCODING") if k in env]
        set_env = " ".join(f'"{k}={env[k]}"' for k in self.set_env)
        self.force = f"exec {sys.executable} -m nnlab"
        config = root / "sshd_config"
        config.write_text(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey {root / 'host_key'}
PidFile {root / 'sshd.pid'}
AuthorizedKeysFile {authorized}
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
MaxStartups 100:30:200
SetEnv {set_env}
ForceCommand {self.force}
""")
        self.config_text = config.read_text()
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"sshd refuses its config: {check.stderr.strip()}")
        with open(self.log_path, "w") as out:
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True, cwd=root)
        CLEANUPS.append(self.stop)
        end = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"sshd did not start:\n{self.log()}") from None
                time.sleep(0.05)
        self.trust(root / "host_key")
        self.login = getpass.getuser()

    def user(self, i: int) -> str:
        return self.login

    def sessions(self) -> dict[int, list[int]]:
        procs = proc_table()
        out = {}
        for pid in descendants(self.proc.pid, procs):
            cmd = procs[pid][1]
            if "-m nnlab" in cmd and os.path.basename(cmd.split()[0]).startswith("python"):
                chain, p = [], procs[pid][0]
                while p in procs and p != self.proc.pid:
                    chain.append(p)
                    p = procs[p][0]
                out[pid] = chain
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            rest = descendants(self.proc.pid, proc_table())
        else:
            rest = []
        stop_popen(self.proc, grace=10)
        kill_pids(rest)


# -- clients ----------------------------------------------------------------------------------------------------
class Client:
    """One `ssh -tt` in its own 80x24 pseudo-terminal, read by the event loop; follows the session's screen."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.master = -1
        self.proc: subprocess.Popen | None = None
        self.t0 = 0.0
        self.first_screen: float | None = None
        self.saw_tabs = False
        self.saw_step0 = False
        self.step = -1
        self.step_changed = 0.0
        self.presses: collections.deque[float] = collections.deque()
        self.pressed = 0
        self.latencies: list[float] = []
        self.trace: list[tuple[float, float]] = []
        """(when the key was written, seconds until its step showed) of every answered key press."""
        self.tail = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.bytes = 0
        self.eof = False
        self.step_at_press_start = 0
        self.screen_seen = asyncio.Event()

    def start(self) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        os.set_blocking(master, False)
        CLEANUPS.append(self.stop)
        asyncio.get_running_loop().add_reader(master, self._read)

    def _read(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.eof = True
            asyncio.get_running_loop().remove_reader(self.master)
            return
        now = time.perf_counter()
        self.bytes += len(data)
        text = self.tail + self.decoder.decode(data)
        self.tail = text[-400:]
        clean = strip(text)
        if self.first_screen is None:
            self.saw_tabs = self.saw_tabs or TABS in clean
            self.saw_step0 = self.saw_step0 or any(m.group(1) == "0" for m in STEP.finditer(clean))
            if self.saw_tabs and self.saw_step0:
                self.first_screen = now - self.t0
                self.step = 0
                self.step_changed = now
                self.screen_seen.set()
        steps = STEP.findall(clean)
        if steps and self.first_screen is not None:
            s = int(steps[-1])
            if s > self.step:
                for _ in range(min(s - self.step, len(self.presses))):
                    t = self.presses.popleft()
                    self.latencies.append(now - t)
                    self.trace.append((t, now - t))
                self.step = s
                self.step_changed = now

    def press(self) -> None:
        if self.master < 0 or self.eof:
            return
        try:
            os.write(self.master, b"n")
        except OSError:
            return
        self.presses.append(time.perf_counter())
        self.pressed += 1

    @property
    def exited(self) -> bool:
        return self.proc is None or self.proc.poll() is not None

    def stop(self) -> None:
        if self.master >= 0:
            try:
                asyncio.get_running_loop().remove_reader(self.master)
            except RuntimeError:
                pass
        if self.proc is not None:
            stop_popen(self.proc, group=True, grace=3)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


def client_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    env["TERM"] = "xterm-256color"
    return env


async def wait_gone(server: Server, pids: list[int], timeout: float = 30.0) -> float:
    """Seconds until the session processes `pids` are gone (inf after `timeout`)."""
    t0 = time.perf_counter()
    while any(p in server.sessions() for p in pids):
        if time.perf_counter() - t0 > timeout:
            return float("inf")
        await asyncio.sleep(0.05)
    return time.perf_counter() - t0


async def wait_no_sessions(server: Server, timeout: float = 30.0) -> float:
    t0 = time.perf_counter()
    while server.sessions():
        if time.perf_counter() - t0 > timeout:
            return float("inf")
        await asyncio.sleep(0.1)
    return time.perf_counter() - t0


async def solo(server: Server, name: str) -> dict[str, Any]:
    """One client alone: seconds to the first complete screen, then disconnect and wait for the session to end."""
    client = Client(name, server.ssh(name), client_env())
    client.start()
    try:
        await asyncio.wait_for(client.screen_seen.wait(), FIRST_SCREEN_TIMEOUT)
    except asyncio.TimeoutError:
        pass
    sessions = server.sessions()
    mem = {pid: mem_kb(pid) for pid in sessions}
    procs = proc_table()
    processes = [{"app": procs.get(pid, (0, "?"))[1], "environment": environment(pid),
                  "connection_processes": [procs.get(p, (0, "?"))[1] for p in chain]} for pid, chain in sessions.items()]
    client.stop()
    CLEANUPS.remove(client.stop)
    gone = await wait_gone(server, list(sessions))
    return {"first_screen_s": client.first_screen, "exited_early": client.eof and client.first_screen is None,
            "session_mem_kb": [m for m in mem.values() if m], "session_end_s": gone, "processes": processes}


# -- the load ---------------------------------------------------------------------------------------------------
def sample(server: Server, t0: float, ticks: list[tuple[int, int]]) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    now = machine_ticks()
    busy, *cores = busy_between(ticks, now)
    sessions = server.sessions()
    apps, conn = {}, {}
    for pid, chain in sessions.items():
        m = mem_kb(pid)
        if m:
            apps[pid] = m
        ms = [x for x in (mem_kb(p) for p in chain) if x]
        if ms:
            conn[pid] = (sum(x[0] for x in ms), sum(x[1] for x in ms))
    srv = [x for x in (mem_kb(p) for p in server.server_pids()) if x]
    return {
        "t_s": round(time.perf_counter() - t0, 2),
        "machine_cpu_busy": busy,
        "core_busy": cores,
        "sessions": len(apps),
        "app_rss_kb": [m[0] for m in apps.values()],
        "app_pss_kb": [m[1] for m in apps.values()],
        "conn_rss_kb": [m[0] for m in conn.values()],
        "conn_pss_kb": [m[1] for m in conn.values()],
        "server_rss_kb": sum(m[0] for m in srv),
        "server_pss_kb": sum(m[1] for m in srv),
    }, now


async def load(server: Server, n: int, seconds: float) -> dict[str, Any]:
    """`n` clients at once; their first screens; `seconds` of a key press every 0.5 s each; memory and CPU."""
    idle = sample(server, time.perf_counter(), machine_ticks())[0]
    srv_cpu0 = sum(cpu_s(p) for p in server.server_pids())
    env = client_env()
    clients = [Client(server.user(i + 1), server.ssh(server.user(i + 1)), env) for i in range(n)]
    t0 = time.perf_counter()
    ticks = ticks_connect0 = machine_ticks()
    started_at = time.time()
    for c in clients:
        c.start()
    log(f"  {server.label}: {n} clients started in {time.perf_counter() - t0:.2f} s")
    samples: list[dict[str, Any]] = []
    stop_sampling = asyncio.Event()

    async def sampler() -> None:
        nonlocal ticks
        while not stop_sampling.is_set():
            s, ticks = sample(server, t0, ticks)
            s["phase"] = phase
            samples.append(s)
            log(f"    t={s['t_s']:6.1f} s  {phase:<7} sessions {s['sessions']:2d}  "
                f"screens {sum(c.first_screen is not None for c in clients):2d}/{n}  "
                f"CPU {100 * s['machine_cpu_busy'] if samples[1:] else float('nan'):3.0f}% "
                f"({'/'.join(f'{100 * c:.0f}' for c in s['core_busy']) if samples[1:] else '-'})  "
                f"app PSS median {median(s['app_pss_kb']) / 1024:5.1f} MB  server RSS {s['server_rss_kb'] / 1024:5.1f} MB")
            try:
                await asyncio.wait_for(stop_sampling.wait(), SAMPLE_EVERY)
            except asyncio.TimeoutError:
                pass

    phase = "connect"
    sampling = asyncio.ensure_future(sampler())
    end = t0 + LOAD_SCREEN_TIMEOUT
    while time.perf_counter() < end and not all(c.first_screen is not None or c.exited for c in clients):
        await asyncio.sleep(0.05)
    connect_s = time.perf_counter() - t0
    busy_connect = busy_between(ticks_connect0, machine_ticks())[0]
    shown = [c for c in clients if c.first_screen is not None]
    log(f"  {server.label}: {len(shown)}/{n} first screens in {connect_s:.1f} s")

    # A few seconds for the apps to finish what they do after their first screen, so that the key phase
    # measures the steady state.
    phase = "settle"
    await asyncio.sleep(SETTLE)
    phase = "keys"
    press_t0 = time.perf_counter()
    for c in clients:
        c.step_at_press_start = max(c.step, 0)
    ticks_keys = machine_ticks()
    srv_cpu_keys0 = sum(cpu_s(p) for p in server.server_pids())
    at_keys = server.sessions()
    sched0 = {p: sched_s(p) for p in [*server.server_pids(), *at_keys, *(q for ch in at_keys.values() for q in ch)]}

    async def presser(c: Client, offset: float) -> None:
        await asyncio.sleep(offset)
        t = time.perf_counter()
        while t < press_t0 + seconds:
            c.press()
            t += PRESS_EVERY
            await asyncio.sleep(max(0.0, t - time.perf_counter()))

    await asyncio.gather(*(presser(c, PRESS_EVERY * i / n) for i, c in enumerate(shown)))
    await asyncio.sleep(max(0.0, press_t0 + seconds - time.perf_counter()))
    await asyncio.sleep(1.0)  # the answers to the last presses
    stop_sampling.set()
    await sampling
    final, _ = sample(server, t0, ticks_keys)
    final["phase"] = "end"
    final["machine_cpu_busy_keys"] = final.pop("machine_cpu_busy")
    final["core_busy_keys"] = final.pop("core_busy")
    sessions = server.sessions()
    conn_cpu = sum(cpu_s(p) for chain in sessions.values() for p in chain)
    app_cpu = sum(cpu_s(p) for p in sessions)
    srv_cpu = sum(cpu_s(p) for p in server.server_pids())

    def sched_delta(pids: list[int]) -> tuple[float, float]:
        ends = [(sched_s(p), sched0.get(p, (0.0, 0.0))) for p in pids]
        return sum(e[0] - b[0] for e, b in ends), sum(e[1] - b[1] for e, b in ends)

    ssh_side = [*server.server_pids(), *(q for ch in sessions.values() for q in ch)]
    sched_ssh = sched_delta(ssh_side)
    sched_apps = sched_delta(list(sessions))

    per_client = []
    dropped = []
    for c in clients:
        why = []
        if c.first_screen is None:
            why.append("no first screen")
        if c.exited:
            why.append(f"ssh exited (status {c.proc.returncode if c.proc else None})")
        if c.first_screen is not None and c.step_changed < press_t0 + seconds - STALL_WINDOW:
            why.append(f"step counter stuck at {c.step} for the last {press_t0 + seconds - c.step_changed:.1f} s")
        if why:
            dropped.append({"client": c.name, "index": clients.index(c) + 1, "why": why})
        per_client.append({"user": c.name, "first_screen_s": c.first_screen, "steps": c.step - c.step_at_press_start,
                           "presses": c.pressed, "unanswered": len(c.presses), "bytes": c.bytes,
                           "latency_ms_median": 1e3 * median(c.latencies) if c.latencies else None,
                           "latency_trace": " ".join(f"{t - press_t0:.3f}:{1e3 * x:.1f}" for t, x in c.trace)})
    latencies = [x for c in clients for x in c.latencies]
    firsts = [c.first_screen for c in shown]
    steps = [c.step - c.step_at_press_start for c in shown]
    keys_samples = [s for s in samples if s["phase"] == "keys"]
    out = {
        "t_started": started_at,
        "sessions_asked": n,
        "sessions_started": max([s["sessions"] for s in samples] + [len(sessions)]),
        "clients_with_first_screen": len(shown),
        "dropped": dropped,
        "first_screen_s": firsts,
        "first_screen_s_median": median(firsts),
        "first_screen_s_p90": pct(firsts, 90),
        "first_screen_s_max": max(firsts) if firsts else float("nan"),
        "all_first_screens_after_s": connect_s,
        "keys_seconds": seconds,
        "steps_min": min(steps) if steps else 0,
        "steps_median": median(steps),
        "presses": sum(c.pressed for c in clients),
        "unanswered_presses": sum(len(c.presses) for c in clients),
        "latency_ms_median": 1e3 * median(latencies),
        "latency_ms_p90": 1e3 * pct(latencies, 90),
        "latency_ms_max": 1e3 * max(latencies) if latencies else float("nan"),
        "latency_count": len(latencies),
        "latencies_ms": [round(1e3 * x, 2) for x in latencies],
        "app_cpu_ms_per_press_keys": 1e3 * sched_apps[0] / max(sum(c.pressed for c in clients), 1),
        "machine_cpu_busy_connect": busy_connect,
        "machine_cpu_busy_keys": final["machine_cpu_busy_keys"],
        "core_busy_keys": final["core_busy_keys"],
        "machine_cpu_busy_keys_samples_mean": float(np.mean([s["machine_cpu_busy"] for s in keys_samples]))
        if keys_samples else float("nan"),
        "idle": idle,
        "end": final,
        "app_rss_mb_median": median(final["app_rss_kb"]) / 1024,
        "app_pss_mb_median": median(final["app_pss_kb"]) / 1024,
        "app_pss_mb_total": sum(final["app_pss_kb"]) / 1024,
        "conn_pss_mb_median": median(final["conn_pss_kb"]) / 1024 if final["conn_pss_kb"] else 0.0,
        "conn_pss_mb_total": sum(final["conn_pss_kb"]) / 1024,
        "server_rss_mb_idle": idle["server_rss_kb"] / 1024,
        "server_rss_mb_end": final["server_rss_kb"] / 1024,
        "server_rss_mb_max": max([s["server_rss_kb"] for s in samples] + [final["server_rss_kb"]]) / 1024,
        "server_pss_mb_idle": idle["server_pss_kb"] / 1024,
        "server_pss_mb_end": final["server_pss_kb"] / 1024,
        "cpu_s_server_whole_load": srv_cpu - srv_cpu0 + conn_cpu,
        "cpu_s_server_keys": srv_cpu - srv_cpu_keys0,
        "keys_ssh_side_on_cpu_s": sched_ssh[0],
        "keys_ssh_side_runqueue_wait_s": sched_ssh[1],
        "keys_apps_on_cpu_s": sched_apps[0],
        "keys_apps_runqueue_wait_s": sched_apps[1],
        "cpu_s_connection_processes": conn_cpu,
        "cpu_s_apps": app_cpu,
        "samples": samples,
        "clients": per_client,
    }
    # Memory of the SSH side per session: sshd's processes for the connection (PSS), or nnlab serve's RSS growth
    # per session (its PSS falls as sessions start, since the apps share its libraries' pages).
    if server.label == "nnlab serve":
        out["ssh_side_pss_mb_per_session"] = (final["server_rss_kb"] - idle["server_rss_kb"]) / 1024 / max(len(sessions), 1)
    else:
        out["ssh_side_pss_mb_per_session"] = out["conn_pss_mb_median"]
    out["per_session_pss_mb"] = out["app_pss_mb_median"] + out["ssh_side_pss_mb_per_session"]
    log(f"  {server.label}: first screen median {out['first_screen_s_median']:.2f} s p90 {out['first_screen_s_p90']:.2f} "
        f"max {out['first_screen_s_max']:.2f}; steps min {out['steps_min']} median {out['steps_median']}; "
        f"latency median {out['latency_ms_median']:.0f} ms p90 {out['latency_ms_p90']:.0f} ms; dropped {len(dropped)}; "
        f"app PSS median {out['app_pss_mb_median']:.1f} MB RSS {out['app_rss_mb_median']:.1f} MB")
    log(f"  {server.label}: key press -> step shown, median per client (ms): "
        + " ".join(f"{c['latency_ms_median']:.0f}" if c["latency_ms_median"] is not None else "-" for c in per_client)
        + f"; key phase: cores busy {' + '.join(f'{100 * c:.0f}%' for c in out['core_busy_keys'])}, apps waited "
        f"{out['keys_apps_runqueue_wait_s']:.1f} s for a CPU")
    t_disc = time.perf_counter()
    pids = list(sessions)
    for c in clients:
        c.stop()
        CLEANUPS.remove(c.stop)
    out["sessions_end_after_disconnect_s"] = await wait_gone(server, pids, timeout=60)
    log(f"  {server.label}: all clients stopped; sessions gone {time.perf_counter() - t_disc:.1f} s after")
    return out


# -- report -----------------------------------------------------------------------------------------------------
def server_log_notes(serve: NnlabServe) -> dict[str, Any]:
    """Lines of nnlab serve's log other than the ordinary connect/auth/start/end/disconnect, and the end reasons."""
    text = serve.log()
    odd = [line for line in text.splitlines() if line.strip() and not ORDINARY_LOG.match(line)]
    reasons = collections.Counter(m.group(3) for m in SESSION_END.finditer(text))
    return {"unexpected_lines": odd[:50], "unexpected_count": len(odd), "session_end_reasons": dict(reasons),
            "sessions_started": len(SESSION_START.findall(text))}


def sshd_log_notes(sshd: Sshd) -> dict[str, Any]:
    text = sshd.log()
    ordinary = re.compile(r"(Server listening|Accepted publickey|Received disconnect|Disconnected from|"
                          r"Connection closed|Close session|Starting session|User child is on pid|"
                          r"syslogin_perform_logout: logout\(\) returned an error)")
    odd = [line for line in text.splitlines() if line.strip() and not ordinary.search(line)]
    return {"unexpected_lines": odd[:50], "unexpected_count": len(odd),
            "accepted": text.count("Accepted publickey")}


def login_shell() -> dict[str, Any]:
    """How long the login user's shell takes to start as sshd starts it for a ForceCommand (`shell -c`, with
    SSH_CLIENT set, so bash reads ~/.bashrc), and without its rc files."""
    import pwd

    pw = pwd.getpwuid(os.getuid())
    env = {"HOME": pw.pw_dir, "USER": pw.pw_name, "SHELL": pw.pw_shell, "SSH_CLIENT": "127.0.0.1 1 2", "SHLVL": "0",
           "PATH": "/usr/local/bin:/usr/bin:/bin"}

    def run(*argv: str) -> float:
        t = time.perf_counter()
        subprocess.run(argv, env=env, cwd=pw.pw_dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return time.perf_counter() - t

    with_rc = [run(pw.pw_shell, "-c", "true") for _ in range(5)]
    norc = [run(pw.pw_shell, "--norc", "-c", "true") if pw.pw_shell.endswith("bash") else float("nan")
            for _ in range(5)]
    return {"user": pw.pw_name, "shell": pw.pw_shell, "median_s": median(with_rc), "norc_median_s": median(norc)}


def ratio(a: float, b: float) -> float:
    return a / b if b and np.isfinite(a) and np.isfinite(b) else float("nan")


def markdown(payload: dict[str, Any]) -> str:
    s, p = payload["serve"], payload["sshd"]
    ls, lp = s["load"], p["load"]
    n = payload["options"]["sessions"]
    secs = payload["options"]["seconds"]
    m = payload["machine"]
    rows = [
        ["uncontended connect -> first screen, median (s)", s["solo_median_s"], p["solo_median_s"],
         ratio(s["solo_median_s"], p["solo_median_s"])],
        ["uncontended connect -> first screen, max (s)", s["solo_max_s"], p["solo_max_s"],
         ratio(s["solo_max_s"], p["solo_max_s"])],
        [f"sessions started (of {n}; the fewest of any round)", ls["sessions_started"], lp["sessions_started"], ""],
        ["sessions dropped", len(ls["dropped"]), len(lp["dropped"]), ""],
        ["under load: connect -> first screen, median (s)", ls["first_screen_s_median"], lp["first_screen_s_median"],
         ratio(ls["first_screen_s_median"], lp["first_screen_s_median"])],
        ["under load: connect -> first screen, p90 (s)", ls["first_screen_s_p90"], lp["first_screen_s_p90"],
         ratio(ls["first_screen_s_p90"], lp["first_screen_s_p90"])],
        ["under load: connect -> first screen, max (s)", ls["first_screen_s_max"], lp["first_screen_s_max"],
         ratio(ls["first_screen_s_max"], lp["first_screen_s_max"])],
        [f"steps per session in {secs:g} s (`n` every 0.5 s), min", ls["steps_min"], lp["steps_min"], ""],
        [f"steps per session in {secs:g} s, median", float(ls["steps_median"]), float(lp["steps_median"]), ""],
        ["key press -> step shown, median (ms)", ls["latency_ms_median"], lp["latency_ms_median"],
         ratio(ls["latency_ms_median"], lp["latency_ms_median"])],
        ["key press -> step shown, p90 (ms)", ls["latency_ms_p90"], lp["latency_ms_p90"],
         ratio(ls["latency_ms_p90"], lp["latency_ms_p90"])],
        ["app process per session, RSS median at the end (MB)", ls["app_rss_mb_median"], lp["app_rss_mb_median"],
         ratio(ls["app_rss_mb_median"], lp["app_rss_mb_median"])],
        ["app process per session, PSS median at the end (MB)", ls["app_pss_mb_median"], lp["app_pss_mb_median"],
         ratio(ls["app_pss_mb_median"], lp["app_pss_mb_median"])],
        ["SSH side per session (MB): serve's RSS growth from idle / N; PSS of sshd's processes for the connection",
         ls["ssh_side_pss_mb_per_session"], lp["ssh_side_pss_mb_per_session"],
         ratio(ls["ssh_side_pss_mb_per_session"], lp["ssh_side_pss_mb_per_session"])],
        ["per session in all: app PSS + SSH side (MB)", ls["per_session_pss_mb"], lp["per_session_pss_mb"],
         ratio(ls["per_session_pss_mb"], lp["per_session_pss_mb"])],
        [f"total PSS of the {n} app processes at the end (MB)", ls["app_pss_mb_total"], lp["app_pss_mb_total"],
         ratio(ls["app_pss_mb_total"], lp["app_pss_mb_total"])],
        ["server RSS idle / at the end (MB): serve's process; sshd's listener",
         f"{fmt(ls['server_rss_mb_idle'])} / {fmt(ls['server_rss_mb_end'])}",
         f"{fmt(lp['server_rss_mb_idle'])} / {fmt(lp['server_rss_mb_end'])}", ""],
        ["SSH side CPU s during the whole load (server + connection processes)", ls["cpu_s_server_whole_load"],
         lp["cpu_s_server_whole_load"], ratio(ls["cpu_s_server_whole_load"], lp["cpu_s_server_whole_load"])],
        ["app processes' CPU s during the whole load (all sessions)", ls["cpu_s_apps"], lp["cpu_s_apps"],
         ratio(ls["cpu_s_apps"], lp["cpu_s_apps"])],
        ["key phase: SSH side on CPU / waiting for a CPU (s, schedstat)",
         f"{fmt(ls['keys_ssh_side_on_cpu_s'])} / {fmt(ls['keys_ssh_side_runqueue_wait_s'])}",
         f"{fmt(lp['keys_ssh_side_on_cpu_s'])} / {fmt(lp['keys_ssh_side_runqueue_wait_s'])}", ""],
        ["key phase: app processes on CPU / waiting for a CPU (s, schedstat)",
         f"{fmt(ls['keys_apps_on_cpu_s'])} / {fmt(ls['keys_apps_runqueue_wait_s'])}",
         f"{fmt(lp['keys_apps_on_cpu_s'])} / {fmt(lp['keys_apps_runqueue_wait_s'])}", ""],
        ["key phase: app CPU ms per key press (the same work on both: how fast the machine ran)",
         ls["app_cpu_ms_per_press_keys"], lp["app_cpu_ms_per_press_keys"],
         ratio(ls["app_cpu_ms_per_press_keys"], lp["app_cpu_ms_per_press_keys"])],
        ["machine CPU busy: connect phase / key phase (% of all cores)",
         f"{100 * ls['machine_cpu_busy_connect']:.0f} / {100 * ls['machine_cpu_busy_keys']:.0f}",
         f"{100 * lp['machine_cpu_busy_connect']:.0f} / {100 * lp['machine_cpu_busy_keys']:.0f}", ""],
        ["key presses sent / left unanswered", f"{ls['presses']} / {ls['unanswered_presses']}",
         f"{lp['presses']} / {lp['unanswered_presses']}", ""],
    ]
    src = payload["nnlab_source"]
    commit = src.get("snapshot_of_commit") or src.get("commit", "?")
    lines = [
        f"# serve_load results ({payload['generated']})",
        "",
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}; Python {payload['versions']['python']}, "
        f"textual {payload['versions']['textual']}, asyncssh {payload['asyncssh']}; {payload['openssh']}. "
        f"nnlab {commit} ({src['path']}{', uncommitted changes in nnlab/' if src.get('uncommitted_changes_in_nnlab') else ''}). "
        f"Load average before the run: {', '.join(f'{x:.2f}' for x in payload['load_before'])}; "
        f"speed probe (ms for a fixed Python loop; lower is faster) start / end: "
        f"{payload['speed_probe_ms'][0]:.0f} / {payload['speed_probe_ms'][1]:.0f}. "
        f"`nnlab warmup` before the run: {payload['warmup_s']:.1f} s.",
        "",
        f"{payload['options']['runs']} uncontended rounds (after one untimed connection each); load: {n} ssh clients "
        f"started at once, 80x24, then after all first screens {SETTLE:g} s of rest and `n` every 0.5 s for {secs:g} s "
        f"(each client at its own offset in the 0.5 s); dropped = ssh exited or no step in the last "
        f"{STALL_WINDOW:g} s. {ls['rounds']} load round(s) per server (order: nnlab serve, sshd, sshd, nnlab serve, "
        "...), their samples pooled (first screens, steps, latencies, memory at the end; other figures: median of "
        "the rounds). Ratios are nnlab serve / sshd (below 1: nnlab serve is faster or smaller).",
        "",
        table(["figure", "nnlab serve", "sshd + ForceCommand", "ratio"], rows),
        "",
        "Each load round:",
        "",
        table(["round", "server", "speed probe before (ms)", "first screen median / max (s)",
               "key press -> step median / p90 (ms)", "app CPU ms per press", "apps' wait for a CPU (s)",
               "cores busy in the key phase (%)", "dropped"],
              [[one["round"], label, f"{one['speed_probe_ms_before']:.0f}",
                f"{fmt(one['first_screen_s_median'])} / {fmt(one['first_screen_s_max'])}",
                f"{fmt(one['latency_ms_median'])} / {fmt(one['latency_ms_p90'])}",
                f"{one['app_cpu_ms_per_press_keys']:.1f}", f"{one['keys_apps_runqueue_wait_s']:.1f}",
                " + ".join(f"{100 * c:.0f}" for c in one["core_busy_keys"]), len(one["dropped"])]
               for one, label in sorted([(o, "nnlab serve") for o in s["loads"]] + [(o, "sshd") for o in p["loads"]],
                                        key=lambda x: (x[0]["round"], x[0]["t_started"]))]),
        "",
        f"Uncontended first screens (s): nnlab serve {', '.join(f'{x:.2f}' for x in s['solo_s'])}; "
        f"sshd {', '.join(f'{x:.2f}' for x in p['solo_s'])}; warm-up connection: {fmt(s['warmup_s'])} / "
        f"{fmt(p['warmup_s'])}.",
        "",
        f"nnlab serve log: {payload['serve_log']['sessions_started']} sessions started; end reasons "
        f"{payload['serve_log']['session_end_reasons']}; {payload['serve_log']['unexpected_count']} unexpected line(s)"
        + (": " + "; ".join(f"`{x}`" for x in payload['serve_log']['unexpected_lines'][:5])
           if payload['serve_log']['unexpected_count'] else "") + ". "
        f"sshd log: {payload['sshd_log']['accepted']} logins; {payload['sshd_log']['unexpected_count']} unexpected line(s)"
        + (": " + "; ".join(f"`{x}`" for x in payload['sshd_log']['unexpected_lines'][:5])
           if payload['sshd_log']['unexpected_count'] else "") + ".",
    ]
    for label, l in (("nnlab serve", ls), ("sshd", lp)):
        if l["dropped"]:
            lines += ["", f"Dropped on {label}: " + "; ".join(f"{d['client']} ({', '.join(d['why'])})"
                                                              for d in l["dropped"])]
    sh = payload["sshd_login_shell"]
    lines += ["", f"sshd's session command: `ForceCommand {payload['sshd_force_command']}`, with SetEnv of "
                  f"{', '.join(payload['sshd_setenv'])} (what nnlab serve gives its sessions); MaxStartups "
                  f"100:30:200. sshd runs it through the user's shell ({sh['shell']} -c, as {sh['user']}), which "
                  f"reads its rc files when started by sshd: {1e3 * sh['median_s']:.0f} ms here "
                  f"({1e3 * sh['norc_median_s']:.0f} ms with --norc), part of sshd's first-screen time. "
                  "Memory: VmRSS and Pss (smaps_rollup) of the app process; the SSH side is nnlab serve's own RSS "
                  "growth from idle divided by the sessions (its PSS falls as the apps start, since they share its "
                  "libraries), or the PSS of sshd's processes for one connection. Run-queue waits from "
                  "/proc/PID/task/*/schedstat over the key phase."]
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------------------------------
async def measure(serve: NnlabServe, sshd: Sshd, runs: int, sessions: int, seconds: float,
                  load_rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {"serve": {}, "sshd": {}}
    servers = (("serve", serve), ("sshd", sshd))
    log("uncontended: one untimed connection to each server")
    for key, server in servers:
        r = await solo(server, server.user(99))
        out[key]["warmup_s"] = r["first_screen_s"]
        log(f"  {server.label}: warm-up first screen {fmt(r['first_screen_s'])} s")
    solos: dict[str, list[dict[str, Any]]] = {"serve": [], "sshd": []}
    for k in range(runs):
        for key, server in servers:
            r = await solo(server, server.user(99))
            solos[key].append(r)
            if r["first_screen_s"] is None:
                log(f"  {server.label}: round {k + 1}: NO first screen within {FIRST_SCREEN_TIMEOUT:g} s")
        log(f"  round {k + 1}/{runs}: nnlab serve {fmt(solos['serve'][-1]['first_screen_s'])} s, "
            f"sshd {fmt(solos['sshd'][-1]['first_screen_s'])} s")
    for key, _ in servers:
        times = [r["first_screen_s"] for r in solos[key] if r["first_screen_s"] is not None]
        out[key].update(solo_s=times, solo_failed=sum(r["first_screen_s"] is None for r in solos[key]),
                        solo_median_s=median(times), solo_max_s=max(times) if times else float("nan"),
                        solo_session_mem_kb=[m for r in solos[key] for m in r["session_mem_kb"]],
                        solo_session_end_s=[r["session_end_s"] for r in solos[key]],
                        solo_processes=solos[key][-1]["processes"] if solos[key] else [])
    for key, _ in servers:
        out[key]["loads"] = []
    for r in range(load_rounds):
        for key, server in (servers if r % 2 == 0 else servers[::-1]):
            await wait_no_sessions(server)
            probe = speed_probe()
            log(f"load round {r + 1}/{load_rounds} on {server.label}: {sessions} sessions, {seconds:g} s of key "
                f"presses (speed probe {probe:.0f} ms)")
            one = await load(server, sessions, seconds)
            one.update(round=r + 1, speed_probe_ms_before=probe)
            out[key]["loads"].append(one)
            await asyncio.sleep(2.0)
    for key, _ in servers:
        out[key]["load"] = pooled(out[key]["loads"])
        for one in out[key]["loads"]:
            del one["latencies_ms"]  # each client's latency_trace holds them: "seconds after the first press:ms"
    return out


def pooled(loads: list[dict[str, Any]]) -> dict[str, Any]:
    """The load rounds of one server as one: samples pooled (first screens, steps, latencies, memory at the
    end), per-round figures (CPU, memory totals) as their median."""
    firsts = [x for one in loads for x in one["first_screen_s"]]
    lat = [x for one in loads for x in one["latencies_ms"]]
    steps = [c["steps"] for one in loads for c in one["clients"] if c["first_screen_s"] is not None]
    rss = [x for one in loads for x in one["end"]["app_rss_kb"]]
    pss = [x for one in loads for x in one["end"]["app_pss_kb"]]

    def med(key: str) -> float:
        return median([one[key] for one in loads])

    out = {
        "rounds": len(loads),
        "sessions_asked": loads[0]["sessions_asked"],
        "sessions_started": min(one["sessions_started"] for one in loads),
        "dropped": [{**d, "round": one["round"]} for one in loads for d in one["dropped"]],
        "first_screen_s_median": median(firsts),
        "first_screen_s_p90": pct(firsts, 90),
        "first_screen_s_max": max(firsts) if firsts else float("nan"),
        "steps_min": min(steps) if steps else 0,
        "steps_median": median(steps),
        "presses": sum(one["presses"] for one in loads),
        "unanswered_presses": sum(one["unanswered_presses"] for one in loads),
        "latency_ms_median": median(lat),
        "latency_ms_p90": pct(lat, 90),
        "latency_ms_max": max(lat) if lat else float("nan"),
        "app_rss_mb_median": median(rss) / 1024,
        "app_pss_mb_median": median(pss) / 1024,
        "server_rss_mb_idle": loads[0]["server_rss_mb_idle"],
        "server_rss_mb_end": max(one["server_rss_mb_end"] for one in loads),
    }
    for key in ("app_pss_mb_total", "ssh_side_pss_mb_per_session", "cpu_s_server_whole_load", "cpu_s_apps",
                "keys_ssh_side_on_cpu_s", "keys_ssh_side_runqueue_wait_s", "keys_apps_on_cpu_s",
                "keys_apps_runqueue_wait_s", "machine_cpu_busy_connect", "machine_cpu_busy_keys",
                "app_cpu_ms_per_press_keys"):
        out[key] = med(key)
    out["per_session_pss_mb"] = out["app_pss_mb_median"] + out["ssh_side_pss_mb_per_session"]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=None, help="clients at once in the load (default 20)")
    ap.add_argument("--seconds", type=float, default=None, help="seconds of key presses in the load (default 60)")
    ap.add_argument("--runs", type=int, default=None, help="uncontended rounds (default 5)")
    ap.add_argument("--load-rounds", type=int, default=None,
                    help="load rounds per server, in the order serve, sshd, sshd, serve, ... (default 2)")
    ap.add_argument("--quick", action="store_true",
                    help="3 sessions, 10 s, 2 uncontended rounds, 1 load round; writes results/serve_load.quick.*")
    args = ap.parse_args()
    sessions = args.sessions or (3 if args.quick else 20)
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    runs = args.runs or (2 if args.quick else 5)
    load_rounds = args.load_rounds or (1 if args.quick else 2)
    if args.quick:
        name = "serve_load.quick"
    elif (sessions, seconds, runs, load_rounds) != (20, 60.0, 5, 2):
        name = f"serve_load.partial-{sessions}x{seconds:g}s-{runs}runs-{load_rounds}loads"
    else:
        name = "serve_load"
    if not Path(SSHD).exists() or shutil.which("ssh") is None:
        print("serve_load: needs the OpenSSH client (ssh) and server (/usr/sbin/sshd)", file=sys.stderr)
        return 1

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    load_before = os.getloadavg()
    log(f"serve_load: {sessions} sessions, {seconds:g} s, {runs} uncontended rounds, {load_rounds} load round(s) "
        f"per server; load average {', '.join(f'{x:.2f}' for x in load_before)}")
    header = run_header("serve_load.py", sys.argv[1:])
    import asyncssh

    tmp = Path(tempfile.mkdtemp(prefix="serve_load-"))
    CLEANUPS.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    try:
        probe0 = speed_probe()
        env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
        # Every nnlab process runs outside the checkout: `python -m nnlab` puts its working folder first on the path.
        where = subprocess.run([sys.executable, "-c", "import nnlab; print(nnlab.__file__)"], env=env, cwd=tmp,
                               capture_output=True, text=True, check=True).stdout.strip()
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nnlab", "warmup"], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                       check=True)
        warmup_s = time.perf_counter() - t
        log(f"nnlab warmup (numba cache) {warmup_s:.1f} s; servers and sessions import {where}")
        key = tmp / "id_ed25519"
        pub = keygen(key)
        authorized = tmp / "authorized_keys"
        authorized.write_text(pub + "\n")
        serve = NnlabServe(tmp / "serve", key, authorized, env, max_sessions=40)
        log(f"nnlab serve listening on 127.0.0.1:{serve.port} (pid {serve.proc.pid})")
        sshd_env = dict(env)
        sshd_env.setdefault("LANG", "C.UTF-8")
        sshd_env.update(PYTHONIOENCODING="utf-8", OPENBLAS_NUM_THREADS="1")
        sshd = Sshd(tmp / "sshd", key, authorized, sshd_env)
        log(f"sshd listening on 127.0.0.1:{sshd.port} (pid {sshd.proc.pid})")
        shell = login_shell()
        log(f"sshd runs the ForceCommand through {shell['shell']} -c, which starts in {shell['median_s']:.3f} s "
            f"(rc files included; {shell['norc_median_s']:.3f} s without)")
        result = asyncio.run(measure(serve, sshd, runs, sessions, seconds, load_rounds))
        probe1 = speed_probe()
        openssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
        payload = {
            **header,
            "options": {"sessions": sessions, "seconds": seconds, "runs": runs, "load_rounds": load_rounds,
                        "quick": args.quick,
                        "size": SIZE, "press_every_s": PRESS_EVERY, "sample_every_s": SAMPLE_EVERY,
                        "stall_window_s": STALL_WINDOW, "max_sessions": 40, "idle_timeout": 0},
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "speed_probe_ms": [probe0, probe1],
            "warmup_s": warmup_s,
            "nnlab_imported_by_servers_and_sessions": where,
            "asyncssh": asyncssh.__version__,
            "openssh": openssh,
            "serve_argv": serve.argv,
            "sshd_config": sshd.config_text,
            "sshd_force_command": sshd.force,
            "sshd_setenv": sshd.set_env,
            "sshd_login_shell": shell,
            "client_argv_example": serve.ssh("s01"),
            **result,
            "serve_log": server_log_notes(serve),
            "sshd_log": sshd_log_notes(sshd),
            "serve_log_text": serve.log().splitlines()[-400:],
        }
        payload["ratios_serve_over_sshd"] = {
            "solo_first_screen_median": ratio(result["serve"]["solo_median_s"], result["sshd"]["solo_median_s"]),
            "load_first_screen_median": ratio(result["serve"]["load"]["first_screen_s_median"],
                                              result["sshd"]["load"]["first_screen_s_median"]),
            "load_first_screen_p90": ratio(result["serve"]["load"]["first_screen_s_p90"],
                                           result["sshd"]["load"]["first_screen_s_p90"]),
            "app_pss_median": ratio(result["serve"]["load"]["app_pss_mb_median"],
                                    result["sshd"]["load"]["app_pss_mb_median"]),
            "app_rss_median": ratio(result["serve"]["load"]["app_rss_mb_median"],
                                    result["sshd"]["load"]["app_rss_mb_median"]),
            "per_session_pss": ratio(result["serve"]["load"]["per_session_pss_mb"],
                                     result["sshd"]["load"]["per_session_pss_mb"]),
            "latency_median": ratio(result["serve"]["load"]["latency_ms_median"],
                                    result["sshd"]["load"]["latency_ms_median"]),
        }
        md = markdown(payload)
        js, mdp = write_results(name, payload, md)
        print()
        print(md)
        print()
        log(f"wrote {js} and {mdp}")
        return 0
    finally:
        for fn in reversed(CLEANUPS):
            try:
                fn()
            except Exception as exc:  # cleaning up must go on whatever one step does
                print(f"serve_load: cleanup: {type(exc).__name__}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as exc:
        print(f"serve_load: interrupted ({exc or 'Ctrl+C'}); clients, servers and temporary folders removed",
              file=sys.stderr)
        sys.exit(130)
