"""Manifest vs account -> an ordered list of actions with their dependencies.

What the sandbox (and a real back end) requires, and so what the plan models:

- an object with a queued operation refuses another change: every action waits for the
  previous action on the same VM or disk (``depends``), and actions on different objects
  run in parallel;
- ``vm_create`` ends with the VM running; cpu, ``vm_max_memory``, memory growth beyond
  ``vm_max_memory``, changing the boot disk and detaching the boot disk need a halted VM
  (stop -> change -> start when the manifest wants it running);
- a VM must be halted to be deleted (it takes its boot disk with it and detaches the
  others); a disk must be detached to be deleted; the API cannot resize a disk or
  reinstall a VM (reported as problems, never sent).

Objects not in the manifest are left alone unless ``prune``. A VM's system disk (the
one it was created with) is part of the VM, never a manifest disk.
"""

from __future__ import annotations

from typing import Any

from gandi_hosting_cli.declarative.manifest import Manifest, VmSpec
from gandi_hosting_cli.declarative.plan import (
    KINDS,
    Action,
    Plan,
    PlanBuilder,
    Problem,
    summary,
)
from gandi_hosting_cli.declarative.state import (
    AccountState,
    OsAmbiguous,
    OsNotFound,
    match_os,
    os_label,
)

SHARE_MEMORY_MB = 256  # DESIGN/seed: a VM's memory is shares * 256 MB
DEFAULT_MAX_MEMORY = 2048  # vm_max_memory of a new VM: max(2048, memory)
STABLE_VM_STATES = ("running", "halted")


def _max_memory(vm: dict) -> int:
    return int(vm.get("vm_max_memory") or 0)


def make_plan(manifest: Manifest, state: AccountState, *, prune: bool = False) -> Plan:
    """Compare and order. Never sends anything (``state`` was read before)."""
    return _Planner(manifest, state, prune).run()


