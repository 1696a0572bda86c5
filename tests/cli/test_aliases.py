"""What people type: ``ls``, ``rm`` and ``show`` on every group that has ``list``,
``delete`` and ``info``, shown in help; an unknown command answers with close names."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.cli import ALIASES
from gandi_hosting_cli.cli import cli as root

GROUPS = ["vm", "disk", "op", "os", "product", "config", "account"]


def test_every_group_with_list_delete_or_info_takes_their_aliases_and_shows_them(cli):
    import click

    ctx = click.Context(root)
    seen = set()
    for name in GROUPS:
        group = root.get_command(ctx, name)
        commands = set(group.list_commands(ctx))
        help_text = cli(name, "--help").output
        for alias, target in ALIASES.items():
            if target in commands:
                seen.add(alias)
                assert f"{target} ({alias})" in help_text, (name, alias)
                assert group.get_command(ctx, target) is not None
    assert seen == set(ALIASES)  # each alias is somewhere


@pytest.mark.parametrize("group", ["vm", "disk", "op", "os"])
def test_ls_prints_what_list_prints(cli, group):
    listed = cli("--sandbox", group, "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert cli("--sandbox", group, "ls", "--json").stdout == listed.stdout


def test_show_and_rm_are_info_and_delete(cli):
    info = cli("--sandbox", "account", "info", "--json")
    assert info.exit_code == 0
    assert cli("--sandbox", "account", "show", "--json").stdout == info.stdout
    # off a terminal, `vm rm` refuses without --yes exactly as `vm delete` does
    deleted = cli("--sandbox", "vm", "delete", "nosuch")
    removed = cli("--sandbox", "vm", "rm", "nosuch")
    assert (removed.exit_code, removed.stderr) == (deleted.exit_code, deleted.stderr)
    assert removed.exit_code != 0


@pytest.mark.parametrize(
    ("args", "meant"),
    [
        (["vm", "lst"], "list"),
        (["vms"], "vm"),
        (["disk", "delet"], "delete"),
        (["op", "wiat"], "wait"),
    ],
)
def test_an_unknown_command_says_what_was_meant(cli, args, meant):
    result = cli(*args)
    assert result.exit_code == 2
    assert f"No such command '{args[-1]}'. Did you mean '{meant}'?" in result.stderr


def test_a_suggestion_names_the_command_not_also_its_alias(cli):
    result = cli("vm", "lis")
    assert "Did you mean 'list'?" in result.stderr
