"""Before ``apply`` plans: wait for the objects of the manifest that an operation holds.

After an ``apply`` stopped midway (Ctrl-C, a timeout), its operations go on: VMs still
``being_created``, disks being attached. Planning then would leave those objects alone
or send writes the API refuses as busy. ``settled_account`` reads the account (with the
operations in progress, in the same two requests), waits for those that hold an object
the manifest names (workflows/waiting.py, the one poller), and reads it again, a few
rounds at most. Nothing prints: ``on_wait(opids)`` lets the CLI say what it waits for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from gandi_hosting_cli.declarative.state import AccountState, read_account
from gandi_hosting_cli.workflows.waiting import wait_operations

ROUNDS = 3


def busy_in_manifest(manifest: Any, state: AccountState) -> list[int]:
    """The operations in progress that hold a VM or disk the manifest names."""
    hosts = {v.hostname.lower() for v in manifest.vms}
    disks = {d.name for d in manifest.disks}
    opids: list[int] = []
    for vm_id, vm in state.vms.items():
        if str(vm.get("hostname", "")).lower() in hosts:
            opids += state.busy_operations("vm", vm_id)
    for disk_id, disk in state.disks.items():
        if disk.get("name") in disks:
            opids += state.busy_operations("disk", disk_id)
    return list(dict.fromkeys(opids))


def settled_account(
    client: Any,
    manifest: Any,
    *,
    timeout: float | None = None,
    on_wait: Callable[[list[int]], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> AccountState:
    """The account once no operation holds an object of the manifest (or after
    ``ROUNDS`` waits, or ``timeout`` seconds of waiting: then as it is, and the plan
    says what is still busy)."""
    state = read_account(client)
    for _ in range(ROUNDS):
        opids = busy_in_manifest(manifest, state)
        if not opids:
            break
        if on_wait is not None:
            on_wait(opids)
        waited = wait_operations(client, opids, timeout=timeout, clock=clock, sleep=sleep)
        state = read_account(client)
        if waited.timed_out:
            break
    return state
