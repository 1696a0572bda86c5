"""How `plan`, `export` and `apply` grow with the account: N = 10, 100, 1,000.

    python benchmarks/declarative_scale.py [--sizes 10 100 1000] [--op-delay 2] [--no-apply]

For each N, `gandi-hosting sandbox serve --op-delay 2` holds N VMs (each with its system
disk) and N detached data disks (``Sandbox.bulk_create_vms/disks``), and the CLI (the
benchmark venv's console script, a cached session) runs, each once:
- `export --file M` (the manifest of the account as it is),
- `plan M` (the same manifest: nothing to change, exit 0),
- `apply M2 --yes` where M2 is M plus N/5 new VMs, each with a new data disk attached
  (their root password from ``password_env``); shares bought beforehand.
Requests are counted on the server (its log, one line per request); wall time and peak
RSS of the CLI process (``wait4`` rusage of a bare launcher, as memory.py does).
Targets at N = 1,000: plan <= 3 requests and <= 2 s; export <= 3 requests; apply of
200 + 200 <= 3N + 10 requests (N = the VMs and disks it creates: 400) and <= 30 s;
RSS of each <= 80 MB. Smaller N are reported against the same rules.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ServedSandbox,
    load,
    print_baselines,
    report,
    run_measured,
    timed_runs,
)

PASSWORD_ENV = "GANDI_VM_PASSWORD_BENCH"  # the prefix a manifest must use (DESIGN)


def measured(box: ServedSandbox, *args: str, ok=(0,), env=None) -> tuple[int, float, float]:
    """(requests, seconds, peak RSS MB) of one run of ``gandi-hosting --url URL *args``."""
    before = box.settle()
    start = time.perf_counter()
    _, rss = run_measured(box.command(*args), env or box.env, ok, timeout=900)
    elapsed = time.perf_counter() - start
    after = box.settle()
    methods = Counter(line.method for line in box.lines[before:after])
    print(f"    {args[0]}: requests by method: {dict(methods.most_common())}")
    return after - before, elapsed, rss


def new_entries(n: int) -> str:
    parts = []
    for i in range(1, n + 1):
        parts.append(
            f'[[vm]]\nhostname = "new{i}"\nos = "Debian 12"\nshares = 1\n'
            f'disks = ["newdata{i}"]\npassword_env = "{PASSWORD_ENV}"\n'
        )
        parts.append(f'[[disk]]\nname = "newdata{i}"\nsize = 1024\n')
    return "\n" + "\n".join(parts)


def scale(n: int, op_delay: float, do_apply: bool, tmp: Path) -> list[bool]:
    results = []
    funds = 10_000_000_00  # cents: enough for the shares apply needs
    with ServedSandbox(vms=n, disks=n, op_delay=op_delay, balance_cents=funds) as box:
        manifest = tmp / f"account-{n}.toml"
        req, secs, rss = measured(box, "export", "--file", str(manifest))
        print(f"  N={n}: export {req} requests, {secs:.2f} s, {rss:.1f} MB")
        results.append(report(f"export, N={n}: requests", str(req), "<= 3", req <= 3, req))
        results.append(report(f"export, N={n}: peak RSS", f"{rss:.1f} MB", "<= 80 MB", rss <= 80))
        results.append(report(f"export, N={n}: wall", f"{secs:.2f} s", "(information)", True))

        req, secs, rss = measured(box, "plan", str(manifest))  # exit 0: up to date
        print(f"  N={n}: plan {req} requests, {secs:.2f} s, {rss:.1f} MB")
        results.append(report(f"plan, N={n}: requests", str(req), "<= 3", req <= 3, req))
        results.append(report(f"plan, N={n}: wall", f"{secs:.2f} s", "<= 2 s", secs <= 2, secs))
        results.append(report(f"plan, N={n}: peak RSS", f"{rss:.1f} MB", "<= 80 MB", rss <= 80))

        if do_apply:
            k = max(n // 5, 1)
            box.cli("product", "add", "shares", str(k + 4), "--wait", "--yes")
            wanted = tmp / f"account-{n}-plus-{k}.toml"
            wanted.write_text(manifest.read_text() + new_entries(k))
            env = {**box.env, PASSWORD_ENV: "bench-pass-123"}
            req, secs, rss = measured(box, "apply", str(wanted), "--yes", env=env)
            limit = 3 * (2 * k) + 10
            print(f"  N={n}: apply of {k} VMs + {k} disks: {req} requests, {secs:.1f} s, "
                  f"{rss:.1f} MB")  # fmt: skip
            label = f"apply {k}+{k}, N={n}"
            results.append(report(f"{label}: requests", str(req), f"<= {limit}", req <= limit))
            results.append(report(f"{label}: wall", f"{secs:.1f} s", "<= 30 s", secs <= 30))
            results.append(report(f"{label}: peak RSS", f"{rss:.1f} MB", "<= 80 MB", rss <= 80))
            req, secs, _ = measured(box, "plan", str(wanted))  # done: nothing left
            print(f"  N={n}: plan after apply: {req} requests, {secs:.2f} s (exit 0)")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--op-delay", type=float, default=2.0)
    parser.add_argument("--no-apply", action="store_true")
    args = parser.parse_args()
    print(f"declarative path at scale, sandbox serve --op-delay {args.op_delay:g}; {load()}")
    print_baselines(timed_runs({}, 15))  # the interpreter's floor, for scale
    ok = True
    with tempfile.TemporaryDirectory(prefix="gh-bench-") as tmp:
        for n in args.sizes:
            ok &= all(scale(n, args.op_delay, not args.no_apply, Path(tmp)))
    print(f"after: {load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
