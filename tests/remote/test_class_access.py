"""What a class-server session may open and save, the students' keys, and the server's host key."""

from __future__ import annotations

import os
import stat

import asyncssh
import pytest

from nnlab.cli import main
from nnlab.core.data import DataError
from nnlab.core.data.class_roots import ENV as ROOTS_ENV
from nnlab.core.data.files import load_file
from nnlab.core.som import data as som_data
from nnlab.remote.host_key import FILE_NAME, load_or_create
from nnlab.remote.students import AuthorizedKeys, KeysError, student_folder, valid_name
from nnlab.scenario import ScenarioError
from nnlab.scenario.bundled import bundled_path
from nnlab.scenario.class_access import ClassAccess


@pytest.fixture
def access(tmp_path):
    cls = tmp_path / "class"
    (cls / "week1").mkdir(parents=True)
    (cls / "week1" / "lif.toml").write_text('title = "LIF"\n')
    (cls / ".hidden.toml").write_text('title = "hidden"\n')
    (tmp_path / "secret.toml").write_text('title = "secret"\n')
    (cls / "out.toml").symlink_to(tmp_path / "secret.toml")
    (cls / "outdir").symlink_to(tmp_path)
    saves = tmp_path / "saves"
    saves.mkdir()
    (saves / "mine.toml").write_text('title = "Mine"\n')
    return ClassAccess(cls.resolve(), saves.resolve())


def _refusal(access, name):
    with pytest.raises(ScenarioError) as exc:
        access.open_path(name)
    return str(exc.value.problems[0])


def test_names_in_the_class_folder_the_saves_and_the_bundle_open(access):
    assert access.open_path("week1/lif.toml") == access.scenarios / "week1" / "lif.toml"
    assert access.open_path("week1/lif") == access.scenarios / "week1" / "lif.toml"
    assert access.open_path("~/mine.toml") == access.saves / "mine.toml"
    assert access.open_path("hopfield_letters") == bundled_path("hopfield_letters")


@pytest.mark.parametrize("name, why", [
    ("../secret.toml", "a path with .."), ("week1/../../secret.toml", "a path with .."),
    ("/etc/passwd", "an absolute path"), ("~/../secret.toml", "a path with .."),
    ("~//etc/passwd", "an absolute path"), ("~root/x.toml", "an absolute path"),
    ("out.toml", "a link that leads out of it"), ("outdir/secret.toml", "a link that leads out of it"),
    ("..\\secret.toml", "a path with .."), ("", "nothing"),
])
def test_every_way_out_of_the_folders_is_refused(access, name, why):
    assert why in _refusal(access, name)


def test_without_a_class_folder_only_bundled_and_own_scenarios_open(access):
    alone = ClassAccess(None, access.saves)
    assert "no scenario folder" in _refusal(alone, "week1/lif.toml")
    assert alone.open_path("~/mine.toml") == access.saves / "mine.toml"


def test_the_listing_shows_class_then_own_scenarios_not_hidden_or_escaping_ones(access):
    names = [name for name, _ in access.listing()]
    assert names == ["week1/lif.toml", "~/mine.toml"]
    assert dict(access.listing())["week1/lif.toml"] == "LIF"


def test_saves_are_plain_names_in_the_students_folder(access):
    assert access.save_path("x.toml") == access.saves / "x.toml"
    assert access.save_path("~/x") == access.saves / "x.toml"
    for bad in ("../x.toml", "a/b.toml", ".hidden.toml", "", "x" * 120, "[@click=app.bell]x.toml", "a\x00b"):
        with pytest.raises(ScenarioError):
            access.save_path(bad)
    assert access.shown(access.saves / "x.toml") == "~/x.toml"
    assert access.shown(access.scenarios / "week1" / "lif.toml") == "week1/lif.toml"


def test_the_environment_hands_the_folders_over(access, monkeypatch):
    for key, value in access.env().items():
        monkeypatch.setenv(key, value)
    assert ClassAccess.from_env() == access
    monkeypatch.delenv("NNLAB_CLASS_SAVES")
    assert ClassAccess.from_env() is None


def test_data_files_outside_the_class_folders_are_refused(access, tmp_path, monkeypatch):
    outside = tmp_path / "points.csv"
    outside.write_text("1,2\n3,4\n5,6\n")
    inside = access.scenarios / "points.csv"
    inside.write_text("1,2\n3,4\n5,6\n")
    assert som_data.load(outside).x.shape == (3, 2)
    monkeypatch.setenv(ROOTS_ENV, os.pathsep.join(map(str, (access.scenarios, access.saves))))
    assert som_data.load(inside).x.shape == (3, 2)
    for path in (outside, access.scenarios / "outdir" / "points.csv", access.scenarios / ".." / "points.csv"):
        with pytest.raises(DataError, match="inside this class server's folders"):
            som_data.load(path)
        with pytest.raises(DataError, match="inside this class server's folders"):
            load_file(path)


