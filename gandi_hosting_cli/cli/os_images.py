"""``os list``: the OS images a VM can be created from (named os_images: ``os`` is stdlib)."""

from __future__ import annotations

import click

from gandi_hosting_cli.cli import AliasGroup
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import details_option, global_options, list_command
from gandi_hosting_cli.output.columns import Column

OS_COLUMNS = [
    Column("id", "ID", "int"),
    Column("label", "LABEL"),
    Column("name", "NAME"),
    Column("version", "VERSION"),
    Column("arch", "ARCH"),
    Column("size", "SIZE", "size_mb"),
]


@click.group("os", cls=AliasGroup)
@global_options
def os_group() -> None:
    """OS images that a VM can be created from."""


@list_command(OS_COLUMNS)
@os_group.command("list")
@details_option
@global_options
@click.pass_obj
def os_list(app: AppContext) -> None:
    """List OS images: id, label, name, version, arch and system disk size.

    One request. --json gives an array of OS image structs, -q their ids.

    \b
    Examples:
      gandi-hosting os list
      gandi-hosting os list --json | jq '.[] | select(.arch == "x86-64") | .id'
    """
    from gandi_hosting_cli.cli.completers import remember
    from gandi_hosting_cli.output.result import Result

    app.check_shape(OS_COLUMNS)
    images = app.client.os_list()
    remember("os", images, app)  # OS labels for tab completion
    app.output.emit(Result.records(images, OS_COLUMNS, catalog=OS_COLUMNS, empty="no OS images"))
