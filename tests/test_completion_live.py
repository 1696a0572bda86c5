"""Live completion values: the cache, the bounded refresh from a sandbox, the time bound.

A small command tree with the real global options and the real callbacks (``vm info VM``
etc.) makes these tests independent of where the lead attaches the callbacks; one test
checks the real tree once they are attached.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gandi_hosting_cli.cli import cli as root
from gandi_hosting_cli.cli import completers
from gandi_hosting_cli.cli.completion import COMPLETE_VAR
from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.config import name_cache
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.conftest import wait_until

REPO = Path(__file__).resolve().parent.parent


def _leaf(name: str, callback) -> click.Command:
    @click.command(name)
    @global_options
    @click.argument("ref", nargs=-1, shell_complete=callback)
    def command(ref):  # pragma: no cover - completion never runs it
        pass

    return command


@click.group("gandi-hosting")
@global_options
def tree() -> None:
    """The shape of the real tree, with the callbacks attached."""


for _group, _callback in (
    ("vm", completers.complete_vm),
    ("disk", completers.complete_disk),
    ("os", completers.complete_os),
    ("op", completers.complete_operation),
):
    _g = click.Group(_group)
    _g.add_command(_leaf("info", _callback))
    tree.add_command(_g)


def complete(line: str, shell: str = "zsh", cmd: click.Command = tree) -> tuple[dict, str]:
    """``{value: help}`` for the last word of ``line``, and what went to stderr."""
    words = line.split(" ")
    env = {COMPLETE_VAR: f"{shell}_complete", "COMP_WORDS": line}
    env["COMP_CWORD"] = words[-1] if shell == "fish" else str(len(words) - 1)
    result = CliRunner().invoke(cmd, [], env=env, prog_name="gandi-hosting")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines() if result.stdout.strip() else []
    if shell == "bash" or (shell == "fish" and lines and re.match(r"^\w+,", lines[0])):
        # bash: type,value; fish (click >= 8.5): type,value<TAB>help
        pairs = [line.split(",", 1)[1].split("\t", 1) for line in lines]
        return {p[0]: (p[1] if len(p) > 1 else None) for p in pairs}, result.stderr
    # zsh, and fish with click 8.4: type, value, help ("_": none) on three lines
    triples = [lines[i : i + 3] for i in range(0, len(lines), 3)]
    return {v: (None if h == "_" else h) for _t, v, h in triples}, result.stderr


@pytest.fixture(autouse=True)
def file_keyring(monkeypatch):
    """No keyring backend: sessions go to the 0600 file in the test's own state dir."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield
    keyring.set_keyring(previous)


def login(url: str) -> None:
    result = CliRunner().invoke(
        root,
        ["--url", url, "login", SEED_LOGIN, "--password-stdin"],
        input=SEED_PASSWORD + "\n",
        prog_name="gandi-hosting",
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def server(sandbox_server, monkeypatch):
    """A sandbox with two VMs and a disk, logged in; the URL comes from the environment."""
    sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 2, "web")
    sandbox_server.sandbox.bulk_create_disks(SEED_LOGIN, 1, "data")
    login(sandbox_server.url)
    monkeypatch.setenv("GANDI_HOSTING_URL", sandbox_server.url)
    return sandbox_server


def cache_text() -> str:
    return completers.cache_path().read_text(encoding="utf-8")


# -- live values from the sandbox ---------------------------------------------------------
def test_vm_hostnames_and_ids_come_live_then_from_the_cache(server):
    before = server.request_count
    got, err = complete("gandi-hosting vm info ")
    assert err == ""
    assert ["web1", "web2"] == [v for v in got if not v.isdigit()]
    assert got["web1"].startswith("VM ") and "running" in got["web1"]
    ids = [v for v in got if v.isdigit()]
    assert len(ids) == 2 and got[ids[0]].startswith("web")
    assert server.request_count - before <= 2  # the list, then every VM's info in one batch

    before = server.request_count
    again, _ = complete("gandi-hosting vm info w", shell="bash")
    assert list(again) == ["web1", "web2"]
    assert server.request_count == before  # fresh cache: no request at all


def test_a_stale_cache_is_refreshed_in_one_request(server, monkeypatch):
    complete("gandi-hosting vm info ")
    server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web", start=3)
    monkeypatch.setattr(completers, "STALE_AFTER", 0.0)
    before = server.request_count
    got, _ = complete("gandi-hosting vm info web")
    # the known VMs' infos ride with vm_list; only the new one needs a second batch
    assert [v for v in got] == ["web1", "web2", "web3"]
    assert server.request_count - before == 2
    before = server.request_count
    complete("gandi-hosting vm info web")
    assert server.request_count - before == 1  # nothing new: one multicall


