"""``gandi-hosting sandbox serve`` as a real subprocess (signals, SIGKILL, load, log scans).

Shared by every test that needs the real command rather than an in-process server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import (
    sigint_as_default,
    wait_until,  # noqa: F401 (where older tests import it from)
)


class ServeProcess:
    """``python -m gandi_hosting_cli sandbox serve --port 0 --state PATH --op-delay D``.

    ``url`` is read from its stdout (the line scripts rely on); its stderr (the request
    log) is collected in ``log`` by a reader thread. ``kill()`` sends SIGKILL; ``stop()``
    SIGTERM then SIGKILL; always call one of them (a fixture finalizer does).
    """

    def __init__(
        self,
        state: Path,
        *,
        op_delay: float = 0.0,
        extra: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        start_timeout: float = 20.0,
    ):
        self.state = Path(state)
        args = [
            sys.executable, "-m", "gandi_hosting_cli", "sandbox", "serve",
            "--port", "0", "--state", str(state), "--op-delay", str(op_delay), *extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            preexec_fn=sigint_as_default,  # stop(signal.SIGINT) is Ctrl-C
        )
        self.log_lines: list[str] = []
        self._stderr = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr.start()
        self.url = self._read_url(start_timeout)

    def _read_url(self, timeout: float) -> str:
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline().decode()))
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        if not box or not box[0].startswith("http"):
            self.kill()
            raise RuntimeError(f"sandbox serve did not start: {box} {self.log}")
        return box[0].strip()

    def _read_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            self.log_lines.append(raw.decode("utf-8", "replace"))

    @property
    def log(self) -> str:
        return "".join(self.log_lines)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` (SIGTERM, or SIGINT as Ctrl-C does), then SIGKILL after 10 s;
        return the exit code once the log is complete."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()
        return self.proc.returncode

    def _reap(self) -> None:
        try:
            self.proc.wait(timeout=10)
        finally:
            self._stderr.join(timeout=5)
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()
