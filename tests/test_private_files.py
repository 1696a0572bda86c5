"""The CLI's own files: private (0600 in 0700 dirs), never through a symlink, written
atomically under a lock, free of URL passwords; damaged session records are discarded.

Each test drives the real commands against a real server on 127.0.0.1 and then looks at
what landed on disk.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gandi_hosting_cli.config import files
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.independent_server import LOGIN, PASSWORD, IndependentServer

URL_SECRET = "urlpass-7c1e"


def xdg_roots() -> list[Path]:
    return [Path(os.environ[v]) for v in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")]


def tool_files() -> list[Path]:
    found = []
    for root in xdg_roots():
        app = root / "gandi-hosting"
        if app.exists():
            found += [app, *sorted(app.rglob("*"))]
    return found


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def no_multicall_server():
    server = IndependentServer(multicall=False, pending=0.0, running=0.0)
    try:
        yield server
    finally:
        server.stop()


def url_with_password(server: IndependentServer) -> str:
    return server.url.replace("http://", f"http://someone:{URL_SECRET}@")


def test_every_file_the_tool_writes_is_private_and_holds_no_url_password(
    cli, no_keyring, no_multicall_server
):
    url = url_with_password(no_multicall_server)
    login = cli("--url", url, "login", LOGIN, "--password-stdin", input=PASSWORD + "\n")
    assert login.exit_code == 0, login.output
    # a server without system.multicall (capabilities.json) and a list (completion cache)
    for args in (("account", "balance"), ("vm", "list"), ("disk", "list"), ("os", "list")):
        result = cli("--url", url, *args)
        assert result.exit_code == 0, result.output
    written = tool_files()
    names = {p.name for p in written}
    for expected in ("sessions.json", "logins.json", "capabilities.json", "completion.json"):
        assert expected in names, sorted(names)
    for path in written:
        want = 0o700 if path.is_dir() else 0o600
        assert mode(path) == want, f"{path}: {mode(path):04o}"
        if path.is_file():
            text = path.read_text()
            assert URL_SECRET not in text, path
            assert "someone:" not in text, path
            assert PASSWORD not in text, path
    capabilities = json.loads(next(p for p in written if p.name == "capabilities.json").read_text())
    assert list(capabilities) == [no_multicall_server.url]  # keyed without userinfo
    assert not [p for p in written if p.name.endswith(".tmp")]


def test_a_capabilities_file_of_an_older_version_loses_its_url_passwords(
    cli, no_keyring, no_multicall_server
):
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "gandi-hosting"
    cache.mkdir(mode=0o755)
    old = cache / "capabilities.json"
    url = url_with_password(no_multicall_server)
    old.write_text(json.dumps({url: {"multicall": False, "checked": int(time.time())}}))
    os.chmod(old, 0o644)
    login = cli("--url", url, "login", LOGIN, "--password-stdin", input=PASSWORD + "\n")
    assert login.exit_code == 0, login.output
    assert cli("--url", url, "account", "balance").exit_code == 0
    assert URL_SECRET not in old.read_text()
    assert mode(old) == 0o600 and mode(cache) == 0o700


def test_existing_tool_dirs_that_others_may_read_are_narrowed(cli, no_keyring, logged_in):
    state = Path(os.environ["XDG_STATE_HOME"]) / "gandi-hosting"
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "gandi-hosting"
    cache.mkdir(mode=0o755, exist_ok=True)
    os.chmod(cache, 0o755)
    os.chmod(state, 0o755)
    assert cli("--url", logged_in.url, "login", SEED_LOGIN, "--password-stdin",
               input=SEED_PASSWORD + "\n").exit_code == 0  # fmt: skip
    assert cli("--url", logged_in.url, "vm", "list").exit_code == 0
    assert mode(state) == 0o700 and mode(cache) == 0o700


# -- symlinks --------------------------------------------------------------------------------
def test_a_symlinked_session_file_is_refused_and_its_target_untouched(
    cli, no_keyring, sandbox_server, tmp_path
):
    state = Path(os.environ["XDG_STATE_HOME"]) / "gandi-hosting"
    state.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    os.chmod(victim, 0o600)
    (state / "sessions.json").symlink_to(victim)
    result = cli("--url", sandbox_server.url, "login", SEED_LOGIN, "--password-stdin",
                 input=SEED_PASSWORD + "\n")  # fmt: skip
    assert result.exit_code != 0
    assert "symbolic link" in result.output
    assert "chmod 600" not in result.output  # no hint that would change the link's target
    assert "Traceback" not in result.output
    assert victim.read_text() == "precious\n"
    assert (state / "sessions.json").is_symlink()


def test_the_chmod_hint_names_a_plain_file_only(cli, no_keyring, logged_in, tmp_path):
    state = Path(os.environ["XDG_STATE_HOME"]) / "gandi-hosting"
    sessions = state / "sessions.json"
    os.chmod(sessions, 0o644)
    result = cli("--url", logged_in.url, "vm", "list")
    assert result.exit_code == 1
    assert f"chmod 600 {sessions}" in result.output

    real = tmp_path / "elsewhere.json"
    real.write_text(sessions.read_text())
    os.chmod(real, 0o644)
    sessions.unlink()
    sessions.symlink_to(real)
    result = cli("--url", logged_in.url, "vm", "list")
    assert result.exit_code == 1
    assert "symbolic link" in result.output and "chmod 600" not in result.output
    assert mode(real) == 0o644  # nothing followed the link


@pytest.mark.parametrize("name", ["logins.json", "completion.json", "capabilities.json"])
def test_symlinked_caches_are_never_followed(cli, no_keyring, no_multicall_server, tmp_path, name):
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    where = {
        "logins.json": "XDG_STATE_HOME",
        "completion.json": "XDG_CACHE_HOME",
        "capabilities.json": "XDG_CACHE_HOME",
    }[name]
    folder = Path(os.environ[where]) / "gandi-hosting"
    folder.mkdir(mode=0o700)
    (folder / name).symlink_to(victim)
    url = no_multicall_server.url
    login = cli("--url", url, "login", LOGIN, "--password-stdin", input=PASSWORD + "\n")
    assert "Traceback" not in login.output
    result = cli("--url", url, "account", "balance", env={"GANDI_HOSTING_LOGIN": LOGIN})
    assert result.exit_code == 0, result.output  # a cache is a convenience
    result = cli("--url", url, "vm", "list", env={"GANDI_HOSTING_LOGIN": LOGIN})
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "{}"
    assert (folder / name).is_symlink()


# -- files.py --------------------------------------------------------------------------------
def test_write_atomic_refuses_a_symlink_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "app" / "data.json"
    files.write_json(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    assert mode(target) == 0o600 and mode(target.parent) == 0o700
    victim = tmp_path / "victim"
    victim.write_text("x")
    link = target.parent / "link.json"
    link.symlink_to(victim)
    with pytest.raises(files.UnsafePath):
        files.write_json(link, {"b": 2})
    with pytest.raises(files.UnsafePath):
        files.read_json(link)
    assert victim.read_text() == "x"
    assert sorted(p.name for p in target.parent.iterdir()) == ["data.json", "link.json"]


def test_config_written_by_the_tool_is_private(tmp_path):
    from gandi_hosting_cli.config.settings import config_lock, config_path, write_config

    with config_lock():
        write_config('[default]\nurl = "http://127.0.0.1:1/hosting/"\n')
    assert mode(config_path()) == 0o600 and mode(config_path().parent) == 0o700


def test_a_tool_dir_linked_to_another_disk_is_used(tmp_path):
    elsewhere = tmp_path / "other-disk" / "gandi-hosting"
    elsewhere.mkdir(parents=True, mode=0o755)
    app = tmp_path / "state" / "gandi-hosting"
    app.parent.mkdir()
    app.symlink_to(elsewhere)
    files.write_json(app / "logins.json", {"x": "y"})
    assert json.loads((elsewhere / "logins.json").read_text()) == {"x": "y"}
    assert mode(elsewhere) == 0o700


HOLD_LOCK = """
import sys
import threading
from gandi_hosting_cli.config import files
with files.locked(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()  # held until the test says "release"
"""


def hold_lock(path: Path) -> subprocess.Popen:
    """Another process holding the lock of ``path`` until a line on its stdin."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.stdin.write("release\n")
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0


def test_the_lock_keeps_a_second_process_waiting(tmp_path):
    path = tmp_path / "app" / "shared.json"
    holder = hold_lock(path)
    updater = threading.Thread(
        target=files.update_json, args=(path, lambda data: {**data, "mine": True})
    )
    try:
        updater.start()
        updater.join(0.5)
        assert updater.is_alive()  # still waiting for the other process's lock
        assert not path.exists()
    finally:
        release(holder)
    updater.join(timeout=30)
    assert not updater.is_alive()  # and it went on once the lock was free
    assert json.loads(path.read_text()) == {"mine": True}
    holder = hold_lock(path)
    try:
        with pytest.raises(TimeoutError), files.locked(path, wait=0.3):
            pass
    finally:
        release(holder)


# -- damaged session records -----------------------------------------------------------------
DAMAGE = {
    "expires-is-a-number": lambda r: {**r, "expires": 1893456000},
    "expires-without-time-zone": lambda r: {**r, "expires": "2099-01-01T00:00:00"},
    "no-session-id": lambda r: {k: v for k, v in r.items() if k != "session_id"},
    "not-an-object": lambda r: ["a", "list"],
    "safe-is-a-string": lambda r: {**r, "safe": "yes"},
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_session_record_is_discarded_and_renewed(
    cli, no_keyring, logged_in, monkeypatch, damage
):
    sessions = Path(os.environ["XDG_STATE_HOME"]) / "gandi-hosting" / "sessions.json"
    data = json.loads(sessions.read_text())
    (key,) = data
    data[key] = json.dumps(DAMAGE[damage](json.loads(data[key])))
    sessions.write_text(json.dumps(data))
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    result = cli("--url", logged_in.url, "vm", "list")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "discarding" in line]
    assert len(warnings) == 1, result.stderr
    assert SEED_LOGIN in warnings[0]
    # renewed: the record is whole again
    assert json.loads(json.loads(sessions.read_text())[key])["session_id"]


def test_a_damaged_session_record_without_a_password_asks_for_login(cli, no_keyring, logged_in):
    sessions = Path(os.environ["XDG_STATE_HOME"]) / "gandi-hosting" / "sessions.json"
    data = json.loads(sessions.read_text())
    (key,) = data
    data[key] = json.dumps({**json.loads(data[key]), "expires": 12})
    sessions.write_text(json.dumps(data))
    result = cli("--url", logged_in.url, "vm", "list")
    assert result.exit_code == 3, result.output
    assert "TypeError" not in result.output and "Traceback" not in result.output
    assert "login" in result.output
    session = cli("--url", logged_in.url, "session")
    assert "TypeError" not in session.output and "Traceback" not in session.output


# -- without the platform's optional pieces (Windows has no fcntl and no O_NOFOLLOW) ---------
@pytest.fixture
def bare_platform(monkeypatch):
    """No fcntl, no msvcrt, no O_NOFOLLOW: the helpers' last-resort paths."""
    monkeypatch.setattr(files, "fcntl", None)
    monkeypatch.setattr(files, "msvcrt", None)
    monkeypatch.setattr(files, "NOFOLLOW", 0)
    assert files.locking() == "exclusive-file"


def test_without_fcntl_and_o_nofollow_files_are_written_privately(tmp_path, bare_platform):
    path = tmp_path / "app" / "shared.json"
    files.update_json(path, lambda data: {**data, "a": 1})
    files.update_json(path, lambda data: {**data, "b": 2})
    assert files.read_json(path) == {"a": 1, "b": 2}
    if os.name == "posix":
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["shared.json"]  # lock released


def test_without_o_nofollow_a_symlink_is_refused_by_other_means(tmp_path, bare_platform):
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs")
    app = tmp_path / "app"
    app.mkdir(mode=0o700)
    link = app / "sessions.json"
    link.symlink_to(victim)
    with pytest.raises(files.UnsafePath):
        files.read_json(link)
    with pytest.raises(files.UnsafePath):
        files.write_json(link, {"x": 1})
    # the exclusive lock file too: a link planted there is never created through
    (app / "logins.json.lock.held").symlink_to(victim)
    with pytest.raises(files.UnsafePath):
        with files.locked(app / "logins.json", wait=0.2):
            pass
    assert victim.read_text() == "theirs"


def test_without_o_nofollow_a_symlink_swapped_in_after_the_check_is_caught(
    tmp_path, bare_platform, monkeypatch
):
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs")
    link = tmp_path / "cache.json"
    link.symlink_to(victim)
    monkeypatch.setattr(files, "is_symlink", lambda path: False)  # the check saw a file
    with pytest.raises(files.UnsafePath):
        files.read_bytes(link)


def test_a_dead_holders_exclusive_lock_file_is_taken_over(tmp_path, bare_platform):
    path = tmp_path / "app" / "shared.json"
    path.parent.mkdir(mode=0o700)
    held = path.with_name("shared.json.lock.held")
    held.write_text("999999")
    old = time.time() - files.STALE_LOCK - 60
    os.utime(held, (old, old))
    files.update_json(path, lambda data: {"taken": True}, default=dict)
    assert files.read_json(path) == {"taken": True} and not held.exists()


BARE = """
import os, sys
sys.modules["fcntl"] = None  # imports of them fail, as on a platform without them
sys.modules["msvcrt"] = None
if hasattr(os, "O_NOFOLLOW"):
    del os.O_NOFOLLOW
from gandi_hosting_cli.config import files
assert files.locking() == "exclusive-file" and files.NOFOLLOW == 0
path = sys.argv[1]
if sys.argv[2] == "hold":
    with files.locked(path):
        print("held", flush=True)
        sys.stdin.readline()  # until the test says so
else:
    try:
        with files.locked(path, wait=0.3):
            files.update_json(path, lambda data: {**data, "second": True})
        print("got it")
    except TimeoutError:
        print("locked out")
"""


def test_without_fcntl_a_second_process_is_kept_out_until_the_lock_is_released(tmp_path):
    path = tmp_path / "app" / "shared.json"

    def second() -> str:
        done = subprocess.run(
            [sys.executable, "-c", BARE, str(path), "try"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    holder = subprocess.Popen(
        [sys.executable, "-c", BARE, str(path), "hold"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        assert second() == "locked out"
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    assert second() == "got it"
    assert json.loads(path.read_text()) == {"second": True}
