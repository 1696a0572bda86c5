"""Operations: queueing, the clock-driven lifecycle, effects at DONE, cancel.

An operation is ``PENDING`` when queued, ``RUN`` from half its delay on, and ``DONE``
once the whole delay has passed (``op_delay`` 0: ``DONE`` at the next call). There is no
background thread: at the start of every call the dispatcher applies every due
transition, in id order, inside a write transaction (``advance``), so the in-process
sandbox behaves exactly like the served one and a restarted server catches up.

- Resources are reserved at queue time by the method that queues (the objects exist at
  once in a transitional state, balances are debited) and every object an operation
  touches is locked (``lock_op``) until it ends, so a second change on it is refused.
- Effects apply at ``DONE`` (``_FINISH``).
- An operation created for a VM hostname or disk name starting with ``fail-``, or marked
  by a ``--fail`` rule (``chaos.py``), ends in ``ERROR`` at its due time with a comment;
  its objects stay as queueing left them (a VM ``being_created``), locked and holding
  their reservations, until the operation is cancelled.
- ``cancel`` works on ``PENDING`` and ``ERROR`` operations only (``RUN`` is too late) and
  undoes what queueing did (``_UNDO``): objects removed or restored, money refunded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from gandi_hosting_cli.sandbox import accounting

_Handler = Callable[[sqlite3.Connection, dict, dict, float], None]


def queue(
    conn: sqlite3.Connection,
    now: float,
    delay: float,
    handle: str,
    op_type: str,
    param: dict,
    *,
    locks: tuple[tuple[str, int], ...] = (),
    data: dict | None = None,
    fail: bool = False,
) -> int:
    """Insert a PENDING operation and lock the rows it will change; return its id."""
    data = dict(data or {}, locks=[list(lock) for lock in locks])
    cur = conn.execute(
        "INSERT INTO operations (handle, type, state, date_create, date_update, due_run, due_done,"
        " fail, param, data) VALUES (?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?)",
        (
            handle,
            op_type,
            now,
            now,
            now + delay / 2,
            now + delay,
            int(fail),
            json.dumps(param),
            json.dumps(data),
        ),
    )
    opid = cur.lastrowid
    for table, row_id in locks:
        conn.execute(f"UPDATE {table} SET lock_op = ? WHERE id = ?", (opid, row_id))
    return opid


_DUE = (
    "(state = 'PENDING' AND due_run <= :now) OR (state IN ('PENDING', 'RUN') AND due_done <= :now)"
)


def has_due(conn: sqlite3.Connection, now: float) -> bool:
    """Cheap read-only test, so that read calls only open a write transaction when needed."""
    return (
        conn.execute(
            f"SELECT 1 FROM operations WHERE state IN ('PENDING', 'RUN') AND ({_DUE}) LIMIT 1",
            {"now": now},
        ).fetchone()
        is not None
    )


def advance(conn: sqlite3.Connection, now: float) -> None:
    """Apply every transition due at ``now``, in operation id order."""
    rows = conn.execute(
        f"SELECT * FROM operations WHERE state IN ('PENDING', 'RUN') AND ({_DUE}) ORDER BY id",
        {"now": now},
    ).fetchall()
    for op in rows:
        if op["due_done"] <= now:
            _finish(conn, op)
        else:
            conn.execute(
                "UPDATE operations SET state = 'RUN', date_update = due_run WHERE id = ?",
                (op["id"],),
            )


def _finish(conn: sqlite3.Connection, op: sqlite3.Row) -> None:
    param, data = json.loads(op["param"]), json.loads(op["data"])
    when = op["due_done"]
    if op["fail"]:
        what = "hostname" if op["type"] == "vm_create" else "disk name"
        # a ``--fail`` rule wrote its own comment at queue time (chaos.py)
        conn.execute(
            "UPDATE operations SET state = 'ERROR', date_update = ?,"
            " comment = COALESCE(NULLIF(comment, ''), ?) WHERE id = ?",
            (when, f"simulated failure: the {what} begins with 'fail-'", op["id"]),
        )
        return
    _FINISH[op["type"]](conn, param, data, when)
    _unlock(conn, op["id"], data)
    conn.execute(
        "UPDATE operations SET state = 'DONE', date_update = ? WHERE id = ?", (when, op["id"])
    )


def cancel(conn: sqlite3.Connection, op: sqlite3.Row, now: float) -> None:
    """Undo what queueing reserved; the caller has checked the state (PENDING or ERROR)."""
    param, data = json.loads(op["param"]), json.loads(op["data"])
    _UNDO[op["type"]](conn, param, data, now)
    _unlock(conn, op["id"], data)
    conn.execute(
        "UPDATE operations SET state = 'CANCEL', date_update = ? WHERE id = ?", (now, op["id"])
    )


def _unlock(conn: sqlite3.Connection, opid: int, data: dict) -> None:
    for table, row_id in data.get("locks", ()):
        conn.execute(
            f"UPDATE {table} SET lock_op = NULL WHERE id = ? AND lock_op = ?", (row_id, opid)
        )


# --- effects at DONE -------------------------------------------------------------------


def _product_add(conn, param, data, when):
    conn.execute(
        "UPDATE products SET state = 'active', date_end = ?, date_updated = ? WHERE id = ?",
        (accounting.add_months(when, data["months"]), when, param["product_id"]),
    )


def _product_renew(conn, param, data, when):
    end = conn.execute("SELECT date_end FROM products WHERE id = ?", (param["product_id"],))
    end = max(end.fetchone()[0], when)
    conn.execute(
        "UPDATE products SET date_end = ?, date_updated = ? WHERE id = ?",
        (accounting.add_months(end, data["months"]), when, param["product_id"]),
    )


def _product_update(conn, param, data, when):
    conn.execute(
        "UPDATE products SET quantity = pending_quantity, pending_quantity = NULL,"
        " date_updated = ? WHERE id = ?",
        (when, param["product_id"]),
    )


def _product_remove(conn, param, data, when):
    conn.execute("DELETE FROM products WHERE id = ?", (param["product_id"],))


def _vm_state(state: str) -> _Handler:
    def apply(conn, param, data, when):
        conn.execute(
            "UPDATE vms SET state = ?, date_updated = ? WHERE id = ?", (state, when, param["vm_id"])
        )

    return apply


def _vm_create(conn, param, data, when):
    _vm_state("running")(conn, param, data, when)
    conn.execute(
        "UPDATE disks SET state = 'created', date_updated = ? WHERE id = ?", (when, data["disk_id"])
    )


def _vm_update(conn, param, data, when):
    new = data["new"]
    conn.execute(
        "UPDATE vms SET shares = ?, cpu = ?, vm_max_memory = ?, pending_shares = NULL,"
        " date_updated = ? WHERE id = ?",
        (new["shares"], new["cpu"], new["vm_max_memory"], when, param["vm_id"]),
    )


def _vm_delete(conn, param, data, when):
    vm_id = param["vm_id"]
    conn.execute("DELETE FROM disks WHERE vm_id = ? AND position = 0", (vm_id,))
    conn.execute(
        "UPDATE disks SET vm_id = 0, position = -1, date_updated = ? WHERE vm_id = ?",
        (when, vm_id),
    )
    conn.execute("DELETE FROM vms WHERE id = ?", (vm_id,))


def _vm_disk_link(conn, param, data, when):
    vm_id, disk_id = param["vm_id"], param["disk_id"]
    position = conn.execute("SELECT position FROM disks WHERE id = ?", (disk_id,)).fetchone()[0]
    conn.execute(
        "UPDATE disks SET position = ?, date_updated = ? WHERE vm_id = ? AND position = 0",
        (position, when, vm_id),
    )
    conn.execute("UPDATE disks SET position = 0, date_updated = ? WHERE id = ?", (when, disk_id))


def _disk_create(conn, param, data, when):
    conn.execute(
        "UPDATE disks SET state = 'created', date_updated = ? WHERE id = ?",
        (when, param["disk_id"]),
    )


def _disk_delete(conn, param, data, when):
    conn.execute("DELETE FROM disks WHERE id = ?", (param["disk_id"],))


def _disk_attach(conn, param, data, when):
    vm_id = param["vm_id"]
    count = conn.execute("SELECT COUNT(*) FROM disks WHERE vm_id = ?", (vm_id,)).fetchone()[0]
    conn.execute(
        "UPDATE disks SET vm_id = ?, position = ?, pending_vm_id = NULL, date_updated = ?"
        " WHERE id = ?",
        (vm_id, count, when, param["disk_id"]),
    )


def _disk_detach(conn, param, data, when):
    conn.execute(
        "UPDATE disks SET vm_id = 0, position = -1, date_updated = ? WHERE id = ?",
        (when, param["disk_id"]),
    )
    renumber(conn, param["vm_id"])


def renumber(conn: sqlite3.Connection, vm_id: int) -> None:
    """Keep a VM's disk positions contiguous from 0 (position 0 is the boot disk)."""
    rows = conn.execute(
        "SELECT id FROM disks WHERE vm_id = ? ORDER BY position, id", (vm_id,)
    ).fetchall()
    for position, (disk_id,) in enumerate(rows):
        conn.execute("UPDATE disks SET position = ? WHERE id = ?", (position, disk_id))


