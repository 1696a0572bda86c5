"""Root command group: global options, the lazy subcommand map and ``main()``.

Subcommand modules are imported only when they run (click's "Lazily Loading
Subcommands" pattern) so that ``--help`` and completion stay instant.
"""

from __future__ import annotations

import importlib

import click

from gandi_hosting_cli import __version__

# command name -> "module:attribute"; the module is imported only when the command runs.
LAZY_COMMANDS: dict[str, str] = {
    "sandbox": "gandi_hosting_cli.cli.sandbox:sandbox",
}


class LazyGroup(click.Group):
    """A group whose subcommands live in modules imported on first use."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gandi-hosting")
def cli() -> None:
    """Manage Gandi Hosting servers, disks and operations from the command line."""


def main() -> None:
    cli(prog_name="gandi-hosting")
