"""Paths (platformdirs) and profiles from ``config.toml``.

``config.toml`` lives in the user config dir and holds one table per profile::

    [default]
    url = "https://api.gandi.net/hosting/"
    login = "AA1234-GANDI"

    [staging]
    url = "http://127.0.0.1:8080/hosting/"
    wait = true          # defaults for commands (see Profile.settings)

Nothing here imports keyring, rich or xmlrpc.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_NAME = "gandi-hosting"
DEFAULT_URL = "https://api.gandi.net/hosting/"
DEFAULT_PROFILE = "default"


class ConfigError(Exception):
    """config.toml is unreadable, holds a value of the wrong type, or names an unknown
    profile (a usage problem: exit 2)."""


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME)


def state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path(APP_NAME)


def config_path() -> Path:
    return config_dir() / "config.toml"


def write_config(text: str, path: Path | None = None) -> None:
    """Replace ``config.toml`` with ``text``: 0600 in a 0700 dir, atomically, never through
    a symlink (``files.UnsafePath``, an ``OSError``). For a read-modify-write, hold
    ``config_lock()`` around reading the file and this call."""
    from gandi_hosting_cli import files

    files.write_atomic(path or config_path(), text)


def config_lock(path: Path | None = None):
    """The lock of ``config.toml`` (a context manager), for read-modify-write."""
    from gandi_hosting_cli import files

    return files.locked(path or config_path())


@dataclass
class Profile:
    name: str
    url: str | None = None
    login: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:  # tomllib reads UTF-8 only
        raise ConfigError(f"cannot read {path}: not UTF-8 (byte {exc.start})") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


# the keys whose type the CLI relies on (other settings are read by the commands using them)
KEY_TYPES: dict[str, tuple[type, str]] = {
    "url": (str, "a string"),
    "login": (str, "a string"),
    "wait": (bool, "true or false"),
}


def _check_types(path: Path, name: str, table: dict[str, Any]) -> None:
    for key, (kind, readable) in KEY_TYPES.items():
        if key in table and not isinstance(table[key], kind):
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


# -- what an endpoint can do, remembered across invocations ------------------------------
# A server without system.multicall answers the first batch with "unknown method"; keeping
# that for a day spares every later command the refused probe (N+1 requests, not N+2).
CAPABILITY_TTL = 24 * 3600


def capabilities_path() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME) / "capabilities.json"


def _endpoint_key(endpoint: str) -> str:
    """The endpoint without any ``user:password@``: the file must never hold a password."""
    from gandi_hosting_cli.auth.sessions import display_url

    return display_url(endpoint)


def endpoint_lacks_multicall(endpoint: str) -> bool:
    import time

    from gandi_hosting_cli import files

    try:
        data = files.read_json(capabilities_path(), {})
        if isinstance(data, dict) and any(_endpoint_key(k) != k for k in data):
            _rewrite_capabilities()  # written by an older version, with user:password@
        record = data.get(_endpoint_key(endpoint), {})
        return record.get("multicall") is False and time.time() - record["checked"] < CAPABILITY_TTL
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _clean_capabilities(data: object) -> dict:
    data = data if isinstance(data, dict) else {}
    # entries written by older versions may name the endpoint with its userinfo
    return {k: v for k, v in data.items() if _endpoint_key(k) == k}


def _rewrite_capabilities() -> None:
    from gandi_hosting_cli import files

    try:
        files.update_json(capabilities_path(), _clean_capabilities)
    except OSError:
        pass


def remember_no_multicall(endpoint: str) -> None:
    """Record the refusal (0600 file in the 0700 cache dir, locked read-modify-write)."""
    import time

    from gandi_hosting_cli import files

    key = _endpoint_key(endpoint)

    def change(data: object) -> dict:
        data = _clean_capabilities(data)
        data[key] = {"multicall": False, "checked": int(time.time())}
        return data

    try:
        files.update_json(capabilities_path(), change)
    except OSError:
        pass  # a cache: losing it costs one request, nothing more
