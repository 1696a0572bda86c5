"""Sandbox throughput over HTTP, side by side with the standard library's XML-RPC server.

    python benchmarks/sandbox_throughput.py [--rounds 5] [--seconds 3] [--clients 1 8 32]
    python benchmarks/sandbox_throughput.py --quick     # 2 rounds of 1.5 s
    git archive OLD | tar -x -C /tmp/old && \
        python benchmarks/sandbox_throughput.py --quick --also before=/tmp/old

Two servers run at once, each in its own process:

- the sandbox: the real ``gandi-hosting sandbox serve`` (op delay 0, its request log on,
  as a user runs it), on a fresh state file pre-filled with ``--vms`` VMs;
- the baseline: ``baseline_server.py``, the stdlib ``SimpleXMLRPCServer`` with
  ``ThreadingMixIn`` and ``protocol_version = "HTTP/1.1"`` serving trivial functions.

Every client is a separate process (so that clients and server do not share an
interpreter lock) with one keep-alive ``xmlrpc.client.ServerProxy``; all clients of a
measurement start together (each is warmed up first: connected, one call made) and call
in a loop for ``--seconds``. Phases:

- reads: ``vm_info`` on random existing VMs;
- writes: ``vm_create`` -> ``vm_stop`` -> ``vm_delete`` (with op delay 0 each call finds
  the previous operation done), counted in calls.

Each round measures every (server, phase, clients) once, the two servers alternating
(the baseline first in even rounds, the sandbox first in odd ones); figures are the
medians over the rounds. Targets (issue 14): reads at 8 and 32 clients >= 0.9x the
baseline, writes >= 0.6x, and the sandbox's throughput at 32 clients not below its
throughput at 1. Other processes on the machine skew every figure: the load average is
printed with them.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from _common import report  # noqa: E402

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD  # noqa: E402

PHASES = ("reads", "writes")


# -- a client process ------------------------------------------------------------------


def client(url: str, phase: str, seconds: float, index: int, session: str, ids: str) -> None:
    """One client: warm up, say ready, wait for "go" on stdin, call, print calls and time."""
    vm_ids = [int(i) for i in ids.split(",")]
    rng = random.Random(index)
    with xmlrpc.client.ServerProxy(url) as proxy:
        if phase == "reads":

            def step() -> int:
                proxy.vm_info(session, rng.choice(vm_ids))
                return 1

        else:

            def step() -> int:
                vm_id = proxy.vm_create(session, f"bench{index}", "s3cret-pass", 111, 1, 1, {})
                proxy.vm_stop(session, vm_id)
                proxy.vm_delete(session, vm_id)
                return 3

        proxy.vm_info(session, vm_ids[0])  # the connection is open before the start
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.perf_counter()
        deadline = started + seconds
        calls = 0
        while time.perf_counter() < deadline:
            calls += step()
        print(calls, time.perf_counter() - started, flush=True)


def measure(url: str, phase: str, clients: int, seconds: float, session: str, ids: str) -> float:
    """Calls per second of ``clients`` client processes together."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--client", url, phase, str(seconds), str(i), session, ids],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(clients)
    ]
    try:
        for proc in procs:
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a {phase} client did not start against {url}")
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        rate = 0.0
        for proc in procs:
            calls, elapsed = proc.stdout.readline().split()
            rate += int(calls) / float(elapsed)
        return rate
    finally:
        for proc in procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.wait(timeout=30)


# -- the servers -----------------------------------------------------------------------


