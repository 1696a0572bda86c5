"""The account -> manifest TOML text that ``plan`` reports as up to date.

VMs in id order with their OS label, shares, cpu, max_memory, state and data disks in
position order (the system disk excluded; ``boot_disk`` when a data disk is the boot
disk), and a commented ``password_env`` (a plan on an account without the VM then says
its root password is missing); then every disk that is not a system disk, with its size
in MB and fstype. Written by hand (TOML writing is not in the stdlib) with strings quoted
as TOML basic strings.
"""

from __future__ import annotations

import json
import re

from gandi_hosting_cli import rules
from gandi_hosting_cli.declarative.manifest import PASSWORD_ENV_PREFIX
from gandi_hosting_cli.declarative.state import AccountState, os_label, read_account
from gandi_hosting_cli.errors import LocalUsageError, escape_controls

HEADER = "# gandi-hosting manifest (written by `gandi-hosting export`)\n"


def _quote(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes for what we write
    return json.dumps(str(value), ensure_ascii=False)


def password_env_name(hostname: str) -> str:
    """``GANDI_VM_PASSWORD_WEB_1`` for ``web-1``: the variable an exported VM suggests."""
    suffix = re.sub(r"[^A-Za-z0-9_]", "_", hostname).upper()
    return f"{PASSWORD_ENV_PREFIX}_{suffix}" if suffix else PASSWORD_ENV_PREFIX


def _safe(value: object, check, kind: str, obj_id: object, key: str) -> str:  # noqa: ANN001
    """``value`` as it can be written back (``check``: the manifest's rule for ``key``);
    else exit 2 naming the object: a name with control or bidi characters, or one the
    manifest would refuse, must never reach the file (nor a terminal through it)."""
    if isinstance(value, str) and check(value):
        return value
    shown = escape_controls(repr(value))
    raise LocalUsageError(
        f"cannot export {kind} {obj_id}: its {key} {shown} cannot be written back safely",
        hint=f"rename it (a valid {key}) and export again",
    )


def _printable(value: str) -> bool:
    return value.isprintable() and bool(value.strip())


def export_manifest(state: AccountState) -> str:
    """TOML text of every VM and every disk that is not a system disk."""
    # an OS label with controls in it is written by id (it names the image all the same)
    labels = {
        int(i["id"]): label if _printable(label := os_label(i)) else str(i["id"])
        for i in state.os_images
    }
    shared = [label for label in labels.values() if list(labels.values()).count(label) > 1]
    # an OS whose label another image shares is written by id (the label would be ambiguous)
    labels = {i: (str(i) if label in shared else label) for i, label in labels.items()}
    system_ids = set()
    for vm_id in state.vms:
        sys_disk = state.system_disk(vm_id)
        if sys_disk is not None:
            system_ids.add(int(sys_disk["id"]))
    parts = [HEADER]
    for vm_id in sorted(state.vms):
        vm = state.vms[vm_id]
        attached = state.attached(vm_id)
        data = [d for d in attached if int(d["id"]) not in system_ids]
        os_id = int(vm.get("os_id", 0))
        hostname = _safe(vm.get("hostname"), rules.is_hostname, "vm", vm_id, "hostname")
        for disk in data:
            _safe(disk.get("name"), rules.is_disk_name, "disk", disk.get("id"), "name")
        lines = [
            "[[vm]]",
            f"hostname = {_quote(hostname)}",
            "# a VM created again from this manifest takes its root password from:",
            f"# password_env = {_quote(password_env_name(str(hostname)))}",
            f"os = {_quote(labels.get(os_id, str(os_id)))}",
            f"shares = {int(vm.get('shares', 1))}",
            f"cpu = {int(vm.get('cpu', 1))}",
            f"max_memory = {int(vm.get('vm_max_memory', 0))}",
            f"state = {_quote(vm.get('state') if vm.get('state') == 'halted' else 'running')}",
        ]
        if vm.get("login"):
            login = _safe(vm["login"], rules.is_unix_user, "vm", vm_id, "login")
            lines.append(f"login = {_quote(login)}")
        lines.append("disks = [" + ", ".join(_quote(d.get("name", "")) for d in data) + "]")
        if attached and int(attached[0]["id"]) not in system_ids:
            lines.append(f"boot_disk = {_quote(attached[0].get('name', ''))}")
        parts.append("\n".join(lines) + "\n")
    for disk_id in sorted(state.disks):
        if disk_id in system_ids:
            continue
        disk = state.disks[disk_id]
        name = _safe(disk.get("name"), rules.is_disk_name, "disk", disk_id, "name")
        fstype = _safe(disk.get("fstype", "ext3"), rules.is_fstype, "disk", disk_id, "fstype")
        lines = [
            "[[disk]]",
            f"name = {_quote(name)}",
            f"size = {int(disk.get('size', 0))}",
            f"fstype = {_quote(fstype)}",
        ]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def export_account(client) -> str:  # noqa: ANN001 (any HostingClient-like object)
    """Read the account (two batched requests) and export it."""
    return export_manifest(read_account(client))
