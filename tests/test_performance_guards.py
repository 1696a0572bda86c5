"""Untimed guards of what the performance targets rest on (benchmarks/ has the figures).

- HTTP requests per command with a cached session: exactly 1 for a read by id, at most 1
  more for a name; `--details` lists grow by one request per object at most without
  multicall, over a bounded pool of connections. (Already guarded elsewhere, not
  repeated: `vm info ID` = 1 in cli/test_resolve.py, `--details` constant in N with
  multicall in cli/test_vm_list.py and cli/test_disk.py.)
- Start-up: `--version` and subcommand help import none of rich, keyring or xmlrpc
  (`--help` itself: cli/test_help.py; completion requests: test_completion.py), and
  a command that reads with a cached session in the 0600 file store never imports keyring
  when PYTHON_KEYRING_BACKEND names the fail or null backend.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gandi_hosting_cli.api.client import FALLBACK_WORKERS
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.cli.hosting_helpers import Gh

HEAVY = ("rich", "keyring", "xmlrpc")


def cost(g: Gh, *args: str) -> int:
    before = g.server.request_count
    result = g(*args)
    assert result.exit_code == 0, (args, result.stderr)
    return g.server.request_count - before


@pytest.fixture
def g(cli, logged_in) -> Gh:
    return Gh(cli, logged_in)


# -- requests per command ---------------------------------------------------------------
@pytest.mark.parametrize("fmt", [[], ["--json"]], ids=["human", "json"])
def test_reads_by_id_cost_exactly_one_request(g, fmt):
    [vm_id] = g.vms(1, "web")
    [disk_id] = g.disks(1, "data")
    opid = g.json("op", "list")[0]
    opid = opid["id"] if isinstance(opid, dict) else opid
    assert cost(g, *fmt, "disk", "info", str(disk_id)) == 1
    assert cost(g, *fmt, "account", "balance") == 1
    assert cost(g, *fmt, "op", "info", str(opid)) == 1
    assert cost(g, *fmt, "vm", "info", str(vm_id)) == 1


@pytest.mark.parametrize("fmt", [[], ["--json"]], ids=["human", "json"])
def test_a_name_adds_at_most_one_request(g, fmt):
    g.vms(30, "web")
    g.disks(30, "data")
    assert cost(g, *fmt, "vm", "info", "web17") <= 2
    assert cost(g, *fmt, "disk", "info", "data17") <= 2
    if not fmt:  # the OS label for people came with the lookup (os_list in its batch)
        assert "Debian 12 64 bits" in g("vm", "info", "web17").stdout


class ConnectionCounter:
    """Counts the connections a sandbox server accepts (wraps its own bookkeeping)."""

    def __init__(self, server) -> None:
        self.httpd = server.server._httpd
        self.opened = 0
        self._track = self.httpd.track
        self.httpd.track = self.track

    def track(self, conn, *, add: bool) -> None:
        if add:
            self.opened += 1
        self._track(conn, add=add)


@pytest.mark.parametrize("kind", ["vm", "disk"])
def test_details_without_multicall_cost_one_request_per_object_over_a_bounded_pool(
    cli, make_sandbox_server, kind
):
    g = Gh(cli, make_sandbox_server(multicall=False))
    g.login()
    make = g.vms if kind == "vm" else g.disks
    make(10, "few")
    few = cost(g, "--json", kind, "list", "--details")
    make(30, "more")
    objects = len(g.json(kind, "list"))
    counter = ConnectionCounter(g.server)
    many = cost(g, "--json", kind, "list", "--details")
    assert many - few <= 30  # one request per object added, at most
    # the list, one info per object, plus the refused system.multicall probe (a process
    # remembers the refusal, so the in-process runner may skip it the second time)
    assert few <= 10 + 2
    assert many <= objects + 2
    # single calls go over a bounded pool of keep-alive connections, not one per call
    assert counter.opened <= FALLBACK_WORKERS + 1


# -- start-up -----------------------------------------------------------------------------
def imported(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    """Top-level packages a run of the CLI imported (``-X importtime``)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gandi_hosting_cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "gandi_hosting_cli.cli" in names  # the measurement works
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["vm", "--help"],
        ["vm", "info", "--help"],
        ["disk", "list", "--help"],
        ["op", "wait", "--help"],
        ["product", "--help"],
        ["sandbox", "serve", "--help"],
        ["completion", "bash"],
    ],
    ids=" ".join,
)
def test_version_help_and_scripts_import_neither_rich_keyring_nor_xmlrpc(args):
    assert imported(args) & set(HEAVY) == set()


@pytest.mark.parametrize("backend", ["fail", "null"])
def test_a_cached_session_in_the_file_store_costs_no_keyring_import(sandbox_server, backend):
    # headless servers and CI: PYTHON_KEYRING_BACKEND names a backend that stores nothing
    env = {"PYTHON_KEYRING_BACKEND": f"keyring.backends.{backend}.Keyring"}
    [vm_id] = sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    url = ["--url", sandbox_server.url]
    login = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", *url, "login", SEED_LOGIN, "--password-stdin"],
        input=SEED_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert login.returncode == 0, login.stderr
    assert "sessions are kept in" in login.stderr  # the 0600 file store
    before = sandbox_server.request_count
    names = imported([*url, "--json", "vm", "info", str(vm_id)], env)
    assert sandbox_server.request_count == before + 1
    assert "keyring" not in names and "rich" not in names
    assert "xmlrpc" in names  # it did talk to the API


def test_a_refused_multicall_is_remembered_across_invocations(make_sandbox_server, tmp_path):
    """Separate processes (as a shell loop runs them): only the first pays the refused probe,
    so a --details list costs N+1 requests without multicall."""
    server = make_sandbox_server(multicall=False)
    server.sandbox.bulk_create_vms(SEED_LOGIN, 5, prefix="w")
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    def run(*args: str, stdin: str | None = None) -> int:
        before = server.request_count
        done = subprocess.run(
            [sys.executable, "-m", "gandi_hosting_cli", "--url", server.url, *args],
            input=stdin, capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return server.request_count - before

    run("login", SEED_LOGIN, "--password-stdin", stdin=SEED_PASSWORD + "\n")
    assert run("--json", "vm", "list", "--details") == 5 + 2  # probe refused, list, 5 infos
    assert run("--json", "vm", "list", "--details") == 5 + 1  # remembered: list, 5 infos
    assert run("--json", "disk", "list", "--details") == 5 + 1  # the 5 system disks
