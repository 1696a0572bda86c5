"""AppContext: the object in ``ctx.obj`` that every command receives (``@click.pass_obj``).

Global options write into it while click parses (before or after the subcommand). It
resolves settings in one order: option > environment > profile in config.toml > default,
and builds the logged-in client and the output lazily, so ``--help`` costs nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

from gandi_hosting_cli.output.terminal import Terminal
from gandi_hosting_cli.records import Record

if TYPE_CHECKING:
    import xmlrpc.client
    from collections.abc import Callable, Sequence

    from gandi_hosting_cli.api.client import Capabilities, HostingClient
    from gandi_hosting_cli.api.trace import Tracer
    from gandi_hosting_cli.auth.sessions import SessionManager
    from gandi_hosting_cli.config.name_cache import NameCache
    from gandi_hosting_cli.config.settings import Profile
    from gandi_hosting_cli.output.columns import Column
    from gandi_hosting_cli.output.render import Output
    from gandi_hosting_cli.output.shaping import Shape

SANDBOX_URL = "sandbox"
SANDBOX_ENDPOINT = "http://sandbox/hosting/"
DEFAULT_TIMEOUT = 30.0
RETRIES_ENV = "GANDI_HOSTING_RETRIES"
MAX_RETRIES = 10


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ClientPool:
    """Logged-in clients kept alive between the commands of one process (``shell``): one
    per profile, endpoint, login, timeout and --debug, so the session and the HTTP
    connection are reused and a session renewed once serves the next commands.

    A command's ``AppContext`` gets the pool as ``clients``; its options never reach the
    pooled client, which is made from those five settings only."""

    def __init__(self) -> None:
        self.clients: dict[tuple, HostingClient] = {}

    def client_for(self, app: AppContext) -> HostingClient:
        key = (app.profile_name, app.endpoint, app.login, app.effective_timeout, app.debug)
        client = self.clients.get(key)
        if client is None:
            base = AppContext(
                profile=app.profile_name, url=app.url, timeout=app.timeout, debug=app.debug
            )
            client = self.clients[key] = base.logged_in_client()
        return client

    def clear(self) -> None:
        """Forget every client (after login, logout, su, config: sessions or settings
        may have changed); their connections are closed."""
        for client in self.clients.values():
            try:
                client.close()
            except Exception:  # noqa: BLE001 - a connection already gone is fine
                pass
        self.clients.clear()


class Declined(click.ClickException):
    """The user answered no to a confirmation (exit 1, not 130: nothing was interrupted)."""

    exit_code = 1


class AppContext(Record):
    _fields = (
        "profile", "url", "json", "quiet", "debug", "timeout", "retries", "dry_run",
        "output_format", "columns", "no_header", "sort", "insecure_http_allowed",
        "dry_run_printed", "clients", "terminal", "clock", "_sessions", "wait_clock", "sleep",
    )  # fmt: skip
    _hidden = frozenset({"clients", "_sessions"})

    def __init__(
        self,
        # raw option values (None: not given on the command line)
        profile: str | None = None,
        url: str | None = None,
        json: bool = False,
        quiet: bool = False,
        debug: bool = False,
        timeout: float | None = None,
        retries: int | None = None,
        # --dry-run (commands that change something): writes recorded, not sent
        dry_run: bool = False,
        # -o/--output, --columns, --no-header, --sort (output.py: OutputMode, Shape)
        output_format: str | None = None,
        columns: tuple[str, ...] | None = None,
        no_header: bool = False,
        sort: str | None = None,
        # `login --allow-insecure-http`: a password may cross plain http:// this once
        insecure_http_allowed: bool = False,
        # a dry run's calls were printed already (`apply --dry-run`): `finish` prints nothing
        dry_run_printed: bool = False,
        # `shell`: the logged-in clients kept between its commands (None: one command, one
        # client)
        clients: ClientPool | None = None,
        # where messages and prompts go (stderr; None: a new Terminal); tests give one with
        # its tty-ness set
        terminal: Terminal | None = None,
        # the clock session expiry is read against (aware UTC)
        clock: Callable[[], datetime] = utcnow,
        # the session manager of the command's login, made on first use
        _sessions: SessionManager | None = None,
        # how a wait (--wait, op wait, apply) tells the time and pauses between polls, and
        # how a client pauses before a retry; tests give the sandbox's hand-driven clock (a
        # wait costs no real time) or record the pauses
        wait_clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.profile = profile
        self.url = url
        self.json = json
        self.quiet = quiet
        self.debug = debug
        self.timeout = timeout
        self.retries = retries
        self.dry_run = dry_run
        self.output_format = output_format
        self.columns = columns
        self.no_header = no_header
        self.sort = sort
        self.insecure_http_allowed = insecure_http_allowed
        self.dry_run_printed = dry_run_printed
        self.clients = clients
        self.terminal = Terminal() if terminal is None else terminal
        self.clock = clock
        self._sessions = _sessions
        self.wait_clock = wait_clock
        self.sleep = sleep
        self.terminal.hint_options = self.hint_options

    def set_option(self, name: str, value: Any) -> None:
        """Record a global option (``-q`` silences messages, unless ``--json``; with
        ``--json`` what stderr says is JSON lines). ``-o json`` is ``--json``, ``-o ids``
        is ``-q``; ``-o`` given last wins over both."""
        setattr(self, name, value)
        if name == "output_format":
            self.json = value == "json"
            self.quiet = value == "ids"
        elif name in ("json", "quiet") and value and self.output_format is not None:
            self.output_format = None
        self.terminal.quiet = self.quiet and not self.json
        self.terminal.json = self.json

    def hint_options(self) -> str:
        """The global options a command named in a hint needs to act where this one did:
        ``--profile`` as typed, ``--url`` (without any user:password@) when it is not the
        profile's own, ``--sandbox``. The environment is left out (it is still set)."""
        import shlex

        from gandi_hosting_cli.config.settings import display_url, normalize_url

        words = []
        if self.profile:
            words += ["--profile", self.profile]
        if self.url:
            if self.url == SANDBOX_URL:
                words.append("--sandbox")
            else:
                try:
                    own = self.profile_config.url
                    same = own is not None and normalize_url(own) == normalize_url(self.url)
                except Exception:  # noqa: BLE001 - a hint never fails the command
                    same = False
                if not same:
                    words += ["--url", display_url(self.url)]
        return " ".join(shlex.quote(w) for w in words)

    # -- resolved settings -----------------------------------------------------------------
    @property
    def profile_name(self) -> str:
        """--profile > GANDI_HOSTING_PROFILE > ``current`` of config.toml > default."""
        from gandi_hosting_cli.config.settings import DEFAULT_PROFILE

        return (
            self.profile
            or os.environ.get("GANDI_HOSTING_PROFILE")
            or self.current_profile
            or DEFAULT_PROFILE
        )

    @cached_property
    def current_profile(self) -> str | None:
        """The profile chosen by ``config use`` (config.toml's top-level ``current``)."""
        from gandi_hosting_cli.config.settings import ConfigError, current_profile
        from gandi_hosting_cli.errors import LocalUsageError

        try:
            return current_profile()
        except ConfigError as exc:
            raise LocalUsageError(str(exc)) from None

    @cached_property
    def profile_config(self) -> Profile:
        from gandi_hosting_cli.config.settings import ConfigError, load_profile
        from gandi_hosting_cli.errors import LocalUsageError

        try:
            return load_profile(self.profile_name)
        except ConfigError as exc:  # one line, exit 2
            chosen = (
                not self.profile
                and not os.environ.get("GANDI_HOSTING_PROFILE")
                and self.current_profile is not None
                and str(exc).startswith("unknown profile")
            )
            hint = "chosen by `config use`; `gandi-hosting config use default` undoes it"
            raise LocalUsageError(str(exc), hint=hint if chosen else None) from None

    @property
    def profile_settings(self) -> dict[str, Any]:
        """Per-profile defaults from config.toml (e.g. ``wait = true``)."""
        return self.profile_config.settings

    @property
    def resolved_url(self) -> str:
        """What the user asked for, as requested (``config.check_url``: scheme and host in
        lower case, no default port): an http(s) URL or ``sandbox``. A URL without a scheme
        is a usage error (exit 2)."""
        from gandi_hosting_cli.config.settings import DEFAULT_URL, ConfigError, check_url
        from gandi_hosting_cli.errors import LocalUsageError

        raw = (
            self.url
            or os.environ.get("GANDI_HOSTING_URL")
            or self.profile_config.url
            or DEFAULT_URL
        )
        try:
            return check_url(raw)
        except ConfigError as exc:
            raise LocalUsageError(str(exc)) from None

    @property
    def is_sandbox(self) -> bool:
        return self.resolved_url == SANDBOX_URL

    @property
    def endpoint(self) -> str:
        """The endpoint's identity, which sessions, logins and caches are keyed by
        (``config.normalize_url``: ``http://h/hosting`` = ``http://h/hosting/``;
        ``http://sandbox/hosting/`` for --sandbox). Requests go to ``request_url``."""
        from gandi_hosting_cli.config.settings import normalize_url

        return SANDBOX_ENDPOINT if self.is_sandbox else normalize_url(self.resolved_url)

    @property
    def request_url(self) -> str:
        """Where requests are sent: the URL as given (checked), its path untouched."""
        return SANDBOX_ENDPOINT if self.is_sandbox else self.resolved_url

    @property
    def effective_timeout(self) -> float:
        return self.timeout if self.timeout is not None else DEFAULT_TIMEOUT

    @property
    def effective_retries(self) -> int:
        """--retries > GANDI_HOSTING_RETRIES > 2: retries of a read after a connection
        error (writes are never retried). A bad value in the environment: exit 2."""
        from gandi_hosting_cli.api.client import DEFAULT_RETRIES
        from gandi_hosting_cli.errors import LocalUsageError

        if self.retries is not None:
            return self.retries
        raw = os.environ.get(RETRIES_ENV, "").strip()
        if not raw:
            return DEFAULT_RETRIES
        if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_RETRIES:
            raise LocalUsageError(f"{RETRIES_ENV} must be a whole number from 0 to {MAX_RETRIES}")
        return int(raw)

    @property
    def login(self) -> str | None:
        """GANDI_HOSTING_LOGIN > profile login > last `login` here > the sandbox's account."""
        from gandi_hosting_cli.auth.sessions import last_login

        found = (
            os.environ.get("GANDI_HOSTING_LOGIN")
            or self.profile_config.login
            or last_login(self.profile_name, self.endpoint)
        )
        if not found and self.is_sandbox:
            from gandi_hosting_cli.sandbox.seed import SEED_LOGIN

            found = SEED_LOGIN
        return found or None

    # -- services --------------------------------------------------------------------------
    @cached_property
    def output(self) -> Output:
        """The output layer, in the mode the options chose (stdout: data only)."""
        from gandi_hosting_cli.output.render import DryRunOutput, Output, OutputMode

        if self.output_format is not None:
            mode = OutputMode(self.output_format)
        else:
            mode = OutputMode.JSON if self.json else OutputMode.IDS if self.quiet else None
        if self.dry_run:  # the command's own results would describe placeholders
            return DryRunOutput(mode, self.terminal)
        return Output(mode, self.terminal, self.shape)

    @property
    def shape(self) -> Shape:
        from gandi_hosting_cli.output.shaping import Shape

        return Shape(self.columns, not self.no_header, self.sort)

    def check_shape(self, catalog: Sequence[Column]) -> None:
        """A list command checks --columns and --sort against its keys before any request
        (an unknown key: exit 2, listing the valid ones)."""
        self.shape.check([c.key for c in catalog])

    @cached_property
    def tracer(self) -> Tracer | None:
        if not self.debug:
            return None
        from gandi_hosting_cli.api.trace import Tracer

        return Tracer(self.terminal.notice)

    def session_manager(self, login: str | None = None) -> SessionManager:
        from gandi_hosting_cli.auth.sessions import SessionManager

        if login is None and self._sessions is not None:
            return self._sessions
        manager = SessionManager(
            self.profile_name,
            self.endpoint,
            login or self.login,
            password_source=self._password_for,
            warn=self.terminal.message,
            clock=self.clock,
        )
        if login is None:
            self._sessions = manager
        return manager

    @property
    def allow_insecure_http(self) -> bool:
        """The profile's ``allow_insecure_http = true`` (or ``login --allow-insecure-http``)."""
        if self.insecure_http_allowed:
            return True
        return bool(self.profile_settings.get("allow_insecure_http", False))

    def refuse_password_in_clear(self, *, renewal: bool) -> None:
        """No password over plain http:// to a host that is not loopback, unless allowed:
        a usage error (exit 2) for ``login``; for an automatic renewal an auth error (exit
        3: the session is gone and nothing was sent), with the way to allow it."""
        from gandi_hosting_cli.config.settings import sends_in_clear
        from gandi_hosting_cli.errors import AuthError, LocalUsageError

        host = None if self.is_sandbox else sends_in_clear(self.endpoint)
        if host is None or self.allow_insecure_http:
            return
        why = f"the password would cross the network in clear (plain http:// to {host})"
        if renewal:
            raise AuthError(
                f"no valid session, and logging in again by itself is refused: {why}",
                hint="use an https:// URL, or log in again with "
                "`gandi-hosting login --allow-insecure-http`, or set "
                "`gandi-hosting config set allow_insecure_http true`",
            )
        raise LocalUsageError(
            f"refusing to log in: {why}",
            hint="use an https:// URL, or --allow-insecure-http if the network is trusted",
        )

    def _password_for(self, login: str, manager: SessionManager) -> str:
        from gandi_hosting_cli.auth.credentials import find_password

        self.refuse_password_in_clear(renewal=True)
        ask = self._ask_password if self.terminal.is_interactive else None
        seeded = self.sandbox_password(login)
        return find_password(login, manager, sandbox_password=seeded, ask=ask)

    def sandbox_password(self, login: str) -> str | None:
        """With ``--sandbox``, the seeded account's password (for that account only)."""
        if not self.is_sandbox:
            return None
        from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

        return SEED_PASSWORD if login == SEED_LOGIN else None

    def _ask_password(self, question: str) -> str:
        return self.terminal.prompt(question, secret=True)

    def sandbox_transport(self) -> xmlrpc.client.Transport:
        """The in-process sandbox ``--sandbox`` talks to (its state and op delay from the
        environment); an unusable state file or delay is a usage error (exit 2)."""
        from gandi_hosting_cli.errors import LocalUsageError
        from gandi_hosting_cli.sandbox import SandboxStateError, env_op_delay, env_state_path
        from gandi_hosting_cli.sandbox.in_process import InProcessTransport

        try:
            op_delay = env_op_delay()
        except ValueError as exc:
            raise LocalUsageError(str(exc)) from None
        try:
            return InProcessTransport(state_path=env_state_path(), op_delay=op_delay)
        except SandboxStateError as exc:
            raise LocalUsageError(
                str(exc),
                hint="run `gandi-hosting sandbox reset --yes` to start afresh, or set "
                "GANDI_HOSTING_SANDBOX_STATE to another file",
            ) from None

    def new_client(
        self,
        *,
        session: str | None = None,
        renew: bool = False,
        timeout: float | None = None,
        quick: bool = False,
    ) -> HostingClient:
        """A client for the endpoint, without touching the session cache.

        ``quick`` (shell completion): no tracer, no pause before the retry of a read.
        """
        from gandi_hosting_cli.api.client import RETRY_DELAY, HostingClient
        from gandi_hosting_cli.config.capabilities import endpoint_lacks_multicall

        # the CLI, not the API layer, decides that `sandbox` means the in-process emulator
        transport = self.sandbox_transport() if self.is_sandbox else None
        return HostingClient(
            self.request_url,
            transport=transport,
            timeout=self.effective_timeout if timeout is None else timeout,
            tracer=None if quick else self.tracer,
            retry_delay=0.0 if quick else RETRY_DELAY,
            retries=min(self.effective_retries, 1) if quick else self.effective_retries,
            sleep=self.sleep,
            session=session,
            renew=self.session_manager().renew if renew else None,
            multicall=self.is_sandbox or not endpoint_lacks_multicall(self.resolved_url),
            capabilities=self.capabilities,
        )

    @cached_property
    def capabilities(self) -> Capabilities:
        """What this command's clients learn about the endpoint (shared between them), kept
        for a day in the state dir (capabilities.remember_no_multicall)."""
        from gandi_hosting_cli.api.client import Capabilities
        from gandi_hosting_cli.config.capabilities import remember_no_multicall

        return Capabilities(on_no_multicall=remember_no_multicall)

    @cached_property
    def name_cache(self) -> NameCache | None:
        """This account's cached names, which name lookups try first (``workflows.names``
        takes it as ``cache``); None without a login."""
        from gandi_hosting_cli.config.name_cache import NameCache

        return NameCache(self.endpoint, self.login) if self.login else None

    @cached_property
    def client(self) -> HostingClient:
        """A logged-in client: the cached session if still valid, else renewed on first use.

        With ``--dry-run`` it is wrapped in a ``DryRunClient``: reads are sent, writes are
        recorded (secrets as ``***``), and the first read after a write ends the command
        (``DryRunFinished``; ``cli.dry_run.finish`` prints the calls)."""
        pool = self.clients
        client = pool.client_for(self) if pool is not None else self.logged_in_client()
        if self.dry_run:
            from gandi_hosting_cli.api.dry_run import DryRunClient

            return DryRunClient(client, stop_after_write=True)  # type: ignore[return-value]
        return client

    def logged_in_client(self) -> HostingClient:
        """A new client with the cached session (renewed on first use when it is stale)."""
        record = self.session_manager().load()
        return self.new_client(session=record.session_id if record else None, renew=True)

    # -- helpers for commands --------------------------------------------------------------
    def confirm(
        self, question: str, yes: bool = False, declined: str = "Cancelled; nothing was sent."
    ) -> None:
        """Ask before a destructive action; off a terminal ``--yes`` is required (exit 2).

        Never asked with ``--dry-run``: nothing will happen."""
        if yes or self.dry_run:
            return
        if not self.terminal.is_interactive:
            raise click.UsageError(f"{question} Refusing without --yes off a terminal.")
        if not self.terminal.confirm(question):
            raise Declined(declined)
