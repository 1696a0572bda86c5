"""The tool's own files on disk: private, never through a symlink, replaced atomically.

Every file the CLI writes (``sessions.json``, ``logins.json``, ``capabilities.json``, the
completion cache, ``config.toml``) goes through here, so that:

- files are created 0600 and the tool's directories 0700 (an existing directory of ours
  that others may read is narrowed to 0700);
- a symlink at one of our paths is refused (``O_NOFOLLOW``), never followed: another
  local user cannot make us read or overwrite a file of their choosing;
- a new version is written to a temporary file created with ``O_EXCL`` in the same
  directory, then ``os.replace``d over the old one: readers never see half a file;
- read-modify-write runs under an exclusive ``fcntl`` lock on ``<file>.lock`` (and a
  per-process lock for threads), so parallel processes lose nothing.

Nothing here imports anything heavy: the CLI's start-up imports it lazily anyway.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gandi_hosting_cli.errors import LocalUsageError

try:  # POSIX; elsewhere the in-process lock is all there is
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FILE_MODE = 0o600
DIR_MODE = 0o700
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
LOCK_WAIT = 10.0  # seconds a writer waits for another process's lock before giving up
# the largest state or cache file of ours read (sessions, logins, capabilities, completion
# cache: a few KB to a few MB); config.toml has its own, smaller bound (settings.py)
MAX_FILE_BYTES = 16 << 20


class FileTooLarge(LocalUsageError):
    """A file of ours beyond its documented size: not read further (exit 2)."""


def read_limited(fh: Any, limit: int, path: Path | str, what: str = "") -> bytes:
    """At most ``limit`` bytes of ``fh``: ``limit + 1`` are read, and one more than the
    limit raises ``FileTooLarge`` (memory stays bounded whatever the file, /dev/zero too)."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        size = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit >> 10} KiB"
        raise FileTooLarge(
            f"{path} is larger than {size}: not read",
            hint=what or "a cache or state file of the tool: remove it",
        )
    return data


class UnsafePath(OSError):
    """One of the tool's own paths is a symlink (or not a regular file): refused."""

    def __init__(self, path: Path | str, why: str = "it is a symbolic link"):
        super().__init__(errno.ELOOP, f"refusing to use {path}: {why}")
        self.path = Path(path)
        self.why = why

    def __str__(self) -> str:
        return self.strerror or ""


def is_symlink(path: Path | str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def private_dir(path: Path | str) -> Path:
    """Create ``path`` (and missing parents) for the tool; the leaf is 0700.

    A leaf that is a symlink is accepted only to a directory of this user's; an existing
    leaf that others may read or write is narrowed to 0700 (it is ours: the tool made it,
    or the user did for the tool).
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, DIR_MODE)
        except FileExistsError:
            pass
        info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        # a directory moved elsewhere and linked back (another disk) is fine when the
        # target is a directory of this user's; anything else is refused
        try:
            info = os.stat(path)
        except OSError:
            raise UnsafePath(path, "it is a dangling symbolic link") from None
        if not stat.S_ISDIR(info.st_mode) or not _owned(info):
            raise UnsafePath(path, "it is a symbolic link to something not yours")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePath(path, "it is not a directory")
    if stat.S_IMODE(info.st_mode) & 0o077 and _owned(info):
        os.chmod(path, DIR_MODE)
    return path


def _owned(info: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def open_nofollow(path: Path | str, flags: int = os.O_RDONLY, mode: int = FILE_MODE) -> int:
    """``os.open`` that refuses a symlink at ``path`` (``UnsafePath``)."""
    try:
        return os.open(path, flags | NOFOLLOW | CLOEXEC, mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and is_symlink(path):
            raise UnsafePath(path) from None
        raise


def read_bytes(
    path: Path | str, limit: int = MAX_FILE_BYTES
) -> tuple[bytes, os.stat_result] | None:
    """The content and ``fstat`` of a regular file, ``None`` when absent; no symlinks;
    ``FileTooLarge`` (exit 2) beyond ``limit`` bytes."""
    try:
        fd = open_nofollow(path)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(path, "it is not a regular file")
        return read_limited(fh, limit, path), info


def read_text(path: Path | str) -> str | None:
    found = read_bytes(path)
    return None if found is None else found[0].decode("utf-8")


def read_json(path: Path | str, default: Any = None) -> Any:
    """The parsed file; ``default`` when absent or damaged. A symlink raises ``UnsafePath``."""
    try:
        text = read_text(path)
    except UnicodeDecodeError:
        return default
    if text is None:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def write_atomic(path: Path | str, data: bytes | str) -> None:
    """Replace ``path`` with ``data``: a 0600 ``O_EXCL`` temp file in the same directory,
    then ``os.replace``. A symlink at ``path`` is refused, not replaced or followed."""
    path = Path(path)
    private_dir(path.parent)
    if is_symlink(path):
        raise UnsafePath(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            fd = open_nofollow(tmp, flags, FILE_MODE)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 random names taken
        raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json(path: Path | str, data: Any, **dump: Any) -> None:
    dump.setdefault("indent", 1)
    dump.setdefault("sort_keys", True)
    write_atomic(path, json.dumps(data, **dump))


# -- locking ------------------------------------------------------------------------------
_registry_lock = threading.Lock()
_thread_locks: dict[str, threading.RLock] = {}
_held: dict[str, tuple[int, int]] = {}  # path -> (lock fd, depth) in this process


def lock_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def locked(path: Path | str, *, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (reentrant within a process and thread).

    The lock is ``fcntl.flock`` on ``<path>.lock`` (0600, never through a symlink), so it
    also serialises separate processes; waiting longer than ``wait`` seconds raises
    ``TimeoutError`` (an ``OSError``: callers treat it as "cannot write").
    """
    key = os.path.abspath(path)
    with _registry_lock:
        rlock = _thread_locks.setdefault(key, threading.RLock())
    if not rlock.acquire(timeout=wait):
        raise TimeoutError(errno.ETIMEDOUT, "the file is locked by another thread", key)
    try:
        held = _held.get(key)
        if held is not None:  # this thread already holds it
            _held[key] = (held[0], held[1] + 1)
            try:
                yield
            finally:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
            return
        fd = _acquire(Path(path), wait)
        _held[key] = (fd, 1)
        try:
            yield
        finally:
            _held.pop(key, None)
            with contextlib.suppress(OSError):
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    finally:
        rlock.release()


def _acquire(path: Path, wait: float) -> int:
    private_dir(path.parent)
    fd = open_nofollow(lock_path(path), os.O_RDWR | os.O_CREAT, FILE_MODE)
    if fcntl is None:  # pragma: no cover
        return fd
    deadline = time.monotonic() + wait
    delay = 0.002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise TimeoutError(
                    errno.ETIMEDOUT, "the file is locked by another process", str(path)
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        except BaseException:
            os.close(fd)
            raise


def update_json(
    path: Path | str,
    change: Callable[[Any], Any],
    default: Callable[[], Any] = dict,
) -> Any:
    """Read-modify-write under the lock: ``change(data)`` returns the new data (written
    atomically) or ``None`` to leave the file as it is. Returns what ``change`` returned."""
    with locked(path):
        data = read_json(path, None)
        if data is None:
            data = default()
        new = change(data)
        if new is not None:
            write_json(path, new)
        return new