@pytest.mark.parametrize(
    "line, expected",
    [
        ("gandi-hosting disk info d", ["data1"]),
        ("gandi-hosting --url {url} disk info d", ["data1"]),
    ],
)
def test_disk_names(server, line, expected):
    got, err = complete(line.format(url=server.url), shell="fish")
    assert [v for v in got if not v.isdigit()] == expected and err == ""
    assert not any("," in (help_ or "") for help_ in got.values())  # fish splits on commas


def test_os_labels(server):
    got, _ = complete("gandi-hosting os info ")
    # zsh and fish quote what they insert: the label comes as it is
    assert "Debian 12 64 bits" in got
    assert got["111"].startswith("Debian 12 64 bits")  # the spec's sample OS id


def test_pending_operations(make_sandbox_server, monkeypatch):
    slow = make_sandbox_server(op_delay=60)
    login(slow.url)
    monkeypatch.setenv("GANDI_HOSTING_URL", slow.url)
    with slow.proxy() as proxy:
        opid = proxy.hosting_account_product_add(slow.login(), "shares", 1, "1m")
    got, _ = complete("gandi-hosting op info ")
    assert got[str(opid)] in ("PENDING", "RUN")


def test_the_url_option_on_the_command_line_selects_the_account(server, monkeypatch):
    monkeypatch.setenv("GANDI_HOSTING_URL", "http://127.0.0.1:9/hosting/")
    got, _ = complete(f"gandi-hosting --url {server.url} vm info w")
    assert list(got) == ["web1", "web2"]


# -- the cache ----------------------------------------------------------------------------
def test_list_commands_feed_the_cache_through_remember(monkeypatch):
    url = "http://127.0.0.1:9/hosting/"  # nothing listens: no session anyway
    monkeypatch.setenv("GANDI_HOSTING_URL", url)
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", "AB1-GANDI")
    rows = [{"id": 7, "hostname": "db", "state": "halted"}, 8]
    completers.remember("vm", rows, endpoint=url, login="AB1-GANDI")
    got, _ = complete("gandi-hosting vm info ")
    assert got == {"db": "VM 7 (halted)", "7": "db (halted)", "8": "VM 8"}
    # a later plain id list keeps the names it knows and drops the VMs that are gone
    completers.remember("vm", [7], endpoint=url, login="AB1-GANDI")
    got, _ = complete("gandi-hosting vm info ", shell="bash")
    assert list(got) == ["db", "7"]
    # another account sees none of it
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", "XY2-GANDI")
    assert complete("gandi-hosting vm info ")[0] == {}


def test_ambiguous_hostnames_are_offered_once():
    rows = [{"id": 1, "hostname": "web"}, {"id": 2, "hostname": "web"}]
    completers.remember("vm", rows, endpoint="https://api.gandi.net/hosting/", login=None)
    got, _ = complete("gandi-hosting vm info we")
    assert got == {"web": "ambiguous: ids 1 / 2"}


def test_remember_never_raises(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(name_cache, "cache_path", lambda: blocker / "completion.json")
    completers.remember("vm", [1], endpoint="http://x/", login="a")  # cannot write: silent
    completers.remember("nonsense", [1], endpoint="http://x/", login="a")


def test_the_cache_holds_no_secret(server):
    complete("gandi-hosting vm info ")
    complete("gandi-hosting disk info ")
    text = cache_text()
    assert "web1" in text
    sessions = (Path(os.environ["XDG_STATE_HOME"]) / "gandi-hosting" / "sessions.json").read_text()
    session_ids = [json.loads(v)["session_id"] for v in json.loads(sessions).values()]
    assert session_ids and not any(s in text for s in session_ids)
    assert SEED_PASSWORD not in text
    assert oct(completers.cache_path().stat().st_mode & 0o777) == "0o600"


def test_url_credentials_are_not_part_of_the_cache_key():
    key = completers.account_key("https://user:pw@api.example/hosting/", "L")
    assert key == "https://api.example/hosting/|L"


def test_without_a_session_nothing_is_sent_and_nothing_prompts(sandbox_server, monkeypatch):
    monkeypatch.setenv("GANDI_HOSTING_URL", sandbox_server.url)
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)  # still no login
    before = sandbox_server.request_count
    got, err = complete("gandi-hosting vm info ")
    assert got == {} and err == ""
    assert sandbox_server.request_count == before


