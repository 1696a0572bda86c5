"""Sandbox memory under `--account` logins: scrypt's working memory (16 MiB a hash).

    python benchmarks/sandbox_login_memory.py [--rounds 4] [--parallel 16]
    python benchmarks/sandbox_login_memory.py --tree /tmp/old   # another source tree

`gandi-hosting sandbox serve --account BENCH-GANDI:...` runs in its own process (an
``--account`` password is hashed with scrypt N=2**14, r=8: 16 MiB of working memory per
hash); ``--parallel`` threads each log in at once, ``--rounds`` times. The server's RSS
(``/proc/PID/status``: Linux) is read after start-up and one login, after each round, and
after the last round once idle for a second. Target (issue 20): after 16 parallel logins,
the RSS at most 15 MB above its level after the first login.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import load, report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOGIN, PASSWORD = "BENCH-GANDI", "bench-password-123"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def logins(url: str, parallel: int) -> None:
    def one() -> None:
        with xmlrpc.client.ServerProxy(url) as proxy:
            proxy.login(LOGIN, PASSWORD)

    threads = [threading.Thread(target=one) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the source tree to serve")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        print("needs /proc (Linux) to read the server's RSS")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gandi_hosting_cli", "sandbox", "serve", "--port", "0"]
            + ["--state", str(Path(tmp) / "s.sqlite3")],
            cwd=args.tree,
            env={**os.environ, "PYTHONPATH": str(args.tree),
                 "GANDI_HOSTING_SANDBOX_ACCOUNTS": f"{LOGIN}:{PASSWORD}"},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        try:
            url = proc.stdout.readline().strip()
            logins(url, 1)
            start = rss_mb(proc.pid)
            figures = []
            for _ in range(args.rounds):
                logins(url, args.parallel)
                figures.append(rss_mb(proc.pid))
            time.sleep(1)
            idle = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"server RSS (MB), {args.parallel} parallel logins a round; {load()}")
    print(f"  after one login {start:.1f}; after each round "
          + ", ".join(f"{f:.1f}" for f in figures) + f"; idle {idle:.1f}")  # fmt: skip
    grown = max(*figures, idle) - start
    ok = report(
        f"sandbox RSS growth over {args.rounds} x {args.parallel} parallel logins",
        f"+{grown:.1f} MB (peak {max(figures):.1f}, idle {idle:.1f})",
        "<= 15 MB",
        grown <= 15,
        grown,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
