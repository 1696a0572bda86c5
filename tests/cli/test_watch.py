"""``--watch [SECONDS]`` on ``vm list``, ``disk list`` and ``op list``, and ``op list
--state open``: a change on the server shows within one refresh, on a terminal (redrawn
in place) and off one (a line per change). The server's time is the hand-driven clock:
an operation ends when the test ticks it, never after a sleep."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.cli.pty_session import PtyCli, pty_env
from tests.served import wait_until

# a pseudo-terminal: pexpect's spawn (POSIX; the test extra installs pexpect)
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminal")
pytest.importorskip("pexpect")


@pytest.fixture
def served(cli, make_sandbox_server, clock):
    """web1 and db1 on a sandbox whose operations last 30 s of its clock."""
    server = make_sandbox_server(clock=clock, op_delay=30)
    [web1] = server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    [db1] = server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "db")
    server.web1, server.db1 = web1, db1
    assert cli("config", "set", "url", server.url).exit_code == 0
    return server


def stop_web1(served) -> int:
    """Queue web1's stop on the server, as another admin would."""
    with served.proxy() as proxy:
        return proxy.vm_stop(served.login(), served.web1)


@pytest.fixture
def on_pty():
    started: list[PtyCli] = []

    def start(*args: str) -> PtyCli:
        session = PtyCli(*args)
        started.append(session)
        return session

    yield start
    for session in started:
        session.close()


def test_vm_list_watch_redraws_a_change_in_place_on_a_terminal(on_pty, served, clock):
    view = on_pty("vm", "list", "--watch", "0.2")
    view.expect(r"Every 0\.2s: vm list")
    view.expect(r"web1\s+running")
    stop_web1(served)
    clock.tick(31)  # the stop is done on the server
    view.expect(r"web1\s+halted")  # a later refresh shows it
    assert "\x1b[2J" in view.received  # the screen is cleared, not scrolled
    view.interrupt()
    assert view.wait_exit() == 0


def test_op_list_state_open_watch_shows_an_operation_come_and_go(on_pty, served, clock):
    view = on_pty("op", "list", "--state", "open", "--watch", "0.2", "--columns", "type,state")
    view.expect(r"Every 0\.2s: op list")
    stop_web1(served)
    view.expect(r"vm_stop\s+PENDING")
    clock.tick(31)  # done: no longer open
    start = view.expect(r"Every 0\.2s: op list").end()
    for _ in range(100):  # each redraw is a frame from one heading to the next
        end = view.expect(r"Every 0\.2s: op list")
        if "vm_stop" not in view.text[start : end.start()]:
            break
        start = end.end()
    else:
        raise AssertionError(f"the operation stayed on the screen:\n{view.text[-2000:]}")
    view.interrupt()
    assert view.wait_exit() == 0


class InAPipe:
    """The command with stdout on a pipe; its lines collected by one reader thread."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gandi_hosting_cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=pty_env(),
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def until(self, predicate, timeout: float = 20.0) -> list[str]:
        """The lines so far, once ``predicate(lines)`` holds (with a deadline)."""
        assert wait_until(lambda: predicate(list(self.lines)), timeout), self.lines
        return list(self.lines)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def test_off_a_terminal_the_list_is_printed_once_then_a_line_per_change(served, clock):
    watch = InAPipe("vm", "list", "--watch", "0.2", "--columns", "hostname,state")
    try:
        watch.until(lambda ls: any("db1" in line for line in ls))
        stop_web1(served)
        clock.tick(31)
        watch.until(lambda ls: any(line.startswith("changed") for line in ls))
        served.sandbox.bulk_create_vms(SEED_LOGIN, 1, "cache")
        lines = watch.until(lambda ls: any(line.startswith("added") for line in ls))
    finally:
        watch.stop()
    assert lines[:3] == ["HOSTNAME  STATE", "web1      running", "db1       running"]
    assert f"changed vm {served.web1} (web1): state running -> halted" in lines
    assert any(line.startswith("added vm ") and line.endswith("(cache1)") for line in lines)


def test_with_json_each_change_is_one_json_line(served, clock):
    watch = InAPipe("op", "list", "--state", "open", "--watch", "0.2", "--json")
    try:
        watch.until(lambda ls: ls[-1:] == ["[]"])
        opid = stop_web1(served)
        watch.until(lambda ls: len(ls) >= 2)
        clock.tick(31)
        lines = watch.until(lambda ls: any('"removed"' in line for line in ls))
    finally:
        watch.stop()
    events = [json.loads(line) for line in lines[1:]]
    assert events[0]["event"] == "added" and events[0]["id"] == opid
    assert events[0]["object"]["type"] == "vm_stop"
    assert {"event": "removed", "id": opid} in events


def test_op_list_state_open_lists_pending_and_running_operations_only(cli, served, clock):
    with served.proxy() as proxy:
        finished = proxy.vm_stop(served.login(), served.db1)
    clock.tick(31)
    still_open = stop_web1(served)
    env = {"GANDI_HOSTING_LOGIN": SEED_LOGIN, "GANDI_HOSTING_PASSWORD": SEED_PASSWORD}
    every = cli("op", "list", "--json", env=env)
    assert {op["id"]: op["state"] for op in json.loads(every.stdout)}[finished] == "DONE"
    listed = cli("op", "list", "--state", "open", "--json", env=env)
    assert listed.exit_code == 0, listed.stderr
    assert [(op["id"], op["state"] in ("PENDING", "RUN")) for op in json.loads(listed.stdout)] == [
        (still_open, True)
    ]
    assert cli("op", "list", "--state", "OPEN", "-q", env=env).stdout.split() == [str(still_open)]


@pytest.mark.parametrize("value", ["0", "100000", "nan", "soon"])
def test_a_bad_watch_interval_is_a_usage_error(cli, value):
    result = cli("--sandbox", "vm", "list", f"--watch={value}")
    assert result.exit_code == 2
    assert "--watch" in result.stderr