# -- the time bound (LIVE_BUDGET; asserted here only as a bound on a hang) ----------------
HANG = 10.0  # far below the client's 30 s default timeout, far above LIVE_BUDGET on any load


def attempts(sock: socket.socket) -> int:
    """Connections made to ``sock`` since the last look (accepted and closed)."""
    sock.setblocking(False)
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def refreshing() -> bool:
    """A live refresh of the completion cache is under way in this process."""
    return any(t.name == "gandi-hosting-completion" for t in threading.enumerate())


@pytest.fixture
def black_hole_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock
    sock.close()


@pytest.fixture
def black_hole(monkeypatch, black_hole_socket):
    """An endpoint that accepts connections and never answers, with a cached session."""
    from gandi_hosting_cli.auth.sessions import SessionManager, new_record, utcnow

    url = f"http://127.0.0.1:{black_hole_socket.getsockname()[1]}/hosting/"
    manager = SessionManager("default", url, SEED_LOGIN)
    manager.save(new_record("not-a-real-session", SEED_LOGIN, url, "default", True, now=utcnow()))
    completers.remember("vm", [{"id": 5, "hostname": "cached"}], endpoint=url, login=SEED_LOGIN)
    data = json.loads(cache_text())  # make the entry stale
    data["accounts"][completers.account_key(url, SEED_LOGIN)]["vm"]["updated"] = 0
    completers.cache_path().write_text(json.dumps(data))
    monkeypatch.setenv("GANDI_HOSTING_URL", url)
    return url


def test_an_unreachable_endpoint_is_given_up_on_and_not_tried_again(black_hole, black_hole_socket):
    started = time.monotonic()
    got, err = complete("gandi-hosting vm info ")
    assert time.monotonic() - started < HANG  # given up on (after LIVE_BUDGET, 0.3 s)
    assert got == {"cached": "VM 5", "5": "cached"} and err == ""
    # the refresh it gave up on ends in its own time (its read is retried once)
    assert wait_until(lambda: not refreshing())
    assert attempts(black_hole_socket) >= 1  # it was tried
    # the failure is remembered: the next TABs do not wait again
    assert complete("gandi-hosting vm info c")[1] == ""
    assert not refreshing()
    assert attempts(black_hole_socket) == 0


# the shape of `gandi-hosting vm info VM` until the real tree has the callbacks attached
PROGRAM = """
import click
from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.cli.completers import complete_vm

@click.group()
@global_options
def main():
    pass

@main.group()
def vm():
    pass

@vm.command()
@global_options
@click.argument("vm_ref", shell_complete=complete_vm)
def info(vm_ref):
    pass

main(prog_name="gandi-hosting")
"""


def wired() -> bool:
    """Whether the lead attached ``complete_vm`` to ``vm info VM`` in the real tree."""
    ctx = click.Context(root)
    vm_info = root.get_command(ctx, "vm").get_command(ctx, "info")
    param = next(p for p in vm_info.params if p.name in ("vm_ref", "vm_refs"))
    custom = type(param.type).shell_complete is not click.ParamType.shell_complete
    return param._custom_shell_complete is not None or custom


def test_an_unreachable_endpoint_in_a_real_process(black_hole):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env |= {
        COMPLETE_VAR: "bash_complete",
        "COMP_WORDS": "gandi-hosting vm info ",
        "COMP_CWORD": "3",
    }
    program = "from gandi_hosting_cli.cli import main; main()" if wired() else PROGRAM
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=30
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout.splitlines() == ["plain,cached", "plain,5"]
    assert elapsed < HANG  # the live attempt was given up on


def test_the_real_tree_completes_live_vm_hostnames(server):
    if not wired():
        pytest.xfail("complete_vm is not attached to the VM arguments yet (lead's wiring)")
    got, err = complete("gandi-hosting vm info w", cmd=root)
    assert list(got) == ["web1", "web2"] and err == ""
    got, _ = complete("gandi-hosting vm start web1 w", shell="bash", cmd=root)
    assert list(got) == ["web1", "web2"]


def test_os_list_feeds_the_cache_and_logout_empties_it(server):
    run = CliRunner().invoke(root, ["os", "list"], prog_name="gandi-hosting")
    assert run.exit_code == 0, run.output
    before = server.request_count
    got, _ = complete("gandi-hosting vm create web3 --os ", cmd=root)
    assert "Debian 12 64 bits" in got
    assert server.request_count == before  # straight from what `os list` saw
    run = CliRunner().invoke(root, ["logout"], prog_name="gandi-hosting")
    assert run.exit_code == 0, run.output
    assert "Debian 12 64 bits" not in cache_text()
