"""A hostile server's strings never reach the terminal raw.

An independent server (tests/independent_server.py, real XML-RPC over HTTP) whose VM
hostname, disk name, OS label and operation comment carry C1 controls (CSI U+009B, OSC
U+009D, ST U+009C), CR and LF (a fake table row) and bidi overrides (U+202E, U+2066):
every output mode but JSON shows them escaped (``\\x9b``, ``\\r``, ``\\u202e``), JSON
escapes them itself (``\\u009b``) and still gives the same values, the info views, the
messages, the errors, the progress display on a terminal and ``export`` (which refuses).
XML 1.0 cannot carry ESC or other C0 controls but TAB, LF and CR: a server that sends one
breaks the protocol (exit 6), said without the byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from tests.independent_server import LOGIN, PASSWORD, IndependentServer

HOSTILE = "evil\x9b2J\x9d0;pwn\x9c\r\nFAKE 999 running\u202etxt.exe\u2066x"
RAW = ("\x9b", "\x9d", "\x9c", "\r", "\u202e", "\u2066", "\nFAKE")


def assert_escaped(text: str, raw_forms: tuple[str, ...] = RAW) -> None:
    for raw in raw_forms:
        assert raw not in text, (raw, text)


class Hostile:
    """The CLI bound to an independent server whose objects get hostile names."""

    def __init__(self, cli, server: IndependentServer) -> None:
        self.cli, self.server, self.api = cli, server, server.api

    def __call__(self, *args: str, input: str | None = None):
        return self.cli("--url", self.server.url, *args, input=input)

    def ok(self, *args: str, input: str | None = None) -> str:
        result = self(*args, input=input)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout


@pytest.fixture
def hostile(cli) -> Iterator[Hostile]:
    server = IndependentServer(pending=0, running=0)
    # XML parsers turn a raw CR into LF: send it as a character reference, as a hostile
    # server may (the other characters travel as they are)
    marshal = server.server._marshaled_dispatch

    def with_cr(*args, **kwargs):
        return marshal(*args, **kwargs).replace(b"\r", b"&#13;")

    server.server._marshaled_dispatch = with_cr  # type: ignore[method-assign]
    h = Hostile(cli, server)
    h.ok("login", LOGIN, "--password-stdin", input=PASSWORD + "\n")
    h.ok("product", "add", "shares", "2", "--yes", "--wait")
    h.ok("vm", "create", "web1", "--os", "Debian 12 bookworm", "--shares", "1",
         "--password-stdin", "--wait", input="r00t-password-ok\n")  # fmt: skip
    h.ok("disk", "create", "data1", "--size", "1024", "--wait")
    [vm] = h.api.vms.values()
    h.vm_id = vm["id"]
    vm["hostname"] = HOSTILE
    disk = next(d for d in h.api.disks.values() if d["name"] == "data1")
    h.disk_id = disk["id"]
    disk["name"] = HOSTILE
    h.api.images[0]["label"] = HOSTILE
    yield h
    server.stop()


@pytest.mark.parametrize("mode", ["table", "plain", "tsv", "ids"])
@pytest.mark.parametrize("group", ["vm", "disk", "os", "op"])
def test_lists_escape_hostile_names_in_every_mode_but_json(hostile, group, mode):
    h = hostile
    h.api.fail_next("vm_reboot", HOSTILE)
    h("vm", "reboot", str(h.vm_id), "--wait")  # an operation whose comment is hostile
    columns = {"op": ["--columns", "id,type,state,comment"]}.get(group, [])
    result = h("-o", mode, group, "list", *columns)
    assert result.exit_code == 0, result.output
    assert_escaped(result.stdout + result.stderr)
    if mode != "ids":
        assert "\\x9b2J" in result.stdout and "\\u202e" in result.stdout
        # one line per object: the LF in a name draws no row of its own
        assert not any(line.startswith("FAKE") for line in result.stdout.splitlines())


def test_json_escapes_c1_and_bidi_itself_and_keeps_the_values(hostile):
    h = hostile
    out = h.ok("--json", "vm", "info", str(h.vm_id))
    assert_escaped(out)
    assert "\\u009b" in out and "\\u202e" in out and "\\r\\n" in out
    assert json.loads(out)["hostname"] == HOSTILE  # the same value, escaped in the text
    out = h.ok("--json", "disk", "list")
    assert_escaped(out)
    assert HOSTILE in [d["name"] for d in json.loads(out)]


def test_info_views_escape_hostile_names(hostile):
    h = hostile
    for args in (("vm", "info", str(h.vm_id)), ("disk", "info", str(h.disk_id))):
        for mode in ("plain", "table"):
            out = h.ok("-o", mode, *args)
            assert_escaped(out)
            assert "\\x9d0;pwn" in out


def test_messages_and_errors_escape_hostile_names_and_fault_strings(hostile):
    h = hostile
    result = h("vm", "stop", str(h.vm_id), "--wait")  # a message naming the VM
    assert result.exit_code == 0, result.output
    assert_escaped(result.stdout + result.stderr)
    assert "\\u202e" in result.stdout + result.stderr
    h.api.fail_next("vm_start", HOSTILE)
    result = h("vm", "start", str(h.vm_id), "--wait")  # an error with the server's comment
    assert result.exit_code == 5
    assert_escaped(result.stdout + result.stderr)
    assert "\\x9b2J" in result.stderr
    # --json on stderr: the error object escapes them itself
    h.api.fail_next("vm_start", HOSTILE)
    result = h("--json", "vm", "start", str(h.vm_id), "--wait")
    assert result.exit_code == 5, result.output
    assert "\\u009b" in result.stderr
    assert_escaped(result.stdout + result.stderr)


def test_the_progress_display_escapes_hostile_names(hostile):
    from gandi_hosting_cli.cli import cli as root
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.output.terminal import Terminal

    h = hostile
    h.api.fail_next("vm_stop", HOSTILE)
    app = AppContext(terminal=Terminal(interactive=True, stderr_tty=True))
    result = CliRunner().invoke(
        root, ["--url", h.server.url, "vm", "stop", str(h.vm_id), "--wait"], obj=app
    )
    assert result.exit_code == 5, result.output
    assert "operation" in result.stderr  # the live display was drawn
    # rich moves the cursor with CR itself: the name's own CR shows as \r
    assert_escaped(result.stdout + result.stderr, tuple(r for r in RAW if r != "\r"))
    assert "\\x9c\\r\\nFAKE" in result.stderr


def test_export_refuses_a_name_it_cannot_write_back(hostile):
    h = hostile
    result = h("export")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"vm {h.vm_id}" in result.stderr and "cannot be written back" in result.stderr
    assert_escaped(result.stderr)


def test_an_escape_byte_breaks_the_protocol_and_is_not_shown(hostile):
    h = hostile
    h.api.vms[h.vm_id]["hostname"] = "a\x1b]0;owned\x07b"
    result = h("vm", "info", str(h.vm_id))
    assert result.exit_code == 6
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stderr


def test_completion_never_offers_a_hostile_name_raw(hostile):
    from gandi_hosting_cli.cli import cli as root
    from gandi_hosting_cli.cli.completion import COMPLETE_VAR

    h = hostile
    assert h("vm", "list").exit_code == 0  # the name cache now holds the hostile name
    line = f"gandi-hosting --url {h.server.url} vm info "
    env = {COMPLETE_VAR: "zsh_complete", "COMP_WORDS": line, "COMP_CWORD": "5"}
    result = CliRunner().invoke(root, [], env=env, prog_name="gandi-hosting")
    assert result.exit_code == 0, result.output
    assert str(h.vm_id) in result.stdout.splitlines()  # the id is offered
    assert_escaped(result.stdout)
    assert "\\u202e" in result.stdout  # the name, escaped, as the id's help
