"""The sandbox's accounting invariants, checked on its state file (opened read-only).

``check_invariants(state_path)`` returns the list of broken rules (empty: all hold) and
``assert_invariants`` raises with that list. ``settle(url)`` waits (with a deadline) until
every operation of the seeded account is final (each API call advances the due ones), so
"every operation final" can be checked.

Rules, per account:
- shares used (every VM, the larger of current and pending shares) <= shares granted,
  disk used (every disk, system disks included) <= disk quota granted, both as the
  sandbox's own ``accounting.usage`` computes them and as ``hosting_account_info`` says;
- balance >= 0, and balance == seed balance - what non-cancelled product operations
  debited (cancelled ones were refunded);
- every disk attached (``vm_id`` != 0) points at an existing VM of the same account, with
  positions 0..n-1 and no gap; every running VM has its system disk (position 0);
- no half-made object: a VM or disk ``being_created`` has its create operation, still
  PENDING/RUN or in ERROR (a ``fail-`` name); every ``lock_op`` names an unfinished
  operation that exists; every finished create operation's object exists (or was
  deleted later by a DONE delete);
- after settling, no operation is PENDING or RUN.
"""

from __future__ import annotations

import json
import sqlite3
import xmlrpc.client
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from gandi_hosting_cli.sandbox import accounting, seed

FINAL = ("DONE", "ERROR", "CANCEL")
SEED_BALANCES = {handle: cents for handle, _pw, _cur, cents, _r in seed.SEED_ACCOUNTS}


@dataclass
class Report:
    """What was checked and what failed; ``checks`` counts individual assertions."""

    checks: int = 0
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def expect(self, ok: bool, message: str) -> None:
        self.checks += 1
        if not ok:
            self.failures.append(message)


def open_readonly(state_path: str | Path) -> sqlite3.Connection:
    uri = f"file:{Path(state_path).resolve()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=15)
    conn.row_factory = sqlite3.Row
    return conn


def settle(url: str, *, session: str | None = None, timeout: float = 60.0) -> None:
    """Wait until no operation is PENDING or RUN (each call applies the transitions due)."""
    from tests.conftest import wait_until

    with xmlrpc.client.ServerProxy(url) as proxy:
        if session is None:
            session = proxy.login(seed.SEED_LOGIN, seed.SEED_PASSWORD, True)

        def final() -> bool:
            return not any(proxy.operation_list(session, {"state": s}) for s in ("PENDING", "RUN"))

        assert wait_until(final, timeout, interval=0.02), "operations still running"


def check_invariants(
    state_path: str | Path,
    *,
    settled: bool = True,
    url: str | None = None,
    balances: dict[str, int] | None = None,
) -> Report:
    """Check every rule above; ``url``: also compare ``hosting_account_info`` of the seed login."""
    report = Report()
    balances = dict(SEED_BALANCES, **(balances or {}))
    conn = open_readonly(state_path)
    try:
        conn.execute("BEGIN")  # one snapshot for every check
        _check(conn, report, settled, balances)
        conn.rollback()
    finally:
        conn.close()
    if url is not None:
        _check_api(url, state_path, report)
    return report


def assert_invariants(state_path: str | Path, **kwargs) -> Report:
    report = check_invariants(state_path, **kwargs)
    assert not report.failures, "invariants broken:\n" + "\n".join(report.failures[:30])
    return report


