"""Manifest vs account -> an ordered list of actions with their dependencies.

What the sandbox (and a real back end) requires, and so what the plan models:

- an object with a queued operation refuses another change: every action waits for the
  previous action on the same VM or disk (``depends``), and actions on different objects
  run in parallel;
- ``vm_create`` ends with the VM running; cpu, ``vm_max_memory``, memory growth beyond
  ``vm_max_memory``, changing the boot disk and detaching the boot disk need a halted VM
  (stop -> change -> start when the manifest wants it running);
- a VM must be halted to be deleted (it takes its boot disk with it and detaches the
  others); a disk must be detached to be deleted;
- the API cannot resize a disk, change its fstype or reinstall a VM: such drift is a
  "replace" problem (``plan`` exits 9 when nothing else is pending), and only a name in
  ``replace`` is replaced: a delete action then a create action that depends on it (the
  executor needs no other action kind); the disks a replaced VM holds are detached by
  its delete and attached again to the new VM;
- a declared name that several objects hold on the account is a "duplicate" problem
  (``plan`` exits 2, apply refuses): which one the manifest means cannot be known.

Objects not in the manifest are left alone unless ``prune``. A VM's system disk (the
one it was created with) is part of the VM, never a manifest disk.
"""

from __future__ import annotations

from typing import Any

