"""One VM's actions, in the order the API allows (declarative/planner.py calls them for
each declared VM): phase A (stop when a change needs it halted, update, detach), run for
every VM before phase B (attach, boot disk, start), so that a disk moved from one VM to
another is detached before it is attached. ``snap`` is the VM as the plan leaves it so
far, updated as each action is added.
"""

from __future__ import annotations

from gandi_hosting_cli.declarative.manifest import VmSpec
from gandi_hosting_cli.declarative.plan import PlanBuilder
from gandi_hosting_cli.declarative.state import AccountState
from gandi_hosting_cli.workflows.states import SHARE_MEMORY_MB


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


def halt_update_detach(
    b: PlanBuilder,
    spec: VmSpec,
    snap: dict,
    declared: set[str],
    owners: dict[str, str],
    prune: bool,
    replaced: set[str],
) -> None:
    """Phase A of one VM: stop it when a change needs it halted, update its specs,
    detach the data disks it should no longer hold."""
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
        if name in spec.disks and name not in replaced:  # a replaced disk is detached first
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


def attach_and_start(
    b: PlanBuilder, spec: VmSpec, snap: dict, state: AccountState, replaced: set[str]
) -> None:
    """Attach, set the boot disk, start. A replaced disk has no id yet (the executor
    knows it once its create is answered)."""
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
              disk_id=int(current["id"]) if current and name not in replaced else None,
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
            disk_id = int(current["id"]) if current and wanted not in replaced else None
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
