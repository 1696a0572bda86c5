"""An independent Gandi Hosting API server, written from the spec + DESIGN.md only.

It shares nothing with ``gandi_hosting_cli.sandbox``: HTTP and marshalling are the
standard library's ``SimpleXMLRPCServer``; state is in memory. Wherever the contract leaves
a choice, it deliberately makes a different one from our sandbox, so that the CLI cannot
lean on the sandbox's quirks:

- ids are random 7-digit ints (operations, VMs, disks, products, OS images: never
  sequential, never ordered by age); sessions are 64 hex digits;
- the endpoint path is ``/rpc/hosting`` (no trailing slash, not ``/hosting/``);
- ``system.multicall`` is optional (``multicall=False``: only introspection; unknown
  methods answer fault 501640 with its own wording);
- operations go PENDING -> RUN -> DONE on their own clock (``pending``/``running``
  seconds), effects apply at DONE; a test may give its hand-driven ``clock`` (epoch
  seconds), which then also dates the operations; ``operation_list`` returns the last
  300 matching ids newest-first (``newest_first=False``: oldest-first): the spec says
  only "the last 300";
- ``account_balance``/``balance`` is a double with cents (123.4); dates are naive
  ``xmlrpc.client.DateTime`` in UTC; struct keys come in another order, with extra keys
  (DESIGN: "more may be added"), and optional keys are omitted (``comment`` unless
  ERROR, ``login`` without a user account, ``ips`` while a VM is being created);
- an operation's ``param`` has only ``param_type``, the object's id and an extra key
  (no hostname or disk name); a create's system disk is named ``sys<id>``;
- faults use DESIGN's codes with different messages; a detached disk has position -1;
- the HTTP server is threaded (the CLI's no-multicall fallback calls in parallel).

Test hooks (Python, not XML-RPC): ``fail_next(op_type, comment)``, ``hold(op_type)``,
``release()``, ``drop_answer(method)``, ``calls`` (method names received, multicall items included).
"""

from __future__ import annotations

import random
import re
import secrets
import socketserver
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from xmlrpc.client import DateTime
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from tests.independent_machines import Machines, fault, now, scrambled

LOGIN, PASSWORD, HANDLE = "XY9876-GANDI", "an0ther-Passw0rd", "XY9876-GANDI"
CUSTOMER = "CU1111-GANDI"
PATH = "/rpc/hosting"
OS_IMAGES = [  # label, name, version, arch, size
    ("Debian 12 bookworm", "Debian", "12", "x86-64", 3072),
    ("Ubuntu 24.04 LTS", "Ubuntu", "24.04", "x86-64", 4096),
    ("CentOS 7", "CentOS", "7", "x86-32", 2048),
]
PRICES = {"shares": 1.35, "shares_fixed": 1.1, "disk": 0.0015}  # per unit per month
OP_TYPES = {
    "hosting_account_product_add", "hosting_account_product_renew",
    "hosting_account_product_remove", "hosting_account_product_update", "vm_create",
    "vm_update", "vm_delete", "vm_start", "vm_stop", "vm_reboot", "vm_disk_link",
    "disk_create", "disk_delete", "disk_attach", "disk_detach",
}  # fmt: skip
STATES = {"PENDING", "RUN", "DONE", "ERROR", "CANCEL"}
DURATION = re.compile(r"^([1-9][0-9]?)([my])$")


class Op:
    def __init__(self, uid: int, handle: str, kind: str, param: dict, effect: Callable[[], None]):
        self.uid, self.handle, self.type, self.param, self.effect = uid, handle, kind, param, effect
        self.state, self.comment, self.fail, self.held = "PENDING", "", "", False
        self.started = 0.0  # set by Hosting.queue, on the server's clock
        self.created = self.updated = now()
        self.undo: Callable[[], None] = lambda: None


