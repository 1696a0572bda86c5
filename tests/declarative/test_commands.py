"""`plan`, `apply`, `export` through the real root group against a sandbox on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from tests.declarative.conftest import PASSWORD
from tests.declarative.test_apply import MANIFEST


def test_plan_apply_export_round_trip(cli, logged_in, calls, tmp_path, monkeypatch):
    url = logged_in.url
    site = tmp_path / "site.toml"
    site.write_text(MANIFEST)

    planned = cli("--url", url, "plan", str(site), "--json")
    assert planned.exit_code == 8
    assert json.loads(planned.stdout)["up_to_date"] is False

    refused = cli("--url", url, "apply", str(site))
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert calls.writes == []

    dry = cli("--url", url, "apply", str(site), "--dry-run", "--json")
    assert dry.exit_code == 0 and calls.writes == []
    assert {c["method"] for c in json.loads(dry.stdout)} >= {"vm_create", "disk_attach"}
    assert PASSWORD not in dry.stdout

    applied = cli("--url", url, "apply", str(site), "--yes", "--password-stdin",
                  input=PASSWORD + "\n")  # fmt: skip
    assert applied.exit_code == 0, applied.output
    assert "create vm web1" in applied.stdout

    calls.clear()
    assert cli("--url", url, "plan", str(site)).exit_code == 0
    again = cli("--url", url, "apply", str(site), "--yes", "--json")
    assert again.exit_code == 0 and calls.writes == []
    assert json.loads(again.stdout) == {"exit_code": 0, "actions": []}

    exported = tmp_path / "exported.toml"
    assert cli("--url", url, "export", "--file", str(exported)).exit_code == 0
    assert cli("--url", url, "plan", str(exported), "--prune").exit_code == 0


def test_bad_manifest_exits_2_naming_the_key_with_nothing_sent(cli, logged_in, calls, tmp_path):
    site = tmp_path / "bad.toml"
    site.write_text(MANIFEST.replace("shares = 1\n", 'shares = 1\ncolour = "red"\n'))
    calls.clear()
    result = cli("--url", logged_in.url, "apply", str(site), "--yes")
    assert result.exit_code == 2
    assert "bad.toml:" in result.output and "'colour'" in result.output
    assert calls.methods == []


def test_apply_exits_5_when_an_operation_fails(cli, logged_in, tmp_path, monkeypatch):
    site = tmp_path / "site.toml"
    site.write_text(MANIFEST.replace('"web1"', '"fail-web1"').replace(
        'hostname = "fail-web1"',
        'hostname = "fail-web1"\npassword_env = "GANDI_VM_PASSWORD_WEB"'))  # fmt: skip
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB", PASSWORD)
    result = cli("--url", logged_in.url, "apply", str(site), "--yes", "--password-stdin",
                 input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 5
    assert "skipped" in result.stdout and "ended in ERROR" in result.stdout


def test_apply_without_a_password_exits_2_with_nothing_sent(cli, logged_in, calls, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text(MANIFEST)
    calls.clear()
    result = cli("--url", logged_in.url, "--debug", "apply", str(site), "--yes")
    assert result.exit_code == 2 and "no root password" in result.output
    assert "Traceback" not in result.output and calls.writes == []


def test_apply_beyond_the_free_shares_exits_1_with_nothing_sent(cli, logged_in, calls, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text(MANIFEST.replace("shares = 1\n", "shares = 14\n"))
    calls.clear()
    result = cli("--url", logged_in.url, "apply", str(site), "--yes", "--password-stdin",
                 input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 1
    assert "2 missing" in result.output and "nothing was sent" in result.output
    assert calls.writes == []
    assert cli("--url", logged_in.url, "plan", str(site)).exit_code == 8


SMALL = """
[[vm]]
hostname = "web1"
os = "Debian 12"
shares = 1
password_env = "GANDI_VM_PASSWORD_WEB"