class _Planner:
    """One comparison of a manifest with an account: the plan, its actions, the quota needs."""

    def __init__(self, manifest: Manifest, state: AccountState, prune: bool) -> None:
        self.manifest = manifest
        self.state = state
        self.prune = prune
        self.plan = Plan()
        self.b = PlanBuilder()
        self.need_shares = 0
        self.need_disk = 0
        self.declared_disks = {d.name for d in manifest.disks}
        self.declared_hosts = {v.hostname.lower() for v in manifest.vms}

    def run(self) -> Plan:
        self._index_ids()
        self._plan_disks()
        phase_b = self._plan_vms()
        self._detach_from_undeclared_vms()
        if self.prune:
            pruned_vm_ids = self._prune_vms()
            self._prune_disks(pruned_vm_ids)
        for spec, snap in phase_b:
            _phase_b(self.b, self.plan, spec, snap, self.state)
        self._check_quota()
        self.plan.actions = self.b.actions
        return self.plan

    def _problem(self, *args: Any, **kwargs: Any) -> None:
        self.plan.problems.append(Problem(*args, **kwargs))

    def _index_ids(self) -> None:
        for vm in self.state.vms.values():
            self.plan.vm_ids.setdefault(str(vm.get("hostname")), int(vm["id"]))
        for disk in self.state.disks.values():
            self.plan.disk_ids.setdefault(str(disk.get("name")), int(disk["id"]))

    # -- disks to create; sizes that differ ----------------------------------------------
    def _plan_disks(self) -> None:
        for spec in self.manifest.disks:
            current = self.state.disk_by_name(spec.name)
            if current is None:
                self.b.add("create_disk", f"disk {spec.name}", disk=spec.name,
                           after={"size": spec.size, "fstype": spec.fstype},
                           params={"name": spec.name, "size": spec.size,
                                   "fstype": spec.fstype})  # fmt: skip
                self.need_disk += spec.size
                continue
            self._report_unchangeable_disk(spec, current)

    def _report_unchangeable_disk(self, spec: Any, current: dict) -> None:
        if int(current.get("size", 0)) != spec.size:
            shrink = spec.size < int(current.get("size", 0))
            self._problem(
                "resize",
                f"disk {spec.name}",
                f"disk {spec.name}: size {current.get('size')} -> {spec.size} MB cannot be done"
                f" (the API has no disk resize{'; a disk cannot shrink below what it holds' if shrink else ''});"  # noqa: E501
                " left as is",
                blocking=False,
            )
        if str(current.get("fstype")) != spec.fstype:
            self._problem(
                "resize",
                f"disk {spec.name}",
                f"disk {spec.name}: fstype {current.get('fstype')} -> {spec.fstype} cannot be"
                " changed (the API has no reformat); left as is",
                blocking=False,
            )

    # -- per VM: phase A (create/stop/update/detach), phase B (attach/link/start) ---------
    def _plan_vms(self) -> list[tuple[VmSpec, dict]]:
        phase_b: list[tuple[VmSpec, dict]] = []
        owners = {name: v.hostname for v in self.manifest.vms for name in v.disks}
        for spec in self.manifest.vms:
            current = self.state.vm_by_name(spec.hostname)
            if current is not None and current.get("state") not in STABLE_VM_STATES:
                self._problem(
                    "busy", f"vm {spec.hostname}",
                    f"vm {spec.hostname} is {current.get('state')}: left alone until it is"
                    " running or halted", blocking=False)  # fmt: skip
                continue
            if current is None:
                snap = self._new_vm(spec)
            else:
                snap = self._existing_vm(spec, current)
            if snap is None:
                continue
            if spec.shares > snap["shares"] and current is not None:
                self.need_shares += spec.shares - snap["shares"]
            _phase_a(self.b, spec, snap, self.declared_disks, owners, self.prune)
            phase_b.append((spec, snap))
        return phase_b

    def _match_os(self, spec: VmSpec) -> int | None:
        try:
            return match_os(self.state.os_images, spec.os)
        except (OsNotFound, OsAmbiguous) as error:
            self._problem("os", f"vm {spec.hostname}", str(error))
            return None

    def _new_vm(self, spec: VmSpec) -> dict | None:
        """Plan the create of a VM; its snapshot as it will be once created."""
        os_id = self._match_os(spec)
        if os_id is None:
            return None
        self.plan.os_ids[spec.hostname] = os_id
        self.plan.vm_specs[spec.hostname] = spec
        after = {"os": spec.os, "shares": spec.shares, "cpu": spec.cpu}
        if spec.login:
            after["login"] = spec.login
        self.b.add("create_vm", f"vm {spec.hostname}", vm=spec.hostname, after=after,
                   params={"os_id": os_id, "shares": spec.shares, "cpu": spec.cpu,
                           "login": spec.login})  # fmt: skip
        self.need_shares += spec.shares
        self.need_disk += self.state.os_size(os_id)
        return {
            "state": "running",
            "shares": spec.shares,
            "cpu": spec.cpu,
            "max_memory": max(DEFAULT_MAX_MEMORY, spec.shares * SHARE_MEMORY_MB),
            "attached": [],  # data disks
            "boot": None,  # None: the system disk
            "vm_id": None,
        }

    def _existing_vm(self, spec: VmSpec, current: dict) -> dict | None:
        """The snapshot of an existing VM (reports an OS that cannot be changed)."""
        state = self.state
        vm_id = int(current["id"])
        self.plan.vm_ids[spec.hostname] = vm_id
        wanted_os = self._match_os(spec)
        if wanted_os is None:
            return None
        if int(current.get("os_id", -1)) != wanted_os:
            self._problem(
                "reinstall",
                f"vm {spec.hostname}",
                f"vm {spec.hostname}: os {current.get('os_id')} -> {wanted_os} cannot be"
                " changed (the API cannot reinstall a VM); left as is",
                blocking=False,
            )
        sys_disk = state.system_disk(vm_id)
        attached = [d for d in state.attached(vm_id) if sys_disk is None or d is not sys_disk]
        boot = state.attached(vm_id)[0] if state.attached(vm_id) else None
        return {
            "state": current.get("state"),
            "shares": int(current.get("shares", 0)),
            "cpu": int(current.get("cpu", 1)),
            "max_memory": _max_memory(current),
            "attached": [str(d.get("name")) for d in attached],
            "boot": None if boot is None or boot is sys_disk else str(boot.get("name")),
            "vm_id": vm_id,
            "attached_ids": {str(d.get("name")): int(d["id"]) for d in attached},
        }

    def _detach_from_undeclared_vms(self) -> None:
        """Declared disks attached to VMs that are not declared: detach them when they must
        be free or move (undeclared VMs are otherwise left alone)."""
        state = self.state
        for spec_disk in self.manifest.disks:
            current = state.disk_by_name(spec_disk.name)
            if current is None or not current.get("vm_id"):
                continue
            holder = state.vms.get(int(current["vm_id"]))
            if holder is None or str(holder.get("hostname", "")).lower() in self.declared_hosts:
                continue
            owner = self.manifest.disk_owner(spec_disk.name)
            self.b.add("detach", f"disk {spec_disk.name}", disk=spec_disk.name,
                       disk_id=int(current["id"]), vm=str(holder.get("hostname")),
                       vm_id=int(holder["id"]),
                       before={"vm": holder.get("hostname")},
                       after={"vm": owner.hostname if owner else None})  # fmt: skip

    # -- prune: what is not declared ------------------------------------------------------
    def _prune_vms(self) -> set[int]:
        pruned_vm_ids: set[int] = set()
        for vm_id, vm in self.state.vms.items():
            hostname = str(vm.get("hostname"))
            if hostname.lower() in self.declared_hosts:
                continue
            if vm.get("state") not in STABLE_VM_STATES:
                self._problem(
                    "busy", f"vm {hostname}",
                    f"vm {hostname} is {vm.get('state')}: cannot be deleted now"
                    + _busy_hint(vm.get("state")), blocking=False)  # fmt: skip
                continue
            pruned_vm_ids.add(vm_id)
            if vm.get("state") == "running":
                self.b.stop(hostname, vm_id, reason="a VM must be halted to be deleted")
            self.b.add("delete_vm", f"vm {hostname}", vm=hostname, vm_id=vm_id,
                       before={"state": vm.get("state"), "shares": vm.get("shares")})  # fmt: skip
        return pruned_vm_ids

    def _system_disk_ids(self) -> set[int]:
        ids = set()
        for vm_id in self.state.vms:
            sys_disk = self.state.system_disk(vm_id)
            if sys_disk is not None:
                ids.add(int(sys_disk["id"]))
        return ids

    def _prune_disks(self, pruned_vm_ids: set[int]) -> None:
        system_disk_ids = self._system_disk_ids()
        for disk_id, disk in self.state.disks.items():
            name = str(disk.get("name"))
            if (
                name in self.declared_disks
                or disk_id in system_disk_ids
                and (int(disk.get("vm_id") or 0) not in pruned_vm_ids)
            ):
                continue
            self._prune_disk(disk_id, disk, name, pruned_vm_ids)

    def _prune_disk(self, disk_id: int, disk: dict, name: str, pruned_vm_ids: set[int]) -> None:
        state = self.state
        holder_id = int(disk.get("vm_id") or 0)
        holder = state.vms.get(holder_id)
        if (
            holder is not None
            and holder_id not in pruned_vm_ids
            and str(holder.get("hostname", "")).lower() not in self.declared_hosts
        ):
            return  # on a VM that cannot be deleted now (reported above)
        if holder_id in pruned_vm_ids:
            holder = state.vms[holder_id]
            if state.attached(holder_id) and state.attached(holder_id)[0] is disk:
                return  # the boot disk goes with its VM
            # vm_delete detaches it: delete it after the VM
            self.b.add("delete_disk", f"disk {name}", disk=name, disk_id=disk_id,
                       vm=str(holder.get("hostname")), vm_id=holder_id,
                       before={"size": disk.get("size")})  # fmt: skip
            return
        if disk.get("state") != "created":
            self._problem(
                "busy", f"disk {name}", f"disk {name} is {disk.get('state')}: cannot be"
                " deleted now" + _busy_hint(disk.get("state")), blocking=False)  # fmt: skip
            return
        self.b.add("delete_disk", f"disk {name}", disk=name, disk_id=disk_id,
                   before={"size": disk.get("size")})  # fmt: skip

    # -- what the API would refuse: quota for the creates and growths ---------------------
    def _check_quota(self) -> None:
        available = self.state.available()
        for kind, product, what, unit, need in (
            ("shares", "shares", "shares", "", self.need_shares),
            ("disk_quota", "disk", "disk quota", " MB", self.need_disk),
        ):
            free = available[product]
            if need > free:
                missing = need - free
                self._problem(
                    kind, "account",
                    f"not enough free {what}: the plan needs {need}{unit}, {free}{unit} are"
                    f" free ({missing}{unit} missing; add them with `gandi-hosting product add"
                    f" {product} {missing}`)", missing=missing)  # fmt: skip


