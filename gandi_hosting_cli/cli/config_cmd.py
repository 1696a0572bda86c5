"""``config list|get|set|unset|use|profiles``: profiles of ``config.toml`` from the CLI.

The file is edited with tomlkit (gandi_hosting_cli.config.settings), so the user's comments and
layout survive. Which profile is edited: --profile > GANDI_HOSTING_PROFILE > the one
``config use`` chose (top-level ``current``) > ``default``. Nothing here talks to the API.
"""

from __future__ import annotations

from typing import Any

import click

from gandi_hosting_cli.cli import AliasGroup
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.output.columns import Column


def _usage(exc: Exception | str) -> Exception:
    """A one-line usage error (exit 2)."""
    from gandi_hosting_cli.errors import LocalUsageError

    return LocalUsageError(str(exc))


def _file_data() -> dict[str, Any]:
    from gandi_hosting_cli.config.settings import ConfigError, _load_toml, config_path

    try:
        return _load_toml(config_path())
    except ConfigError as exc:
        raise _usage(exc) from None


def _profile_table(app: AppContext, *, must_exist: bool = True) -> dict[str, Any]:
    from gandi_hosting_cli.config.settings import DEFAULT_PROFILE, config_path

    data = _file_data()
    name = app.profile_name
    table = data.get(name)
    if isinstance(table, dict):
        return table
    if must_exist and name != DEFAULT_PROFILE:
        known = ", ".join(sorted(k for k, v in data.items() if isinstance(v, dict))) or "none"
        raise _usage(
            f"unknown profile {name!r} (profiles in {config_path()}: {known}); "
            f"create it with `gandi-hosting --profile {name} config set url URL`"
        )
    return {}


def _check_key(key: str, table: dict[str, Any] | None = None) -> None:
    from gandi_hosting_cli.config.edit import setting_names

    if key in setting_names() or (table is not None and key in table):
        return
    raise _usage(f"unknown key {key!r}; valid keys: {', '.join(setting_names())}")


@click.group("config", cls=AliasGroup)
def config_group() -> None:
    """Profiles of config.toml: show, change and choose them.

    Valid keys: url (an http(s) URL or 'sandbox'), login, wait (true or false: --wait by
    default), allow_insecure_http (true or false: let login and automatic renewals send
    the password over plain http:// to another host). Comments and layout of the file
    are kept. The profile edited is --profile, else GANDI_HOSTING_PROFILE, else the one
    chosen with `config use`, else default.

    \b
    Examples:
      gandi-hosting config set wait true
      gandi-hosting --profile staging config set url http://127.0.0.1:8080/hosting/
      gandi-hosting config use staging
      gandi-hosting config profiles
    """


@config_group.command("list")
@global_options
@click.pass_obj
def config_list(app: AppContext) -> None:
    """The settings of the profile, one per line.

    \b
    Examples:
      gandi-hosting config list
      gandi-hosting --profile staging config list --json
    """
    from gandi_hosting_cli.output.result import Result

    table = _profile_table(app)
    rows = [{"key": k, "value": _shown(v)} for k, v in table.items()]
    columns = [Column("key", "Key"), Column("value", "Value")]
    app.output.emit(
        Result.records(rows, columns, json={"profile": app.profile_name, "settings": table})
    )
    if not rows:
        app.terminal.message(f"Profile {app.profile_name} has no settings.")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@config_group.command("get")
@click.argument("key")
@global_options
@click.pass_obj
def config_get(app: AppContext, key: str) -> None:
    """Print the value of KEY in the profile (exit 4 when it is not set).

    \b
    Examples:
      gandi-hosting config get url
      gandi-hosting config get wait --json
    """
    from gandi_hosting_cli.errors import NotFound
    from gandi_hosting_cli.output.result import Result

    table = _profile_table(app)
    _check_key(key, table)
    if key not in table:
        raise NotFound(f"{key} is not set in profile {app.profile_name}")
    value = table[key]
    data = {"profile": app.profile_name, "key": key, "value": value}
    app.output.emit(Result.value(data, _shown(value)))


