"""``gandi-hosting sandbox``: run the emulated API as a server, or forget its state.

This group is independent of the root group's context: it needs no login and no
profile, only where the state lives.
"""

from __future__ import annotations

import click

from gandi_hosting_cli.cli import AliasGroup
from gandi_hosting_cli.cli.options import pass_app
from gandi_hosting_cli.output.result import Result

STATE_HELP = (
    "SQLite state file [env GANDI_HOSTING_SANDBOX_STATE; default: sandbox.sqlite3 in the "
    "user data dir]"
)


# --state of both commands
state_option = click.option(
    "--state",
    "state",
    type=click.Path(dir_okay=False),
    envvar="GANDI_HOSTING_SANDBOX_STATE",
    help=STATE_HELP,
)

# the limits of gandi_hosting_cli.sandbox (MAX_OP_DELAY, MAX_SESSION_TTL), repeated here so
# that --help does not import the sandbox
MAX_OP_DELAY = 3600.0
MAX_SESSION_TTL = 366 * 86400.0


def _state_path(state: str | None):
    from gandi_hosting_cli.sandbox import env_state_path

    return env_state_path() if state is None else state


class Seconds(click.ParamType):
    """A finite number of seconds in [0, maximum] (or (0, maximum]): nan, inf, negative or
    too large values are a one-line usage error (exit 2), as for the environment."""

    name = "seconds"

    def __init__(self, maximum: float, *, allow_zero: bool = True):
        self.maximum = maximum
        self.allow_zero = allow_zero

    def convert(self, value, param, ctx):
        from gandi_hosting_cli.errors import LocalUsageError
        from gandi_hosting_cli.sandbox import check_seconds

        name = param.opts[0] if param is not None and param.opts else "value"
        if param is not None and isinstance(param.envvar, str):
            name += f" (or {param.envvar})"
        try:
            return check_seconds(value, name, maximum=self.maximum, allow_zero=self.allow_zero)
        except ValueError as exc:
            raise LocalUsageError(str(exc)) from None


@click.group("sandbox", cls=AliasGroup)
def sandbox() -> None:
    """Run the built-in emulator of the Gandi Hosting API, or reset it.

    \b
    Examples:
      gandi-hosting sandbox serve --port 8080 --op-delay 0
      gandi-hosting --url http://127.0.0.1:8080/hosting/ account info
      gandi-hosting sandbox reset --yes
    """


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port; the URL is printed on stdout).",
)
@state_option
@click.option(
    "--op-delay",
    type=Seconds(MAX_OP_DELAY),
    default=2.0,
    show_default=True,
    envvar="GANDI_HOSTING_SANDBOX_OP_DELAY",
    help="Seconds an operation takes from PENDING to DONE (0: done at the next call; at "
    "most 3600) [env GANDI_HOSTING_SANDBOX_OP_DELAY].",
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="LOGIN:PASSWORD",
    envvar="GANDI_HOSTING_SANDBOX_ACCOUNTS",
    help="Add an account (repeatable), besides the seeded AA1234-GANDI [env "
    "GANDI_HOSTING_SANDBOX_ACCOUNTS, space-separated: prefer it for real passwords, since "
    "arguments are visible to other users in ps].",
)
@click.option(
    "--session-ttl",
    type=Seconds(MAX_SESSION_TTL, allow_zero=False),
    default=43200.0,
    show_default=True,
    help="Seconds a session id stays valid (at most 366 days).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse what is tolerated for the spec's PHP and Perl samples (digit strings for "
    "ints, ints for strings, 0/1 for booleans, base64 for strings): check your own client.",
)
@click.option(
    "--request-timeout",
    type=Seconds(3600, allow_zero=False),
    default=10.0,
    show_default=True,
    help="Seconds a request may take to arrive whole (headers and body); a slower one "
    "gets 408 and its connection is closed.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    help="Open connections at most (fewer if the open-file limit is lower), and 256 per "
    "client address (or this, if lower); idle ones are closed first to make room.",
)
@click.option(
    "--no-multicall",
    is_flag=True,
    hidden=True,
    help="Answer system.multicall as an unknown method (client fallback tests).",
)
@pass_app
def sandbox_serve(
    app,
    host,
    port,
    state,
    op_delay,
    accounts,
    session_ttl,
    strict,
    request_timeout,
    max_connections,
    no_multicall,
) -> None:
    """Serve the sandbox over HTTP until Ctrl-C or SIGTERM.

    It answers XML-RPC POSTs at /hosting/ and logs one line per request on stderr
    (never a password or a session id). The seeded account is login AA1234-GANDI,
    password mypassword (the spec's sample: public, so keep the default --host
    127.0.0.1).

    \b
    Examples:
      gandi-hosting sandbox serve
      gandi-hosting sandbox serve --port 0 --op-delay 0 --state /tmp/sandbox.sqlite3
      gandi-hosting sandbox serve --account XY1-GANDI:secret123
    """
    _check_accounts(accounts)
    _warn_if_reachable(app, host)
    box = _open_sandbox(
        _state_path(state),
        op_delay=op_delay,
        session_ttl=session_ttl,
        accounts=accounts,
        multicall=not no_multicall,
        strict=strict,
    )
    server = _listen(box, host, port, request_timeout, max_connections)
    _serve_until_stopped(server, box, lambda: _announce(app, server, box, op_delay))
    app.terminal.notice(f"Sandbox stopped after {server.request_count} requests.")


