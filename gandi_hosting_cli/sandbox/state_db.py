"""The sandbox state: one SQLite file, its schema, connections and transactions.

- WAL with ``synchronous = NORMAL``: every write is committed before its answer is sent,
  so a killed server loses nothing it answered (only an OS crash or a power cut can lose
  the last commits, never corrupting the file); checkpoints every
  ``WAL_CHECKPOINT_PAGES`` pages (its figures: benchmarks/README.md).
- Writes take a process-wide lock per state file, then ``BEGIN IMMEDIATE`` (threads
  never meet "database is locked"; other processes wait on ``busy_timeout``); reads run
  in a snapshot. Connections come from a small pool.
- Ids never repeat (``AUTOINCREMENT`` from ``seed.FIRST_IDS``, one range per kind).
- Session ids are stored as SHA-256, passwords as scrypt (``--account`` ones at N=2**14;
  the seeded accounts' public passwords with a cheap N); an older salted SHA-256 hash
  still logs in and is upgraded. One scrypt runs at a time (``_SCRYPT_SLOT``: 16 MiB of
  working memory each).
- The file and its ``-wal``/``-shm`` are 0600, a directory it creates 0700. A file with
  the schema marker but not the tables is a ``SandboxStateError`` (``sandbox reset``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from gandi_hosting_cli.sandbox import SandboxStateError, seed

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 15_000
WAL_CHECKPOINT_PAGES = 8_000  # SQLite's default: 1,000 (why: benchmarks/README.md)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    handle TEXT PRIMARY KEY,
    pw_salt BLOB NOT NULL,
    pw_hash BLOB NOT NULL,
    currency TEXT NOT NULL,
    balance_cents INTEGER NOT NULL,
    reseller TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    handle TEXT NOT NULL,
    safe INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL,
    product_name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    pending_quantity INTEGER,
    duration TEXT NOT NULL,
    state TEXT NOT NULL,
    lock_op INTEGER,
    date_created REAL NOT NULL,
    date_end REAL NOT NULL,
    date_updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS vms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL,
    hostname TEXT NOT NULL,
    state TEXT NOT NULL,
    prev_state TEXT,
    os_id INTEGER NOT NULL,
    shares INTEGER NOT NULL,
    pending_shares INTEGER,
    cpu INTEGER NOT NULL,
    vm_max_memory INTEGER NOT NULL,
    login TEXT NOT NULL,
    lock_op INTEGER,
    date_created REAL NOT NULL,
    date_updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS disks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    fstype TEXT NOT NULL,
    state TEXT NOT NULL,
    vm_id INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT -1,
    pending_vm_id INTEGER,
    lock_op INTEGER,
    date_created REAL NOT NULL,
    date_updated REAL NOT NULL,
    UNIQUE (handle, name)
);
CREATE TABLE IF NOT EXISTS operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    date_create REAL NOT NULL,
    date_update REAL NOT NULL,
    due_run REAL NOT NULL,
    due_done REAL NOT NULL,
    fail INTEGER NOT NULL DEFAULT 0,
    param TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS vms_handle ON vms (handle);
CREATE INDEX IF NOT EXISTS disks_vm ON disks (vm_id);
CREATE INDEX IF NOT EXISTS products_handle ON products (handle);
CREATE INDEX IF NOT EXISTS ops_handle ON operations (handle, id);
CREATE INDEX IF NOT EXISTS ops_active ON operations (state, due_run)
    WHERE state IN ('PENDING', 'RUN');
"""

TABLES = ("meta", "accounts", "sessions", "products", "vms", "disks", "operations")

_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock_for(path: str) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.Lock())


SCRYPT_N = 2**14  # --account passwords: 16 MiB and ~50 ms per hash
PUBLIC_SCRYPT_N = 2**4  # the seeded accounts: their passwords are published anyway
_SCRYPT_R, _SCRYPT_P = 8, 1
_SCHEME = b"scrypt$"
# one scrypt at a time: a burst of logins queues here rather than taking 16 MiB each
_SCRYPT_SLOT = threading.Lock()


