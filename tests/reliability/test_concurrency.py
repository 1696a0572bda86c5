"""32 clients in parallel against one sandbox, creating, updating and deleting VMs and disks.

Each client goes through ``HostingClient`` (the CLI's own API layer) for a bounded time.
Refusals the rules call for (quota, state, locks, missing objects) are expected; what
must never happen is a server error (fault 1xxxxx), "database is locked", a network
failure or a hang. Afterwards the accounting invariants hold and every operation is final.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.errors import APIFault, HostingError, NetworkError
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.reliability.invariants import assert_invariants, settle
from tests.reliability.support import STATS, Deadline, budget

CLIENTS = 32
OP_DELAY = 0.05


@pytest.fixture
def served(serve_process):
    return serve_process(op_delay=OP_DELAY)


def _client(url: str) -> HostingClient:
    def renew(client: HostingClient) -> str:
        return client.login(SEED_LOGIN, SEED_PASSWORD, True)

    return HostingClient(url, timeout=20, renew=renew)


class Worker:
    def __init__(self, url: str, index: int, deadline: Deadline):
        self.client = _client(url)
        self.rng = random.Random(index)
        self.index = index
        self.deadline = deadline
        self.sent = 0
        self.outcomes: Counter[str] = Counter()
        self.problems: list[str] = []
        self.n = 0

    def pick(self, ids: list[int]) -> int | None:
        return self.rng.choice(ids) if ids else None

    def step(self) -> None:
        c, rng = self.client, self.rng
        self.n += 1
        name = f"w{self.index}n{self.n}"
        action = rng.choice(
            ("vm_create", "vm_create", "disk_create", "disk_create", "vm_update", "vm_stop",
             "vm_start", "vm_delete", "disk_attach", "disk_detach", "disk_delete",
             "disk_delete", "cancel", "read")
        )  # fmt: skip
        if action == "vm_create":
            hostname = f"fail-{name}" if rng.random() < 0.1 else name
            c.vm_create(hostname, "rootpassword", 111, rng.choice((1, 1, 2)), 1)
        elif action == "disk_create":
            c.disk_create({"name": name, "size": rng.choice((256, 512, 1024))})
        elif action in ("vm_update", "vm_stop", "vm_start", "vm_delete"):
            vm = self.pick(c.vm_list())
            if vm is None:
                return
            if action == "vm_update":
                c.vm_update(vm, {"shares": rng.choice((1, 2, 3))})
            else:
                getattr(c, action)(vm)
        elif action in ("disk_attach", "disk_detach", "disk_delete"):
            disk = self.pick(c.disk_list())
            if disk is None:
                return
            if action == "disk_delete":
                c.disk_delete(disk)
            elif action == "disk_attach":
                vm = self.pick(c.vm_list())
                if vm is not None:
                    c.disk_attach(disk, vm)
            else:
                info = c.disk_info(disk)
                if info["vm_id"]:
                    c.disk_detach(disk, info["vm_id"])
        elif action == "cancel":
            op = self.pick(c.operation_list({"state": "ERROR"})[-20:])
            if op is not None:
                c.operation_cancel(op)
        else:
            c.hosting_account_info()
            c.operation_list()

    def run(self) -> None:
        while self.deadline:
            before = self.client.request_count
            try:
                self.step()
                self.outcomes["ok"] += 1
            except NetworkError as exc:
                self.problems.append(f"network: {exc.message}")
            except APIFault as fault:
                text = f"{fault.code} {fault.message}"
                if fault.code is None or fault.code < 500000 or "locked" in text:
                    self.problems.append(text)
                self.outcomes[str(fault.code)] += 1
            except HostingError as exc:
                self.problems.append(f"{type(exc).__name__}: {exc.message}")
            except Exception as exc:  # noqa: BLE001 - reported below, with the worker
                self.problems.append(f"{type(exc).__name__}: {exc}")
            self.sent += self.client.request_count - before


@pytest.mark.slow
def test_32_clients_in_parallel_keep_the_books_straight(served):
    with _client(served.url) as setup:
        setup.hosting_account_product_add("shares", 40, "1m")
        setup.hosting_account_product_add("disk", 20480, "1m")
    settle(served.url)

    deadline = Deadline(budget(4.0, 60.0))
    workers = [Worker(served.url, i, deadline) for i in range(CLIENTS)]
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline.left + 60)
        assert not thread.is_alive(), "a client hung"
    problems = [f"worker {w.index}: {p}" for w in workers for p in w.problems]
    assert not problems, "\n".join(problems[:20])
    outcomes = sum((w.outcomes for w in workers), Counter())
    assert outcomes["ok"] > CLIENTS, outcomes  # real work happened, not only refusals

    settle(served.url)
    report = assert_invariants(served.state, url=served.url)
    assert report.counts["operations"] > 10
    assert "Traceback" not in served.log
    assert "internal error" not in served.log
    STATS["concurrency: clients"] = CLIENTS
    STATS["concurrency: requests sent"] += sum(w.sent for w in workers)
    STATS["concurrency: refusals (expected faults)"] += sum(
        n for k, n in outcomes.items() if k != "ok"
    )
    STATS["concurrency: invariants checked"] += report.checks
    STATS["concurrency: operations at the end"] += report.counts["operations"]
