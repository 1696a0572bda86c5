"""The tool's files on disk: private, never through a symlink, replaced atomically.

Every file the CLI writes goes through here: its own (``sessions.json``, ``logins.json``,
``capabilities.json``, ``keyring.json``, the completion cache, ``config.toml``), and the
files the user names (``export --file``, ``plan --out``: ``write_atomic(own_dir=False)``).
For the tool's own files:

- files are created 0600 and the tool's directories 0700 (an existing directory of ours
  that others may read is narrowed to 0700);
- a symlink at one of our paths is refused, never followed: another local user cannot
  make us read or overwrite a file of their choosing;
- a new version is written to a temporary file created with ``O_EXCL`` in the same
  directory, then ``os.replace``d over the old one: readers never see half a file;
- read-modify-write runs under an exclusive lock of ``<file>.lock`` (and a per-process
  lock for threads), so parallel processes lose nothing.

Per platform (``locking()`` says which lock is in use):

- Linux, macOS, the BSDs: ``fcntl.flock`` on ``<file>.lock`` (the kernel releases it
  when its process dies); ``O_NOFOLLOW`` refuses a symlink in the open itself.
- Windows: ``msvcrt.locking`` of the first byte of ``<file>.lock``. Without
  ``O_NOFOLLOW``, a symlink is refused by ``lstat`` before the open and, after it, by
  checking that the file opened is the one ``lstat`` saw (device and inode). POSIX modes
  do not apply (``chmod`` only sets read-only): the files are private through the access
  rules of the user's profile directory they live in.
- Neither ``fcntl`` nor ``msvcrt``: an exclusive lock file ``<file>.lock.held`` made
  with ``O_EXCL`` and removed on release; one older than ``STALE_LOCK`` seconds (its
  holder died) is taken over.

``filelock`` was weighed: importing it costs ~25 ms on top of ``import click`` (filelock
4.3, medians of 20 interleaved runs), paid by every command that writes a cache
(completion too); the fallbacks here cost no import.
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

try:  # POSIX: Linux, macOS, the BSDs
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

FILE_MODE = 0o600
DIR_MODE = 0o700
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # 0: none here (Windows), checked by lstat instead
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
LOCK_WAIT = 10.0  # seconds a writer waits for another process's lock before giving up
STALE_LOCK = 60.0  # seconds after which an exclusive lock file's holder is taken for dead

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
    """``os.open`` that refuses a symlink at ``path`` (``UnsafePath``): in the open itself
    with ``O_NOFOLLOW``, else by ``lstat`` before and after it."""
    if not NOFOLLOW:
        return _open_checked(path, flags | CLOEXEC | BINARY, mode)
    try:
        return os.open(path, flags | NOFOLLOW | CLOEXEC | BINARY, mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and is_symlink(path):
            raise UnsafePath(path) from None
        raise


def _open_checked(path: Path | str, flags: int, mode: int) -> int:
    """No ``O_NOFOLLOW``: refuse a symlink seen before the open, and a file that is not
    the one at ``path`` after it (a link swapped in meanwhile)."""
    if is_symlink(path):
        raise UnsafePath(path)
    fd = os.open(path, flags, mode)
    try:
        opened, seen = os.fstat(fd), os.lstat(path)
    except OSError:
        os.close(fd)
        raise
    if stat.S_ISLNK(seen.st_mode) or (opened.st_dev, opened.st_ino) != (
        seen.st_dev,
        seen.st_ino,
    ):
        os.close(fd)
        raise UnsafePath(path)
    return fd


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


def write_atomic(path: Path | str, data: bytes | str, *, own_dir: bool = True) -> None:
    """Replace ``path`` with ``data``: a 0600 ``O_EXCL`` temp file in the same directory,
    then ``os.replace``. A symlink at ``path`` is refused, not replaced or followed.

    ``own_dir=False`` for a file the user names (a plan file, an export): its directory
    must exist and is left as it is (never created, never narrowed to 0700)."""
    path = Path(path)
    if own_dir:
        private_dir(path.parent)
    if is_symlink(path):
        raise UnsafePath(path)
    _replace(path, data.encode("utf-8") if isinstance(data, str) else data)


def _replace(path: Path, data: bytes) -> None:
    """``data`` into a 0600 ``O_EXCL`` temp file beside ``path``,
    synced, then ``os.replace``d over ``path``."""
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
_held: dict[str, tuple[Callable[[], None], int]] = {}  # path -> (release, depth) here


def locking() -> str:
    """How ``locked`` keeps other processes out here: ``"fcntl"`` (Linux, macOS, BSD),
    ``"msvcrt"`` (Windows) or ``"exclusive-file"`` (neither: see the module's docstring)."""
    if fcntl is not None:
        return "fcntl"
    if msvcrt is not None:
        return "msvcrt"
    return "exclusive-file"


def lock_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def locked(path: Path | str, *, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (reentrant within a process and thread).

    The lock is held on ``<path>.lock`` (0600, never through a symlink; how depends on
    the platform: ``locking()``), so it also serialises separate processes; waiting longer
    than ``wait`` seconds raises ``TimeoutError`` (an ``OSError``: callers treat it as
    "cannot write").
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
                release, depth = _held[key]
                _held[key] = (release, depth - 1)
            return
        release = _acquire(Path(path), wait)
        _held[key] = (release, 1)
        try:
            yield
        finally:
            _held.pop(key, None)
            release()
    finally:
        rlock.release()


def _acquire(path: Path, wait: float) -> Callable[[], None]:
    """Take the inter-process lock of ``path``; returns what releases it."""
    private_dir(path.parent)
    how = locking()
    if how == "exclusive-file":
        return _acquire_exclusive_file(path, wait)
    fd = open_nofollow(lock_path(path), os.O_RDWR | os.O_CREAT, FILE_MODE)
    take, drop = (_flock, _flock_release) if how == "fcntl" else (_msvcrt, _msvcrt_release)
    try:
        _retry(lambda: take(fd), path, wait)
    except BaseException:
        os.close(fd)
        raise

    def release() -> None:
        with contextlib.suppress(OSError):
            drop(fd)
        os.close(fd)

    return release


def _retry(attempt: Callable[[], bool], path: Path, wait: float) -> None:
    """``attempt()`` until it takes the lock, pausing a little longer each time; after
    ``wait`` seconds, ``TimeoutError``."""
    deadline = time.monotonic() + wait
    delay = 0.002
    while not attempt():
        if time.monotonic() >= deadline:
            raise TimeoutError(errno.ETIMEDOUT, "the file is locked by another process", str(path))
        time.sleep(delay)  # another process holds it: nothing to wait on but time
        delay = min(delay * 2, 0.05)


def _flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _flock_release(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


def _msvcrt(fd: int) -> bool:  # pragma: no cover - Windows
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EDEADLK):
            return False  # held by another process
        raise
    return True


def _msvcrt_release(fd: int) -> None:  # pragma: no cover - Windows
    os.lseek(fd, 0, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _acquire_exclusive_file(path: Path, wait: float) -> Callable[[], None]:
    """Neither fcntl nor msvcrt: whoever creates ``<path>.lock.held`` (``O_EXCL``) holds
    the lock until it removes it; a file older than STALE_LOCK is a dead holder's."""
    held = path.with_name(path.name + ".lock.held")

    def attempt() -> bool:
        try:
            fd = open_nofollow(held, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            _drop_if_stale(held)
            return False
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        return True

    _retry(attempt, path, wait)

    def release() -> None:
        with contextlib.suppress(OSError):
            os.unlink(held)

    return release


def _drop_if_stale(held: Path) -> None:
    try:
        age = time.time() - os.lstat(held).st_mtime
    except OSError:
        return
    if age > STALE_LOCK:
        with contextlib.suppress(OSError):
            os.unlink(held)


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