def _warn_if_reachable(app, host: str) -> None:
    if not _is_loopback(host):
        # said before binding, so it is seen even when the bind then fails
        app.terminal.notice(
            f"Warning: listening on {host} makes the sandbox reachable from other machines; "
            "its seeded login and password are public (use --host 127.0.0.1 unless you mean it)."
        )


def _listen(box, host: str, port: int, request_timeout, max_connections: int):
    from gandi_hosting_cli.sandbox import SandboxServer

    try:
        return SandboxServer(
            box,
            host=host,
            port=port,
            request_timeout=request_timeout,
            max_connections=max_connections,
            max_per_client=min(256, max_connections),
        )
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _announce(app, server, box, op_delay: float) -> None:
    app.terminal.notice(
        f"Sandbox serving on {server.url} (state {box.state_path}, "
        f"op delay {op_delay:g} s); Ctrl-C to stop."
    )
    # stdout: the result, for scripts (useful with --port 0)
    app.output.emit(Result.verbatim(server.url + "\n"))


def _check_accounts(accounts: tuple[str, ...]) -> None:
    for account in accounts:
        login, sep, password = account.partition(":")
        if not sep or not login or not password:
            # never echo the value: it holds a password
            raise click.BadParameter("expected LOGIN:PASSWORD", param_hint="--account")


def _open_sandbox(path, **options):
    """The sandbox on ``path``; an unusable state file is a usage error (exit 2)."""
    from gandi_hosting_cli.errors import LocalUsageError
    from gandi_hosting_cli.sandbox import Sandbox, SandboxStateError

    try:
        return Sandbox(path, **options)
    except SandboxStateError as exc:
        raise LocalUsageError(
            str(exc),
            hint=f"run `gandi-hosting sandbox reset --yes --state {path}` to start afresh, "
            "or give another --state",
        ) from None


def _serve_until_stopped(server, box, announce) -> None:
    """Serve, logging one line per request on stderr, until SIGINT or SIGTERM; the signals
    are caught before ``announce()`` says where (a script may stop it at once)."""
    import logging
    import signal
    import threading

    logger = logging.getLogger("gandi_hosting_cli.sandbox")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # a line per request: skip what the format does not show (the caller's frame, thread
    # and process names), as the logging HOWTO's "Optimization" section describes
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False

    # both signals just ask the main loop to stop, whenever they arrive
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    announce()
    server.start_in_thread()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        box.close()
        logger.removeHandler(handler)


@sandbox.command("reset")
@state_option
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask for confirmation (required off a terminal)."
)
@pass_app
def sandbox_reset(app, state, yes) -> None:
    """Forget the sandbox's state: the next use starts from the seeded account again.

    \b
    Examples:
      gandi-hosting sandbox reset --yes
      gandi-hosting sandbox reset --state /tmp/sandbox.sqlite3 --yes
    """
    from pathlib import Path

    path = Path(_state_path(state))
    question = f"Delete the sandbox state {path} (every VM, disk and operation in it)?"
    app.confirm(question, yes, declined="Cancelled; nothing was deleted.")
    removed = False
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()
            removed = True
    app.terminal.notice(f"Sandbox state {'removed' if removed else 'already empty'}: {path}")