def _nothing(conn, param, data, when):
    return None


_FINISH: dict[str, _Handler] = {
    "hosting_account_product_add": _product_add,
    "hosting_account_product_renew": _product_renew,
    "hosting_account_product_update": _product_update,
    "hosting_account_product_remove": _product_remove,
    "vm_create": _vm_create,
    "vm_update": _vm_update,
    "vm_delete": _vm_delete,
    "vm_start": _vm_state("running"),
    "vm_stop": _vm_state("halted"),
    "vm_reboot": _vm_state("running"),
    "vm_disk_link": _vm_disk_link,
    "disk_create": _disk_create,
    "disk_delete": _disk_delete,
    "disk_attach": _disk_attach,
    "disk_detach": _disk_detach,
}
OPERATION_TYPES = tuple(_FINISH)
OPERATION_STATES = ("PENDING", "RUN", "DONE", "ERROR", "CANCEL")


# --- cancel ----------------------------------------------------------------------------


def _refund(conn, param, data, now):
    accounting.refund(conn, data["handle"], data.get("amount_cents", 0))


def _undo_product_add(conn, param, data, now):
    _refund(conn, param, data, now)
    conn.execute("DELETE FROM products WHERE id = ?", (param["product_id"],))


def _undo_product_update(conn, param, data, now):
    _refund(conn, param, data, now)
    conn.execute("UPDATE products SET pending_quantity = NULL WHERE id = ?", (param["product_id"],))


