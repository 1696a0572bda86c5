"""VMs and disks of the independent server (tests/independent_server.py), and its helpers.

A mixin of ``Hosting``: it uses the state (``vms``, ``disks``, ``images``, ``ops``) and
the plumbing (``owned``, ``queue``, ``shares``, ``disk_quota``, ``new_id``) defined there.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from xmlrpc.client import DateTime, Fault

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DISK_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def fault(code: int, text: str, element: str = "", value: Any = "") -> Fault:
    if code // 100000 == 1:
        return Fault(code, f"ServerError: {text}")
    return Fault(
        code, f"DataError: {text} [{element}: {value}]" if element else f"DataError: {text}"
    )


def now() -> DateTime:
    return DateTime(datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0))


def scrambled(**fields: Any) -> dict[str, Any]:
    """Keys in reverse order of the caller's (DESIGN's) order."""
    return dict(reversed(list(fields.items())))


class Machines:
    """vm_* and disk_* methods; the first argument after self is the acting handle."""

    vms: dict[int, dict]
    disks: dict[int, dict]
    images: list[dict]
    ops: list[Any]
    owned: Any
    queue: Any
    shares: Any
    disk_quota: Any
    new_id: Any

    # -- VMs ---------------------------------------------------------------------------------
    def vm_create(self, handle: str, hostname: str, password: str, os_id: int, shares: int,
                  cpu: int, specs: dict | None = None) -> int:  # fmt: skip
        if not isinstance(hostname, str) or not HOSTNAME.match(hostname):
            raise fault(530238, "not a valid host name", "hostname", hostname)
        if not isinstance(password, str) or not 8 <= len(password) <= 128:
            raise fault(500130, "root password must be 8 to 128 characters", "password", "***")
        image = next((i for i in self.images if i["id"] == os_id), None)
        if image is None:
            raise fault(530540, "no such image", "os_id", os_id)
        if not isinstance(shares, int) or shares < 1:
            raise fault(530930, "shares must be positive", "shares", shares)
        if not isinstance(cpu, int) or not 1 <= cpu <= min(8, shares):
            raise fault(530230, "cpu count out of range", "cpu", cpu)
        granted, used = self.shares(handle)
        if used + shares > granted:
            raise fault(530935, "too few shares left", "shares", shares)
        vm_id, sys_id = self.new_id(), self.new_id()
        vm = {"id": vm_id, "handle": handle, "hostname": hostname, "state": "being_created",
              "os_id": os_id, "shares": shares, "cpu": cpu, "disks": [sys_id],
              "created": now(), "updated": now(), "max": shares * 256 * 2}  # fmt: skip
        if (specs or {}).get("login"):
            vm["login"] = str(specs["login"])
        self.vms[vm_id] = vm
        self.disks[sys_id] = {"id": sys_id, "handle": handle, "name": f"sys{sys_id}",
                              "size": image["size"], "fstype": "ext3", "state": "being_created",
                              "vm_id": vm_id, "created": now(), "updated": now()}  # fmt: skip

        def effect() -> None:
            vm.update(state="running", updated=now())
            self.disks[sys_id].update(state="created", updated=now())

        param = {"param_type": "vm", "vm_id": vm_id}  # DESIGN promises no more
        op = self.queue(handle, "vm_create", param, effect)
        op.undo = lambda: (self.vms.pop(vm_id, None), self.disks.pop(sys_id, None))
        return vm_id

    def vm_info(self, handle: str, vm_id: int) -> dict:
        vm = self.owned(self.vms, vm_id, handle, 530240, "vm")
        info = {"id": vm_id, "hostname": vm["hostname"], "state": vm["state"],
                "os_id": vm["os_id"], "shares": vm["shares"], "cpu": vm["cpu"],
                "memory": vm["shares"] * 256, "vm_max_memory": vm["max"]}  # fmt: skip
        if "login" in vm:
            info["login"] = vm["login"]
        info["disks_id"] = list(vm["disks"])
        if vm["state"] != "being_created":
            n = vm_id % 200 + 2
            info["ips"] = [f"192.0.2.{n}", f"2001:db8::{vm_id:x}"]
        info.update(date_created=vm["created"], date_updated=vm["updated"], console=0)
        return scrambled(**info)

    def vm_list(self, handle: str) -> list[int]:
        return sorted((i for i, v in self.vms.items() if v["handle"] == handle), reverse=True)

    def _vm_op(self, handle: str, vm_id: int, kind: str, need: set[str], then: str | None) -> int:
        vm = self.owned(self.vms, vm_id, handle, 530240, "vm")
        if vm["state"] not in need:
            raise fault(530260, f"not possible while {vm['state']}", "state", vm["state"])

        def effect() -> None:
            if then:
                vm.update(state=then, updated=now())

        return self.queue(handle, kind, {"param_type": "vm", "vm_id": vm_id}, effect).uid

    def vm_update(self, handle: str, vm_id: int, specs: dict) -> int:
        vm = self.owned(self.vms, vm_id, handle, 530240, "vm")
        changes = {k: specs[k] for k in ("shares", "cpu") if k in specs}
        if "vm_max_memory" in specs:
            changes["max"] = specs["vm_max_memory"]
        if not changes:
            raise fault(530232, "nothing to change", "specs", "{}")
        param = {"param_type": "vm", "vm_id": vm_id}
        return self.queue(handle, "vm_update", param, lambda: vm.update(changes)).uid

    def vm_start(self, handle: str, vm_id: int) -> int:
        return self._vm_op(handle, vm_id, "vm_start", {"halted", "paused"}, "running")

    def vm_stop(self, handle: str, vm_id: int) -> int:
        return self._vm_op(handle, vm_id, "vm_stop", {"running", "paused"}, "halted")

    def vm_reboot(self, handle: str, vm_id: int) -> int:
        return self._vm_op(handle, vm_id, "vm_reboot", {"running"}, None)

    def vm_delete(self, handle: str, vm_id: int) -> int:
        opid = self._vm_op(handle, vm_id, "vm_delete", {"halted"}, "being_deleted")
        vm = self.vms[vm_id]
        op = self.ops[-1]

        def effect() -> None:
            self.vms.pop(vm_id, None)
            self.disks.pop(vm["disks"][0], None)
            for disk_id in vm["disks"][1:]:
                self.disks[disk_id]["vm_id"] = 0

        op.effect = effect
        return opid

    def vm_disk_list(self, handle: str, vm_id: int) -> list[int]:
        return list(self.owned(self.vms, vm_id, handle, 530240, "vm")["disks"])

    def vm_disk_link(self, handle: str, vm_id: int, disk_id: int) -> int:
        vm = self.owned(self.vms, vm_id, handle, 530240, "vm")
        self.owned(self.disks, disk_id, handle, 530440, "disk")
        if disk_id not in vm["disks"]:
            raise fault(530498, "that disk is elsewhere", "disk_id", disk_id)
        if vm["state"] != "halted":
            raise fault(530260, "stop the server first", "state", vm["state"])

        def effect() -> None:
            disks = vm["disks"]
            i = disks.index(disk_id)
            disks[0], disks[i] = disks[i], disks[0]

        param = {"param_type": "vm", "vm_id": vm_id, "disk_id": disk_id}
        return self.queue(handle, "vm_disk_link", param, effect).uid

    # -- disks ------------------------------------------------------------------------------
    def disk_create(self, handle: str, specs: dict) -> int:
        name, size, fstype = specs.get("name"), specs.get("size"), specs.get("fstype", "ext3")
        if not isinstance(name, str) or not DISK_NAME.match(name):
            raise fault(530420, "bad disk label", "name", name)
        if fstype not in ("ext3", "reiserfs", "xfs", "jfs"):
            raise fault(530430, "unsupported filesystem", "fstype", fstype)
        if not isinstance(size, int) or size <= 0:
            raise fault(530431, "bad size", "size", size)
        if any(d["name"] == name and d["handle"] == handle for d in self.disks.values()):
            raise fault(530441, "label already taken", "name", name)
        granted, used = self.disk_quota(handle)
        if used + size > granted:
            raise fault(530435, "disk quota exhausted", "size", size)
        disk_id = self.new_id()
        disk = {
            "id": disk_id,
            "handle": handle,
            "name": name,
            "size": size,
            "fstype": fstype,
            "state": "being_created",
            "vm_id": 0,
            "created": now(),
            "updated": now(),
        }
        self.disks[disk_id] = disk
        param = {"param_type": "disk", "disk_id": disk_id}
        op = self.queue(handle, "disk_create", param, lambda: disk.update(state="created"))
        op.undo = lambda: self.disks.pop(disk_id, None)
        return disk_id

    def disk_info(self, handle: str, disk_id: int) -> dict:
        d = self.owned(self.disks, disk_id, handle, 530440, "disk")
        vm = self.vms.get(d["vm_id"])
        pos = vm["disks"].index(disk_id) if vm and disk_id in vm["disks"] else -1
        return scrambled(
            id=disk_id, name=d["name"], size=d["size"], fstype=d["fstype"], state=d["state"],
            vm_id=d["vm_id"] if pos >= 0 else 0, position=pos, is_boot_disk=pos == 0,
            date_created=d["created"], date_updated=d["updated"], can_snapshot=True,
        )  # fmt: skip

    def disk_list(self, handle: str) -> list[int]:
        ids = [i for i, d in self.disks.items() if d["handle"] == handle]
        self.rand.shuffle(ids)
        return ids

    def disk_delete(self, handle: str, disk_id: int) -> int:
        d = self.owned(self.disks, disk_id, handle, 530440, "disk")
        if d["vm_id"]:
            raise fault(530439, "detach it first", "vm_id", d["vm_id"])
        d["state"] = "being_deleted"
        effect = lambda: self.disks.pop(disk_id, None)  # noqa: E731
        return self.queue(handle, "disk_delete", {"param_type": "disk", "disk_id": disk_id},
                          effect).uid  # fmt: skip

    def disk_attach(self, handle: str, disk_id: int, vm_id: int) -> int:
        d = self.owned(self.disks, disk_id, handle, 530440, "disk")
        vm = self.owned(self.vms, vm_id, handle, 530240, "vm")
        if d["vm_id"]:
            raise fault(530439, "already in use by a server", "vm_id", d["vm_id"])
        if d["state"] != "created" or vm["state"] == "being_deleted":
            raise fault(530460, "disk not ready", "state", d["state"])
        d["vm_id"] = vm_id  # reserved now, so that nobody else attaches it meanwhile
        param = {"param_type": "disk", "disk_id": disk_id, "vm_id": vm_id}
        return self.queue(handle, "disk_attach", param, lambda: vm["disks"].append(disk_id)).uid

    def disk_detach(self, handle: str, disk_id: int, vm_id: int) -> int:
        d = self.owned(self.disks, disk_id, handle, 530440, "disk")
        vm = self.owned(self.vms, vm_id, handle, 530240, "vm")
        if disk_id not in vm["disks"]:
            raise fault(530498, "not on that server", "vm_id", vm_id)
        if vm["disks"][0] == disk_id and vm["state"] == "running":
            raise fault(530260, "boot disk of a running server", "state", vm["state"])

        def effect() -> None:
            vm["disks"].remove(disk_id)
            d["vm_id"] = 0

        param = {"param_type": "disk", "disk_id": disk_id, "vm_id": vm_id}
        return self.queue(handle, "disk_detach", param, effect).uid