@config_group.command("set")
@click.argument("key")
@click.argument("value")
@global_options
@click.pass_obj
def config_set(app: AppContext, key: str, value: str) -> None:
    """Set KEY to VALUE in the profile (created when missing).

    \b
    Examples:
      gandi-hosting config set url https://api.gandi.net/hosting/
      gandi-hosting config set wait true
      gandi-hosting --profile staging config set url sandbox
    """
    from gandi_hosting_cli.config.edit import parse_setting, set_setting
    from gandi_hosting_cli.config.settings import ConfigError

    _check_key(key)
    try:
        typed = parse_setting(key, value)
        set_setting(app.profile_name, key, typed)
    except ConfigError as exc:
        raise _usage(exc) from None
    app.terminal.message(f"Profile {app.profile_name}: {key} = {_shown(typed)}")


@config_group.command("unset")
@click.argument("key")
@global_options
@click.pass_obj
def config_unset(app: AppContext, key: str) -> None:
    """Remove KEY from the profile (its default applies again).

    \b
    Examples:
      gandi-hosting config unset wait
    """
    from gandi_hosting_cli.config.edit import unset_setting
    from gandi_hosting_cli.config.settings import ConfigError

    table = _profile_table(app, must_exist=False)
    _check_key(key, table)
    try:
        removed = unset_setting(app.profile_name, key)
    except ConfigError as exc:
        raise _usage(exc) from None
    if removed:
        app.terminal.message(f"Profile {app.profile_name}: {key} unset")
    else:
        app.terminal.message(f"Profile {app.profile_name}: {key} was not set")


@config_group.command("use")
@click.argument("profile_name", metavar="PROFILE")
@global_options
@click.pass_obj
def config_use(app: AppContext, profile_name: str) -> None:
    """Make PROFILE the current one (remembered in config.toml as `current`).

    --profile and GANDI_HOSTING_PROFILE still win over it. `config use default` goes
    back to the default profile.

    \b
    Examples:
      gandi-hosting config use staging
      gandi-hosting config use default
    """
    import os

    from gandi_hosting_cli.config.edit import set_current_profile
    from gandi_hosting_cli.config.settings import DEFAULT_PROFILE, ConfigError

    data = _file_data()
    if profile_name != DEFAULT_PROFILE and not isinstance(data.get(profile_name), dict):
        known = ", ".join(sorted(k for k, v in data.items() if isinstance(v, dict))) or "none"
        raise _usage(
            f"unknown profile {profile_name!r} (profiles: {known}); create it with "
            f"`gandi-hosting --profile {profile_name} config set url URL`"
        )
    try:
        set_current_profile(profile_name)
    except ConfigError as exc:
        raise _usage(exc) from None
    app.terminal.message(f"Current profile: {profile_name}.")
    env = os.environ.get("GANDI_HOSTING_PROFILE")
    if env and env != profile_name:
        app.terminal.warn(f"GANDI_HOSTING_PROFILE={env} is set and wins over it")


@config_group.group("profiles", invoke_without_command=True)
@global_options
@click.pass_context
def config_profiles(ctx: click.Context) -> None:
    """The profiles of config.toml, the current one marked; delete or rename one.

    \b
    Examples:
      gandi-hosting config profiles
      gandi-hosting config profiles --json
      gandi-hosting config profiles rename staging preprod
      gandi-hosting config profiles delete preprod
    """
    if ctx.invoked_subcommand is None:
        _list_profiles(ctx.find_object(AppContext))