def start(cmd: list[str], tree: Path = ROOT) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        cmd,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        raise RuntimeError(f"{cmd[1:3]} did not start")
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 1.5 s")
    parser.add_argument(
        "--also",
        metavar="NAME=DIR",
        action="append",
        default=[],
        help="also measure the sandbox of another source tree (e.g. a `git archive` of an "
        "older commit), in the same rounds: a before/after comparison under the same load",
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 2, 1.5

    from gandi_hosting_cli.sandbox.dispatcher import Sandbox

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "bench.sqlite3"
        box = Sandbox(state, op_delay=0)
        vm_ids = box.bulk_create_vms(SEED_LOGIN, args.vms)
        box.close()
        ids = ",".join(map(str, vm_ids))
        trees = {
            "sandbox": ROOT,
            **{n: Path(d) for n, _, d in (a.partition("=") for a in args.also)},
        }
        procs, servers, sessions = [], {}, {}
        for name, tree in trees.items():
            copy = Path(tmp) / f"{name}.sqlite3"
            shutil.copy(state, copy)
            proc, servers[name] = start(
                [sys.executable, "-m", "gandi_hosting_cli", "sandbox", "serve", "--port", "0"]
                + ["--op-delay", "0", "--state", str(copy)],
                tree,
            )
            procs.append(proc)
        baseline, servers["baseline"] = start([sys.executable, str(HERE / "baseline_server.py")])
        procs.append(baseline)
        try:
            for name in trees:
                with xmlrpc.client.ServerProxy(servers[name]) as proxy:
                    sessions[name] = session = proxy.login(SEED_LOGIN, SEED_PASSWORD)
                    proxy.hosting_account_product_add(
                        session, "shares", max(args.clients) * 2, "1m"
                    )
            sessions["baseline"] = session
            rates: dict[tuple[str, str, int], list[float]] = {}
            load_before = os.getloadavg()
            for round_no in range(args.rounds):
                order = list(servers) if round_no % 2 else list(reversed(servers))
                for phase in PHASES:
                    for clients in args.clients:
                        for name in order:
                            rate = measure(
                                servers[name], phase, clients, args.seconds, sessions[name], ids
                            )
                            rates.setdefault((name, phase, clients), []).append(rate)
                print(
                    f"round {round_no + 1}/{args.rounds}: "
                    + ", ".join(
                        f"{n}:{p[0]}{c}={v[-1]:,.0f}" for (n, p, c), v in sorted(rates.items())
                    ),
                    flush=True,
                )
            load_after = os.getloadavg()
        finally:
            for proc in procs:
                stop(proc)

    med = {key: statistics.median(values) for key, values in rates.items()}
    print(
        f"\nsandbox vs stdlib SimpleXMLRPCServer (ThreadingMixIn, HTTP/1.1): medians of "
        f"{args.rounds} interleaved rounds of {args.seconds:g} s, client processes, "
        f"keep-alive xmlrpc.client; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after, {os.cpu_count()} CPUs"
    )
    print(
        f"  {'server':<10}{'phase':<8}{'clients':>8}{'baseline/s':>13}{'server/s':>12}{'ratio':>8}"
    )
    for name in trees:
        for phase in PHASES:
            for clients in args.clients:
                b, s = med[("baseline", phase, clients)], med[(name, phase, clients)]
                print(f"  {name:<10}{phase:<8}{clients:>8}{b:>13,.0f}{s:>12,.0f}{s / b:>8.2f}")
    ok = True
    for phase, floor in (("reads", 0.9), ("writes", 0.6)):
        call = "vm_info" if phase == "reads" else "create/stop/delete"
        for clients in args.clients:
            b, s = med[("baseline", phase, clients)], med[("sandbox", phase, clients)]
            judged = clients >= 8
            ok &= report(
                f"sandbox {phase} ({call}), {clients} clients / baseline",
                f"{s / b:.2f}x ({s:,.0f} vs {b:,.0f}/s)",
                f">= {floor}x" if judged else "(information)",
                s / b >= floor or not judged,
                s / b,
            )
        low, high = min(args.clients), max(args.clients)
        s_low, s_high = med[("sandbox", phase, low)], med[("sandbox", phase, high)]
        ok &= report(
            f"sandbox {phase}: {high} clients vs {low}",
            f"{s_high:,.0f} vs {s_low:,.0f}/s",
            f">= {low} clients' figure",
            s_high >= s_low,
            s_high / s_low,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), *sys.argv[6:8])
        sys.exit(0)
    sys.exit(main())
