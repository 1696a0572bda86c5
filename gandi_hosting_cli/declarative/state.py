"""The account as the planner sees it, read in two batched requests.

1. ``vm_list``, ``disk_list``, ``os_list``, ``hosting_account_info`` and the operations
   in progress (``operation_list`` of PENDING and RUN ones) in one multicall;
2. every ``vm_info`` and ``disk_info``, and the details of those operations, in one more
   (chunked for huge accounts).

Without ``system.multicall`` the client falls back to single calls on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gandi_hosting_cli.errors import HostingError, NotFound
from gandi_hosting_cli.workflows.batch import multicall_chunked
from gandi_hosting_cli.workflows.names import AmbiguousName, os_label  # noqa: F401 (re-exported)
from gandi_hosting_cli.workflows.names import match_os as match_os_label


@dataclass
class AccountState:
    vms: dict[int, dict] = field(default_factory=dict)  # id -> vm_info
    disks: dict[int, dict] = field(default_factory=dict)  # id -> disk_info
    os_images: list[dict] = field(default_factory=list)
    account: dict = field(default_factory=dict)  # hosting_account_info
    open_operations: list[int] = field(default_factory=list)  # PENDING or RUN, by id
    in_progress: list[dict] = field(default_factory=list)  # PENDING/RUN operation_details

    def busy_operations(self, kind: str, obj_id: int) -> list[int]:
        """The operations in progress that hold VM or disk ``obj_id``."""
        found = []
        for op in self.in_progress:
            param = op.get("param") or {}
            holds = param.get(f"{kind}_id") == obj_id and (
                kind == "disk" or param.get("param_type") == "vm"
            )
            if holds:
                found.append(int(op.get("uid", op.get("id", 0))))
        return found

    def vm_by_name(self, hostname: str) -> dict | None:
        found = [v for v in self.vms.values() if v.get("hostname") == hostname]
        if not found:
            found = [
                v
                for v in self.vms.values()
                if str(v.get("hostname", "")).lower() == hostname.lower()
            ]
        return found[0] if found else None

    def disk_by_name(self, name: str) -> dict | None:
        return next((d for d in self.disks.values() if d.get("name") == name), None)

    def attached(self, vm_id: int) -> list[dict]:
        """The disks on a VM in position order (position 0: the boot disk)."""
        ids = self.vms[vm_id].get("disks_id") or []
        return [self.disks[i] for i in ids if i in self.disks]

    def system_disk(self, vm_id: int) -> dict | None:
        """The disk the VM was created with: ``sys_<hostname>`` (the sandbox's name, with
        ``_<vm id>`` when that name was taken) when attached, else the boot disk."""
        vm = self.vms[vm_id]
        attached = self.attached(vm_id)
        names = {f"sys_{vm.get('hostname')}", f"sys_{vm.get('hostname')}_{vm_id}"}
        for disk in attached:
            if disk.get("name") in names:
                return disk
        return attached[0] if attached else None

    def available(self) -> dict[str, int]:
        """Free shares and disk quota (MB), from ``resources.available``."""
        avail = (self.account.get("resources") or {}).get("available") or {}
        return {"shares": int(avail.get("shares", 0)), "disk": int(avail.get("disk", 0))}

    def os_size(self, os_id: int) -> int:
        image = next((i for i in self.os_images if int(i.get("id", -1)) == os_id), None)
        return int(image.get("size", 0)) if image else 0


# what of each object a plan depends on: a change to any of these since the plan was made
# makes its plan file stale (plan.py's fingerprint)
VM_FIELDS = ("hostname", "state", "shares", "cpu", "vm_max_memory", "os_id", "disks_id")
DISK_FIELDS = ("name", "state", "size", "fstype", "vm_id")


def snapshot(state: AccountState) -> dict[str, dict[str, dict]]:
    """The read state a plan is computed from, as plain JSON-able data: per VM and disk
    id, the fields the planner reads (``VM_FIELDS``, ``DISK_FIELDS``). No secrets."""

    def pick(obj: dict, fields: tuple[str, ...]) -> dict:
        return {f: obj.get(f) for f in fields}

    return {
        "vms": {str(i): pick(v, VM_FIELDS) for i, v in sorted(state.vms.items())},
        "disks": {str(i): pick(d, DISK_FIELDS) for i, d in sorted(state.disks.items())},
        "open_operations": list(state.open_operations),
    }


def fingerprint(snap: dict) -> str:
    """``sha256:<hex>`` of a ``snapshot`` (canonical JSON)."""
    import hashlib
    import json

    text = json.dumps(snap, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def changes_between(old: dict, new: dict) -> list[str]:
    """What differs between two snapshots, one phrase per object: ``vm web1 (id 3): shares
    1 -> 2``, ``disk data (id 7) was deleted``, ``vm web3 (id 9) was created``."""
    found: list[str] = []
    for kind, label in (("vms", "hostname"), ("disks", "name")):
        before, after = old.get(kind, {}), new.get(kind, {})
        what = kind[:-1]
        for obj_id in sorted(set(before) | set(after), key=lambda i: int(i)):
            was, now = before.get(obj_id), after.get(obj_id)
            name = (now or was or {}).get(label)
            where = f"{what} {name} (id {obj_id})"
            if was is None:
                found.append(f"{where} was created")
            elif now is None:
                found.append(f"{where} was deleted")
            else:
                diffs = [
                    f"{k} {was.get(k)} -> {now.get(k)}" for k in now if was.get(k) != now.get(k)
                ]
                if diffs:
                    found.append(f"{where}: " + ", ".join(diffs))
    was_open = set(old.get("open_operations", []))
    now_open = set(new.get("open_operations", []))
    for opid in sorted(now_open - was_open):
        found.append(f"operation {opid} was queued")
    for opid in sorted(was_open - now_open):
        found.append(f"operation {opid} has ended")
    return found


def read_account(client: Any) -> AccountState:
    """Everything the planner needs, in two requests (with ``system.multicall``)."""
    first = client.multicall(
        [("vm_list", ()), ("disk_list", ()), ("os_list", ()), ("hosting_account_info", ())]
        + [("operation_list", ({"state": s},)) for s in ("PENDING", "RUN")]
    )
    for result in first[:4]:
        if isinstance(result, HostingError):
            raise result
    vm_ids, disk_ids, os_images, account = first[:4]
    # a server that cannot list them: the API itself says later whether an object is busy
    opids = [int(i) for r in first[4:] if not isinstance(r, HostingError) for i in r]
    keys = [("vm", int(i)) for i in vm_ids] + [("disk", int(i)) for i in disk_ids]
    calls = [(f"{kind}_info", (i,)) for kind, i in keys]
    # (at most 2,000 calls a request, in equal parts: N VMs with their system disks and
    # N data disks are 3N infos, so an account of 1,000 of each is read in 1 + 2 requests)
    results = multicall_chunked(client, calls + [("operation_details", (i,)) for i in opids])
    infos = results[: len(keys)]
    state = AccountState(
        os_images=list(os_images), account=dict(account), open_operations=sorted(set(opids))
    )
    state.in_progress = [d for d in results[len(keys) :] if isinstance(d, dict)]
    for (kind, obj_id), info in zip(keys, infos, strict=True):
        if isinstance(info, NotFound):
            continue  # deleted between the two requests
        if isinstance(info, HostingError):
            raise info
        (state.vms if kind == "vm" else state.disks)[obj_id] = info
    return state


# -- OS images (the same rules as cli/resolve.py's match_os, without click) -----------------
class OsNotFound(LookupError):
    pass


class OsAmbiguous(LookupError):
    def __init__(self, token: str, candidates: list[tuple[int, str]]):
        listed = ", ".join(f"{i} ({label})" for i, label in candidates)
        super().__init__(f"OS {token!r} is ambiguous: one of {listed}")
        self.candidates = candidates


def match_os(images: list[dict], token: str) -> int:
    """An OS by id (one of ``images``), else by the one OS matcher
    (``workflows.names.match_os``: label, ``name version``, or name alone)."""
    if re.fullmatch(r"[0-9]+", token):
        wanted_id = int(token)
        if any(int(i.get("id", -1)) == wanted_id for i in images):
            return wanted_id
        raise OsNotFound(f"no OS image with id {wanted_id}")
    try:
        return match_os_label(images, token)
    except AmbiguousName as error:
        raise OsAmbiguous(token, error.candidates) from None
    except NotFound as error:
        raise OsNotFound(error.message) from None
