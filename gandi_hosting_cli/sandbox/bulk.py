"""Fast, direct creation of many consistent objects, for tests and benchmarks.

``bulk_create_vms`` / ``bulk_create_disks`` (also methods of ``Sandbox``) take a ``Store``
and a clock, and write objects straight into the state
(one transaction, no API round trips): finished objects (``running`` VMs with their
system disk, ``created`` disks), a free ``shares`` / ``disk`` product covering whatever
the account lacks, and, unless ``operations=False``, a DONE create operation for each
object, as if it had been created through the API long enough ago.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from gandi_hosting_cli.sandbox import accounting, seed
from gandi_hosting_cli.sandbox.records import insert_disk, insert_year_products
from gandi_hosting_cli.sandbox.registry import Ctx
from gandi_hosting_cli.sandbox.state_db import Store


def _cover(ctx: Ctx, handle: str, shares: int, disk: int) -> None:
    """Add free products so that ``shares`` more shares and ``disk`` more MB fit."""
    free = accounting.usage(ctx.conn, handle)["available"]
    missing_shares = max(0, shares - free["shares"])
    missing_disk = max(0, disk - free["disk"] - missing_shares * seed.SHARE_DISK_MB)
    insert_year_products(ctx, handle, {"shares": missing_shares, "disk": missing_disk})


def _done_op(ctx: Ctx, handle: str, op_type: str, param: dict) -> None:
    ctx.conn.execute(
        "INSERT INTO operations (handle, type, state, date_create, date_update, due_run,"
        " due_done, param) VALUES (?, ?, 'DONE', ?, ?, ?, ?, ?)",
        (handle, op_type, ctx.now, ctx.now, ctx.now, ctx.now, json.dumps(param)),
    )


def _check_login(ctx: Ctx, login: str) -> None:
    if not ctx.conn.execute("SELECT 1 FROM accounts WHERE handle = ?", (login,)).fetchone():
        raise ValueError(f"no such account: {login}")


def bulk_create_vms(
    store: Store,
    clock: Callable[[], float],
    login: str,
    n: int,
    prefix: str = "vm",
    *,
    shares: int = 1,
    cpu: int = 1,
    os_id: int = 111,
    state: str = "running",
    start: int = 1,
    operations: bool = True,
) -> list[int]:
    """Create ``n`` VMs named ``{prefix}{start}``... for ``login``; return their ids."""
    size = seed.OS_IMAGES[os_id].size
    ids = []
    with store.write() as conn:
        ctx = Ctx(conn=conn, now=clock(), op_delay=0)
        _check_login(ctx, login)
        _cover(ctx, login, n * shares, n * size)
        memory = shares * seed.SHARE_MEMORY_MB
        for i in range(start, start + n):
            hostname = f"{prefix}{i}"
            vm_id = conn.execute(
                "INSERT INTO vms (handle, hostname, state, os_id, shares, cpu, vm_max_memory,"
                " login, date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
                (login, hostname, state, os_id, shares, cpu, max(2048, memory), ctx.now, ctx.now),
            ).lastrowid
            disk_id = insert_disk(
                ctx, login, f"sys_{hostname}", size, "ext3", vm_id=vm_id, state="created"
            )
            if operations:
                _done_op(
                    ctx,
                    login,
                    "vm_create",
                    {
                        "param_type": "vm",
                        "vm_id": vm_id,
                        "hostname": hostname,
                        "os_id": os_id,
                        "shares": shares,
                        "cpu": cpu,
                        "login": "",
                        "disk_id": disk_id,
                    },
                )
            ids.append(vm_id)
    return ids


def bulk_create_disks(
    store: Store,
    clock: Callable[[], float],
    login: str,
    n: int,
    prefix: str = "disk",
    *,
    size: int = 1024,
    fstype: str = "ext3",
    start: int = 1,
    operations: bool = True,
) -> list[int]:
    """Create ``n`` detached disks named ``{prefix}{start}``... (names must be free)."""
    ids = []
    with store.write() as conn:
        ctx = Ctx(conn=conn, now=clock(), op_delay=0)
        _check_login(ctx, login)
        _cover(ctx, login, 0, n * size)
        for i in range(start, start + n):
            name = f"{prefix}{i}"
            disk_id = insert_disk(ctx, login, name, size, fstype, state="created")
            if operations:
                _done_op(
                    ctx,
                    login,
                    "disk_create",
                    {
                        "param_type": "disk",
                        "disk_id": disk_id,
                        "name": name,
                        "size": size,
                        "fstype": fstype,
                    },
                )
            ids.append(disk_id)
    return ids
