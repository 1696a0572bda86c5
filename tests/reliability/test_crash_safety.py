"""SIGKILL on ``sandbox serve`` in the middle of a burst of creates.

Nothing that was answered is lost (every id a client received still exists after a
restart on the same state file), nothing is half made, and shares, quota and balance
add up (tests/reliability/invariants.py).
"""

from __future__ import annotations

import random
import threading
import time
import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.conftest import wait_until
from tests.reliability.invariants import assert_invariants, settle
from tests.reliability.support import LONG, STATS

OP_DELAY = 0.2  # some operations are PENDING or RUN when the server dies
CLIENTS = 6


@pytest.fixture
def serve(serve_process):
    """Start ``sandbox serve``, again and again on the same state file."""
    return lambda: serve_process(op_delay=OP_DELAY)


class Burst:
    """Clients creating VMs, disks and products until the server goes away."""

    def __init__(self, url: str, round_no: int):
        self.url = url
        self.round_no = round_no
        self.answered: dict[str, list[int]] = {"vm": [], "disk": [], "op": []}
        self.sent = 0
        self.unexpected: list[str] = []
        self._lock = threading.Lock()

    def answers(self) -> int:
        with self._lock:
            return sum(map(len, self.answered.values()))

    def client(self, index: int) -> None:
        rng = random.Random(index * 1000 + self.round_no)
        proxy = xmlrpc.client.ServerProxy(self.url)
        try:
            session = proxy.login(SEED_LOGIN, SEED_PASSWORD, True)
        except (OSError, xmlrpc.client.ProtocolError):
            return
        n = 0
        while True:
            n += 1
            name = f"r{self.round_no}c{index}n{n}"
            kind = rng.choice(("vm", "vm", "disk", "disk", "op"))
            try:
                with self._lock:
                    self.sent += 1
                if kind == "vm":
                    result = proxy.vm_create(session, name, "rootpassword", 111, 1, 1, {})
                elif kind == "disk":
                    result = proxy.disk_create(session, {"name": name, "size": 256})
                else:
                    result = proxy.hosting_account_product_add(session, "disk", 1024, "1m")
            except xmlrpc.client.Fault as fault:
                if fault.faultCode < 500000:  # a server error, not a refusal
                    self.unexpected.append(f"{kind}: {fault.faultCode} {fault.faultString}")
                continue
            except (OSError, xmlrpc.client.ProtocolError, xmlrpc.client.ResponseError):
                return  # the server was killed
            except Exception as exc:  # e.g. an ExpatError on a cut answer: also the kill
                if "Expat" not in type(exc).__name__ and "Incomplete" not in type(exc).__name__:
                    self.unexpected.append(f"{kind}: {type(exc).__name__}")
                return
            with self._lock:
                self.answered[kind].append(int(result))


def _setup(url: str) -> None:
    with xmlrpc.client.ServerProxy(url) as proxy:
        session = proxy.login(SEED_LOGIN, SEED_PASSWORD, True)
        proxy.hosting_account_product_add(session, "shares", 60, "1m")
    settle(url)


@pytest.mark.slow
def test_sigkill_during_a_burst_of_creates_loses_nothing_answered(serve):
    rounds = 6 if LONG else 2
    burst_seconds = (0.6, 1.5) if LONG else (0.3, 0.8)
    server = serve()
    _setup(server.url)
    all_answered: dict[str, list[int]] = {"vm": [], "disk": [], "op": []}
    rng = random.Random(7)
    for round_no in range(rounds):
        burst = Burst(server.url, round_no)
        threads = [
            threading.Thread(target=burst.client, args=(i,), daemon=True) for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        # kill once the burst is under way (a loaded machine may take a while to get there)
        assert wait_until(lambda b=burst: b.answers() > 0, timeout=60), "the burst got no answer"
        time.sleep(rng.uniform(*burst_seconds))  # paces the kill: a random moment of the burst
        server.kill()  # SIGKILL: no clean shutdown, no last commit
        for thread in threads:
            thread.join(timeout=15)
            assert not thread.is_alive(), "a client hung after the kill"
        assert not burst.unexpected, burst.unexpected
        assert sum(map(len, burst.answered.values())) > 0, "the burst got no answer"
        for kind, ids in burst.answered.items():
            all_answered[kind].extend(ids)
        STATS["crash: requests sent"] += burst.sent
        STATS["crash: answers checked after restart"] += sum(map(len, burst.answered.values()))
        STATS["crash: SIGKILLs"] += 1

        server = serve()  # the same state file
        with xmlrpc.client.ServerProxy(server.url) as proxy:
            session = proxy.login(SEED_LOGIN, SEED_PASSWORD, True)
            vms = set(proxy.vm_list(session))
            disks = set(proxy.disk_list(session))
            # operation_list keeps only the last 300: ask for each answered one by id
            answered_ops = sorted(set(all_answered["op"]))
            ops = set()
            for start in range(0, len(answered_ops), 500):
                chunk = answered_ops[start : start + 500]
                calls = [{"methodName": "operation_details", "params": [session, i]} for i in chunk]
                for opid, item in zip(chunk, proxy.system.multicall(calls), strict=True):
                    if isinstance(item, list) and item[0]["type"] == "hosting_account_product_add":
                        ops.add(opid)
        missing_vms = set(all_answered["vm"]) - vms
        missing_disks = set(all_answered["disk"]) - disks
        missing_ops = set(all_answered["op"]) - ops
        assert not missing_vms, f"answered VMs lost: {sorted(missing_vms)}"
        assert not missing_disks, f"answered disks lost: {sorted(missing_disks)}"
        assert not missing_ops, f"answered operations lost: {sorted(missing_ops)}"
        settle(server.url)
        report = assert_invariants(server.state, url=server.url)
        STATS["crash: invariants checked"] += report.checks
    server.stop()