class Hosting(Machines):
    """The API's rules over in-memory state; every public method is an XML-RPC method."""

    def __init__(
        self,
        *,
        pending: float = 0.05,
        running: float = 0.1,
        newest_first: bool = True,
        clock: Callable[[], float] | None = None,
    ):
        self.pending, self.running, self.newest_first = pending, running, newest_first
        self.clock = clock or time.monotonic
        self._dated_by_clock = clock is not None
        self.lock = threading.RLock()
        self.rand = random.Random(4242)
        self.used_ids: set[int] = set()
        self.sessions: dict[str, tuple[str, float]] = {}  # id -> (handle, expiry)
        self.balance = {HANDLE: 123.4, CUSTOMER: 50.0}
        self.products: dict[int, dict] = {}
        self.vms: dict[int, dict] = {}
        self.disks: dict[int, dict] = {}
        self.ops: list[Op] = []
        self.images = [
            {"id": self.new_id(), "label": label, "name": n, "version": v, "arch": a, "size": s}
            for label, n, v, a, s in OS_IMAGES
        ]
        self.calls: list[str] = []
        self._fail: dict[str, str] = {}
        self._hold: set[str] = set()
        self.drop: set[str] = set()
        self.forget_after: str | None = None  # a method after which sessions are forgotten

    # -- test hooks ------------------------------------------------------------------------
    def fail_next(self, op_type: str, comment: str) -> None:
        self._fail[op_type] = comment

    def hold(self, op_type: str) -> None:
        self._hold.add(op_type)

    def drop_answer(self, method: str) -> None:
        """The next request calling ``method`` is carried out, but answered HTTP 500."""
        self.drop.add(method)

    def forget_sessions_after(self, method: str) -> None:
        """Once the next ``method`` call has run, every session is forgotten (500240):
        the later calls of the same ``system.multicall`` are refused."""
        self.forget_after = method

    def release(self) -> None:
        self._hold.clear()
        for op in self.ops:
            op.held = False

    # -- plumbing --------------------------------------------------------------------------
    def new_id(self) -> int:
        while True:
            i = self.rand.randrange(1_000_000, 10_000_000)
            if i not in self.used_ids:
                self.used_ids.add(i)
                return i

    def _listMethods(self) -> list[str]:  # noqa: N802 (SimpleXMLRPCServer's name)
        return sorted(n for n in dir(self) if n in _METHODS)

    def _dispatch(self, method: str, params: tuple) -> Any:
        if method not in _METHODS:
            raise fault(501640, "no such procedure on this endpoint", "method", method)
        with self.lock:
            self.advance()
            if method == "login":
                return self.login(*params)
            if not params or not isinstance(params[0], str):
                raise fault(500232, "a session string must come first", "session", "***")
            handle, expiry = self.sessions.get(params[0], ("", 0.0))
            if not handle:
                raise fault(500240, "this session is not known here", "session", "***")
            if expiry < time.time():
                raise fault(500249, "this session is too old", "session", "***")
            try:
                return getattr(self, method)(handle, *params[1:])
            except TypeError as exc:
                raise fault(501632, f"wrong arguments ({exc})", "method", method) from None
            finally:
                if method == self.forget_after:
                    self.sessions.clear()
                    self.forget_after = None

    def now(self) -> DateTime:
        """An operation's dates: the test's clock when it gave one, else the real time."""
        if not self._dated_by_clock:
            return now()
        when = datetime.fromtimestamp(int(self.clock()), timezone.utc)
        return DateTime(when.replace(tzinfo=None))

    def advance(self) -> None:
        clock = self.clock()
        for op in self.ops:
            if op.state not in ("PENDING", "RUN") or op.held:
                continue
            age = clock - op.started
            if age >= self.pending + self.running:
                op.updated = self.now()
                if op.fail:
                    op.state, op.comment = "ERROR", op.fail
                else:
                    op.state = "DONE"
                    op.effect()
            elif age >= self.pending and op.state == "PENDING":
                op.state, op.updated = "RUN", self.now()

    def queue(self, handle: str, kind: str, param: dict, effect: Callable[[], None]) -> Op:
        op = Op(self.new_id(), handle, kind, {**param, "source": "independent"}, effect)
        op.started = self.clock()
        op.created = op.updated = self.now()
        op.fail = self._fail.pop(kind, "")
        op.held = kind in self._hold
        self.ops.append(op)
        return op

    def owned(self, table: dict[int, dict], obj_id: Any, handle: str, code: int, what: str):
        if not isinstance(obj_id, int) or isinstance(obj_id, bool):
            raise fault(501010, "an integer is required here", f"{what}_id", obj_id)
        obj = table.get(obj_id)
        if obj is None or obj["handle"] != handle:
            raise fault(code, f"there is no such {what}", f"{what}_id", obj_id)
        return obj

    def shares(self, handle: str) -> tuple[int, int]:
        granted = sum(
            p["quantity"] for p in self.products.values()
            if p["handle"] == handle and p["product_name"] != "disk"
        )  # fmt: skip
        used = sum(v["shares"] for v in self.vms.values() if v["handle"] == handle)
        return granted, used

    def disk_quota(self, handle: str) -> tuple[int, int]:
        granted, _ = self.shares(handle)
        granted = granted * 5120 + sum(
            p["quantity"] for p in self.products.values()
            if p["handle"] == handle and p["product_name"] == "disk"
        )  # fmt: skip
        used = sum(d["size"] for d in self.disks.values() if d["handle"] == handle)
        return granted, used

    # -- session ---------------------------------------------------------------------------
    def login(self, login: Any = None, password: Any = None, safe: bool = True) -> str:
        if login != LOGIN or str(password) != PASSWORD:
            raise fault(500150, "these credentials are refused", "login", login)
        return self._session(HANDLE)

    def _session(self, handle: str) -> str:
        sid = secrets.token_hex(32)
        self.sessions[sid] = (handle, time.time() + 12 * 3600)
        return sid

    def su(self, handle: str, target: str) -> str:
        if target not in self.balance:
            raise fault(500340, "handle unknown", "handle", target)
        return self._session(target)

    # -- account ---------------------------------------------------------------------------
    def account_currency(self, handle: str) -> str:
        return "EUR"

    def account_balance(self, handle: str) -> float:
        return round(self.balance[handle], 2)

    def hosting_account_info(self, handle: str) -> dict:
        sg, su = self.shares(handle)
        dg, du = self.disk_quota(handle)
        res = {
            "granted": {"disk": dg, "shares": sg},
            "used": {"disk": du, "shares": su},
            "available": {"disk": dg - du, "shares": sg - su},
        }
        products = [self._product(p) for p in self.products.values() if p["handle"] == handle]
        return scrambled(
            handle=handle, currency="EUR", balance=round(self.balance[handle], 2),
            share_definition={"memory": 256, "disk": 5120, "cpu": 1}, resources=res,
            products=products, datacenter="FR-SD5", reseller=handle == HANDLE,
        )  # fmt: skip

    def _product(self, p: dict) -> dict:
        return scrambled(
            id=p["id"], product_name=p["product_name"], quantity=p["quantity"],
            duration=p["duration"], date_created=p["created"], date_end=p["end"],
            updatable=p["product_name"] != "shares_fixed",
            releasable=p["product_name"] != "shares_fixed", autorenew=False,
        )  # fmt: skip

    @staticmethod
    def _months(duration: Any) -> int:
        m = DURATION.match(str(duration))
        if not m:
            raise fault(501920, "durations look like 1m or 2y", "duration", duration)
        return int(m.group(1)) * (12 if m.group(2) == "y" else 1)

    def _charge(self, handle: str, name: str, quantity: int, months: int) -> None:
        price = round(PRICES[name] * quantity * months, 2)
        if price > self.balance[handle]:
            raise fault(530063, "the prepaid account is too low", "balance", self.balance[handle])
        self.balance[handle] = round(self.balance[handle] - price, 2)

    def hosting_account_product_add(self, handle: str, name: str, qty: int, duration: str) -> int:
        if name not in PRICES or not isinstance(qty, int) or not 1 <= qty <= 100000:
            raise fault(535130, "unknown product or bad quantity", "product_name", name)
        months = self._months(duration)
        self._charge(handle, name, qty, months)
        pid = self.new_id()
        product = {"id": pid, "handle": handle, "product_name": name, "quantity": qty,
                   "duration": duration, "created": now(),
                   "end": DateTime(datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
                                   + timedelta(days=30 * months))}  # fmt: skip

        def effect() -> None:
            self.products[pid] = product

        param = {"param_type": "product", "product_id": pid, "product_name": name}
        return self.queue(handle, "hosting_account_product_add", param, effect).uid

    def _editable(self, handle: str, pid: Any) -> dict:
        p = self.owned(self.products, pid, handle, 535140, "product")
        if p["product_name"] == "shares_fixed":
            raise fault(535150, "fixed shares cannot change", "product_id", pid)
        return p

    def hosting_account_product_renew(self, handle: str, pid: int, duration: str) -> int:
        p = self.owned(self.products, pid, handle, 535140, "product")
        months = self._months(duration)
        self._charge(handle, p["product_name"], p["quantity"], months)
        param = {"param_type": "product", "product_id": pid}
        return self.queue(handle, "hosting_account_product_renew", param, lambda: None).uid

    def hosting_account_product_update(self, handle: str, pid: int, qty: int) -> int:
        p = self._editable(handle, pid)
        param = {"param_type": "product", "product_id": pid, "quantity": qty}
        return self.queue(
            handle, "hosting_account_product_update", param, lambda: p.update(quantity=qty)
        ).uid

    def hosting_account_product_remove(self, handle: str, pid: int) -> int:
        p = self._editable(handle, pid)
        granted, used = self.shares(handle)
        if p["product_name"] != "disk" and granted - p["quantity"] < used:
            raise fault(535160, "these shares are in use by servers", "product_id", pid)
        param = {"param_type": "product", "product_id": pid}
        effect = lambda: self.products.pop(pid, None)  # noqa: E731
        return self.queue(handle, "hosting_account_product_remove", param, effect).uid

    # -- OS, operations ----------------------------------------------------------------------
    def os_list(self, handle: str) -> list[dict]:
        return [scrambled(**img, kernel="3.x", visibility="all") for img in self.images]

    def operation_list(self, handle: str, filters: dict | None = None) -> list[int]:
        filters = dict(filters or {})
        kind, state = filters.pop("type", None), filters.pop("state", "ALL")
        if kind is not None and kind not in OP_TYPES:
            raise fault(525130, "no such operation type", "type", kind)
        if state != "ALL" and state not in STATES:
            raise fault(525030, "no such operation state", "state", state)
        ops = [o for o in self.ops if o.handle == handle and kind in (None, o.type)]
        ops = [o for o in ops if state in ("ALL", o.state)]
        for key, value in filters.items():
            field, _, side = key.partition("_")
            if field not in ("created", "updated") or side not in ("after", "before"):
                raise fault(501533, "unknown filter", "filter", key)
            if not isinstance(value, DateTime):
                raise fault(501310, "a dateTime.iso8601 is required", key, value)
            when = value.value.replace("-", "")
            ops = [
                o for o in ops
                if (str((o.created if field == "created" else o.updated).value) > when)
                == (side == "after")
            ]  # fmt: skip
        ids = [o.uid for o in ops][-300:]
        return ids[::-1] if self.newest_first else ids

    def _op(self, handle: str, opid: int) -> Op:
        for op in self.ops:
            if op.uid == opid and op.handle == handle:
                return op
        raise fault(510240, "operation unknown", "opid", opid)

    def operation_details(self, handle: str, opid: int) -> dict:
        op = self._op(handle, opid)
        details = {"uid": op.uid, "type": op.type, "state": op.state,
                   "date_create": op.created, "date_update": op.updated,
                   "param": scrambled(**op.param), "progress": 0}  # fmt: skip
        if op.state == "ERROR":
            details["comment"] = op.comment
        return scrambled(**details)

    def operation_cancel(self, handle: str, opid: int) -> bool:
        op = self._op(handle, opid)
        if op.state not in ("PENDING", "ERROR"):
            raise fault(510260, "too late to cancel", "state", op.state)
        op.state, op.updated = "CANCEL", self.now()
        op.undo()
        return True


