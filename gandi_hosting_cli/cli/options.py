"""Shared option decorators.

``global_options`` puts the global options (DESIGN.md section 2) on a command. The root
group and every leaf command use it, so ``gandi-hosting --json vm list`` and
``gandi-hosting vm list --json`` both work: the options are not passed to the function
(``expose_value=False``); their callbacks write into the ``AppContext``. Environment
variables are read by ``AppContext`` itself (option > environment > profile), so an
environment value never overrides an option given on the command line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext

F = TypeVar("F", bound=Callable[..., Any])

# for commands without the global options: the AppContext, made if the root did not
pass_app = click.make_pass_decorator(AppContext, ensure=True)


def app_context(ctx: click.Context) -> AppContext:
    """The AppContext of this invocation, created on first use."""
    obj = ctx.find_object(AppContext)
    if obj is None:
        obj = ctx.find_root().ensure_object(AppContext)
        ctx.obj = obj
    return obj


def _setter(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        # these options have no default and no envvar, so a value was typed on this command
        # line; a flag left unset must not undo the same flag given at the other position
        if value is None or value is False:
            return
        app_context(ctx).set_option(attr, value)

    return callback


def _complete_profile(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    from gandi_hosting_cli.cli.completers import complete_profile

    return complete_profile(ctx, param, incomplete)


def _sandbox(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        app_context(ctx).set_option("url", "sandbox")


def _endpoint_options() -> list[Callable[[F], F]]:
    return [
        click.option(
            "--profile",
            metavar="NAME",
            expose_value=False,
            shell_complete=_complete_profile,
            callback=_setter("profile"),
            help="Profile of config.toml to use [env: GANDI_HOSTING_PROFILE; default: default].",
        ),
        click.option(
            "--url",
            metavar="URL",
            expose_value=False,
            callback=_setter("url"),
            help="API endpoint, or 'sandbox' [env: GANDI_HOSTING_URL; "
            "default: https://api.gandi.net/hosting/].",
        ),
        click.option(
            "--sandbox",
            is_flag=True,
            expose_value=False,
            callback=_sandbox,
            help="Use the embedded sandbox (same as --url sandbox); logs in by itself.",
        ),
    ]


def _setting(key: str, *decls: str, **kwargs: Any) -> Callable[[F], F]:
    """An option that writes its value into the AppContext (``key``), not the command."""
    return click.option(*decls, expose_value=False, callback=_setter(key), **kwargs)


def _format_options() -> list[Callable[[F], F]]:
    return [
        _setting("json", "--json", "json_", is_flag=True,
                 help="Print results as JSON on stdout (errors also as JSON on stderr)."),
        _setting("quiet", "-q", "--quiet", is_flag=True, help="Print only ids, one per line."),
        _setting(
            "output_format", "-o", "--output", "output_format",
            type=click.Choice(("table", "plain", "tsv", "json", "ids")),
            help="Output format: table (default on a terminal), plain (aligned text, the "
            "default off a terminal), tsv, json (= --json), ids (= -q).",
        ),
    ]  # fmt: skip


def _list_options() -> list[Callable[[F], F]]:
    return [
        _setting(
            "columns", "--columns", metavar="KEY,...", type=types.COLUMNS,
            help="Columns of a list, by their JSON key names, in order (also the keys of "
            "--json objects).",
        ),
        _setting("no_header", "--no-header", is_flag=True,
                 help="No header line in table, plain and tsv output."),
        _setting("sort", "--sort", metavar="KEY", type=types.SORT_KEY,
                 help="Sort a list by KEY (a JSON key name); -KEY for descending."),
    ]  # fmt: skip


def _diagnostic_options() -> list[Callable[[F], F]]:
    return [
        _setting("debug", "--debug", is_flag=True,
                 help="Trace XML-RPC calls on stderr (secrets redacted); show tracebacks."),
        _setting("timeout", "--timeout", type=types.TIMEOUT, metavar="SECONDS",
                 help="Network timeout for each request [default: 30]."),
        _setting("retries", "--retries", type=click.IntRange(0, 10), metavar="N",
                 help="Retries of a read after a connection error (refused, reset), "
                 "0.3 s then twice as long each time; a timeout or a broken answer is "
                 "retried once, a write never [env: GANDI_HOSTING_RETRIES; default: 2]."),
    ]  # fmt: skip


def _output_options() -> list[Callable[[F], F]]:
    return _format_options() + _list_options() + _diagnostic_options()


def refs_argument(name: str, metavar: str, param_type: click.ParamType) -> Callable[[F], F]:
    """One or more objects or operations; a single ``-`` reads them from stdin."""
    return click.argument(
        name, metavar=metavar, nargs=-1, required=True, type=param_type, callback=types.from_stdin
    )


def global_options(f: F) -> F:
    """--profile --url --sandbox --json -q -o --columns --no-header --sort --debug
    --timeout, written into the AppContext."""
    for option in reversed(_endpoint_options() + _output_options()):
        f = option(f)
    return f


def list_command(catalog: list) -> Callable[[click.Command], click.Command]:
    """Mark a command as a list of objects with these columns (``output.Column``): its
    ``--columns`` and ``--sort`` take their keys (and shell completion offers them)."""

    def mark(command: click.Command) -> click.Command:
        command.catalog = catalog  # type: ignore[attr-defined]
        return command

    return mark


def details_option(f: F) -> F:
    """``--details``: kept for scripts written before lists showed objects (no effect)."""
    return click.option(
        "--details",
        is_flag=True,
        expose_value=False,
        help="Accepted for compatibility: lists show one row per object by default.",
    )(f)


def yes_option(f: F) -> F:
    return click.option(
        "--yes",
        "-y",
        is_flag=True,
        help="Do not ask for confirmation (required off a terminal).",
    )(f)


def dry_run_option(f: F) -> F:
    """``--dry-run`` on a command that changes something: sets ``AppContext.dry_run``.

    The command runs as usual (names resolve, reads are sent), but ``app.client`` records
    its write calls instead of sending them, confirmations are not asked, and the calls
    are printed (``cli/dry_run.py``); exit 0.
    """
    return click.option(
        "--dry-run",
        is_flag=True,
        expose_value=False,
        callback=_setter("dry_run"),
        help="Print the write calls this would send (secrets as ***); send none.",
    )(f)


def password_stdin_option(f: F) -> F:
    return click.option(
        "--password-stdin",
        is_flag=True,
        help="Read the password from the first line of stdin.",
    )(f)


MAX_PASSWORD_BYTES = 4096  # --password-stdin reads one line of 4 KiB at most


def read_password_stdin() -> str:
    """The first line of stdin without its line ending (exit 2 when empty, not UTF-8, or
    longer than 4 KiB: no more is read)."""
    import sys

    limit = MAX_PASSWORD_BYTES + 2  # the line ending too (CR LF)
    stream = getattr(sys.stdin, "buffer", None)
    raw = (
        stream.readline(limit + 1) if stream is not None else sys.stdin.readline(limit + 1).encode()
    )
    if len(raw.rstrip(b"\r\n")) > MAX_PASSWORD_BYTES:
        raise click.UsageError(
            f"--password-stdin: the first line is longer than {MAX_PASSWORD_BYTES >> 10} KiB"
        )
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise click.UsageError("--password-stdin: the password is not valid UTF-8") from None
    if not line:
        raise click.UsageError("--password-stdin: no password on stdin")
    return line


def wait_options(func: Callable) -> Callable:
    """``--wait/--no-wait`` and ``--wait-timeout SECONDS`` for commands that queue operations.

    The command receives ``wait: bool`` and ``wait_timeout: float | None``. Giving
    ``--wait-timeout`` implies ``--wait``; with neither flag, the profile's ``wait``
    setting (config.toml) decides, and waiting is off by default.
    """

    @click.option(
        "--wait/--no-wait",
        "wait",
        default=None,
        help="Wait until the operation is done (live progress on a terminal).",
    )
    @click.option(
        "--wait-timeout",
        "wait_timeout",
        type=types.WAIT_TIMEOUT,
        metavar="SECONDS",
        default=None,
        help="Give up waiting after SECONDS (exit 7); implies --wait.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, wait: bool | None, wait_timeout: float | None, **kwargs: Any) -> Any:
        if wait is None:
            wait = wait_timeout is not None or _profile_wants_wait()
        return func(*args, wait=wait, wait_timeout=wait_timeout, **kwargs)

    return wrapper


def _profile_wants_wait() -> bool:
    ctx = click.get_current_context(silent=True)
    settings = getattr(ctx.find_root().obj if ctx else None, "profile_settings", None) or {}
    return bool(settings.get("wait", False))