def _restore(table: str, key: str, state_sql: str) -> _Handler:
    def undo(conn, param, data, now):
        conn.execute(f"UPDATE {table} SET state = {state_sql} WHERE id = ?", (param[key],))

    return undo


def _undo_vm_create(conn, param, data, now):
    conn.execute("DELETE FROM disks WHERE vm_id = ?", (param["vm_id"],))
    conn.execute("DELETE FROM vms WHERE id = ?", (param["vm_id"],))


def _undo_vm_update(conn, param, data, now):
    conn.execute("UPDATE vms SET pending_shares = NULL WHERE id = ?", (param["vm_id"],))


def _undo_disk_attach(conn, param, data, now):
    conn.execute("UPDATE disks SET pending_vm_id = NULL WHERE id = ?", (param["disk_id"],))


_UNDO: dict[str, _Handler] = {
    "hosting_account_product_add": _undo_product_add,
    "hosting_account_product_renew": _refund,
    "hosting_account_product_update": _undo_product_update,
    "hosting_account_product_remove": _restore("products", "product_id", "'active'"),
    "vm_create": _undo_vm_create,
    "vm_update": _undo_vm_update,
    "vm_delete": _restore("vms", "vm_id", "prev_state"),
    "vm_start": _nothing,
    "vm_stop": _nothing,
    "vm_reboot": _nothing,
    "vm_disk_link": _nothing,
    "disk_create": lambda conn, param, data, now: conn.execute(
        "DELETE FROM disks WHERE id = ?", (param["disk_id"],)
    ),
    "disk_delete": _restore("disks", "disk_id", "'created'"),
    "disk_attach": _undo_disk_attach,
    "disk_detach": _nothing,
}
