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


def _profile_names(document: Any) -> list[str]:
    return [k for k, v in document.items() if isinstance(v, dict)]


def _profile_values(document: Any, profile: str) -> dict[str, Any]:
    """The settings of ``[profile]``; an unknown profile raises ``ConfigError``."""
    table = _profile_table(document, profile, create=False)
    if table is None:
        known = ", ".join(sorted(_profile_names(document))) or "none"
        raise ConfigError(f"unknown profile {profile!r} (profiles in {config_path()}: {known})")
    return dict(table.unwrap())


def _header_lines(lines: list[str], profile: str) -> tuple[int, int] | None:
    """(the first line of ``[profile]``'s part of the text, the line after its end): its
    header and the comment lines just above it, up to the comments just above the next
    table's header. None when the header is not found once, as a plain ``[name]`` line."""
    import re

    import tomlkit

    def header(line: str) -> str | None:
        m = re.fullmatch(r"\s*\[([^\[\]]+)\]\s*(#.*)?", line.rstrip("\r\n"))
        if m is None:
            return None
        try:
            parsed = tomlkit.parse(f"[{m.group(1)}]\n")
        except Exception:  # noqa: BLE001 - not a header after all
            return None
        return next(iter(parsed), None) if len(parsed) == 1 else None

    heads = [i for i, line in enumerate(lines) if line.lstrip().startswith("[")]
    mine = [i for i in heads if header(lines[i]) == profile]
    if len(mine) != 1:
        return None

    def comments_above(i: int) -> int:
        while i > 0 and lines[i - 1].lstrip().startswith("#"):
            i -= 1
        return i

    start = mine[0]
    after = [i for i in heads if i > start]
    end = comments_above(after[0]) if after else len(lines)
    return comments_above(start), end


def _edited_text(text: str, change, expected: dict) -> str | None:  # noqa: ANN001
    """``change(lines)`` applied to the file's text, kept only when it parses to exactly
    ``expected`` (else None: the caller edits the tomlkit document instead)."""
    import tomlkit

    lines = text.splitlines(keepends=True)
    edited = change(lines)
    if edited is None:
        return None
    new_text = "".join(edited)
    try:
        if tomlkit.parse(new_text).unwrap() != expected:
            return None
    except Exception:  # noqa: BLE001
        return None
    return new_text


def _current_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def delete_profile(profile: str, path: Path | None = None) -> dict[str, Any]:
    """Remove ``[profile]`` with the comments just above its header (the other tables'
    comments and layout kept). When it was the current profile (``config use``), the
    choice is forgotten: ``default`` is current again. Returns the removed table's
    values (its url and login say whose sessions to drop) plus ``"was_current"``."""
    import tomlkit

    path = path or config_path()
    with _editing(path):
        document = _read_document(path)
        removed = _profile_values(document, profile)
        expected = document.unwrap()
        del expected[profile]
        was_current = expected.get(CURRENT_KEY) == profile
        if was_current:
            del expected[CURRENT_KEY]

        def cut(lines: list[str]) -> list[str] | None:
            found = _header_lines(lines, profile)
            if found is None:
                return None
            kept = lines[: found[0]] + lines[found[1] :]
            if was_current:
                kept = [ln for ln in kept if not ln.lstrip().startswith(f"{CURRENT_KEY} ")]
            return kept

        text = _edited_text(_current_text(path), cut, expected)
        if text is None:  # an unusual layout: tomlkit's own edit (comments may move)
            del document[profile]
            if was_current:
                del document[CURRENT_KEY]
            text = tomlkit.dumps(document)
        _write_text(path, text)
    return {**removed, "was_current": was_current}


def rename_profile(old: str, new: str, path: Path | None = None) -> dict[str, Any]:
    """Rename ``[old]`` to ``[new]`` in place (its comments, position and values kept;
    ``current`` follows). ``new`` must not exist. Returns the table's values plus
    ``"was_current"``."""
    import tomlkit

    if new == CURRENT_KEY:
        raise ConfigError(f"{CURRENT_KEY!r} cannot name a profile: it is the key of `config use`")
    if not new.strip() or any(not c.isprintable() for c in new):
        raise ConfigError(f"{new!r} cannot name a profile (printable characters only)")
    path = path or config_path()
    with _editing(path):
        document = _read_document(path)
        values = _profile_values(document, old)
        if new in document:
            raise ConfigError(f"profile {new!r} exists already in {config_path()}")
        was_current = document.get(CURRENT_KEY) == old
        expected = {(new if k == old else k): v for k, v in document.unwrap().items()}
        if was_current:
            expected[CURRENT_KEY] = new
        header = tomlkit.dumps({new: {}}).strip()  # [new], quoted when it must be

        def retitle(lines: list[str]) -> list[str] | None:
            found = _header_lines(lines, old)
            if found is None:
                return None
            at = next(i for i in range(found[0], found[1]) if lines[i].lstrip().startswith("["))
            lines[at] = header + "\n"
            if was_current:
                lines = [
                    f"{CURRENT_KEY} = {tomlkit.string(new).as_string()}\n"
                    if ln.lstrip().startswith(f"{CURRENT_KEY} ")
                    else ln
                    for ln in lines
                ]
            return lines

        text = _edited_text(_current_text(path), retitle, expected)
        if text is None:  # an unusual layout: a new document, item by item
            renamed = tomlkit.document()
            for key, item in document.body:
                if key is None:
                    renamed.add(item)
                else:
                    renamed.append(new if key.key == old else key, item)
            if was_current:
                renamed[CURRENT_KEY] = new
            text = tomlkit.dumps(renamed)
        _write_text(path, text)
    return {**values, "was_current": was_current}


def _write_text(path: Path, text: str) -> None:
    try:
        write_config(text, path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