def _busy_hint(state: object) -> str:
    if state != "being_created":
        return ""
    return (
        " (a create that ended in ERROR holds it until its operation is cancelled:"
        " see `gandi-hosting op list --state ERROR`)"
    )


def _needs_halt(spec: VmSpec, snap: dict) -> tuple[dict, list[str]]:
    """The vm_update specs and the reasons the VM must be halted for the whole change."""
    specs: dict[str, int] = {}
    reasons: list[str] = []
    if spec.shares != snap["shares"]:
        specs["shares"] = spec.shares
    if spec.cpu != snap["cpu"]:
        specs["cpu"] = spec.cpu
        reasons.append("cpu")
    target_max = spec.max_memory if spec.max_memory is not None else snap["max_memory"]
    if spec.max_memory is not None and spec.max_memory != snap["max_memory"]:
        specs["vm_max_memory"] = spec.max_memory
        reasons.append("max_memory")
    if spec.shares * SHARE_MEMORY_MB > target_max and "shares" in specs:
        reasons.append("memory beyond max_memory")
    wanted_boot = spec.boot_disk
    if wanted_boot != snap["boot"]:
        reasons.append("boot disk")
    return specs, reasons


def _phase_a(
    b: PlanBuilder,
    spec: VmSpec,
    snap: dict,
    declared: set[str],
    owners: dict[str, str],
    prune: bool,
) -> None:
    host = spec.hostname
    vm_id = snap["vm_id"]
    specs, reasons = _needs_halt(spec, snap)
    snap["reasons"] = reasons
    is_new = vm_id is None
    # a new VM: its boot-disk link happens in phase B (after its attaches)
    halt_now = snap["state"] == "running" and (
        spec.state == "halted" or (reasons and not (is_new and reasons == ["boot disk"]))
    )
    if halt_now:
        b.stop(host, vm_id, reason=("needed to change " + ", ".join(reasons)) if reasons and
               spec.state != "halted" else "")  # fmt: skip
        snap["state"] = "halted"
    if specs:
        before = {}
        after = {}
        for key, value in specs.items():
            name = "max_memory" if key == "vm_max_memory" else key
            before[name] = snap[name]
            after[name] = value
        b.add("update_vm", f"vm {host}", vm=host, vm_id=vm_id, before=before, after=after,
              params={"specs": specs})  # fmt: skip
        snap["shares"], snap["cpu"] = spec.shares, spec.cpu
    # detach data disks that are not listed here
    for name in list(snap["attached"]):
        if name in spec.disks:
            continue
        if name not in declared and not prune:
            continue  # an undeclared disk: left alone
        disk_id = snap.get("attached_ids", {}).get(name)
        if snap["boot"] == name and snap["state"] == "running":
            b.stop(host, vm_id, reason="needed to detach its boot disk")
            snap["state"] = "halted"
        b.add("detach", f"disk {name}", disk=name, disk_id=disk_id, vm=host, vm_id=vm_id,
              before={"vm": host}, after={"vm": owners.get(name)})  # fmt: skip
        snap["attached"].remove(name)
        if snap["boot"] == name:
            snap["boot"] = None


