"""One confirmation rule for every command that deletes or spends money: on a terminal
it shows what it will do (a purchase: product, quantity, duration, balance) and asks;
off a terminal it refuses with exit 2 unless --yes, having sent nothing; --dry-run
never asks and needs no --yes. Writes are counted on the sandbox server."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.sandbox.registry import REGISTRY
from tests.cli.hosting_helpers import PASSWORD, Gh


class Writes:
    """The write methods the sandbox ran from now on (inside multicalls too)."""

    def __init__(self, server) -> None:
        self.methods: list[str] = []
        sandbox = server.sandbox
        answer = sandbox.call

        def counted(method: str, params: tuple) -> object:
            if method in REGISTRY and REGISTRY[method].write:
                self.methods.append(method)
            return answer(method, params)

        sandbox.call = counted


@pytest.fixture
def setup(gh: Gh) -> dict:
    gh.shares(4)
    [product] = [p["id"] for p in gh.json("product", "list")]
    assert gh("product", "add", "disk", "1G", "--yes").exit_code == 0
    [spare] = [p["id"] for p in gh.json("product", "list") if p["id"] != product]
    [gh.vms(1, "idle", state="halted")]
    gh.disks(1, "data")
    failed = gh("vm", "create", "fail-1", "--os", "111", "--shares", "1",
                "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert failed.exit_code == 5, failed.stderr  # its create ended in ERROR: cancellable
    [op] = gh.ids("op", "list", "--state", "ERROR")
    return {"product": str(product), "spare": str(spare), "op": str(op)}


COMMANDS = {
    "product add": (lambda s: ["product", "add", "shares", "1"], True),
    "product renew": (lambda s: ["product", "renew", s["product"], "--duration", "2m"], True),
    "product update": (lambda s: ["product", "update", s["product"], "6"], True),
    "product remove": (lambda s: ["product", "remove", s["spare"]], False),
    "vm delete": (lambda s: ["vm", "delete", "idle1"], False),
    "disk delete": (lambda s: ["disk", "delete", "data1"], False),
    "op cancel": (lambda s: ["op", "cancel", s["op"]], False),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_off_a_terminal_it_refuses_without_yes_and_sends_nothing(gh, setup, name):
    args = COMMANDS[name][0](setup)
    writes = Writes(gh.server)
    result = gh(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "--yes" in result.stderr
    assert writes.methods == []
    dry = gh(*args, "--dry-run")  # never asks, needs no --yes
    assert dry.exit_code == 0, dry.stderr
    assert writes.methods == []
    done = gh(*args, "--yes")
    assert done.exit_code == 0, done.stderr
    assert len(writes.methods) == 1


@pytest.mark.parametrize("name", COMMANDS)
def test_on_a_terminal_it_shows_what_it_will_do_and_asks(gh, setup, name):
    args, spends = COMMANDS[name][0](setup), COMMANDS[name][1]
    writes = Writes(gh.server)
    declined = gh.on_terminal()(*args, input="n\n")
    assert declined.exit_code == 1 and writes.methods == []
    assert "This will" in declined.stderr and "Continue?" in declined.stderr
    if spends:  # a purchase shows the money there is
        assert "balance now:" in declined.stderr
    if name == "product add":
        assert "shares: 1 share, for 1 month" in declined.stderr
    accepted = gh.on_terminal()(*args, input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert len(writes.methods) == 1