def _check(conn: sqlite3.Connection, report: Report, settled: bool, balances: dict) -> None:
    vms = {r["id"]: r for r in conn.execute("SELECT * FROM vms")}
    disks = {r["id"]: r for r in conn.execute("SELECT * FROM disks")}
    ops = {r["id"]: r for r in conn.execute("SELECT * FROM operations")}
    accounts = {r["handle"]: r for r in conn.execute("SELECT * FROM accounts")}
    report.counts = {
        "vms": len(vms),
        "disks": len(disks),
        "operations": len(ops),
        "accounts": len(accounts),
    }

    # shares, quota, money
    debited: dict[str, int] = defaultdict(int)
    for op in ops.values():
        data = json.loads(op["data"])
        cents = data.get("amount_cents", 0)
        if cents and op["state"] != "CANCEL":
            debited[data.get("handle", op["handle"])] += cents
    for handle, account in accounts.items():
        use = accounting.usage(conn, handle)
        for kind in ("shares", "disk"):
            report.expect(
                use["used"][kind] <= use["granted"][kind],
                f"{handle}: {kind} used {use['used'][kind]} > granted {use['granted'][kind]}",
            )
            report.expect(
                use["used"][kind] <= use["usable"][kind] or not settled,
                f"{handle}: {kind} used {use['used'][kind]} > usable {use['usable'][kind]}",
            )
        balance = account["balance_cents"]
        report.expect(balance >= 0, f"{handle}: negative balance {balance}")
        if handle in balances:
            expected = balances[handle] - debited[handle]
            report.expect(
                balance == expected,
                f"{handle}: balance {balance} != seed {balances[handle]} - debits "
                f"{debited[handle]} = {expected}",
            )

    # disks and VMs
    by_vm: dict[int, list[int]] = defaultdict(list)
    for disk in disks.values():
        if disk["vm_id"]:
            vm = vms.get(disk["vm_id"])
            report.expect(
                vm is not None, f"disk {disk['id']} attached to missing vm {disk['vm_id']}"
            )
            if vm is not None:
                report.expect(
                    vm["handle"] == disk["handle"],
                    f"disk {disk['id']} ({disk['handle']}) on vm {vm['id']} ({vm['handle']})",
                )
            by_vm[disk["vm_id"]].append(disk["position"])
        else:
            report.expect(
                disk["position"] == -1,
                f"detached disk {disk['id']} has position {disk['position']}",
            )
        if disk["pending_vm_id"]:
            report.expect(
                disk["pending_vm_id"] in vms,
                f"disk {disk['id']} pending attach to missing vm {disk['pending_vm_id']}",
            )
    for vm_id, positions in by_vm.items():
        report.expect(
            sorted(positions) == list(range(len(positions))),
            f"vm {vm_id}: disk positions {sorted(positions)} are not 0..n-1",
        )
    for vm in vms.values():
        if vm["state"] in ("running", "being_created", "paused"):
            report.expect(
                0 in by_vm.get(vm["id"], []), f"vm {vm['id']} ({vm['state']}) has no system disk"
            )

    # locks and half-made objects
    for table, rows in (("vms", vms), ("disks", disks)):
        for row in rows.values():
            if row["lock_op"] is not None:
                op = ops.get(row["lock_op"])
                report.expect(
                    op is not None and op["state"] in ("PENDING", "RUN", "ERROR"),
                    f"{table} {row['id']} locked by finished/missing operation {row['lock_op']}",
                )
            if row["state"] == "being_created":
                op = ops.get(row["lock_op"]) if row["lock_op"] is not None else None
                report.expect(
                    op is not None and op["type"] in ("vm_create", "disk_create"),
                    f"{table} {row['id']} being_created without its create operation",
                )
    deleted_vms = set()
    deleted_disks = set()
    disk_vms: dict[int, set[int]] = defaultdict(set)  # the VMs a disk was ever attached to
    for op in ops.values():
        param = json.loads(op["param"])
        if op["state"] == "DONE" and op["type"] == "vm_delete":
            deleted_vms.add(param.get("vm_id"))
        if op["state"] == "DONE" and op["type"] == "disk_delete":
            deleted_disks.add(param.get("disk_id"))
        if op["type"] in ("vm_create", "disk_attach") and op["state"] not in ("CANCEL",):
            disk_vms[param.get("disk_id")].add(param.get("vm_id"))
    # a VM's deletion takes its boot disk (whichever disk is at position 0 then)
    deleted_disks |= {d for d, owners in disk_vms.items() if owners & deleted_vms}
    for op in ops.values():
        report.expect(
            op["state"] in ("PENDING", "RUN", *FINAL), f"operation {op['id']} state {op['state']}"
        )
        if settled:
            report.expect(
                op["state"] in FINAL, f"operation {op['id']} ({op['type']}) still {op['state']}"
            )
        param = json.loads(op["param"])
        if op["type"] == "vm_create" and op["state"] in ("DONE", "ERROR"):
            vm_id = param.get("vm_id")
            report.expect(
                vm_id in vms or vm_id in deleted_vms,
                f"operation {op['id']}: created vm {vm_id} vanished",
            )
            if op["state"] == "DONE" and vm_id in vms:
                report.expect(
                    vms[vm_id]["state"] != "being_created",
                    f"vm {vm_id}: create DONE but still being_created",
                )
        if op["type"] == "disk_create" and op["state"] in ("DONE", "ERROR"):
            disk_id = param.get("disk_id")
            report.expect(
                disk_id in disks or disk_id in deleted_disks,
                f"operation {op['id']}: created disk {disk_id} vanished",
            )
        if op["type"] == "vm_create" and op["state"] == "CANCEL":
            report.expect(
                param.get("vm_id") not in vms, f"cancelled vm {param.get('vm_id')} exists"
            )


def _check_api(url: str, state_path: str | Path, report: Report) -> None:
    """What the seed login sees agrees with the state (resources, VM and disk lists)."""
    with xmlrpc.client.ServerProxy(url) as proxy:
        session = proxy.login(seed.SEED_LOGIN, seed.SEED_PASSWORD, True)
        info = proxy.hosting_account_info(session)
        vm_ids = sorted(proxy.vm_list(session))
        disk_ids = sorted(proxy.disk_list(session))
    conn = open_readonly(state_path)
    try:
        conn.execute("BEGIN")
        use = accounting.usage(conn, seed.SEED_LOGIN)
        db_vms = sorted(
            r[0] for r in conn.execute("SELECT id FROM vms WHERE handle = ?", (seed.SEED_LOGIN,))
        )
        db_disks = sorted(
            r[0] for r in conn.execute("SELECT id FROM disks WHERE handle = ?", (seed.SEED_LOGIN,))
        )
        balance = conn.execute(
            "SELECT balance_cents FROM accounts WHERE handle = ?", (seed.SEED_LOGIN,)
        ).fetchone()[0]
        conn.rollback()
    finally:
        conn.close()
    for kind in ("shares", "disk"):
        report.expect(
            info["resources"]["used"][kind] == use["used"][kind],
            f"API used {kind} {info['resources']['used'][kind]} != state {use['used'][kind]}",
        )
        report.expect(
            info["resources"]["used"][kind] <= info["resources"]["granted"][kind],
            f"API: {kind} used > granted",
        )
    report.expect(
        round(float(info["balance"]) * 100) == balance,
        f"API balance {info['balance']} != state {balance / 100}",
    )
    report.expect(vm_ids == db_vms, "vm_list disagrees with the state")
    report.expect(disk_ids == db_disks, "disk_list disagrees with the state")


def state_snapshot(state_path: str | Path) -> dict[str, list[tuple]]:
    """Every table except sessions (a login adds one), for "nothing changed" checks."""
    conn = open_readonly(state_path)
    try:
        conn.execute("BEGIN")
        snap = {}
        for table in ("accounts", "products", "vms", "disks", "operations"):
            snap[table] = [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
        conn.rollback()
        return snap
    finally:
        conn.close()