def _key_line(options: str = "") -> tuple[asyncssh.SSHKey, str]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    line = key.export_public_key().decode().strip()
    return key, f"{options} {line}".strip()


def test_a_key_logs_in_under_any_valid_name_unless_bound_by_principals(tmp_path):
    free, free_line = _key_line()
    bound, bound_line = _key_line('principals="bob,bobby"')
    stranger, _ = _key_line()
    path = tmp_path / "authorized_keys"
    path.write_text(f"# class\n{free_line}\n{bound_line}\n")
    keys = AuthorizedKeys(path)
    assert keys.count == 2
    pub = lambda k: asyncssh.import_public_key(k.export_public_key())  # noqa: E731
    assert keys.allows("alice", pub(free), "h", "127.0.0.1")
    assert keys.allows("bob", pub(bound), "h", "127.0.0.1") and keys.allows("bobby", pub(bound), "h", "127.0.0.1")
    assert not keys.allows("alice", pub(bound), "h", "127.0.0.1")
    assert not keys.allows("alice", pub(stranger), "h", "127.0.0.1")
    assert not keys.allows("../etc", pub(free), "h", "127.0.0.1")
    path.write_text(f"{free_line}\n{_key_line()[1]}\n{stranger.export_public_key().decode()}")
    os.utime(path, ns=(1, 1))
    assert keys.allows("carol", pub(stranger), "h", "127.0.0.1")


def test_a_broken_or_missing_keys_file_lets_no_one_in_and_says_so(tmp_path):
    key, line = _key_line()
    pub = asyncssh.import_public_key(key.export_public_key())
    path = tmp_path / "authorized_keys"
    path.write_text(line + "\n")
    said: list[str] = []
    keys = AuthorizedKeys(path, said.append)
    assert keys.allows("alice", pub, "h", "127.0.0.1")
    path.write_text("garbage\n")
    os.utime(path, ns=(2, 2))
    assert not keys.allows("alice", pub, "h", "127.0.0.1")
    assert not keys.allows("alice", pub, "h", "127.0.0.1")
    assert len(said) == 1 and "no one can log in until it is fixed" in said[0]
    path.unlink()
    assert not keys.allows("alice", pub, "h", "127.0.0.1") and "cannot read" in said[-1]
    path.write_text(line + "\n")
    assert keys.allows("alice", pub, "h", "127.0.0.1") and "1 key(s)" in said[-1]


def test_a_keys_file_without_keys_is_one_line(tmp_path):
    path = tmp_path / "keys"
    path.write_text("not a key\n")
    with pytest.raises(KeysError, match="expected public keys"):
        AuthorizedKeys(path)


def test_student_names_make_safe_folder_names(tmp_path):
    for good in ("alice", "a.b-c_d", "x1"):
        assert valid_name(good)
    for bad in ("", ".x", "-x", "a/b", "..", "x" * 33, "é"):
        assert not valid_name(bad)
    folder = student_folder(tmp_path, "alice")
    assert folder == tmp_path / "users" / "alice" and stat.S_IMODE(folder.stat().st_mode) == 0o700
    with pytest.raises(ValueError):
        student_folder(tmp_path, "../x")


def test_the_host_key_is_made_once_private_and_then_kept(tmp_path):
    key, made = load_or_create(tmp_path / "serve")
    assert made
    path = tmp_path / "serve" / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    again, made = load_or_create(tmp_path / "serve")
    assert not made and again.export_public_key() == key.export_public_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_serve_refuses_bad_options_in_one_line(tmp_path, capsys):
    keys = tmp_path / "keys"
    assert main(["serve", "--authorized-keys", str(keys), "--data-dir", str(tmp_path / "d")]) == 1
    assert "--authorized-keys: expected a file of public keys" in capsys.readouterr().err
    keys.write_text(_key_line()[1] + "\n")
    assert main(["serve", "--authorized-keys", str(keys), "--scenarios", str(tmp_path / "none"),
                 "--data-dir", str(tmp_path / "d")]) == 1
    assert "--scenarios: expected a folder" in capsys.readouterr().err
    assert main(["serve", "--authorized-keys", str(keys), "--max-sessions", "0", "--data-dir", str(tmp_path / "d")]) == 1
    assert "--max-sessions: expected 1 or more" in capsys.readouterr().err
    assert main(["serve", "--authorized-keys", str(keys), "--port", "70000"]) == 1
    assert "--port: expected 0 to 65535" in capsys.readouterr().err


def test_serve_says_when_the_port_is_taken(tmp_path, capsys):
    import socket

    keys = tmp_path / "keys"
    keys.write_text(_key_line()[1] + "\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--authorized-keys", str(keys), "--port", str(port), "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
