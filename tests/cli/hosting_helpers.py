"""Shared helpers for the product/vm/disk/op command tests: a CLI bound to a sandbox server.

``gh("vm", "list")`` runs ``gandi-hosting --url <server> vm list`` through the real root
group, logged in as the seeded account. Objects that a test only needs to exist are made
with the sandbox's bulk helpers (no round trips); what a test is about goes through the CLI.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

from click.testing import CliRunner, Result

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

PASSWORD = "s3cret-root-pw"


def free_port() -> int:
    """A port nothing listens on (for "cannot connect" cases)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gh:
    """``clock``: the sandbox's hand-driven clock, when it has one: the command's waits
    move it instead of sleeping."""

    def __init__(
        self, cli: Callable[..., Result], server, *, interactive: bool = False, clock=None
    ) -> None:
        self.cli = cli
        self.server = server
        self.url = server.url
        self.interactive = interactive
        self.clock = clock

    def __call__(self, *args: str, input: str | None = None) -> Result:
        if not self.interactive:
            return self.cli("--url", self.url, *args, input=input, clock=self.clock)
        from gandi_hosting_cli.cli import cli as root
        from gandi_hosting_cli.cli.context import AppContext
        from gandi_hosting_cli.output.terminal import Terminal

        # a person at a terminal: the terminal says so, nothing is patched
        app = AppContext(terminal=Terminal(interactive=True))
        if self.clock is not None:
            app.wait_clock, app.sleep = self.clock, self.clock.tick
        return CliRunner().invoke(
            root, ["--url", self.url, *args], input=input, obj=app, catch_exceptions=False
        )

    def on_terminal(self) -> Gh:
        """The same CLI, with someone at the terminal to answer prompts."""
        return Gh(self.cli, self.server, interactive=True, clock=self.clock)

    def json(self, *args: str, input: str | None = None):
        result = self("--json", *args, input=input)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)

    def ids(self, *args: str, input: str | None = None) -> list[int]:
        """The ids a list prints with ``-q`` (``gh.ids("vm", "list")``)."""
        result = self("-q", *args, input=input)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return [int(i) for i in result.stdout.split()]

    def login(self) -> None:
        result = self("login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n")
        assert result.exit_code == 0, result.stderr

    @property
    def sandbox(self):
        return self.server.sandbox

    def vms(self, n: int, prefix: str = "vm", **kw) -> list[int]:
        return self.sandbox.bulk_create_vms(SEED_LOGIN, n, prefix, **kw)

    def disks(self, n: int, prefix: str = "disk", **kw) -> list[int]:
        return self.sandbox.bulk_create_disks(SEED_LOGIN, n, prefix, **kw)

    def shares(self, n: int = 8) -> None:
        """Buy ``n`` shares (a fresh account has none), through the CLI."""
        result = self("product", "add", "--yes", "shares", str(n), "--wait")
        assert result.exit_code == 0, result.stderr

    def create_vm(self, hostname: str, *extra: str) -> dict:
        return self.json(
            "vm", "create", hostname, "--os", "111", "--shares", "1", "--password-stdin", *extra,
            input=PASSWORD + "\n",
        )  # fmt: skip
