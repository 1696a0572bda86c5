"""Shared helpers for the benchmark scripts (not a benchmark itself).

- ``cli_path()``: the installed ``gandi-hosting`` console script, next to
  ``sys.executable`` first, then on PATH (a pyenv shim is a shell script: it would add its
  own start-up to every figure, so the real script is preferred).
- ``timed_runs()``: wall times of repeated runs of a command, interleaved with the
  ``python -c pass`` baseline so that both see the same machine load.
- ``ServedSandbox``: ``gandi-hosting sandbox serve`` in its own process on 127.0.0.1 with
  a temporary state (pre-filled with ``Sandbox.bulk_create_vms/disks``), an isolated
  config/state/cache for the CLI, a logged-in session, and a request counter fed by the
  server's log lines (one per request).
- ``report()``: the figure and the target side by side, plus a machine-readable
  ``RESULT`` line that ``run_all.py`` collects.

Every loop and every wait here is bounded; only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_LOGIN = "AA1234-GANDI"
SEED_PASSWORD = "mypassword"
POST_LINE = re.compile(r'"POST [^"]*" (\d{3}) (\S+)')


def cli_path() -> str:
    """The console script: next to the interpreter first, then on PATH."""
    name = "gandi-hosting.exe" if os.name == "nt" else "gandi-hosting"
    beside = Path(sys.executable).with_name(name)
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("gandi-hosting")
    if not found:
        sys.exit("gandi-hosting is not installed: pip install -e . (then pyenv rehash)")
    return found


def python_pass() -> list[str]:
    return [sys.executable, "-c", "pass"]


def run_once(
    cmd: Sequence[str], env: dict[str, str] | None = None, input: str | None = None
) -> float:
    """Wall time of one run (stdout/stderr discarded); a failing command is an error."""
    start = time.perf_counter()
    proc = subprocess.run(
        list(cmd),
        env=env,
        input=input,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


def timed_runs(
    commands: dict[str, tuple[Sequence[str], dict[str, str] | None]],
    runs: int,
    warmup: int = 2,
) -> dict[str, list[float]]:
    """Run every command ``runs`` times, round-robin (so load changes hit all alike)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, (cmd, env) in commands.items():
            elapsed = run_once(cmd, env)
            if i >= warmup:
                times[name].append(elapsed)
    return times


def median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000


def report(name: str, figure: str, target: str, ok: bool, value: float | None = None) -> bool:
    """Print one figure beside its target, and a RESULT line for run_all.py."""
    print(f"  {name:<46} {figure:>22}   target {target:<24} {'PASS' if ok else 'FAIL'}")
    payload = {"name": name, "figure": figure, "target": target, "ok": ok, "value": value}
    print("RESULT " + json.dumps(payload), flush=True)
    return ok


def compile_package() -> None:
    """Write the package's bytecode caches, as ``pip install`` of the wheel does.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` (this container sets it)
    would otherwise compile every module of the CLI from source at each start (~50 ms):
    a cost no installed user pays. The ``__pycache__`` dirs are git-ignored.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("gandi_hosting_cli")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)


def isolated_env(home: Path) -> dict[str, str]:
    """The CLI's environment: its own XDG dirs, the 0600 file store, no colour, no profile.

    Without PYTHONDONTWRITEBYTECODE, so that bytecode caches are used (see
    ``compile_package``).
    """
    compile_package()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANDI_HOSTING_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        path = home / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "120"
    return env


@dataclass
class Logged:
    status: int
    method: str


class ServedSandbox:
    """``gandi-hosting sandbox serve`` in a child process, with a logged-in CLI beside it.

    ``with ServedSandbox(vms=1000) as box:`` then ``box.cli("vm", "info", "5")``,
    ``box.count(["vm", "info", "5"])`` (HTTP requests that command made).
    """

    def __init__(
        self,
        *,
        vms: int = 0,
        disks: int = 0,
        op_delay: float = 0.0,
        multicall: bool = True,
        login: bool = True,
    ) -> None:
        self.vms, self.disks, self.op_delay = vms, disks, op_delay
        self.multicall, self.do_login = multicall, login
        self.lines: list[Logged] = []
        self._sentinels = 0
        self._seen_sentinels = 0
        self._cond = threading.Condition()
        self.vm_ids: list[int] = []
        self.disk_ids: list[int] = []

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> ServedSandbox:
        self._tmp = tempfile.TemporaryDirectory(prefix="gh-bench-")
        tmp = Path(self._tmp.name)
        self.state = tmp / "sandbox.sqlite3"
        self.env = isolated_env(tmp / "home")
        self._prefill()
        cmd = [cli_path(), "sandbox", "serve", "--port", "0", "--state", str(self.state)]
        cmd += ["--op-delay", f"{self.op_delay:g}"]
        if not self.multicall:
            cmd.append("--no-multicall")
        self.proc = subprocess.Popen(
            cmd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"sandbox serve did not start: {self.proc.stderr.read()[-500:]}")
        self.port = int(self.url.split(":")[2].split("/")[0])
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        if self.do_login:
            self.cli("login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n")
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._tmp.cleanup()

    def _prefill(self) -> None:
        sys.path.insert(0, str(ROOT))
        from gandi_hosting_cli.sandbox.dispatcher import Sandbox

        box = Sandbox(self.state, op_delay=self.op_delay)
        try:
            if self.vms:
                self.vm_ids = box.bulk_create_vms(SEED_LOGIN, self.vms, "vm")
            if self.disks:
                self.disk_ids = box.bulk_create_disks(SEED_LOGIN, self.disks, "data")
        finally:
            box.close()

    # -- the request log -----------------------------------------------------------------
    def _read_log(self) -> None:
        for line in self.proc.stderr:
            match = POST_LINE.search(line)
            with self._cond:
                if match:
                    self.lines.append(Logged(int(match.group(1)), match.group(2)))
                elif '"GET /bench-sentinel' in line:
                    self._seen_sentinels += 1
                self._cond.notify_all()

    def settle(self) -> int:
        """Requests logged so far, once every earlier request's line has been read.

        A GET of a sentinel path (answered 405, logged like any request) is sent after
        the commands measured have exited; its line comes after theirs.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"GET /bench-sentinel HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(4096)
        self._sentinels += 1
        deadline = time.monotonic() + 10
        with self._cond:
            while self._seen_sentinels < self._sentinels:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("the sandbox's log stopped")
                self._cond.wait(left)
            return len(self.lines)

    # -- the CLI ------------------------------------------------------------------------
    def command(self, *args: str) -> list[str]:
        return [cli_path(), "--url", self.url, *args]

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            self.command(*args),
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"gandi-hosting {' '.join(args)}: {proc.stderr[-500:]}")
        return proc

    def count(self, *args: str) -> tuple[int, list[str]]:
        """HTTP requests made by one run of ``gandi-hosting --url URL *args``, and methods."""
        before = self.settle()
        self.cli(*args)
        after = self.settle()
        with self._cond:
            methods = [line.method for line in self.lines[before:after]]
        return after - before, methods
