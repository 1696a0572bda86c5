"""Where session ids (and remembered passwords) are kept: keyring, or a 0600 file.

keyring is the first choice. On a headless server or in CI keyring usually has no backend
(its ``fail`` backend, a chainer with nothing behind it, or the ``null`` backend), or its
backend errors out (no D-Bus session): then sessions go to ``sessions.json`` in the user
state dir, a 0600 file in a 0700 dir. That file never holds a password.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

from gandi_hosting_cli.errors import LocalError

SERVICE = "gandi-hosting"


class StoreUnavailable(Exception):
    """The keyring backend failed; the caller falls back to the file store."""


class KeyringStore:
    can_hold_passwords = True

    def __init__(self, backend):
        self.backend = backend
        self.name = f"keyring ({type(backend).__module__}.{type(backend).__name__})"

    def get(self, key: str) -> str | None:
        try:
            return self.backend.get_password(SERVICE, key)
        except Exception as exc:  # any backend error: locked, no D-Bus, denied...
            raise StoreUnavailable(str(exc)) from exc

    def set(self, key: str, value: str) -> None:
        try:
            self.backend.set_password(SERVICE, key, value)
        except Exception as exc:
            raise StoreUnavailable(str(exc)) from exc

    def delete(self, key: str) -> bool:
        try:
            self.backend.delete_password(SERVICE, key)
        except Exception:  # PasswordDeleteError when absent; nothing to forget either way
            return False
        return True


class FileStore:
    """A JSON object in a 0600 file; refuses a file whose mode lets others read it, and a
    symlink in its place. Every change is a read-modify-write under ``files.locked``,
    replaced atomically, so parallel logins lose nothing."""

    can_hold_passwords = False

    def __init__(
        self,
        path: Path,
        on_create: Callable[[str], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ):
        self.path = path
        self.name = f"file ({path})"
        self._on_create = on_create
        # an unwritable state dir must not break commands: the session is just not cached
        self._on_error = on_error

    def _check_mode(self, info: os.stat_result) -> None:
        if os.name == "nt":  # no POSIX modes: the profile directory's access rules apply
            return
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            # the hint names the file itself: _read never opens a symlink, so it is no link
            raise LocalError(
                f"refusing to use {self.path}: its mode is {mode:04o}, others may read it "
                f"(run `chmod 600 {self.path}`)"
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise LocalError(f"refusing to use {self.path}: it belongs to another user")
        folder = self.path.parent
        folder_mode = stat.S_IMODE(folder.stat().st_mode)
        if folder_mode & 0o022:
            # others could swap the file for one of theirs
            raise LocalError(
                f"refusing to use {self.path}: its directory's mode is {folder_mode:04o}, "
                f"others may replace the file (run `chmod 700 {folder}`)"
            )

    def _read(self) -> dict[str, str]:
        from gandi_hosting_cli.config import files

        try:
            found = files.read_bytes(self.path)
        except files.UnsafePath as exc:
            raise LocalError(f"{exc} (the session file must be a plain file of yours)") from None
        except OSError:
            return {}
        if found is None:
            return {}
        content, info = found
        self._check_mode(info)
        try:
            data = json.loads(content.decode("utf-8"))
        except ValueError:
            return {}  # a damaged cache only costs a new login
        return data if isinstance(data, dict) else {}

    def _update(self, change: Callable[[dict[str, str]], bool]) -> bool:
        """Apply ``change`` to the current content under the lock; write if it says so."""
        from gandi_hosting_cli.config import files

        with files.locked(self.path):
            created = not os.path.lexists(self.path)
            data = self._read()
            if not change(data):
                return False
            try:
                files.write_json(self.path, data)
            except files.UnsafePath as exc:
                raise LocalError(str(exc)) from None
        if created and self._on_create:
            self._on_create(
                f"no usable keyring backend: sessions are kept in {self.path} (mode 0600)"
            )
        return True

    def get(self, key: str) -> str | None:
        value = self._read().get(key)
        return value if isinstance(value, str) else None

    def _cannot_write(self, exc: OSError) -> None:
        if self._on_error is not None:
            self._on_error(
                f"cannot write {self.path} ({exc.strerror or exc}); "
                "going on without caching the session"
            )

    def set(self, key: str, value: str) -> None:
        def change(data: dict[str, str]) -> bool:
            data[key] = value
            return True

        try:
            self._update(change)
        except OSError as exc:  # not LocalError: a file others may read is still refused
            self._cannot_write(exc)

    def delete(self, key: str) -> bool:
        def change(data: dict[str, str]) -> bool:
            return data.pop(key, None) is not None

        try:
            return self._update(change)
        except OSError as exc:
            self._cannot_write(exc)
            return False


# what `--sandbox` sessions are keyed by (cli.context.SANDBOX_ENDPOINT): the in-process
# emulator, whose sessions mean nothing outside this machine's sandbox state
LOCAL_ENDPOINTS = frozenset({"http://sandbox/hosting/"})


def usable_keyring():
    """The keyring backend, or None when keyring has nothing that can store secrets here
    (found without keyring's import-everything discovery: see keyring_backend.py)."""
    from gandi_hosting_cli.auth.keyring_backend import find_backend

    return find_backend()


def fallback_path() -> Path:
    from gandi_hosting_cli.config.settings import state_dir

    return state_dir() / "sessions.json"


def open_store(
    on_create: Callable[[str], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    *,
    endpoint: str | None = None,
) -> KeyringStore | FileStore:
    """keyring where a backend can work, else the 0600 file. Sessions of a local endpoint
    (the embedded sandbox's, worthless anywhere else) always go to the file: keyring is
    not even imported for them."""
    if endpoint in LOCAL_ENDPOINTS:
        return FileStore(fallback_path(), None, on_error)
    backend = usable_keyring()
    if backend is not None:
        return KeyringStore(backend)
    return FileStore(fallback_path(), on_create, on_error)
