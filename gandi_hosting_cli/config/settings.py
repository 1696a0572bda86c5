"""Paths (XDG, platformdirs) and profiles from ``config.toml``.

``config.toml`` holds one table per profile (``url``, ``login``, and command defaults
such as ``wait``, see ``KEY_TYPES``) and a top-level ``current`` naming the profile used
when neither ``--profile`` nor ``GANDI_HOSTING_PROFILE`` is given. It is read here with
tomllib; ``config/edit.py`` writes it with tomlkit, keeping the user's comments. Also the
URL rules (``check_url``, ``normalize_url``, ``sends_in_clear``). Nothing heavy imported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from gandi_hosting_cli.records import Record

APP_NAME = "gandi-hosting"
DEFAULT_URL = "https://api.gandi.net/hosting/"
DEFAULT_PROFILE = "default"


class ConfigError(Exception):
    """config.toml is unreadable, holds a value of the wrong type, or names an unknown
    profile (a usage problem: exit 2)."""


# platformdirs' Unix rule: $XDG_<KIND>_HOME when absolute, else ~/<default>
_XDG_DIRS = {
    "config": ("XDG_CONFIG_HOME", ".config"),
    "state": ("XDG_STATE_HOME", ".local/state"),
    "cache": ("XDG_CACHE_HOME", ".cache"),
}


def user_dir(kind: str, app: str = APP_NAME) -> Path:
    """platformdirs' ``user_<kind>_path(app)`` (kind: config, state or cache).

    On Linux, the cases every platformdirs version agrees on (the XDG variable absolute, or
    unset with an absolute $HOME) are answered here: importing platformdirs costs ~4 ms on
    each command. Anything else (macOS, Windows, a relative variable) asks platformdirs."""
    var, default = _XDG_DIRS[kind]
    if sys.platform.startswith("linux"):
        import os

        base = os.environ.get(var, "")
        home = os.environ.get("HOME", "")
        if os.path.isabs(base):
            return Path(base) / app
        if not base and os.path.isabs(home):
            return Path(os.path.expanduser("~/" + default)) / app
    import platformdirs

    return getattr(platformdirs, f"user_{kind}_path")(app)


def config_dir() -> Path:
    return user_dir("config")


def state_dir() -> Path:
    return user_dir("state")


def config_path() -> Path:
    return config_dir() / "config.toml"


def write_config(text: str, path: Path | None = None) -> None:
    """Replace ``config.toml`` with ``text``: 0600 in a 0700 dir, atomically, never through
    a symlink (``files.UnsafePath``, an ``OSError``). For a read-modify-write, hold
    ``config_lock()`` around reading the file and this call."""
    from gandi_hosting_cli.config import files

    files.write_atomic(path or config_path(), text)


def config_lock(path: Path | None = None):
    """The lock of ``config.toml`` (a context manager), for read-modify-write."""
    from gandi_hosting_cli.config import files

    return files.locked(path or config_path())


class Profile(Record):
    _fields = ("name", "url", "login", "settings")

    def __init__(
        self,
        name: str,
        url: str | None = None,
        login: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.url = url
        self.login = login
        self.settings: dict[str, Any] = {} if settings is None else settings


MAX_CONFIG_BYTES = 1 << 20  # config.toml is read up to 1 MB (beyond: exit 2)
CONFIG_TOO_LARGE = "config.toml is a few lines of settings; check what this file is"


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        fh = path.open("rb")
    except FileNotFoundError:  # no config.toml: tomllib is not even imported
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    from gandi_hosting_cli.config.files import read_limited

    with fh:
        try:
            raw = read_limited(fh, MAX_CONFIG_BYTES, path, CONFIG_TOO_LARGE)
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
    from gandi_hosting_cli.config.simple_toml import read_simple_toml

    try:  # what login and `config` write, without tomllib (~1-3 ms of every command)
        return read_simple_toml(raw.decode("utf-8"))
    except ValueError:  # not UTF-8, or NotSimple: tomllib reads it or says why
        pass
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:  # tomllib reads UTF-8 only
        raise ConfigError(f"cannot read {path}: not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


# the keys whose type the CLI relies on (other settings are read by the commands using them)
KEY_TYPES: dict[str, tuple[type, str]] = {
    "url": (str, "a string"),
    "login": (str, "a string"),
    "wait": (bool, "true or false"),
    "allow_insecure_http": (bool, "true or false"),
}


def _check_types(path: Path, name: str, table: dict[str, Any]) -> None:
    for key, (expected, readable) in KEY_TYPES.items():
        if key in table and not isinstance(table[key], expected):
            raise ConfigError(
                f"{path}: [{name}] {key} must be {readable}, not {table[key]!r}"[:300]
            )


def load_profiles(path: Path | None = None) -> dict[str, Profile]:
    path = path or config_path()
    data = _load_toml(path)
    profiles = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            continue  # top-level keys are reserved for future global settings
        _check_types(path, name, table)
        settings = {k: v for k, v in table.items() if k not in ("url", "login")}
        profiles[name] = Profile(name, table.get("url"), table.get("login"), settings)
    return profiles


def load_profile(name: str | None, path: Path | None = None) -> Profile:
    """The named profile; ``None`` means ``default``, which may be absent from the file."""
    profiles = load_profiles(path)
    if name is None or name == DEFAULT_PROFILE:
        return profiles.get(DEFAULT_PROFILE, Profile(DEFAULT_PROFILE))
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(
            f"unknown profile {name!r} (profiles in {path or config_path()}: {known})"
        )
    return profiles[name]


def display_url(url: str) -> str:
    """The endpoint without any ``user:password@`` (no file may hold a password)."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