[[disk]]
name = "data"
size = 1024
"""


def test_plan_is_a_table_of_before_and_after_and_exits_8(cli, logged_in, tmp_path):
    from gandi_hosting_cli.exit_codes import ExitCode

    site = tmp_path / "site.toml"
    site.write_text(SMALL)
    with logged_in.proxy() as proxy:
        proxy.vm_create(logged_in.login(), "web1", PASSWORD, 111, 1, 1, {})
    site.write_text(SMALL.replace("shares = 1", 'shares = 2\nstate = "halted"'))
    result = cli("--url", logged_in.url, "plan", str(site))
    assert result.exit_code == ExitCode.PLAN_CHANGES == 8
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["#", "ACTION", "TARGET", "CHANGE", "AFTER"]
    assert any("update" in r and "shares 1 -> 2" in r for r in rows)
    assert any("stop" in r and "state running -> halted" in r for r in rows)
    assert any("create" in r and "disk data" in r for r in rows)
    assert "changes pending" in result.stderr


def test_apply_off_a_terminal_says_each_finished_action_on_stderr(
    cli, logged_in, tmp_path, monkeypatch
):
    site = tmp_path / "site.toml"
    site.write_text(SMALL)
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB", PASSWORD)
    result = cli("--url", logged_in.url, "apply", str(site), "--yes")
    assert result.exit_code == 0, result.output
    finished = [line for line in result.stderr.splitlines() if line.startswith("done: ")]
    assert len(finished) == 2 and any("create vm web1" in line for line in finished)
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["#", "ACTION", "STATUS", "OPERATION", "MESSAGE"]
    assert len(rows) == 2 and all(" done " in r for r in rows)


def test_apply_on_a_terminal_shows_the_plan_and_a_no_sends_nothing(
    cli, logged_in, calls, tmp_path, monkeypatch
):
    site = tmp_path / "site.toml"
    site.write_text(SMALL)
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB", PASSWORD)
    calls.clear()
    result = cli("--url", logged_in.url, "apply", str(site), input="n\n", interactive=True)
    assert result.exit_code == 1
    assert "create" in result.stderr and "vm web1" in result.stderr
    assert "Apply: 2 changes?" in result.stderr
    assert calls.writes == [] and result.stdout == ""


def test_apply_prune_shows_the_deletions_and_asks(cli, logged_in, calls, tmp_path, monkeypatch):
    site = tmp_path / "site.toml"
    site.write_text(SMALL)
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB", PASSWORD)
    assert cli("--url", logged_in.url, "apply", str(site), "--yes").exit_code == 0
    with logged_in.proxy() as proxy:
        proxy.disk_create(logged_in.login(), {"name": "stray", "size": 1024})
    calls.clear()
    result = cli("--url", logged_in.url, "apply", str(site), "--prune", input="y\n",
                 interactive=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Apply: 1 change (1 deletion)?" in result.stderr
    assert "delete" in result.stderr and "disk stray" in result.stderr
    assert calls.writes == ["disk_delete"]


def test_apply_on_a_terminal_draws_one_live_line_per_action(logged_in, tmp_path, monkeypatch):
    import io

    from click.testing import CliRunner

    from gandi_hosting_cli.cli import cli as root
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.output.terminal import Terminal

    site = tmp_path / "site.toml"
    site.write_text(SMALL)
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB", PASSWORD)
    screen = io.StringIO()
    app = AppContext(terminal=Terminal(interactive=True, stderr_tty=True, stderr=screen))
    result = CliRunner().invoke(root, ["--url", logged_in.url, "apply", str(site), "--yes"],
                                obj=app, catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    drawn = screen.getvalue()
    assert "create vm web1" in drawn and "create disk data" in drawn
    assert drawn.count("✓") >= 2 and "done" in drawn
    assert not any(line.startswith("done: ") for line in drawn.splitlines())


def test_ctrl_c_during_apply_names_the_operations_that_go_on(slow_server, tmp_path):
    """apply stopped by Ctrl-C while its creates run: exit 130, one line naming each
    operation that goes on and how to follow it; nothing is cancelled on the server."""
    import signal

    from tests.conftest import wait_until
    from tests.declarative.conftest import CallLog

    calls = CallLog(slow_server.sandbox)
    proc = _apply_in_a_process(slow_server.url, tmp_path, ("c1", "c2"))
    # the two creates' operations were found (2 reads) and polled once (2 more): the
    # operations of the slow sandbox do not end while its clock stands still
    assert wait_until(lambda: calls.methods.count("operation_details") >= 4), "never polled"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    with slow_server.proxy() as api:
        session = slow_server.login()
        opids = sorted(api.operation_list(session, {"type": "vm_create"}))
        states = {api.operation_details(session, i)["state"] for i in opids}
    listed = " ".join(str(i) for i in opids)
    said = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert len(said) == 1, err
    assert said[0].startswith(f"Error: apply stopped; operations {listed} go on (follow them")
    assert f"gandi-hosting op wait {listed}" in said[0] and "apply again" in said[0]
    assert len(opids) == 2 and states <= {"PENDING", "RUN"}  # they go on


@pytest.mark.parametrize("command", ["apply", "vm stop"])
def test_ctrl_c_while_a_request_is_in_flight_ends_the_process_at_once(
    server, plain, tmp_path, command
):
    """A write is sent and never answered: Ctrl-C ends the command and the process at
    once, exit 130, without waiting for that request to time out and without a
    traceback; apply names what was sent and not answered."""
    import signal
    import threading

    from tests.conftest import wait_until
    from tests.reliability.faulty_server import FaultyProxy

    proxy_api, session = plain
    proxy_api.vm_create(session, "s1", PASSWORD, 111, 1, 1, {})
    proxy_api.vm_list(session)  # created (operations end at the next call)
    method = "vm_create" if command == "apply" else "vm_stop"
    with FaultyProxy(server.url, faults={method: "silent"}) as proxy:
        if command == "apply":
            proc = _apply_in_a_process(proxy.url, tmp_path, ("s1", "c1"))
        else:
            proc = _in_a_process(proxy.url, "vm", "stop", "s1")
        err: list[str] = []
        reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)
        reader.start()
        assert wait_until(lambda: method in proxy.calls), f"{method} was never sent"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 130  # the proxy holds the request for 30 s
        reader.join(timeout=10)
    said = "".join(err)
    assert "Traceback" not in said and "Exception ignored" not in said
    if command == "apply":
        assert "sent, not answered" in said and "create vm c1" in said
    else:
        assert "Interrupted." in said


def _apply_in_a_process(url: str, tmp_path, hostnames: tuple[str, ...]):
    """``gandi-hosting apply`` of VMs ``hostnames`` in a process of its own."""
    site = tmp_path / "site.toml"
    site.write_text(
        "".join(
            f'[[vm]]\nhostname = "{name}"\nos = 111\nshares = 1\n'
            'password_env = "GANDI_VM_PASSWORD_C"\n\n'
            for name in hostnames
        )
    )
    return _in_a_process(url, "apply", str(site), "--yes")


def _in_a_process(url: str, *args: str):
    """``gandi-hosting ARGS`` in a process of its own (Ctrl-C as a user sends it), logged
    in to ``url`` by the environment, its pipes open."""
    import os
    import subprocess
    import sys

    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
    from tests.conftest import sigint_as_default

    env = {
        **os.environ,
        "GANDI_HOSTING_URL": url,
        "GANDI_HOSTING_LOGIN": SEED_LOGIN,
        "GANDI_HOSTING_PASSWORD": SEED_PASSWORD,
        "GANDI_VM_PASSWORD_C": PASSWORD,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gandi_hosting_cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_default,
    )