def _list_profiles(app: AppContext) -> None:
    from gandi_hosting_cli.config.settings import DEFAULT_PROFILE
    from gandi_hosting_cli.output.result import Result

    data = _file_data()
    names = [k for k, v in data.items() if isinstance(v, dict)]
    if DEFAULT_PROFILE not in names:
        names.insert(0, DEFAULT_PROFILE)
    active = app.profile_name
    rows = [
        {
            "name": name,
            "current": name == active,
            "url": (data.get(name) or {}).get("url"),
            "login": (data.get(name) or {}).get("login"),
        }
        for name in names
    ]
    marked = [{**row, "mark": "*" if row["current"] else ""} for row in rows]
    app.output.emit(
        Result.records(
            marked,
            [
                Column("mark", " "),
                Column("name", "Profile"),
                Column("url", "URL"),
                Column("login", "Login"),
            ],
            json=rows,
        )
    )


def _sessions_of(table: dict[str, Any]) -> list[tuple[str, str]]:
    """The (endpoint, login) a profile's own settings name (its sessions' keys)."""
    from gandi_hosting_cli.cli.context import SANDBOX_ENDPOINT
    from gandi_hosting_cli.config.settings import DEFAULT_URL, ConfigError, check_url, normalize_url

    try:
        url = check_url(str(table.get("url") or DEFAULT_URL))
    except ConfigError:
        return []
    endpoint = SANDBOX_ENDPOINT if url == "sandbox" else normalize_url(url)
    login = table.get("login")
    return [(endpoint, login)] if isinstance(login, str) and login else []


@config_profiles.command("delete")
@click.argument("name", metavar="PROFILE")
@global_options
@click.pass_obj
def config_profiles_delete(app: AppContext, name: str) -> None:
    """Delete PROFILE from config.toml and drop its cached sessions.

    The other profiles and the file's comments are kept. Deleting the current profile
    (chosen with `config use`) makes default current again. Remembered passwords
    (`login --remember`) belong to an endpoint and login, not a profile: `logout` forgets
    them.

    \b
    Examples:
      gandi-hosting config profiles delete staging
    """
    from gandi_hosting_cli.auth.sessions import drop_profile_sessions
    from gandi_hosting_cli.config.edit import delete_profile
    from gandi_hosting_cli.config.settings import DEFAULT_PROFILE, ConfigError
    from gandi_hosting_cli.output.result import Result

    try:
        removed = delete_profile(name)
    except ConfigError as exc:
        raise _usage(exc) from None
    dropped = drop_profile_sessions(name, _sessions_of(removed))
    said = f"Deleted profile {name}"
    said += f" ({dropped} cached session{'s' if dropped != 1 else ''} dropped)" if dropped else ""
    if removed["was_current"]:
        said += f"; the current profile is {DEFAULT_PROFILE} again"
    app.terminal.message(said + ".")
    data = {"deleted": name, "sessions_dropped": dropped, "was_current": removed["was_current"]}
    app.output.emit(Result.value(data))


@config_profiles.command("rename")
@click.argument("old", metavar="PROFILE")
@click.argument("new", metavar="NEW_NAME")
@global_options
@click.pass_obj
def config_profiles_rename(app: AppContext, old: str, new: str) -> None:
    """Rename PROFILE to NEW_NAME in config.toml, in place (comments kept); its cached
    sessions follow, and so does `config use`'s choice.

    \b
    Examples:
      gandi-hosting config profiles rename staging preprod
    """
    from gandi_hosting_cli.auth.sessions import move_profile_sessions
    from gandi_hosting_cli.config.edit import rename_profile
    from gandi_hosting_cli.config.settings import ConfigError
    from gandi_hosting_cli.output.result import Result

    try:
        values = rename_profile(old, new)
    except ConfigError as exc:
        raise _usage(exc) from None
    moved = move_profile_sessions(old, new, _sessions_of(values))
    app.terminal.message(f"Renamed profile {old} to {new}.")
    data = {"renamed": old, "to": new, "sessions_moved": moved, "current": values["was_current"]}
    app.output.emit(Result.value(data))
