"""Passwords and session ids never leak: a full user case, then every output is scanned.

Scanned: each command's arguments, stdout and stderr (``--debug`` traces and error
messages included), every log record of the run, the served sandbox's request log, and
every file the CLI and the sandbox wrote (config, state, cache with the completion
cache, the sandbox's SQLite files). The session file of the headless fallback is the
one place a session id may be, never a password; it is 0600 in a 0700 directory and
refused when its mode is looser.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_CUSTOMER, SEED_LOGIN, SEED_PASSWORD
from tests.reliability.support import STATS, invoke

ROOT_PASSWORD = "Vm-Root-Secret-51d2"


@pytest.fixture
def served(serve_process, tmp_path):
    return serve_process(tmp_path / "server" / "state.sqlite3")


def session_ids(home: Path) -> set[str]:
    """Every session id the fallback store holds now."""
    path = home / "state" / "gandi-hosting" / "sessions.json"
    if not path.exists():
        return set()
    found = set()
    for value in json.loads(path.read_text()).values():
        record = json.loads(value) if isinstance(value, str) else value
        if isinstance(record, dict) and record.get("session_id"):
            found.add(record["session_id"])
    return found


def user_case(url: str, home: Path) -> tuple[list[tuple[list[str], str]], set[str]]:
    """The spec's user case and more, through the CLI; returns (args, output) and sessions."""
    steps: list[tuple[list[str], str | bytes | None, tuple[int, ...]]] = [
        (["login", SEED_LOGIN, "--password-stdin"], SEED_PASSWORD + "\n", (0,)),
        (["login", SEED_LOGIN, "--password-stdin", "--debug"], SEED_PASSWORD + "\n", (0,)),
        (["login", SEED_LOGIN, "--password-stdin", "--debug"], "wrong-" + SEED_PASSWORD, (3,)),
        (["login", SEED_LOGIN, "--password-stdin"], SEED_PASSWORD + "\n", (0,)),
        (["session", "--json"], None, (0,)),
        (["session"], None, (0,)),
        (["account", "info", "--debug"], None, (0,)),
        (["product", "add", "--yes", "shares", "4", "--wait", "--debug"], None, (0,)),
        (
            [
                "vm",
                "create",
                "web1",
                "--os",
                "111",
                "--shares",
                "2",
                "--password-stdin",
                "--wait",
                "--debug",
            ],
            ROOT_PASSWORD + "\n",
            (0,),
        ),  # fmt: skip
        (
            [
                "vm",
                "create",
                "web2",
                "--os",
                "111",
                "--shares",
                "9",
                "--password-stdin",
                "--debug",
                "--json",
            ],
            ROOT_PASSWORD + "\n",
            (1,),
        ),  # a refusal: not enough shares  # fmt: skip
        (
            [
                "vm",
                "create",
                "fail-web",
                "--os",
                "111",
                "--shares",
                "1",
                "--password-stdin",
                "--wait",
                "--debug",
            ],
            ROOT_PASSWORD + "\n",
            (5,),
        ),  # fmt: skip
        (["vm", "list", "--details", "--debug"], None, (0,)),
        (["vm", "info", "web1", "--json"], None, (0,)),
        (["disk", "create", "data", "--size", "1G", "--wait"], None, (0,)),
        (["disk", "attach", "data", "web1", "--wait", "--debug"], None, (0,)),
        (["disk", "list", "--details"], None, (0,)),
        (["op", "list", "--json", "--debug"], None, (0,)),
        (["vm", "stop", "web1", "--wait"], None, (0,)),
        (["disk", "detach", "data", "web1", "--wait"], None, (0,)),
        (["vm", "delete", "web1", "--yes", "--wait", "--debug"], None, (0,)),
        (["disk", "delete", "data", "--yes", "--wait"], None, (0,)),
        (["os", "list", "--json"], None, (0,)),
        (["su", SEED_CUSTOMER, "--debug"], None, (0,)),
        (["account", "info", "--json"], None, (0,)),
        (["logout"], None, (0,)),
        (["vm", "list"], None, (3,)),  # logged out: exit 3, no password prompt off a terminal
    ]
    seen: list[tuple[list[str], str]] = []
    sessions: set[str] = set()
    for args, stdin, codes in steps:
        full = ["--url", url, *args]
        result = invoke(*full, input=stdin)
        assert result.exit_code in codes, (args, result.output)
        if "--debug" not in args:  # --debug may show a traceback, that is what it is for
            assert "Traceback" not in result.output, (args, result.output)
        seen.append((full, result.output))
        sessions |= session_ids(home)
        if args[0] == "vm" and args[1] in ("list", "info"):
            seen.append(complete(url, "vm info "))
    return seen, sessions


