"""Root command group: global options, the lazy subcommand map and ``main()``.

Subcommand modules are imported only when they run (click's "Lazily Loading
Subcommands" pattern) so that ``--help`` and completion stay instant: this module imports
neither rich, keyring nor xmlrpc.

Every error ends here, in ``RootGroup.main``: one place maps exceptions to exit codes
(DESIGN.md section 2), for the console script and for CliRunner alike.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

import click

from gandi_hosting_cli import __version__
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from gandi_hosting_cli.errors import HostingError

# command name -> "module:attribute"; the module is imported only when the command runs.
LAZY_COMMANDS: dict[str, str] = {
    "account": "gandi_hosting_cli.cli.account:account",
    "product": "gandi_hosting_cli.cli.product:product",
    "vm": "gandi_hosting_cli.cli.vm:vm",
    "disk": "gandi_hosting_cli.cli.disk:disk",
    "op": "gandi_hosting_cli.cli.op:op",
    "os": "gandi_hosting_cli.cli.os_images:os_group",
    "login": "gandi_hosting_cli.cli.login:login",
    "logout": "gandi_hosting_cli.cli.login:logout",
    "session": "gandi_hosting_cli.cli.login:session",
    "su": "gandi_hosting_cli.cli.login:su",
    "completion": "gandi_hosting_cli.cli.completion:completion",
    "sandbox": "gandi_hosting_cli.cli.sandbox:sandbox",
    "plan": "gandi_hosting_cli.cli.declarative:plan",
    "apply": "gandi_hosting_cli.cli.declarative:apply",
    "export": "gandi_hosting_cli.cli.declarative:export",
    "config": "gandi_hosting_cli.cli.config_cmd:config_group",
    "shell": "gandi_hosting_cli.cli.shell:shell",
}

# what people type -> the command it stands for, in every group that has that command
ALIASES: dict[str, str] = {"ls": "list", "rm": "delete", "show": "info"}


class AliasGroup(click.Group):
    """A group that knows the aliases of ``ALIASES`` (``vm ls`` = ``vm list``), lists
    them in its help (``list (ls)``), and answers an unknown command with the names it
    may have meant (difflib, as click does for options), lazy commands included."""

    def aliases(self, ctx: click.Context) -> dict[str, str]:
        """The aliases of this group's commands (an alias never hides a real command)."""
        names = set(self.list_commands(ctx))
        return {a: t for a, t in ALIASES.items() if t in names and a not in names}

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] in ALIASES:
            target = self.aliases(ctx).get(args[0])
            args = [target, *args[1:]] if target else args
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:
            raise self._no_such_command(ctx, exc.command_name) from None

    def _no_such_command(self, ctx: click.Context, name: str) -> click.exceptions.NoSuchCommand:
        """click's error, with the close names among every command (lazy ones too) and
        alias (an alias only when the command it stands for is not suggested already)."""
        from difflib import get_close_matches

        aliases = self.aliases(ctx)
        close = get_close_matches(name, [*self.list_commands(ctx), *aliases])
        close = [n for n in close if aliases.get(n) not in close]
        error = click.exceptions.NoSuchCommand(name, ctx=ctx)
        error.possibilities = close or None  # type: ignore[misc]
        return error

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's command table, each command with its alias: ``list (ls)``."""
        labels = {t: f"{t} ({a})" for a, t in self.aliases(ctx).items()}
        commands = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((labels.get(name, name), command))
        if not commands:
            return
        limit = formatter.width - 6 - max(len(label) for label, _ in commands)
        rows = [(label, command.get_short_help_str(limit)) for label, command in commands]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class LazyGroup(AliasGroup):
    """A group whose subcommands live in modules imported on first use.

    Command modules import nothing heavy at load (no rich, keyring, xmlrpc). The root's
    ``--help`` imports none of them (see ``RootGroup.format_commands``); a sub-group's
    ``--help`` imports its own.
    """

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

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list:
        """bash shows no help beside candidates: name lazy commands without importing them
        (zsh and fish show each command's short help, which needs its module)."""
        import os

        if not os.environ.get("_GANDI_HOSTING_COMPLETE", "").startswith("bash"):
            return super().shell_complete(ctx, incomplete)
        from click.shell_completion import CompletionItem

        names = [n for n in self.list_commands(ctx) if n.startswith(incomplete)]
        results = [CompletionItem(n) for n in names if n in self.lazy_commands]
        results += [
            CompletionItem(n)
            for n in names
            if n not in self.lazy_commands and not self.commands[n].hidden
        ]
        return results + click.Command.shell_complete(self, ctx, incomplete)


