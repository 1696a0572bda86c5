"""Help: every command has it, and the root's costs no heavy import."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_help_imports_neither_rich_keyring_nor_xmlrpc():
    code = (
        "import sys\n"
        "from gandi_hosting_cli.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='gandi-hosting')\n"
        "except SystemExit:\n"
        "    pass\n"
        "roots = ('rich', 'keyring', 'xmlrpc')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Commands:" in proc.stdout and "account" in proc.stdout
    assert proc.stderr.strip() == "[]"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["account"],
        ["account", "info"],
        ["account", "balance"],
        ["account", "currency"],
        ["os"],
        ["os", "list"],
        ["login"],
        ["logout"],
        ["session"],
        ["su"],
    ],
)
def test_help_of_every_core_command(cli, command):
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    if command and command[0] not in ("account", "os") or len(command) == 2:
        assert "GANDI_HOSTING_URL" in result.stdout  # global options, envvars named


@pytest.mark.parametrize(
    "command", [["product", "list"], ["os", "list"], ["vm", "list"], ["disk", "list"]]
)
def test_list_help_says_json_gives_objects_and_q_ids(cli, command):
    text = " ".join(cli(*command, "--help").stdout.split())
    assert "--json gives an array of" in text and "-q" in text and "--columns" in text
