"""Shared helpers for the benchmark scripts (not a benchmark itself).

- ``bench_venv()``: the interpreter every figure is taken with: a FRESH venv without
  system site packages and with the project installed from this checkout (a regular
  install: bytecode compiled, no editable ``.pth`` on the start-up path). It is created
  in a temporary dir on first use (~10 s), or the one named by ``GANDI_HOSTING_BENCH_VENV``
  is used (``run_all.py`` makes one and hands it to every script that way);
  ``python benchmarks/_common.py --make-venv DIR`` makes one to reuse.
- ``cli_path()``: that venv's ``gandi-hosting`` console script.
- ``python_pass()`` / ``python_click()``: the two baselines, from the same venv:
  ``python -c pass`` (the interpreter's own start-up) and ``python -c 'import click'``.
- ``timed_runs()``: wall times of repeated runs, every command interleaved round-robin
  with the baselines so that all see the same machine load; ``ratios()`` prints a figure
  against both baselines.
- ``ServedSandbox``: ``gandi-hosting sandbox serve`` in its own process on 127.0.0.1 with
  a temporary state (pre-filled with ``Sandbox.bulk_create_vms/disks``), an isolated
  config/state/cache for the CLI, a logged-in session, and a request counter fed by the
  server's log lines (one per request).
- ``KEYRING_MODES``: the platform's default keyring resolution (no
  ``PYTHON_KEYRING_BACKEND``) and keyring's ``fail`` backend forced: figures of commands
  that may touch keyring are given in both.
- ``report()``: the figure and the target side by side, ``pass`` or ``MISS``, plus a
  machine-readable ``RESULT`` line that ``run_all.py`` collects.

Every loop and every wait here is bounded; only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import atexit
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
VENV_ENV = "GANDI_HOSTING_BENCH_VENV"
MIN_RUNS = 15
FAIL_BACKEND = "keyring.backends.fail.Keyring"
# name -> PYTHON_KEYRING_BACKEND (None: unset, keyring's own resolution on this platform)
KEYRING_MODES: dict[str, str | None] = {"default keyring": None, "fail backend": FAIL_BACKEND}

_venv: Path | None = None


def _bin(venv: Path, name: str) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def make_venv(target: Path, *, compile_bytecode: bool = True) -> Path:
    """``python -m venv`` (no system site packages), pip brought up to date (what a user
    installing today gets: its console-script wrapper no longer imports ``re``; if the
    index cannot be reached, the pip ensurepip bundled is kept), then ``pip install`` of
    this checkout (``compile_bytecode=False``: ``--no-compile``, no bytecode cache)."""
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    pip = [str(_bin(target, "python")), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], timeout=600, env=env, capture_output=True)
    no_compile = [] if compile_bytecode else ["--no-compile"]
    done = subprocess.run(
        [*pip, *no_compile, str(ROOT)], timeout=600, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"pip install {ROOT} failed:\n{done.stderr[-2000:]}")
    return target


def wrapper_imports_re(venv: Path) -> bool:
    """Whether the venv's console script runs ``import re`` (pip < 24's wrapper did)."""
    text = _bin(venv, "gandi-hosting").read_text(encoding="utf-8", errors="replace")
    return "import re\n" in text


def bench_venv() -> Path:
    """The fresh venv of this run (see the module's docstring)."""
    global _venv
    if _venv is not None:
        return _venv
    given = os.environ.get(VENV_ENV)
    if given:
        venv = Path(given)
        if not _bin(venv, "gandi-hosting").is_file():
            sys.exit(f"{VENV_ENV}={given}: no gandi-hosting installed there")
    else:
        tmp = tempfile.mkdtemp(prefix="gh-bench-venv-")
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        print(f"(creating a fresh venv in {tmp}: python -m venv + pip install)", flush=True)
        venv = make_venv(Path(tmp) / "venv")
    _venv = venv
    return venv


def bench_python() -> str:
    return str(_bin(bench_venv(), "python"))


def cli_path() -> str:
    """The console script of the benchmark venv."""
    return str(_bin(bench_venv(), "gandi-hosting"))


def python_pass() -> list[str]:
    return [bench_python(), "-c", "pass"]


def python_click() -> list[str]:
    return [bench_python(), "-c", "import click"]


# Linux keeps the high-water mark of the memory a process replaced by exec (the
# parent's, after fork), so a child of this fat process would never look smaller than it:
# a bare interpreter (-I -S, ~8 MB) forks and execs the command and reports its rusage.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nMAXRSS {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(
    cmd: Sequence[str], env: dict[str, str], ok: Sequence[int] = (0,), timeout: float = 120
) -> tuple[subprocess.CompletedProcess, float]:
    """One run of ``cmd`` through the bare launcher: (the launcher's process, with the
    command's stdout and stderr, and the command's peak RSS in MiB)."""
    launcher = [bench_python(), "-I", "-S", "-c", LAUNCHER]
    proc = subprocess.run(
        [*launcher, *cmd], env=env, capture_output=True, text=True, timeout=timeout
    )
    err, _, last = proc.stderr.rstrip().rpartition("\n")
    if proc.returncode not in ok or not last.startswith("MAXRSS "):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-800:]}")
    return proc, int(last.split()[1]) / 1024  # KiB -> MiB


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
    """Run every command ``runs`` times, round-robin (so load changes hit all alike).

    The baselines ``pass`` (``python -c pass``) and ``click`` (``python -c 'import click'``)
    are added when missing; at least ``MIN_RUNS`` runs are taken.
    """
    runs = max(runs, MIN_RUNS)
    env = next((e for _, e in commands.values() if e is not None), None)
    commands = {"pass": (python_pass(), env), "click": (python_click(), env), **commands}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, (cmd, cmd_env) in commands.items():
            elapsed = run_once(cmd, cmd_env)
            if i >= warmup:
                times[name].append(elapsed)
    return times