class RootGroup(LazyGroup):
    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        """The help width click would find, found without importing ``shutil`` (~1.5 ms of
        ``--help``); the subcommands' contexts inherit it."""
        import click.formatting

        settings = {**self.context_settings, **extra}
        if settings.get("terminal_width") is None and click.formatting.FORCED_WIDTH is None:
            from gandi_hosting_cli.fast import help_width

            extra["terminal_width"] = help_width(settings.get("max_content_width") or 80)
        return super().make_context(info_name, args, parent=parent, **extra)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's command table, without importing the lazy commands' modules (their
        short help comes from ``short_help``, generated from their docstrings)."""
        try:
            from gandi_hosting_cli.cli.short_help import SHORT_HELP
        except ImportError:  # not generated yet (docgen): ask the commands themselves
            return super().format_commands(ctx, formatter)
        names = [
            n
            for n in self.list_commands(ctx)
            if n in SHORT_HELP or (n not in self.lazy_commands and not self.commands[n].hidden)
        ]
        missing = [n for n in names if n not in SHORT_HELP and n in self.lazy_commands]
        if missing:  # added since the last docgen: ask the commands themselves
            return super().format_commands(ctx, formatter)
        if not names:
            return None
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in SHORT_HELP:
                text, exact = SHORT_HELP[name]
                # click shortens a help text in Command.get_short_help_str (public API)
                short = text if exact else click.Command(name, help=text).get_short_help_str(limit)
                rows.append((name, short))
            else:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)
        return None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run the CLI and exit with the code of DESIGN.md section 2, whatever happens."""
        app = extra.pop("obj", None) or AppContext()
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name or "gandi-hosting",
                complete_var=complete_var,
                standalone_mode=False,
                obj=app,
                **extra,
            )
            # with standalone_mode=False click returns the code of ctx.exit() (e.g. --help)
            code = rv if isinstance(rv, int) else 0
            if app.dry_run and code == 0:
                from gandi_hosting_cli.cli.dry_run import finish

                code = finish(app)
        except BaseException as exc:  # noqa: BLE001 - this is the one place errors end
            if not app.json and _json_requested(sys.argv[1:] if args is None else args):
                # a parse error after --json stops click before the option's callback runs
                app.set_option("json", True)
            code = handle_exception(app, exc)
        if not standalone_mode:
            return code
        sys.exit(code)


def _json_requested(args: object) -> bool:
    """``--json`` or ``-o json`` among the raw arguments, before any ``--`` (what follows
    is operands)."""
    try:
        words = [str(a) for a in args]  # type: ignore[attr-defined]
    except TypeError:
        return False
    if "--" in words:
        words = words[: words.index("--")]
    pairs = zip(words, [*words[1:], ""], strict=False)
    return "--json" in words or any(
        w in ("--output=json", "-ojson", "-o=json") or (w in ("-o", "--output") and nxt == "json")
        for w, nxt in pairs
    )


def _json_error(app: AppContext, code: int | None, message: str, exit_code: int) -> None:
    if app.json:
        payload = {"error": {"code": code, "message": message, "exit_code": int(exit_code)}}
        app.terminal.json_line(payload)