from gandi_hosting_cli.declarative.manifest import DiskSpec, Manifest, VmSpec
from gandi_hosting_cli.declarative.plan import (
    BUSY,
    DUPLICATE,
    KINDS,
    REPLACE,
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
from gandi_hosting_cli.declarative.vm_steps import attach_and_start, halt_update_detach
from gandi_hosting_cli.errors import Hint
from gandi_hosting_cli.workflows.checks import free_resources, shortfalls
from gandi_hosting_cli.workflows.states import SHARE_MEMORY_MB

DEFAULT_MAX_MEMORY = 2048  # vm_max_memory of a new VM: max(2048, memory)
STABLE_VM_STATES = ("running", "halted")


def _max_memory(vm: dict) -> int:
    return int(vm.get("vm_max_memory") or 0)


def make_plan(
    manifest: Manifest,
    state: AccountState,
    *,
    prune: bool = False,
    replace: tuple[str, ...] | list[str] = (),
) -> Plan:
    """Compare and order. Never sends anything (``state`` was read before). ``replace``:
    the VM hostnames and disk names whose drift may be fixed by a delete and a create
    (names not in the manifest: see ``unknown_names``)."""
    return _Planner(manifest, state, prune, tuple(replace)).run()


def unknown_names(manifest: Manifest, names: tuple[str, ...] | list[str]) -> list[str]:
    """The names of ``names`` that are neither a declared VM nor a declared disk."""
    declared = {v.hostname.lower() for v in manifest.vms} | {d.name for d in manifest.disks}
    return [n for n in names if n not in declared and n.lower() not in declared]


class _Planner:
    """One comparison of a manifest with an account: the plan, its actions, the quota needs."""

    def __init__(
        self, manifest: Manifest, state: AccountState, prune: bool, replace: tuple[str, ...]
    ) -> None:
        self.manifest = manifest
        self.state = state
        self.prune = prune
        self.replace = replace
        self.plan = Plan()
        self.b = PlanBuilder()
        self.need_shares = 0
        self.need_disk = 0
        self.freed_shares = 0  # by replaced VMs (their delete runs before the create)
        self.freed_disk = 0
        self.declared_disks = {d.name for d in manifest.disks}
        self.declared_hosts = {v.hostname.lower() for v in manifest.vms}
        self.ambiguous: set[str] = set()  # declared names several objects hold
        self.replaced_disks: dict[str, dict] = {}  # name -> the disk to delete and recreate

    def run(self) -> Plan:
        self._index_ids()
        self._find_duplicates()
        self._plan_disks()
        phase_b = self._plan_vms()
        self._detach_from_undeclared_vms()
        if self.prune:
            pruned_vm_ids = self._prune_vms()
            self._prune_disks(pruned_vm_ids)
        self._replace_disks()
        replaced = set(self.replaced_disks)
        for spec, snap in phase_b:
            attach_and_start(self.b, spec, snap, self.state, replaced)
        self._check_quota()
        self._note_replace_without_drift()
        self.plan.actions = self.b.actions
        return self.plan

    def _problem(self, *args: Any, **kwargs: Any) -> None:
        self.plan.problems.append(Problem(*args, **kwargs))

    def _index_ids(self) -> None:
        for vm in self.state.vms.values():
            self.plan.vm_ids.setdefault(str(vm.get("hostname")), int(vm["id"]))
        for disk in self.state.disks.values():
            self.plan.disk_ids.setdefault(str(disk.get("name")), int(disk["id"]))

    def _find_duplicates(self) -> None:
        """A declared name that several VMs (or disks) hold: a problem (exit 2), and the
        name is left out of the plan (which object it means cannot be known)."""
        for what, declared, objects, key in (
            ("vm", [v.hostname for v in self.manifest.vms], self.state.vms, "hostname"),
            ("disk", [d.name for d in self.manifest.disks], self.state.disks, "name"),
        ):
            for name in declared:
                ids = sorted(
                    obj_id
                    for obj_id, obj in objects.items()
                    if str(obj.get(key, "")).lower() == name.lower()
                )
                if len(ids) < 2:
                    continue
                self.ambiguous.add(f"{what} {name.lower()}")
                listed = ", ".join(str(i) for i in ids)
                self._problem(
                    DUPLICATE, f"{what} {name}",
                    f"{what} {name}: {len(ids)} {what}s have this name on the account"
                    f" (ids {listed}): delete or rename the extra ones, then plan again",
                )  # fmt: skip

    def _is_ambiguous(self, what: str, name: str) -> bool:
        return f"{what} {name.lower()}" in self.ambiguous

    def _wants_replace(self, name: str) -> bool:
        return name.lower() in {n.lower() for n in self.replace}

    def _note_replace_without_drift(self) -> None:
        """A ``--replace NAME`` whose object has no drift: nothing is replaced (said)."""
        replaced = {t.split(" ", 1)[1].lower() for t in self.plan.replaced}
        reported = {p.target.split(" ", 1)[-1].lower() for p in self.plan.problems}
        for name in self.replace:
            exists = self.state.vm_by_name(name) or self.state.disk_by_name(name)
            if name.lower() not in replaced | reported and exists is not None:
                self.plan.notes.append(
                    f"{name}: nothing to replace (no drift the API cannot change in place)"
                )

    # -- disks to create; sizes that differ ----------------------------------------------
    def _plan_disks(self) -> None:
        for spec in self.manifest.disks:
            if self._is_ambiguous("disk", spec.name):
                continue
            current = self.state.disk_by_name(spec.name)
            if current is None:
                self.b.add("create_disk", f"disk {spec.name}", disk=spec.name,
                           after={"size": spec.size, "fstype": spec.fstype},
                           params={"name": spec.name, "size": spec.size,
                                   "fstype": spec.fstype})  # fmt: skip
                self.need_disk += spec.size
                continue
            self._report_unchangeable_disk(spec, current)

    def _report_unchangeable_disk(self, spec: DiskSpec, current: dict) -> None:
        """A size or fstype the API cannot change (no disk_update in API 1.0): replaced when
        ``--replace NAME`` asks for it, else a "replace" problem."""
        drift = []
        if int(current.get("size", 0)) != spec.size:
            drift.append(f"size {current.get('size')} -> {spec.size} MB")
        if str(current.get("fstype")) != spec.fstype:
            drift.append(f"fstype {current.get('fstype')} -> {spec.fstype}")
        if not drift:
            return
        change = ", ".join(drift)
        if not self._wants_replace(spec.name):
            self._problem(
                REPLACE, f"disk {spec.name}",
                f"disk {spec.name}: {change} cannot be changed in place (the API has no disk"
                f" resize or reformat): it needs replacement, which loses its data"
                f" (`apply --replace {spec.name}`); left as is",
                blocking=False, name=spec.name,
            )  # fmt: skip
            return
        if current.get("state") != "created":
            self._problem(BUSY, f"disk {spec.name}", f"disk {spec.name} is"
                          f" {current.get('state')}: cannot be replaced now",
                          blocking=False)  # fmt: skip
            return
        holder = self.state.vms.get(int(current.get("vm_id") or 0))
        if holder is not None and holder.get("state") not in STABLE_VM_STATES:
            self._problem(BUSY, f"disk {spec.name}", f"disk {spec.name} is on vm"
                          f" {holder.get('hostname')}, which is {holder.get('state')}: cannot be"
                          " replaced now", blocking=False)  # fmt: skip
            return
        self.replaced_disks[spec.name] = {**current, "change": change}
        self.plan.replaced.append(f"disk {spec.name}")
        self.need_disk += spec.size
        self.freed_disk += int(current.get("size", 0))

    def _replace_disks(self) -> None:
        """Delete then create each replaced disk, after whatever detaches it (its VM's
        phase A, a replaced VM's delete); the attach to its VM comes in phase B."""
        for name, current in self.replaced_disks.items():
            spec = self.manifest.disk(name)
            assert spec is not None
            self.b.add("delete_disk", f"disk {name}", disk=name, disk_id=int(current["id"]),
                       before={"size": current.get("size"), "fstype": current.get("fstype")},
                       reason=f"replaced: {current['change']}; its data is lost")  # fmt: skip
            self.b.add("create_disk", f"disk {name}", disk=name,
                       after={"size": spec.size, "fstype": spec.fstype},
                       params={"name": name, "size": spec.size, "fstype": spec.fstype},
                       reason="replacement")  # fmt: skip

    # -- per VM: phase A (create/stop/update/detach), phase B (attach/link/start) ---------
    def _plan_vms(self) -> list[tuple[VmSpec, dict]]:
        phase_b: list[tuple[VmSpec, dict]] = []
        owners = {name: v.hostname for v in self.manifest.vms for name in v.disks}
        for spec in self.manifest.vms:
            if self._is_ambiguous("vm", spec.hostname):
                continue
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
                if snap is not None and snap.get("replace"):
                    self._replace_vm(spec, current, snap["replace"])
                    snap = self._new_vm(spec, replacement=True)
                    current = None
            if snap is None:
                continue
            if spec.shares > snap["shares"] and current is not None:
                self.need_shares += spec.shares - snap["shares"]
            halt_update_detach(self.b, spec, snap, self.declared_disks, owners, self.prune,
                               set(self.replaced_disks))  # fmt: skip
            phase_b.append((spec, snap))
        return phase_b

    def _match_os(self, spec: VmSpec) -> int | None:
        try:
            return match_os(self.state.os_images, spec.os)
        except (OsNotFound, OsAmbiguous) as error:
            self._problem("os", f"vm {spec.hostname}", str(error))
            return None

    def _new_vm(self, spec: VmSpec, *, replacement: bool = False) -> dict | None:
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
                           "login": spec.login},
                   reason="replacement" if replacement else "")  # fmt: skip
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
        replace = None
        if int(current.get("os_id", -1)) != wanted_os:
            change = f"os {self._os_name(current.get('os_id'))} -> {self._os_name(wanted_os)}"
            if self._wants_replace(spec.hostname):
                replace = change
            else:
                self._problem(
                    REPLACE, f"vm {spec.hostname}",
                    f"vm {spec.hostname}: {change} cannot be changed in place (the API cannot"
                    " reinstall a VM): it needs replacement, which loses its system disk"
                    f" (`apply --replace {spec.hostname}`); left as is",
                    blocking=False, name=spec.hostname,
                )  # fmt: skip
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
            "replace": replace,
        }

    def _os_name(self, os_id: Any) -> str:
        image = next((i for i in self.state.os_images if str(i.get("id")) == str(os_id)), None)
        return f"{os_label(image)} ({os_id})" if image else str(os_id)

    def _replace_vm(self, spec: VmSpec, current: dict, change: str) -> None:
        """Stop, delete the VM (its system disk with it), before its create: the data
        disks it holds are detached by the delete (their next action waits for it); a
        data disk that is its boot disk is first swapped for the system disk, so that the
        delete does not take it."""
        host, vm_id, state = spec.hostname, int(current["id"]), self.state
        self.plan.replaced.append(f"vm {host}")
        if current.get("state") == "running":
            self.b.stop(host, vm_id, reason="a VM must be halted to be deleted")
        sys_disk = state.system_disk(vm_id)
        attached = state.attached(vm_id)
        data = [str(d.get("name")) for d in attached if d is not sys_disk]
        if attached and sys_disk is not None and attached[0] is not sys_disk:
            self.b.add("link_boot_disk", f"vm {host}", vm=host, vm_id=vm_id,
                       disk=str(sys_disk.get("name")), disk_id=int(sys_disk["id"]),
                       before={"boot_disk": attached[0].get("name")},
                       after={"boot_disk": "system disk"},
                       reason="so that deleting the VM keeps its data disks")  # fmt: skip
        self.b.add("delete_vm", f"vm {host}", vm=host, vm_id=vm_id, touches=tuple(data),
                   before={"state": current.get("state"), "shares": current.get("shares")},
                   reason=f"replaced: {change}; its system disk is lost")  # fmt: skip
        self.freed_shares += int(current.get("shares", 0))
        if sys_disk is not None:
            self.freed_disk += int(sys_disk.get("size", 0))

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
                    + _busy_note(vm.get("state")), blocking=False,
                    hint=_busy_hint(vm.get("state")))  # fmt: skip
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
                " deleted now" + _busy_note(disk.get("state")), blocking=False,
                hint=_busy_hint(disk.get("state")))  # fmt: skip
            return
        self.b.add("delete_disk", f"disk {name}", disk=name, disk_id=disk_id,
                   before={"size": disk.get("size")})  # fmt: skip

    # -- what the API would refuse: quota for the creates and growths ---------------------
    def _check_quota(self) -> None:
        """The single commands' rule (``checks.shortfalls``), for the whole plan."""
        errors = shortfalls(
            free_resources(self.state.account),
            shares=self.need_shares,
            disk=self.need_disk,
            freed_shares=self.freed_shares,
            freed_disk=self.freed_disk,
        )
        for error in errors:
            hint = error.hint
            kind = "shares" if hint is not None and hint.resource == "shares" else "disk_quota"
            missing = hint.amount if hint is not None else 0
            self._problem(kind, "account", error.message, missing=missing, hint=hint)


def _busy_note(state: object) -> str:
    if state != "being_created":
        return ""
    return " (a create that ended in ERROR holds it until its operation is cancelled)"


def _busy_hint(state: object) -> Hint | None:
    return Hint("list_failed") if state == "being_created" else None


__all__ = ["Action", "Plan", "Problem", "make_plan", "summary", "os_label", "KINDS"]
