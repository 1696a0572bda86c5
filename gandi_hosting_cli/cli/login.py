"""``login``, ``logout``, ``session`` and ``su``: the cached session of a profile.

The session id itself is never printed; ``session`` shows who, where, safe or not, until
when, and which store holds it.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, NoReturn

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options, password_stdin_option, read_password_stdin
from gandi_hosting_cli.output.columns import Column

SESSION_FIELDS = [
    Column("login", "Login"),
    Column("acting_as", "Acting as"),
    Column("profile", "Profile"),
    Column("endpoint", "Endpoint"),
    Column("safe", "Safe", "bool"),
    Column("created", "Created"),
    Column("expires", "Expires"),
    Column("store", "Store"),
    Column("checked", "Checked"),
]


def session_info(record: Any, store: str, now: datetime) -> dict[str, Any]:
    """The public view of a record (no id), with dates as datetimes for local display;
    ``expired`` as of ``now``."""
    data = record.public()
    for key in ("created", "expires"):
        try:
            data[key] = datetime.fromisoformat(data[key])
        except (TypeError, ValueError):
            pass
    data["expired"] = record.expired_at(now)
    data["store"] = store
    return data


def _fields(info: dict[str, Any]) -> list[Column]:
    return [
        Column(c.key, c.header, "date" if c.key in ("created", "expires") else c.format)
        for c in SESSION_FIELDS
        if c.key != "acting_as" or info.get("acting_as")
    ]


def _password(app: AppContext, login: str, from_stdin: bool) -> str:
    if from_stdin:
        return read_password_stdin()
    env = os.environ.get("GANDI_HOSTING_PASSWORD")
    if env:
        return env
    seeded = app.sandbox_password(login)
    if seeded:
        return seeded
    if app.terminal.is_interactive:
        return app.terminal.prompt(f"Password for {login}", secret=True)
    raise click.UsageError(
        "no password: use --password-stdin or GANDI_HOSTING_PASSWORD off a terminal"
    )


@click.command()
@click.argument("login_name", metavar="[LOGIN]", required=False, type=types.HANDLE)
@password_stdin_option
@click.option("--unsafe", is_flag=True, help="Open an unsafe session (see the API's safe mode).")
@click.option(
    "--remember",
    is_flag=True,
    help="Also keep the password in the keyring so expired sessions renew by themselves.",
)
@click.option(
    "--allow-insecure-http",
    is_flag=True,
    help="Send the password over plain http:// to a host that is not this machine "
    "(refused otherwise).",
)
@global_options
@click.pass_obj
def login(
    app: AppContext,
    login_name: str | None,
    password_stdin: bool,
    unsafe: bool,
    remember: bool,
    allow_insecure_http: bool,
) -> None:
    """Log in and cache the session (12 hours) in the keyring.

    LOGIN defaults to GANDI_HOSTING_LOGIN, the profile's login, or the last one used.
    The password is prompted for (hidden), read with --password-stdin, or taken from
    GANDI_HOSTING_PASSWORD; it is never an argument.

    The endpoint and login used are saved in the profile (config.toml), so the next
    command talks to the same place (not with --sandbox: use `config set url sandbox`).

    A password is never sent over plain http:// to a host other than this machine
    without --allow-insecure-http (or the profile's allow_insecure_http = true, which
    automatic renewals also need).

    \b
    Examples:
      gandi-hosting login AA1234-GANDI
      printf '%s\\n' "$PASS" | gandi-hosting login AA1234-GANDI --password-stdin
      gandi-hosting login --url http://127.0.0.1:8080/hosting/ AA1234-GANDI
    """
    from gandi_hosting_cli.auth.sessions import new_record
    from gandi_hosting_cli.output.result import Result

    if allow_insecure_http:
        app.insecure_http_allowed = True
    app.refuse_password_in_clear(renewal=False)  # before any prompt
    login_name = _login_name(app, login_name)
    password = _password(app, login_name, password_stdin)
    manager = app.session_manager(login_name)
    _check_can_remember(manager, remember)
    client = app.new_client()
    session_id = client.login(login_name, password, not unsafe)
    record = new_record(
        session_id, login_name, app.endpoint, app.profile_name, not unsafe, now=app.clock()
    )
    manager.save(record)
    if remember or manager.remembered_password() not in (None, password):
        # a password remembered earlier is kept current, or renewal would fail with it
        manager.remember_password(password)
    info = session_info(record, manager.store.name, app.clock())
    mode = "unsafe" if unsafe else "safe"
    app.terminal.message(f"Logged in as {login_name} at {_shown(app)} ({mode} session).")
    _save_in_profile(app, login_name)
    app.output.emit(Result(json=info))


def _login_name(app: AppContext, login_name: str | None) -> str:
    """The LOGIN argument, else the profile's or the last one used, else asked."""
    login_name = login_name or app.login
    if not login_name:
        if not app.terminal.is_interactive:
            raise click.UsageError("no login given: gandi-hosting login LOGIN")
        login_name = app.terminal.prompt("Login").strip()
    return login_name


def _check_can_remember(manager: Any, remember: bool) -> None:
    if remember and not manager.store.can_hold_passwords:
        raise click.UsageError(
            "--remember needs a keyring backend; none is usable here "
            "(use GANDI_HOSTING_PASSWORD instead)"
        )


