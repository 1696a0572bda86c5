"""Editing ``config.toml`` with tomlkit, so the user's comments and layout survive
(``config set/unset/use`` and ``login``). Every write holds ``config_lock()`` for the
read-modify-write and goes through ``write_config`` (atomic, 0600 in a 0700 dir).

Reading profiles is ``config.py`` (tomllib); tomlkit is imported only here, on use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gandi_hosting_cli.config.settings import (
    CURRENT_KEY,
    DEFAULT_PROFILE,
    KEY_TYPES,
    ConfigError,
    check_url,
    config_lock,
    config_path,
    display_url,
    write_config,
)


def setting_names() -> list[str]:
    return list(KEY_TYPES)


def parse_setting(key: str, text: str) -> Any:
    """``text`` typed for ``key`` (``wait`` is a boolean); ``ConfigError`` otherwise."""
    if key not in KEY_TYPES:
        raise ConfigError(f"unknown key {key!r}; valid keys: {', '.join(KEY_TYPES)}")
    expected, readable = KEY_TYPES[key]
    if expected is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise ConfigError(f"{key} must be {readable}, not {text!r}"[:300])
    if key == "url":
        url = check_url(text)
        shown = display_url(url)
        if shown != url and url != "sandbox":  # user:password@ (as `login --url` does)
            raise ConfigError(
                f"refusing to write a URL holding user:password@ to config.toml: {shown} "
                "(no file of the tool holds a password; set the URL without them, and the "
                "login with `config set login`)"
            )
        return url
    if not text.strip():
        raise ConfigError(f"{key} must not be empty")
    return text.strip()


def _read_document(path: Path):
    import tomlkit

    from gandi_hosting_cli.config.files import read_limited
    from gandi_hosting_cli.config.settings import CONFIG_TOO_LARGE, MAX_CONFIG_BYTES

    try:
        with path.open("rb") as fh:
            text = read_limited(fh, MAX_CONFIG_BYTES, path, CONFIG_TOO_LARGE).decode("utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {path}: not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return tomlkit.parse(text)
    except Exception as exc:  # tomlkit's ParseError and friends
        raise ConfigError(f"cannot read {path}: {exc}"[:300]) from None


def _write_document(path: Path, document: Any) -> None:
    """Write through ``write_config``: atomically, 0600 in a 0700 dir, never via a link."""
    import tomlkit

    try:
        write_config(tomlkit.dumps(document), path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


@contextmanager
def _editing(path: Path) -> Iterator[None]:
    """Hold config.toml's lock for a read-modify-write (concurrent writers lose nothing)."""
    try:
        lock = config_lock(path)
        lock.__enter__()
    except OSError as exc:
        raise ConfigError(f"cannot lock {path}: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _profile_table(document: Any, profile: str, *, create: bool) -> Any:
    import tomlkit

    if profile == CURRENT_KEY:
        raise ConfigError(f"{CURRENT_KEY!r} cannot name a profile: it is the key of `config use`")

    table = document.get(profile)
    if table is None:
        if not create:
            return None
        table = tomlkit.table()
        document[profile] = table
        return document[profile]
    if not isinstance(table, dict):
        raise ConfigError(f"{profile!r} is not a profile table in {config_path()}")
    return table


def set_setting(profile: str, key: str, value: Any, path: Path | None = None) -> None:
    """``[profile] key = value`` (the table is created when missing)."""
    path = path or config_path()
    with _editing(path):
        document = _read_document(path)
        _profile_table(document, profile, create=True)[key] = value
        _write_document(path, document)


def unset_setting(profile: str, key: str, path: Path | None = None) -> bool:
    """Remove ``key`` from ``[profile]``; ``False`` when it was not set."""
    path = path or config_path()
    with _editing(path):
        document = _read_document(path)
        table = _profile_table(document, profile, create=False)
        if table is None or key not in table:
            return False
        del table[key]
        _write_document(path, document)
        return True


def update_profile(profile: str, values: dict[str, Any], path: Path | None = None) -> bool:
    """Set several keys of ``[profile]`` at once; the file is written only when one of
    them changes. Returns whether it was."""
    path = path or config_path()
    with _editing(path):
        document = _read_document(path)
        table = _profile_table(document, profile, create=False)
        if table is not None and all(table.get(k) == v for k, v in values.items()):
            return False
        table = _profile_table(document, profile, create=True)
        for key, value in values.items():
            table[key] = value
        _write_document(path, document)
        return True


def set_current_profile(profile: str | None, path: Path | None = None) -> None:
    """Remember ``profile`` as the current one (``None``/``default``: forget the choice)."""
    path = path or config_path()
    with _editing(path):
        document = _read_document(path)
        if profile is None or profile == DEFAULT_PROFILE:
            if CURRENT_KEY in document:
                del document[CURRENT_KEY]
            else:
                return
        else:
            # tomlkit puts a new top-level key before the first table, where TOML reads it as
            # top-level (after a table it would belong to that table)
            document[CURRENT_KEY] = profile
        _write_document(path, document)
