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

from gandi_hosting_cli.api.errors import LocalError

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
    """A JSON object in a 0600 file; refuses a file whose mode lets others read it."""

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

    def _check_mode(self) -> None:
        info = self.path.stat()
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
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
        try:
            self._check_mode()
            with self.path.open(encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a damaged cache only costs a new login
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if stat.S_IMODE(self.path.parent.stat().st_mode) & 0o077:
            self.path.parent.chmod(0o700)  # our own directory, made before or by someone else
        created = not self.path.exists()
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        # O_EXCL + 0600 from the start: the secret is never readable by others, not even briefly
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if created and self._on_create:
            self._on_create(
                f"no usable keyring backend: sessions are kept in {self.path} (mode 0600)"
            )

    def get(self, key: str) -> str | None:
        return self._read().get(key)

    def _cannot_write(self, exc: OSError) -> None:
        if self._on_error is not None:
            self._on_error(
                f"cannot write {self.path} ({exc.strerror or exc}); "
                "going on without caching the session"
            )

    def set(self, key: str, value: str) -> None:
        try:
            if self.path.exists():
                self._check_mode()
            data = self._read()
            data[key] = value
            self._write(data)
        except OSError as exc:  # not LocalError: a file others may read is still refused
            self._cannot_write(exc)

    def delete(self, key: str) -> bool:
        data = self._read()
        if key not in data:
            return False
        del data[key]
        try:
            self._write(data)
        except OSError as exc:
            self._cannot_write(exc)
            return False
        return True


# what `--sandbox` sessions are keyed by (cli.context.SANDBOX_ENDPOINT): the in-process
# emulator, whose sessions mean nothing outside this machine's sandbox state
LOCAL_ENDPOINTS = frozenset({"http://sandbox/hosting/"})


def usable_keyring():
    """The keyring backend, or None when keyring has nothing that can store secrets here
    (found without keyring's import-everything discovery: see keyring_backend.py)."""
    from gandi_hosting_cli.auth.keyring_backend import find_backend

    return find_backend()


def fallback_path() -> Path:
    from gandi_hosting_cli.config import state_dir

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
