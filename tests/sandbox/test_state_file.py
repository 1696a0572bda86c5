"""The sandbox's state file on disk: private modes, slow password hashes, clear errors."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.dispatcher import Sandbox

LOGIN, PASSWORD = "AA1234-GANDI", "mypassword"


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_state_file_and_its_wal_and_shm_are_0600(tmp_path, loose_umask):
    path = tmp_path / "state" / "s.sqlite3"
    box = Sandbox(path)
    try:
        box.call("login", (LOGIN, PASSWORD))  # a write: the -wal and -shm files exist now
        for name in ("s.sqlite3", "s.sqlite3-wal", "s.sqlite3-shm"):
            assert _mode(path.parent / name) == 0o600, name
        assert _mode(path.parent) == 0o700  # the directory it made
    finally:
        box.close()


def test_an_existing_world_readable_state_file_is_made_private(tmp_path, loose_umask):
    path = tmp_path / "s.sqlite3"
    Sandbox(path).close()
    os.chmod(path, 0o644)
    box = Sandbox(path)
    try:
        box.call("login", (LOGIN, PASSWORD))
        assert _mode(path) == 0o600
        assert _mode(f"{path}-wal") == 0o600
    finally:
        box.close()


def _stored_hash(path, handle: str) -> bytes:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT pw_hash FROM accounts WHERE handle = ?", (handle,)).fetchone()[
            0
        ]


def test_account_passwords_are_stored_with_a_slow_salted_hash(tmp_path):
    path = tmp_path / "s.sqlite3"
    box = Sandbox(path, accounts=["XY1-GANDI:s3cret-pass", "XY2-GANDI:s3cret-pass"])
    try:
        assert box.call("login", ("XY1-GANDI", "s3cret-pass"))
        with pytest.raises(xmlrpc.client.Fault) as info:
            box.call("login", ("XY1-GANDI", "s3cret-pasS"))
        assert info.value.faultCode == 500150
    finally:
        box.close()
    first, second = _stored_hash(path, "XY1-GANDI"), _stored_hash(path, "XY2-GANDI")
    assert first.startswith(b"scrypt$16384$8$1$")  # scrypt, n=2**14: ~50 ms per guess
    assert first != second  # a salt per account
    assert b"s3cret-pass" not in path.read_bytes()


def test_a_state_file_with_fast_sha256_hashes_still_logs_in_and_is_upgraded(tmp_path):
    path = tmp_path / "s.sqlite3"
    Sandbox(path, accounts=["XY1-GANDI:s3cret-pass"]).close()
    salt = os.urandom(16)
    legacy = hashlib.sha256(salt + b"s3cret-pass").digest()  # what earlier versions stored
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE accounts SET pw_salt = ?, pw_hash = ? WHERE handle = 'XY1-GANDI'",
            (salt, legacy),
        )
    box = Sandbox(path)
    try:
        assert box.call("login", ("XY1-GANDI", "s3cret-pass"))
    finally:
        box.close()
    assert _stored_hash(path, "XY1-GANDI").startswith(b"scrypt$")


def test_a_state_file_with_the_schema_marker_but_no_tables_is_one_line_exit_2(tmp_path):
    path = tmp_path / "s.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema', '1')")
    done = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "sandbox", "serve", "--port", "0",
         "--state", str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "sandbox reset" in done.stderr
    assert "accounts" in done.stderr  # names what is missing
    assert done.stdout == ""


def test_the_embedded_sandbox_on_such_a_file_is_exit_2_too(cli, tmp_path, monkeypatch):
    path = tmp_path / "embedded.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema', '1')")
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_STATE", str(path))
    result = cli("--sandbox", "account", "balance")
    assert result.exit_code == 2
    assert "sandbox reset" in result.stderr and "Traceback" not in result.stderr