def _scrypt(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    with _SCRYPT_SLOT:
        return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_password(password: str, salt: bytes, n: int = SCRYPT_N) -> bytes:
    """``scrypt$N$r$p$`` followed by the 32-byte scrypt digest of ``password``."""
    digest = _scrypt(password.encode("utf-8", "surrogatepass"), salt, n, _SCRYPT_R, _SCRYPT_P)
    return _SCHEME + f"{n}${_SCRYPT_R}${_SCRYPT_P}$".encode() + digest


def check_password(password: str, salt: bytes, stored: bytes) -> tuple[bool, bool]:
    """``(matches, outdated)``: compared in constant time; ``outdated`` for the fast
    salted SHA-256 of earlier versions (the caller re-hashes it after a good login)."""
    secret = password.encode("utf-8", "surrogatepass")
    stored = bytes(stored)
    if not stored.startswith(_SCHEME):
        legacy = hashlib.sha256(salt + secret).digest()
        return secrets.compare_digest(legacy, stored), True
    try:
        n, r, p, digest = stored[len(_SCHEME) :].split(b"$", 3)
        computed = _scrypt(secret, salt, int(n), int(r), int(p))
    except ValueError:  # a damaged record never matches
        return False, False
    return secrets.compare_digest(computed, digest), False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Store:
    """Connections, transactions and the schema of one state file."""

    def __init__(self, path: str | os.PathLike[str]):
        self._pool: list[sqlite3.Connection] = []
        self._pool_guard = threading.Lock()
        try:
            self.path = str(Path(path).expanduser().resolve())
            self._write_lock = _write_lock_for(self.path)
            _make_private(Path(self.path))
            self._create_schema()
        except sqlite3.DatabaseError as exc:  # not a database, read-only, cannot open...
            self.close()
            raise SandboxStateError(path, str(exc)) from exc
        except OSError as exc:  # the directory cannot be made (no such parent, denied...)
            self.close()
            raise SandboxStateError(path, exc.strerror or str(exc)) from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: see the module docstring
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._pool_guard:
            conn = self._pool.pop() if self._pool else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            if conn.in_transaction:  # an error escaped: never return a dirty connection
                conn.rollback()
            with self._pool_guard:
                self._pool.append(conn)

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: the process-wide lock, then BEGIN IMMEDIATE; commit on success."""
        with self._write_lock, self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction (a consistent snapshot; never blocks on the writer in WAL)."""
        # ``_connection`` inlined: every read call comes through here
        with self._pool_guard:
            conn = self._pool.pop() if self._pool else None
        if conn is None:
            conn = self._connect()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.rollback()
        finally:
            if conn.in_transaction:  # never return a dirty connection
                conn.rollback()
            with self._pool_guard:
                self._pool.append(conn)

    def close(self) -> None:
        with self._pool_guard:
            pool, self._pool = self._pool, []
        for conn in pool:
            conn.close()

    def _create_schema(self) -> None:
        with self.write() as conn:
            have = conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            if have and conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone():
                tables = {
                    r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                missing = [t for t in TABLES if t not in tables]
                if missing:
                    raise SandboxStateError(
                        self.path,
                        f"it has the schema marker but not the tables {', '.join(missing)}",
                    )
                return
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
            for table, first in seed.FIRST_IDS.items():
                conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, first - 1)
                )
            for handle, password, currency, balance, reseller in seed.SEED_ACCOUNTS:
                upsert_account(
                    conn,
                    handle,
                    password,
                    currency=currency,
                    balance_cents=balance,
                    reseller=reseller,
                    cost=PUBLIC_SCRYPT_N,
                )


def upsert_account(
    conn: sqlite3.Connection,
    handle: str,
    password: str,
    *,
    currency: str = seed.SEED_CURRENCY,
    balance_cents: int = seed.SEED_BALANCE_CENTS,
    reseller: str = "",
    cost: int | None = None,
) -> None:
    """Create an account, or set the password of an existing one (keeping its money)."""
    salt = secrets.token_bytes(16)
    conn.execute(
        "INSERT INTO accounts (handle, pw_salt, pw_hash, currency, balance_cents, reseller)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (handle) DO UPDATE"
        " SET pw_salt = excluded.pw_salt, pw_hash = excluded.pw_hash",
        (
            handle,
            salt,
            hash_password(password, salt, cost or password_cost(handle, password)),
            currency,
            balance_cents,
            reseller,
        ),
    )


def password_cost(handle: str, password: str) -> int:
    """The scrypt N for an account: cheap only for a seeded account's published password."""
    public = {(h, p) for h, p, *_ in seed.SEED_ACCOUNTS}
    return PUBLIC_SCRYPT_N if (handle, password) in public else SCRYPT_N


def _make_private(path: Path) -> None:
    """Create the state file 0600 (its directory 0700) before SQLite opens it, and narrow
    an existing file and its -wal/-shm companions to 0600 (SQLite copies the file's mode
    to the companions it creates)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if candidate.exists() and candidate.stat().st_mode & 0o077:
                os.chmod(candidate, 0o600)
        except PermissionError:  # not ours to change: SQLite will say what it can do
            pass