def complete(url: str, line: str) -> tuple[list[str], str]:
    """Ask for completions the way bash does (this fills the completion cache)."""
    from click.testing import CliRunner

    from gandi_hosting_cli.cli import cli

    words = ["gandi-hosting", "--url", url, *line.split()]
    env = {
        "_GANDI_HOSTING_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(words) + (" " if line.endswith(" ") else ""),
        "COMP_CWORD": str(len(words) - (0 if line.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="gandi-hosting")
    return words, result.output


def written_files(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def test_no_secret_in_any_output_of_a_full_user_case(served, isolate, caplog):
    caplog.set_level(logging.DEBUG)
    home = isolate
    seen, sessions = user_case(served.url, home)
    assert len(sessions) >= 3, "the run should have held several sessions (login, su)"
    passwords = {SEED_PASSWORD, ROOT_PASSWORD}
    secrets = passwords | sessions

    def scan(where: str, text: str | bytes, allowed: set[str] = frozenset()) -> None:
        data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        for secret in secrets - allowed:
            assert secret.encode() not in data, f"a secret ({len(secret)} chars) leaked in {where}"
        STATS["secrets: outputs scanned"] += 1

    for args, output in seen:
        scan(f"the arguments {args[:4]}", "\0".join(args))
        scan(f"the output of {args[2:5]}", output)
    for record in caplog.records:
        scan(f"log record {record.name}", record.getMessage())
    served.stop()
    scan("the sandbox's request log", served.log)
    scan("the sandbox's command line", Path(f"/proc/{os.getpid()}/cmdline").read_bytes())
    session_file = home / "state" / "gandi-hosting" / "sessions.json"
    files = written_files(home, served.state.parent)
    assert any(p.name == "completion.json" for p in files), files  # the cache was written
    for path in files:
        # the session store is where a session id belongs, and nowhere else
        allowed = sessions if path == session_file else set()
        scan(str(path.relative_to(path.anchor)), path.read_bytes(), allowed)
    STATS["secrets: files scanned"] += len(files)
    STATS["secrets: distinct secrets looked for"] += len(secrets)


def test_the_session_file_is_0600_in_a_0700_directory_and_a_looser_mode_is_refused(
    sandbox_server, logged_in_url, isolate
):
    path = isolate / "state" / "gandi-hosting" / "sessions.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for loose in (0o644, 0o640, 0o604, 0o660):
        path.chmod(loose)
        result = invoke("--url", logged_in_url, "vm", "list")
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "chmod 600" in lines[0], result.stderr
        assert f"{loose:04o}" in lines[0]
    path.chmod(0o600)
    assert invoke("--url", logged_in_url, "vm", "list").exit_code == 0


def test_a_failed_login_never_shows_the_password_it_was_given(sandbox_server):
    typed = "Not-The-Password-7c1"
    result = invoke(
        "--url", sandbox_server.url, "--debug", "--json", "login", SEED_LOGIN,
        "--password-stdin", input=typed + "\n",
    )  # fmt: skip
    assert result.exit_code == 3
    assert typed not in result.output


def test_the_session_directory_is_made_private_and_a_writable_one_is_refused(
    sandbox_server, isolate
):
    folder = isolate / "state" / "gandi-hosting"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # made before, e.g. by another tool, with the usual umask
    result = invoke(
        "--url", sandbox_server.url, "login", SEED_LOGIN, "--password-stdin",
        input=SEED_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.chmod(0o777)  # anyone could swap the file for theirs
    try:
        result = invoke("--url", sandbox_server.url, "vm", "list")
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "chmod 700" in lines[0], result.stderr


def test_a_password_in_the_url_is_never_shown_nor_stored(sandbox_server, isolate):
    """``--url https://user:pass@host/`` (a proxy's credentials) stays out of every output."""
    secret = "UrlSecret-4f2a"
    url = sandbox_server.url.replace("http://", f"http://proxyuser:{secret}@")
    outputs = [
        invoke("--url", url, "--debug", "login", SEED_LOGIN, "--password-stdin",
               input=SEED_PASSWORD + "\n"),
        invoke("--url", url, "--debug", "vm", "list"),
        invoke("--url", url, "session", "--json"),
        invoke("--url", url, "session"),
        invoke("--url", url, "--json", "logout"),
        invoke("--url", url, "session", "--json"),
    ]  # fmt: skip
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0, 0, 3], [r.output for r in outputs]
    for result in outputs:
        assert secret not in result.output, result.output
    for path in written_files(isolate):
        assert secret.encode() not in path.read_bytes(), path
