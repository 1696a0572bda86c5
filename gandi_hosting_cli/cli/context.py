"""AppContext: the object in ``ctx.obj`` that every command receives (``@click.pass_obj``).

Global options write into it while click parses (before or after the subcommand). It
resolves settings in one order: option > environment > profile in config.toml > default,
and builds the logged-in client and the output lazily, so ``--help`` costs nothing.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

from gandi_hosting_cli.output.terminal import Terminal

if TYPE_CHECKING:
    import xmlrpc.client
    from collections.abc import Callable, Sequence

    from gandi_hosting_cli.api.client import Capabilities, HostingClient
    from gandi_hosting_cli.api.trace import Tracer
    from gandi_hosting_cli.auth.sessions import SessionManager
    from gandi_hosting_cli.config.settings import Profile
    from gandi_hosting_cli.output.columns import Column
    from gandi_hosting_cli.output.render import Output
    from gandi_hosting_cli.output.shaping import Shape

SANDBOX_URL = "sandbox"
SANDBOX_ENDPOINT = "http://sandbox/hosting/"
DEFAULT_TIMEOUT = 30.0


class Declined(click.ClickException):
    """The user answered no to a confirmation (exit 1, not 130: nothing was interrupted)."""

    exit_code = 1


@dataclass
class AppContext:
    # raw option values (None: not given on the command line)
    profile: str | None = None
    url: str | None = None
    json: bool = False
    quiet: bool = False
    debug: bool = False
    timeout: float | None = None
    # --dry-run (commands that change something): writes recorded, not sent
    dry_run: bool = False
    # -o/--output, --columns, --no-header, --sort (output.py: OutputMode, Shape)
    output_format: str | None = None
    columns: tuple[str, ...] | None = None
    no_header: bool = False
    sort: str | None = None
    # extra state for commands
    extras: dict[str, Any] = field(default_factory=dict)
    # where messages and prompts go (stderr); tests give one with its tty-ness set
    terminal: Terminal = field(default_factory=Terminal)
    # how a wait (--wait, op wait, apply) tells the time and pauses between polls, and how
    # a client pauses before a retry; tests give the sandbox's hand-driven clock (a wait
    # costs no real time) or record the pauses
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

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
        from gandi_hosting_cli.output.render import Output, OutputMode

        if self.output_format is not None:
            mode = OutputMode(self.output_format)
        else:
            mode = OutputMode.JSON if self.json else OutputMode.IDS if self.quiet else None
        if self.dry_run:  # the command's own results would describe placeholders
            from gandi_hosting_cli.cli.dry_run import DryRunOutput

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

        if login is None and "sessions" in self.extras:
            return self.extras["sessions"]
        manager = SessionManager(
            self.profile_name,
            self.endpoint,
            login or self.login,
            password_source=self._password_for,
            warn=self.terminal.message,
        )
        if login is None:
            self.extras["sessions"] = manager
        return manager

    @property
    def allow_insecure_http(self) -> bool:
        """The profile's ``allow_insecure_http = true`` (or ``login --allow-insecure-http``)."""
        if self.extras.get("allow_insecure_http"):
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
        return find_password(login, manager, is_sandbox=self.is_sandbox, ask=ask)

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
    def client(self) -> HostingClient:
        """A logged-in client: the cached session if still valid, else renewed on first use.

        Names are looked up in this account's name cache first (workflows.names). With
        ``--dry-run`` it is wrapped in a ``DryRunClient``: reads are sent, writes are
        recorded (secrets as ``***``), and the first read after a write ends the command
        (``DryRunFinished``; ``cli.dry_run.finish`` prints the calls)."""
        from gandi_hosting_cli.config.name_cache import NameCache

        record = self.session_manager().load()
        client = self.new_client(session=record.session_id if record else None, renew=True)
        if self.login:
            client.name_cache = NameCache(self.endpoint, self.login)  # type: ignore[attr-defined]
        if self.dry_run:
            from gandi_hosting_cli.api.dry_run import DryRunClient

            return DryRunClient(client, stop_after_write=True)  # type: ignore[return-value]
        return client

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
