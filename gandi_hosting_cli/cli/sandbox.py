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
MAX_BALANCE = 10_000_000.0  # EUR: --balance beyond this is surely a typo


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
    "ints, ints for strings, 0/1 for booleans, base64 for strings) and <i8> for ints: "
    "check your own client.",
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
    "--seed",
    "seed_file",
    type=click.Path(dir_okay=False),
    metavar="MANIFEST",
    help="Start the seeded account as a copy of this `export` manifest: its VMs and "
    "disks replace what the account held, at once (new ids, the same names).",
)
@click.option(
    "--balance",
    type=click.FloatRange(0, MAX_BALANCE),
    metavar="EUR",
    help="Set the seeded account's prepaid balance.",
)
@click.option(
    "--fail",
    "fails",
    multiple=True,
    metavar="METHOD[:NAME]",
    help="Make METHOD fail (repeatable): the operation it queues for the VM or disk NAME "
    "(any object without NAME) ends in ERROR; a method that queues nothing answers the "
    "fault 150000 instead, having done nothing.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    metavar="P",
    help="Answer a share P of the calls with the fault 150000, having done nothing.",
)
@click.option(
    "--drop-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    metavar="P",
    help="For a share P of the calls, do the work then close the connection without an "
    "answer (the lost answer a client must recover from).",
)
@click.option(
    "--chaos-method",
    "chaos_methods",
    multiple=True,
    metavar="METHOD",
    help="Limit --fault-rate and --drop-rate to these methods (repeatable; default: "
    "every call but system.*, each call of a multicall counted).",
)
@click.option(
    "--random-seed",
    type=int,
    default=None,
    metavar="N",
    help="Seed of the --fault-rate and --drop-rate draws: the same calls meet the same failures.",
)
@click.option(
    "--latency",
    type=click.FloatRange(0, 60_000),
    default=0.0,
    metavar="MS",
    help="Wait MS milliseconds before handling each request.",
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
    seed_file,
    balance,
    fails,
    fault_rate,
    drop_rate,
    chaos_methods,
    random_seed,
    latency,
    no_multicall,
) -> None:
    """Serve the sandbox over HTTP until Ctrl-C or SIGTERM.

    It answers XML-RPC POSTs at /hosting/ and logs one line per request on stderr
    (never a password or a session id). The seeded account is login AA1234-GANDI,
    password mypassword (the spec's sample: public, so keep the default --host
    127.0.0.1).

    Failures on demand, to test a client's error paths: --fail, --fault-rate,
    --drop-rate (with --chaos-method and --random-seed) and --latency. A VM hostname
    or disk name beginning with fail- always makes its create end in ERROR.

    --seed rehearses a change on a copy of a real account: see `gandi-hosting sandbox
    seed --help`.

    \b
    Examples:
      gandi-hosting sandbox serve
      gandi-hosting sandbox serve --seed prod.toml --balance 200
      gandi-hosting sandbox serve --port 0 --op-delay 0 --state /tmp/sandbox.sqlite3
      gandi-hosting sandbox serve --account XY1-GANDI:secret123
      gandi-hosting sandbox serve --fail vm_create:web2 --fail disk_attach
      gandi-hosting sandbox serve --drop-rate 1 --chaos-method vm_create
      gandi-hosting sandbox serve --fault-rate 0.3 --random-seed 1 --latency 200
    """
    _check_accounts(accounts)
    from gandi_hosting_cli.sandbox.memory import return_large_blocks

    return_large_blocks()  # a burst of --account logins must not keep 16 MiB each
    chaos = _chaos(fails, fault_rate, drop_rate, chaos_methods, random_seed, latency)
    entries = _read_copy(seed_file) if seed_file is not None else None
    _warn_if_reachable(app, host)
    box = _open_sandbox(
        _state_path(state),
        op_delay=op_delay,
        session_ttl=session_ttl,
        accounts=accounts,
        multicall=not no_multicall,
        strict=strict,
        chaos=chaos,
    )
    _load_copy(box, seed_file, entries, None if balance is None else round(balance * 100))
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