_METHODS = {  # the spec's 28 methods and DESIGN's su
    "login", "su", "account_currency", "account_balance", "hosting_account_info",
    "hosting_account_product_add", "hosting_account_product_renew",
    "hosting_account_product_remove", "hosting_account_product_update", "vm_create",
    "vm_info", "vm_list", "vm_update", "vm_delete", "vm_start", "vm_stop", "vm_reboot",
    "vm_disk_list", "vm_disk_link", "disk_create", "disk_info", "disk_delete", "disk_attach",
    "disk_detach", "disk_list", "os_list", "operation_list", "operation_details",
    "operation_cancel",
}  # fmt: skip


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = (PATH,)


class _Server(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    api: Hosting

    def _dispatch(self, method: str, params: Any) -> Any:
        self.api.calls.append(method)  # system.multicall and each of its items
        return super()._dispatch(method, params)

    def _marshaled_dispatch(self, data: Any, dispatch_method: Any = None, path: Any = None) -> Any:
        mark = len(self.api.calls)
        response = super()._marshaled_dispatch(data, dispatch_method, path)
        if self.api.drop & set(self.api.calls[mark:]):
            self.api.drop.clear()
            raise ConnectionAbortedError("answer lost (test hook)")  # do_POST: HTTP 500
        return response


class IndependentServer:
    """``IndependentServer(multicall=True, **Hosting kwargs)``: serving on 127.0.0.1:0."""

    def __init__(self, *, multicall: bool = True, **kwargs: Any):
        self.api = Hosting(**kwargs)
        self.server = _Server(
            ("127.0.0.1", 0), requestHandler=_Handler, logRequests=False, allow_none=False
        )
        self.server.api = self.api
        self.server.register_introspection_functions()
        if multicall:
            self.server.register_multicall_functions()
        self.server.register_instance(self.api)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"
        # a short poll: shutdown() waits for the loop's next look at its stop flag
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