def median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000


def print_baselines(
    times: dict[str, list[float]], runs: int | None = None, python: str | None = None
) -> None:
    """The interpreter's own start-up, and click's, as every ratio is taken against them."""
    count = runs or len(times["pass"])
    python = python or bench_python()
    print(f"  baselines from {python} (fresh venv), medians of {count} interleaved runs")
    print(f"  {'python -c pass':<46} {median_ms(times['pass']):>19.1f} ms")
    label = "python -c 'import click'"
    print(f"  {label:<46} {median_ms(times['click']):>19.1f} ms")


def ratios(times: dict[str, list[float]], name: str) -> tuple[float, float, float, str]:
    """(ms, x pass, x click, "N ms = a.aax pass = b.bbx click") for one command's runs."""
    ms = median_ms(times[name])
    x_pass = ms / median_ms(times["pass"])
    x_click = ms / median_ms(times["click"])
    return ms, x_pass, x_click, f"{ms:.0f} ms = {x_pass:.2f}x pass = {x_click:.2f}x click"


def report(name: str, figure: str, target: str, ok: bool, value: float | None = None) -> bool:
    """Print one figure beside its target (pass or MISS), and a RESULT line for run_all.py."""
    print(f"  {name:<52} {figure:>40}   target {target:<30} {'pass' if ok else 'MISS'}")
    payload = {"name": name, "figure": figure, "target": target, "ok": ok, "value": value}
    print("RESULT " + json.dumps(payload), flush=True)
    return ok


def load() -> str:
    """The machine's load averages (``uptime``), printed with the figures."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load: unknown"
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def isolated_env(home: Path, *, keyring: str | None = None) -> dict[str, str]:
    """The CLI's environment: its own XDG dirs, no colour, no profile, bytecode caches used
    (no PYTHONDONTWRITEBYTECODE). ``keyring``: the PYTHON_KEYRING_BACKEND to force, or None
    for the platform's default resolution (the variable removed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANDI_HOSTING_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        path = home / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    if keyring:
        env["PYTHON_KEYRING_BACKEND"] = keyring
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
        balance_cents: int | None = None,
    ) -> None:
        self.vms, self.disks, self.op_delay = vms, disks, op_delay
        self.balance_cents = balance_cents  # the seed account's prepaid balance, if given
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
        self.env = isolated_env(tmp / "home")  # the platform's default keyring resolution
        self.envs = {
            mode: isolated_env(tmp / "home", keyring=backend)
            for mode, backend in KEYRING_MODES.items()
        }
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
            for env in self.envs.values():  # a session where each mode looks for it
                self.cli(
                    "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n", env=env
                )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.do_login:  # out of a real keyring, if the default resolution found one
            for env in self.envs.values():
                subprocess.run(
                    self.command("logout"), env=env, capture_output=True, timeout=60, check=False
                )
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
            if self.balance_cents is not None:
                with box.store.write() as conn:
                    conn.execute(
                        "UPDATE accounts SET balance_cents = ? WHERE handle = ?",
                        (self.balance_cents, SEED_LOGIN),
                    )
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

    def cli(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            self.command(*args),
            env=env or self.env,
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


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="make a benchmark venv to reuse")
    parser.add_argument("--make-venv", type=Path, required=True, metavar="DIR")
    made = make_venv(parser.parse_args().make_venv)
    print(f"export {VENV_ENV}={made}")