# -- URLs ------------------------------------------------------------------------------------
SANDBOX_URL = "sandbox"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url(url: str) -> str:
    """``url`` as it will be requested: scheme and host in lower case, the default port
    dropped, an empty path made ``/``, no fragment; the path itself is kept as typed (a
    server may serve ``/rpc`` but not ``/rpc/``). ``sandbox`` stays as it is. A URL without
    an http(s) scheme or without a host raises ``ConfigError`` (a usage error, exit 2)."""
    import urllib.parse

    text = url.strip()
    if text.lower() == SANDBOX_URL:
        return SANDBOX_URL
    shown = display_url_safe(text if len(text) <= 80 else text[:77] + "...")
    if "://" not in text:
        raise ConfigError(
            f"URL {shown!r} has no scheme: write http://HOST/PATH or https://HOST/PATH "
            "(or 'sandbox')"
        )
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise ConfigError(f"URL {shown!r} is not valid: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ConfigError(f"URL scheme {scheme!r} is not supported: use http:// or https://")
    if not host:
        raise ConfigError(f"URL {shown!r} has no host")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    netloc = host.lower()
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    return urllib.parse.urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def normalize_url(url: str) -> str:
    """The endpoint's identity, which sessions, logins and caches are keyed by:
    ``check_url`` with the path ending in ``/``, so ``http://h:8080/hosting``,
    ``HTTP://H:8080/hosting/`` and ``http://h:8080/hosting/`` are one endpoint."""
    import urllib.parse

    checked = check_url(url)
    if checked == SANDBOX_URL:
        return checked
    parts = urllib.parse.urlsplit(checked)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def display_url_safe(url: str) -> str:
    """``url`` without any ``user:password@`` part, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: a password sent there does not leave the machine."""
    import ipaddress

    host = host.strip("[]").lower()
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")


def sends_in_clear(url: str) -> str | None:
    """The host a password would cross the network to in clear (plain http:// to a host
    that is not loopback), else ``None``."""
    import urllib.parse

    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme.lower() != "http" or is_loopback_host(host):
        return None
    return host


# -- the profile `config use` chose (config_edit.py writes it) -------------------------------
CURRENT_KEY = "current"


def current_profile(path: Path | None = None) -> str | None:
    """The profile ``config use`` chose (top-level ``current``), or ``None``."""
    value = _load_toml(path or config_path()).get(CURRENT_KEY)
    return value if isinstance(value, str) and value else None