def handle_exception(app: AppContext, exc: BaseException) -> int:
    """Print ``exc`` for people (one line) and scripts (JSON with --json); return the code.

    The one place errors become exit codes: ``HostingError`` (the workflows' usage errors
    included) -> its ``exit_code``; click usage errors -> 2; Ctrl-C -> 130."""
    if isinstance(exc, SystemExit) and not app.dry_run:  # --help, completion: the end
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    from gandi_hosting_cli.errors import HostingError

    if app.dry_run:
        from gandi_hosting_cli.api.dry_run import DryRunFinished

        if isinstance(exc, DryRunFinished):  # a read of what an unsent write did: the end
            from gandi_hosting_cli.cli.dry_run import finish

            return finish(app, stopped=exc)
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    if isinstance(exc, HostingError):
        return _report_hosting_error(app, exc)
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        if not app.json:
            from gandi_hosting_cli.errors import escape_controls

            exc.message = escape_controls(exc.message)  # it may quote a server's name
            exc.show(app.terminal.stderr)
        _json_error(app, None, exc.format_message(), exc.exit_code)
        return exc.exit_code
    if isinstance(exc, (KeyboardInterrupt, click.Abort)):
        if not app.json:
            app.terminal.notice("\nInterrupted.")
        _json_error(app, None, "interrupted", ExitCode.INTERRUPTED)
        return int(ExitCode.INTERRUPTED)
    if isinstance(exc, BrokenPipeError):
        return _reader_gone()
    if not isinstance(exc, Exception):
        raise exc
    return _report_unexpected(app, exc)


def _report_hosting_error(app: AppContext, exc: HostingError) -> int:
    from gandi_hosting_cli.cli.hints import render, with_hint
    from gandi_hosting_cli.errors import (
        MAX_SHOWN,
        APIFault,
        LocalError,
        LocalUsageError,
        for_terminal,
    )

    message = with_hint(exc.message, exc.hint)
    if app.debug and not isinstance(exc, (APIFault, LocalUsageError)):
        # a fault is the server's answer, already traced; a usage error is the user's
        # (one line, as without --debug); other failures may be ours
        import traceback

        traceback.print_exception(exc, file=app.terminal.stderr)
    suffix = f" [fault {exc.code}]" if app.debug and exc.code is not None else ""
    if not app.json:  # with --json, stderr carries the JSON error object only
        # a server's text may be huge: cut on the terminal, whole under --debug
        server_text = isinstance(exc, APIFault)  # ours may span lines; the server's is cut
        limit = MAX_SHOWN if server_text and not app.debug else None
        # only our own local errors span lines (a list of ids); any other may quote a server
        lines = isinstance(exc, LocalError)
        shown = for_terminal(exc.message, limit, newlines=lines)
        shown += f" ({render(exc.hint)})" if exc.hint else ""
        app.terminal.error(f"{shown}{suffix}", newlines=lines)
    _json_error(app, exc.code, message, exc.exit_code)
    return int(exc.exit_code)


def _reader_gone() -> int:
    """The reader went away (`| head`): nothing more to say, and nowhere to say it."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 1


def _report_unexpected(app: AppContext, exc: Exception) -> int:
    if app.debug:
        import traceback

        traceback.print_exception(exc, file=app.terminal.stderr)
    message = f"unexpected error: {type(exc).__name__}: {exc}"
    if not app.json:
        app.terminal.error(f"{message} (rerun with --debug for the traceback)")
    _json_error(app, None, message, ExitCode.API_FAULT)
    return int(ExitCode.API_FAULT)


@click.group(
    cls=RootGroup,
    lazy_commands=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="gandi-hosting")
@global_options
def cli() -> None:
    """Manage Gandi Hosting servers, disks and operations from the command line.

    \b
    Examples:
      gandi-hosting login AA1234-GANDI
      gandi-hosting vm list
      gandi-hosting --sandbox os list --json
    """


def main() -> None:
    cli(prog_name="gandi-hosting")
