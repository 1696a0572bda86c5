"""What the reliability tests share besides fixtures (those are in conftest.py).

- ``LONG``: GANDI_HOSTING_LONG_TESTS=1 (longer, random runs).
- ``fuzz_settings(ci, long)``: hypothesis settings for one test (``ci`` examples,
  derandomized, in CI; ``long`` examples, random, with the environment variable).
- ``budget(ci_seconds, long_seconds)``: the time bound of soak loops; ``Deadline``.
- ``invoke(*args, input=None, env=None)``: the real root group through ``CliRunner``
  (stdout and stderr apart); the pauses the command asked for (a retry's, a wait's) are
  recorded in ``result.pauses`` instead of slept.
- ``STATS``: figures (examples, requests, invariants checked) printed at the end of a
  long run, for the report.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings

LONG = os.environ.get("GANDI_HOSTING_LONG_TESTS") == "1"
STATS: Counter[str] = Counter()

# every exit code DESIGN.md section 2 documents
DOCUMENTED_EXIT_CODES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 130})


def fuzz_settings(ci: int, long: int) -> settings:
    return settings(
        max_examples=long if LONG else ci,
        deadline=None,
        derandomize=not LONG,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


def budget(ci_seconds: float, long_seconds: float) -> float:
    return long_seconds if LONG else ci_seconds


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None
    pauses: list[float] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _runner():
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 keeps stderr apart already


def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None) -> CliResult:
    from gandi_hosting_cli.cli import cli as root
    from gandi_hosting_cli.cli.context import AppContext

    pauses: list[float] = []
    app = AppContext(sleep=pauses.append)
    result = _runner().invoke(
        root, list(args), input=input, env=env, obj=app, catch_exceptions=True
    )
    exception = result.exception
    if isinstance(exception, SystemExit):
        exception = None
    return CliResult(result.exit_code, result.stdout, result.stderr, exception, pauses)


def self_signed_certificate(folder, subject: str, *extra: str) -> tuple[str, str]:
    """(cert.pem, key.pem) of a new self-signed certificate for ``subject`` in ``folder``
    (the test is skipped where openssl is not installed)."""
    import shutil
    import subprocess

    import pytest

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", subject, *extra, "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return str(cert), str(key)


def one_error_line(result, code: int = 6) -> str:
    """The command failed with ``code`` as users are promised: one ``Error:`` line on
    stderr, nothing on stdout, no traceback. Returns that line."""
    assert result.exit_code == code, result.output
    assert result.exception is None, result.exception
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines
    return lines[0]


class Deadline:
    """``while deadline:`` loops until the time is up."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def __bool__(self) -> bool:
        return time.monotonic() < self.end

    @property
    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())