def _phase_b(b: PlanBuilder, plan: Plan, spec: VmSpec, snap: dict, state: AccountState) -> None:
    host = spec.hostname
    vm_id = snap["vm_id"]
    for name in spec.disks:
        if name in snap["attached"]:
            continue
        current = state.disk_by_name(name)
        before_vm = None
        if current is not None and current.get("vm_id"):
            holder = state.vms.get(int(current["vm_id"]))
            before_vm = holder.get("hostname") if holder else None
        b.add("attach", f"disk {name}", disk=name, vm=host, vm_id=vm_id,
              disk_id=int(current["id"]) if current else None,
              before={"vm": before_vm}, after={"vm": host})  # fmt: skip
        snap["attached"].append(name)
    if spec.boot_disk != snap["boot"]:
        if snap["state"] == "running":
            b.stop(host, vm_id, reason="needed to change the boot disk")
            snap["state"] = "halted"
        wanted = spec.boot_disk
        disk_id = None
        if wanted is None:
            sys_disk = state.system_disk(vm_id) if vm_id is not None else None
            wanted_label = "system disk"
            disk_id = int(sys_disk["id"]) if sys_disk else None
            disk_name = str(sys_disk.get("name")) if sys_disk else None
        else:
            wanted_label = wanted
            disk_name = wanted
            current = state.disk_by_name(wanted)
            disk_id = int(current["id"]) if current else None
        b.add("link_boot_disk", f"vm {host}", vm=host, vm_id=vm_id, disk=disk_name,
              disk_id=disk_id, before={"boot_disk": snap["boot"] or "system disk"},
              after={"boot_disk": wanted_label})  # fmt: skip
        snap["boot"] = wanted
    if spec.state == "running" and snap["state"] == "halted":
        b.add("start", f"vm {host}", vm=host, vm_id=vm_id, before={"state": "halted"},
              after={"state": "running"})  # fmt: skip
        snap["state"] = "running"
    elif spec.state == "halted" and snap["state"] == "running":
        b.stop(host, vm_id)
        snap["state"] = "halted"


__all__ = ["Action", "Plan", "Problem", "make_plan", "summary", "os_label", "KINDS"]