def _read_copy(path: str) -> tuple[list[dict], list[dict]]:
    """The VMs and disks of an ``export`` manifest, as plain dicts for the sandbox (a
    manifest that cannot be read is exit 2, naming the file, line and key)."""
    import dataclasses

    from gandi_hosting_cli.declarative.manifest import load_manifest

    manifest = load_manifest(path)
    return (
        [dataclasses.asdict(vm) for vm in manifest.vms],
        [dataclasses.asdict(disk) for disk in manifest.disks],
    )


def _load_copy(box, path, entries, cents) -> None:
    """Load the copy (or just the balance) into the seeded account; exit 2 naming the
    entry that cannot be loaded, with nothing changed."""
    from gandi_hosting_cli.errors import LocalUsageError
    from gandi_hosting_cli.sandbox.account_copy import CopyError
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN

    try:
        if entries is not None:
            box.load_copy(SEED_LOGIN, *entries, balance_cents=cents)
        elif cents is not None:
            box.set_balance(SEED_LOGIN, cents)
    except CopyError as exc:
        box.close()
        raise LocalUsageError(f"{path}: {exc}") from None


def _chaos(fails, fault_rate, drop_rate, methods, seed, latency):
    """The failures asked for (``sandbox/chaos.py``), or None; an unknown method is a
    usage error (exit 2)."""
    from gandi_hosting_cli.sandbox.chaos import Chaos, FailRule
    from gandi_hosting_cli.sandbox.dispatcher import REGISTRY

    rules = []
    for text in fails:
        try:
            rules.append(FailRule.parse(text))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--fail") from None
    for name, hint in [(r.method, "--fail") for r in rules] + [
        (m, "--chaos-method") for m in methods
    ]:
        if name not in REGISTRY:
            raise click.BadParameter(f"no such API method: {name!r}", param_hint=hint)
    if not (rules or fault_rate or drop_rate or latency):
        return None
    return Chaos(
        rules,
        fault_rate=fault_rate,
        drop_rate=drop_rate,
        methods=methods,
        latency_ms=latency,
        seed=seed,
    )


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


@sandbox.command("seed")
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "--balance",
    type=click.FloatRange(0, MAX_BALANCE),
    metavar="EUR",
    help="Also set the account's prepaid balance.",
)
@state_option
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask for confirmation (required off a terminal)."
)
@pass_app
def sandbox_seed(app, manifest, balance, state, yes) -> None:
    """Make the embedded sandbox's account a copy of an `export` manifest.

    Its VMs and disks replace what the account (AA1234-GANDI, the one --sandbox uses)
    held, at once: VMs running or halted as declared, disks attached as declared, and
    products of exactly the shares and disk quota they need. Ids are new, names the
    same. Then rehearse a change on the copy before making it for real:

    \b
      gandi-hosting --profile prod export --file prod.toml
      gandi-hosting sandbox seed prod.toml --yes
      (edit prod.toml)
      gandi-hosting --sandbox plan prod.toml
      gandi-hosting --sandbox apply prod.toml --yes
      gandi-hosting --profile prod plan prod.toml     # the same actions

    A manifest that cannot be loaded (a name twice, an OS the sandbox does not have) is
    exit 2 naming the entry, with nothing changed.

    \b
    Examples:
      gandi-hosting sandbox seed prod.toml --yes
      gandi-hosting sandbox seed prod.toml --balance 200 --state /tmp/rehearsal.sqlite3 --yes
    """
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN

    entries = _read_copy(manifest)
    box = _open_sandbox(_state_path(state), op_delay=0)
    try:
        vms, disks = box.held(SEED_LOGIN)
        if vms or disks:
            question = (
                f"Replace the {vms} VMs and {disks} disks of the sandbox account {SEED_LOGIN} "
                f"with the copy in {manifest}?"
            )
            app.confirm(question, yes, declined="Cancelled; nothing was changed.")
        cents = None if balance is None else round(balance * 100)
        _load_copy(box, manifest, entries, cents)
    finally:
        box.close()
    app.terminal.notice(
        f"Sandbox account {SEED_LOGIN} is now a copy of {manifest}: "
        f"{len(entries[0])} VMs, {len(entries[1])} disks."
    )


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