def _save_in_profile(app: AppContext, login_name: str) -> None:
    """The endpoint and login just used become the profile's, so the next command talks to
    the same place (a URL holding user:password@ is not written: config.toml is no place
    for secrets). ``--sandbox`` is a choice per command and is not saved (else a later
    plain `login` would go to the sandbox; `config set url sandbox` makes it lasting). A
    config.toml that cannot be written costs a warning, not the login."""
    from gandi_hosting_cli.config.edit import update_profile
    from gandi_hosting_cli.config.settings import ConfigError, config_path

    if app.is_sandbox:
        return
    values: dict[str, Any] = {"login": login_name}
    url = app.resolved_url
    if "@" in url.partition("://")[2].partition("/")[0]:
        app.terminal.warn("the URL holds credentials; it is not saved in config.toml")
    else:
        values["url"] = url
    try:
        changed = update_profile(app.profile_name, values)
    except ConfigError as exc:
        app.terminal.warn(f"{exc}; the next command will not remember this endpoint")
        return
    if changed:
        app.terminal.message(f"Saved in profile {app.profile_name} of {config_path()}.")


def _shown(app: AppContext) -> str:
    """The endpoint for people: without any user:password@ part."""
    from gandi_hosting_cli.config.settings import display_url

    return display_url(app.endpoint)


@click.command()
@global_options
@click.pass_obj
def logout(app: AppContext) -> None:
    """Forget the cached session (and any remembered password) of this profile."""
    from gandi_hosting_cli.auth.sessions import forget_login
    from gandi_hosting_cli.cli.completers import forget
    from gandi_hosting_cli.output.result import Result

    manager = app.session_manager()
    login_name = manager.login
    forgotten = manager.forget()
    password_forgotten = manager.forget_password()
    forget_login(app.profile_name, app.endpoint)
    forget(app.endpoint, login_name)  # the completion cache's names of this account
    if forgotten or password_forgotten:
        app.terminal.message(f"Logged out {login_name} from {_shown(app)}.")
    else:
        app.terminal.message(f"No cached session for {_shown(app)}.")
    logged_out = {"logged_out": bool(forgotten), "login": login_name, "endpoint": _shown(app)}
    app.output.emit(Result.value(logged_out))


@click.command()
@click.option(
    "--check",
    is_flag=True,
    help="Ask the server (one cheap request) whether the session is still valid.",
)
@global_options
@click.pass_obj
def session(app: AppContext, check: bool) -> None:
    """Show the cached session: login, endpoint, safe or not, expiry, store.

    Without --check nothing is sent: the expiry shown is a local estimate (login time plus
    12 hours, minus a margin), and the server may have ended the session earlier. With
    --check the server is asked (one account_currency request, never a renewal).
    Exits 0 when the session is valid, 3 otherwise (for scripts).

    \b
    Examples:
      gandi-hosting session
      gandi-hosting session --check --json
    """
    from gandi_hosting_cli.api.errors import LOGIN_HINT
    from gandi_hosting_cli.errors import AuthError
    from gandi_hosting_cli.output.result import Result

    manager = app.session_manager()
    record = manager.load(include_expired=True)
    if record is None:
        _not_logged_in(app, manager)
    info = session_info(record, manager.store.name, app.clock())
    valid = not record.expired_at(app.clock())
    rejected = False
    if check:
        valid, rejected = _ask_server(app, record)
        info["checked"] = "yes: " + ("valid on the server" if valid else "refused by the server")
    else:
        info["checked"] = "no: the expiry is a local estimate (--check asks the server)"
    data = {
        "logged_in": valid,
        **info,
        "checked": check,
        "valid_on_server": valid if check else None,
    }
    app.output.emit(Result.record(info, _fields(info), json=data))
    if rejected:
        raise AuthError(
            f"the server no longer accepts the session of {record.login}", hint=LOGIN_HINT
        )
    if not valid:
        raise AuthError(f"the session of {record.login} has expired", hint=LOGIN_HINT)


def _not_logged_in(app: AppContext, manager: Any) -> NoReturn:
    from gandi_hosting_cli.api.errors import LOGIN_HINT
    from gandi_hosting_cli.errors import AuthError
    from gandi_hosting_cli.output.result import Result

    info = {
        "login": manager.login,
        "profile": app.profile_name,
        "endpoint": _shown(app),
        "store": manager.store.name,
        "expired": None,
    }
    app.output.emit(Result(json={"logged_in": False, **info}))
    raise AuthError(f"not logged in at {_shown(app)}", hint=LOGIN_HINT)


def _ask_server(app: AppContext, record: Any) -> tuple[bool, bool]:
    """--check: (valid, rejected) as the server says (one request, never a renewal)."""
    from gandi_hosting_cli.errors import AuthError

    client = app.new_client(session=record.session_id)  # no renewal: only ask
    try:
        client.call("account_currency")
    except AuthError:
        return False, True
    return True, False


@click.command()
@click.argument("handle", type=types.HANDLE)
@global_options
@click.pass_obj
def su(app: AppContext, handle: str) -> None:
    """Act as HANDLE: a customer of your reseller account, or your own handle to go back.

    \b
    Examples:
      gandi-hosting login --unsafe AA1234-GANDI
      gandi-hosting su AA4321-GANDI
    """
    from gandi_hosting_cli.auth.sessions import new_record
    from gandi_hosting_cli.output.result import Result

    client = app.client
    session_id = client.su(handle)  # may renew the session first; the record follows
    manager = app.session_manager()
    current = manager.load(include_expired=True)
    login_name = current.login if current else manager.login
    safe = current.safe if current else True
    record = new_record(
        session_id, login_name, app.endpoint, app.profile_name, safe, now=app.clock()
    )
    record.acting_as = None if handle == login_name else handle
    manager.save(record)
    app.terminal.message(f"Now acting as {handle}.")
    app.output.emit(Result(json=session_info(record, manager.store.name, app.clock())))
