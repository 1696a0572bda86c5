"""The invariant checker itself: quiet on a healthy state, loud on each kind of damage.

Without this, a checker that checks nothing would make every soak test pass.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.reliability.invariants import check_invariants


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    """A state with products, VMs, an attached disk and a failed create."""
    path = tmp_path_factory.mktemp("healthy") / "state.sqlite3"
    box = Sandbox(path, op_delay=0)
    session = box.call("login", (SEED_LOGIN, SEED_PASSWORD, True))
    box.call("hosting_account_product_add", (session, "shares", 6, "1m"))
    box.call("hosting_account_info", (session,))
    vm = box.call("vm_create", (session, "web1", "rootpassword", 111, 2, 1, {}))
    box.call("vm_create", (session, "fail-web", "rootpassword", 111, 1, 1, {}))
    disk = box.call("disk_create", (session, {"name": "data", "size": 1024}))
    box.call("hosting_account_info", (session,))
    box.call("disk_attach", (session, disk, vm))
    box.call("hosting_account_info", (session,))
    box.close()
    return path


def damaged(healthy, tmp_path, *statements: str):
    path = tmp_path / "state.sqlite3"
    shutil.copy(healthy, path)
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return check_invariants(path)


def test_a_healthy_state_passes(healthy):
    report = check_invariants(healthy)
    assert report.failures == []
    assert report.checks > 20
    assert report.counts["vms"] == 2 and report.counts["disks"] == 3


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (["UPDATE accounts SET balance_cents = -1 WHERE handle = 'AA1234-GANDI'"], "negative"),
        (["UPDATE accounts SET balance_cents = balance_cents + 5 WHERE handle = 'AA1234-GANDI'"],
         "balance"),
        (["UPDATE vms SET shares = 50 WHERE hostname = 'web1'"], "shares used"),
        (["UPDATE disks SET size = 999999 WHERE name = 'data'"], "disk used"),
        (["DELETE FROM vms WHERE hostname = 'web1'"], "missing vm"),
        (["UPDATE disks SET position = 5 WHERE name = 'data'"], "positions"),
        (["DELETE FROM disks WHERE name = 'sys_web1'"], "no system disk"),
        (["UPDATE operations SET state = 'RUN' WHERE type = 'disk_attach'"], "still RUN"),
        (["UPDATE vms SET state = 'being_created', lock_op = NULL WHERE hostname = 'web1'"],
         "without its create operation"),
        (["UPDATE vms SET lock_op = 10002 WHERE hostname = 'web1'"], "locked by finished"),
        (["DELETE FROM disks WHERE name = 'data'"], "vanished"),
    ],
)  # fmt: skip
def test_each_kind_of_damage_is_reported(healthy, tmp_path, statements, expected):
    report = damaged(healthy, tmp_path, *statements)
    assert any(expected in failure for failure in report.failures), report.failures
