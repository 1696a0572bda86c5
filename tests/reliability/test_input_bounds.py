"""Inputs with bounds: ids from stdin (1 MB), ``--password-stdin`` (4 KiB), config.toml
(1 MB) and the tool's state and cache files (16 MB) are read up to their size, then the
command ends with exit 2 at once. /dev/zero on stdin or as config.toml must not grow the
process: the CLI runs in a subprocess under a 200 MB address-space limit (RLIMIT_AS).
``config set url`` refuses a URL holding ``user:password@`` and never prints them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.support import invoke

resource = pytest.importorskip("resource")  # POSIX only
ZERO = Path("/dev/zero")
LIMIT_BYTES = 200 << 20


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def run_limited(*args: str, stdin) -> subprocess.CompletedProcess:
    """The CLI in a child process limited to 200 MB of address space."""
    return subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limited,  # noqa: PLW1509 (no threads in the child before exec)
        env=dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"),
    )


@pytest.fixture(autouse=True)
def needs_dev_zero():
    if not ZERO.exists():
        pytest.skip("no /dev/zero here")


def test_the_limit_leaves_room_for_a_normal_command():
    done = run_limited("--sandbox", "os", "list", stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "Debian" in done.stdout


def test_ids_from_an_endless_stdin_end_with_exit_2():
    with ZERO.open("rb") as zero:
        done = run_limited("--sandbox", "vm", "info", "-", stdin=zero)
    assert done.returncode == 2, done.stderr
    assert "more than 1 MB of ids on stdin" in done.stderr
    assert "MemoryError" not in done.stderr


def test_a_password_from_an_endless_stdin_ends_with_exit_2():
    with ZERO.open("rb") as zero:
        done = run_limited("--sandbox", "login", "AA1234-GANDI", "--password-stdin", stdin=zero)
    assert done.returncode == 2, done.stderr
    assert "longer than 4 KiB" in done.stderr


def test_an_endless_config_toml_ends_with_exit_2(isolate):
    config = Path(os.environ["XDG_CONFIG_HOME"], "gandi-hosting", "config.toml")
    config.parent.mkdir(parents=True)
    config.symlink_to(ZERO)
    done = run_limited("--sandbox", "os", "list", stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert f"{config} is larger than 1 MB" in done.stderr
    assert done.stdout == ""


def test_a_password_of_4_kib_is_read_and_one_byte_more_is_refused(sandbox_server):
    url = sandbox_server.url
    at_limit = invoke("--url", url, "login", "AA1234-GANDI", "--password-stdin",
                      input="x" * 4096 + "\n")  # fmt: skip
    assert at_limit.exit_code == 3, at_limit.output  # read whole, refused by the server
    over = invoke("--url", url, "login", "AA1234-GANDI", "--password-stdin",
                  input="x" * 4097 + "\n")  # fmt: skip
    assert over.exit_code == 2 and "longer than 4 KiB" in over.stderr


def test_a_state_file_beyond_16_mb_ends_with_exit_2_naming_it(isolate):
    logins = Path(os.environ["XDG_STATE_HOME"], "gandi-hosting", "logins.json")
    logins.parent.mkdir(parents=True, mode=0o700)
    with logins.open("wb") as fh:
        fh.truncate((16 << 20) + 1)
    logins.chmod(0o600)
    result = invoke("--sandbox", "os", "list")
    assert result.exit_code == 2, result.output
    assert f"{logins} is larger than 16 MB" in result.stderr


def test_config_set_url_refuses_user_password_and_never_prints_them(isolate):
    result = invoke("config", "set", "url", "https://bob:s3cret@api.example/hosting/")
    assert result.exit_code == 2
    assert "user:password@" in result.stderr and "https://api.example/hosting/" in result.stderr
    assert "s3cret" not in result.output and "bob" not in result.output
    config = Path(os.environ["XDG_CONFIG_HOME"], "gandi-hosting", "config.toml")
    assert not config.exists() or "s3cret" not in config.read_text()
    assert invoke("config", "set", "url", "https://api.example/hosting/").exit_code == 0
