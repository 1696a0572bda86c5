"""``gandi-hosting shell``: an admin session in one process, driven as a person would
(a real pseudo-terminal) and as a script would (stdin), against a served sandbox."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN
from tests.cli.pty_session import PtyCli, pty_env

# a pseudo-terminal: pexpect's spawn (POSIX; the test extra installs pexpect)
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminal")
pytest.importorskip("pexpect")

UP = "\x1b[A"
PROMPT = r"gandi-hosting \[{}\]>"


@pytest.fixture
def served(cli, make_sandbox_server, clock):
    """A sandbox on the hand-driven clock (operations stay RUN until it ticks) with web1 and
    db1, the default profile pointing at it."""
    server = make_sandbox_server(clock=clock, op_delay=30, session_ttl=600)
    [web1] = server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    [db1] = server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "db")
    server.vm_ids = {"web1": web1, "db1": db1}
    assert cli("config", "set", "url", server.url).exit_code == 0
    return server


@pytest.fixture
def shell(served):
    started: list[PtyCli] = []

    def start(*args: str) -> PtyCli:
        session = PtyCli(*args, "shell")
        started.append(session)
        return session

    yield start
    for session in started:
        session.close()


def logins(caplog) -> int:
    """``login`` calls the sandbox answered (its request log: never a parameter)."""
    return sum(1 for r in caplog.records if len(r.args or ()) > 4 and r.args[4] == "login")


def test_tab_completes_a_command_and_a_vm_name_and_the_line_runs(shell):
    s = shell()
    s.expect(PROMPT.format("default"))
    s.sendline("vm ls")  # the list fills the name cache completion reads
    s.expect(r"db1")
    s.send("vm inf\t")  # the command...
    s.send(" we\t")  # ...and the VM name, from the cache
    s.sendline("")
    s.expect(r"hostname\s+web1")
    s.sendline("exit")
    assert s.wait_exit() == 0


def test_a_failing_command_shows_its_exit_code_and_the_shell_goes_on(shell):
    s = shell()
    s.sendline("vm info nosuch")
    s.expect(r"no VM named 'nosuch'")
    s.expect(r"\[exit 4\]")
    s.sendline("vm lst")
    s.expect(r"Did you mean 'list'\?")
    s.expect(r"\[exit 2\]")
    s.sendline("os list --columns name")
    s.expect(r"Debian")
    s.send("\x04")  # Ctrl-D leaves
    assert s.wait_exit() == 0
    assert "[exit 0]" not in s.text


def test_ctrl_c_during_wait_ends_the_command_not_the_shell(shell, served):
    s = shell()
    s.expect(PROMPT.format("default"))
    s.sendline("vm stop web1 --wait")
    s.expect(r"operation \d+")  # the progress line: the operation is being waited for
    s.interrupt()
    opid = s.expect(r"stopped waiting: operation (\d+) goes on; follow it with `gandi-hosting op")[
        1
    ]
    s.expect(r"\[exit 130\]")
    s.sendline(f"op info {opid} --columns type,state")
    s.expect(r"type\s+vm_stop\s+state\s+(PENDING|RUN)")  # the operation went on
    before = len(s.text)
    s.send("vm ls")
    s.interrupt()  # Ctrl-C at the prompt drops the line, not the shell
    s.sendline("os list --columns name")
    s.expect(r"Debian")
    assert "HOSTNAME" not in s.text[before:]  # `vm ls` did not run
    s.sendline("exit")
    assert s.wait_exit() == 0


def test_history_is_kept_across_two_shells_in_a_private_file(shell, isolate):
    first = shell()
    first.sendline("os list --columns id,name --no-header")
    first.expect(r"Debian")
    first.sendline("exit")
    assert first.wait_exit() == 0
    history = isolate / "state" / "gandi-hosting" / "shell_history"
    assert stat.S_IMODE(os.stat(history).st_mode) == 0o600
    second = shell()
    second.expect(PROMPT.format("default"))
    second.send(UP + UP)  # before `exit`, the previous shell's line comes back...
    second.sendline("")
    second.expect(r"Debian")  # ...and runs
    second.sendline("exit")
    assert second.wait_exit() == 0


def test_use_switches_the_profile_and_its_endpoint(shell, cli, make_sandbox_server, clock):
    other = make_sandbox_server(clock=clock)
    other.sandbox.bulk_create_vms(SEED_LOGIN, 1, "alpha")
    assert cli("--profile", "p2", "config", "set", "url", other.url).exit_code == 0
    s = shell()
    s.sendline("vm list --columns hostname")
    s.expect(r"web1")
    s.sendline("use p2")
    s.expect(r"Using profile p2")
    s.expect(PROMPT.format("p2"))
    s.sendline("vm list --columns hostname")
    s.expect(r"alpha1")
    s.sendline("use nope")
    s.expect(r"unknown profile 'nope'")
    s.expect(r"\[exit 2\]")
    s.sendline("exit")
    assert s.wait_exit() == 0
    assert "web1" not in s.text.split("Using profile p2")[1]


def test_one_session_serves_every_command_and_is_renewed_when_it_expires(
    shell, served, clock, caplog
):
    caplog.set_level(logging.INFO, logger="gandi_hosting_cli.sandbox")
    s = shell()
    for _ in range(3):
        s.sendline("vm info web1 --json")
        s.expect(r'"hostname": "web1"')
    assert logins(caplog) == 1  # logged in by itself once, then the same session
    clock.tick(601)  # the server forgets the session
    s.sendline("vm info db1 --json")
    s.expect(r'"hostname": "db1"')
    s.sendline("vm info web1 --json")
    s.expect(r'"hostname": "web1"')
    s.sendline("exit")
    assert s.wait_exit() == 0
    assert "[exit" not in s.text
    assert logins(caplog) == 2  # renewed once, for both commands


# -- off a terminal: a script --------------------------------------------------------------------
def run_script(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "shell"],
        input=script,
        capture_output=True,
        text=True,
        env=pty_env(),
        timeout=60,
    )


def test_a_script_on_stdin_prints_as_the_commands_would_and_exits_with_the_last_failure(served):
    done = run_script(
        "# a comment, then a blank line\n"
        "\n"
        "vm ls --json\n"
        "vm info nosuch\n"  # 4
        "vm rm\n"  # 2: no VM given
        "vm show web1 --columns hostname,state\n"
        "vm ls --columns hostname --no-header\n"
    )
    assert done.returncode == 2, done.stderr
    listed, rest = done.stdout.split("\n]\n", 1)
    assert {vm["hostname"] for vm in json.loads(listed + "]")} == {"web1", "db1"}
    # the next commands are not JSON: --json was that command's only
    assert rest.split() == ["hostname", "web1", "state", "running", "web1", "db1"]
    assert "no VM named 'nosuch'" in done.stderr
    assert "[exit" not in done.stderr


def test_a_script_stops_at_exit_and_exits_zero_when_all_succeeded(served):
    assert run_script("os ls -q\n").returncode == 0
    done = run_script("vm info nosuch\nexit\nvm info also-not-there\n")
    assert done.returncode == 4
    assert "also-not-there" not in done.stderr


def test_a_script_line_with_an_open_quote_is_a_usage_error_and_the_next_lines_run(served):
    done = run_script('vm info "web1\nvm info db1 -q\n')
    assert done.returncode == 2
    assert "cannot read the line" in done.stderr
    assert done.stdout.split() == [str(served.vm_ids["db1"])]


def test_a_script_line_that_is_not_text_is_a_usage_error_and_the_next_lines_run(served):
    done = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "shell"],
        input=b"\xff\xfe vm ls\nvm info db1 -q\n",
        capture_output=True,
        env=pty_env(),
        timeout=60,
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "cannot read line 1 of the script: it is not text" in err
    assert "Traceback" not in err and "unexpected error" not in err
    assert done.stdout.split() == [str(served.vm_ids["db1"]).encode()]


def test_a_command_of_a_script_does_not_read_the_script_as_its_input(served):
    done = run_script("vm start -\nvm ls -q --sort hostname\n")
    assert done.returncode == 0, done.stderr
    assert "Nothing to do: no ids on stdin." in done.stderr
    assert len(done.stdout.split()) == 2


# -- completion, without a terminal ------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "before", "current", "typed"),
    [
        ("vm info we", ["vm", "info"], "we", 2),
        ("vm info ", ["vm", "info"], "", 0),
        ('os list --os "Debian 1', ["os", "list", "--os"], "Debian 1", 9),
        ("vm info web\\ 1", ["vm", "info"], "web 1", 6),
    ],
)
def test_the_word_being_completed_is_read_as_the_shell_reads_quotes(line, before, current, typed):
    from gandi_hosting_cli.cli.shell import split_for_completion

    assert split_for_completion(line) == (before, current, typed)


def test_completion_offers_commands_options_profiles_and_quotes_names_with_spaces(cli, isolate):
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.cli.shell import Session, complete

    assert cli("--profile", "staging", "config", "set", "url", "sandbox").exit_code == 0
    assert cli("--sandbox", "os", "list").exit_code == 0  # fills the name cache
    session = Session(AppContext(url="sandbox"))

    def values(line: str) -> list[str]:
        return [value for value, _, _ in complete(session, line)]

    assert values("u") == ["use"]
    assert values("use st") == ["staging"]
    assert values("vm st") == ["start", "stop"]
    assert "--state" in values("vm list --st")
    assert "--state" in values("vm ls --st")  # after an alias too
    assert values("vm list --columns id,ho") == ["id,hostname"]
    assert "'Debian 12 64 bits'" in values("vm create web3 --os Deb")
    assert values("help vm cr") == ["create"]


def test_an_unknown_profile_is_refused_before_the_session_starts(served):
    done = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "--profile", "nope", "shell"],
        input="vm ls\n",
        capture_output=True,
        text=True,
        env=pty_env(),
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert "unknown profile 'nope'" in done.stderr


def test_the_history_never_keeps_a_password_given_in_a_url(isolate):
    from gandi_hosting_cli.cli.shell import PrivateHistory, history_path

    history = PrivateHistory(history_path())
    history.store_string("config set url https://admin:s3cret@api.example.net/hosting/")
    history.store_string("vm ls")
    kept = history_path().read_text()
    assert "s3cret" not in kept and "admin" not in kept
    assert "+config set url https://api.example.net/hosting/" in kept
    assert list(history.load_history_strings())[:2] == [
        "vm ls",
        "config set url https://api.example.net/hosting/",
    ]
