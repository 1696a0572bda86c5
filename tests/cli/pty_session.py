"""The real ``gandi-hosting`` in a pseudo-terminal (pexpect): what a person at a terminal
types and sees, for the ``shell`` and ``--watch`` tests.

``PtyCli(*args, env=...)`` starts ``python -m gandi_hosting_cli ARGS`` on a pty of 40x120;
``expect(pattern)`` waits (with a deadline, never a sleep) for ``pattern`` in what the
screen received, escape sequences removed; ``text`` is everything received so far.
"""

from __future__ import annotations

import os
import re
import sys
import time

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.conftest import sigint_as_default

ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>78])")
TIMEOUT = 20.0


def pty_env(**extra: str) -> dict[str, str]:
    """The test's isolated environment (XDG dirs, keyring's fail backend: sessions go to
    the 0600 file), a terminal prompt_toolkit can draw on without asking it for the cursor
    position, and the seeded account's credentials (so a session renews by itself)."""
    env = dict(os.environ)
    env.update(
        TERM="xterm-256color",
        PROMPT_TOOLKIT_NO_CPR="1",
        GANDI_HOSTING_LOGIN=SEED_LOGIN,
        GANDI_HOSTING_PASSWORD=SEED_PASSWORD,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.update(extra)
    return env


class PtyCli:
    def __init__(self, *args: str, env: dict[str, str] | None = None):
        import pexpect

        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "gandi_hosting_cli", *args],
            env=env or pty_env(),
            encoding="utf-8",
            codec_errors="replace",
            timeout=TIMEOUT,
            dimensions=(40, 120),
            preexec_fn=sigint_as_default,  # Ctrl-C works even if the runner ignores SIGINT
        )
        self.received = ""
        self._mark = 0  # where the last match ended, in ``text``

    @property
    def _pexpect(self):
        import pexpect

        return pexpect

    @property
    def text(self) -> str:
        return ANSI.sub("", self.received).replace("\r", "")

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> re.Match:
        """Wait until ``pattern`` (a regex) appears after what was matched before."""
        compiled = re.compile(pattern)
        start = self._mark
        deadline = time.monotonic() + timeout  # a screen redrawn forever still ends it
        while True:
            match = compiled.search(self.text, start)
            if match:
                self._mark = match.end()
                return match
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise self._pexpect.TIMEOUT("deadline")
                self.received += self.child.read_nonblocking(65536, timeout=left)
            except self._pexpect.TIMEOUT:
                raise AssertionError(f"{pattern!r} not seen; the screen:\n{self.text}") from None
            except self._pexpect.EOF:
                match = compiled.search(self.text, start)
                if match:
                    self._mark = match.end()
                    return match
                raise AssertionError(f"{pattern!r} not seen before the end:\n{self.text}") from None

    def send(self, text: str) -> None:
        self.child.send(text)

    def sendline(self, text: str) -> None:
        self.child.send(text + "\r")

    def interrupt(self) -> None:
        self.child.sendintr()

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        """The exit status, once the process ended (all its output read); an
        AssertionError if it is still running after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout  # a screen redrawn forever still ends it
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"still running after {timeout} s:\n{self.text}")
                self.received += self.child.read_nonblocking(65536, timeout=left)
        except self._pexpect.EOF:
            pass
        except self._pexpect.TIMEOUT:
            raise AssertionError(f"still running after {timeout} s:\n{self.text}") from None
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -1

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
