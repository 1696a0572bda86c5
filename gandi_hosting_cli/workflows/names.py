"""Names to ids: VMs by hostname, disks by name, OS images by label, in one batch.

Digits are ids (no request). Names cost one request of lists (batched, with ``os_list``
when an OS is named) and one multicall of infos. A name matching several objects is an
``AmbiguousName`` (a usage error, exit 2, listing "id name"); none is ``NotFound`` (4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.api.errors import HostingError, LocalUsageError, NotFound
from gandi_hosting_cli.workflows.batch import batch, multicall_chunked

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient


@dataclass(frozen=True)
class Resource:
    """How a resource (VMs, disks) is listed, read, named and called to a user."""

    list_method: str
    info_method: str
    name_key: str
    noun: str


RESOURCES = {
    "vm": Resource("vm_list", "vm_info", "hostname", "VM"),
    "disk": Resource("disk_list", "disk_info", "name", "disk"),
}


class AmbiguousName(LocalUsageError):
    """Several objects answer to one name: exit 2, listing them as "id name"."""

    def __init__(self, noun: str, token: str, candidates: Sequence[tuple[int, str]]):
        lines = "\n".join(f"  {cid} {name}" for cid, name in candidates)
        super().__init__(f"{noun} name {token!r} is ambiguous; use one of these ids:\n{lines}")
        self.candidates = list(candidates)


def is_id(token: str) -> bool:
    """An id is ASCII digits only: ``str.isdigit`` also takes '²' and Arabic-Indic digits."""
    return re.fullmatch(r"[0-9]+", token) is not None


@dataclass
class Resolved:
    """Ids in the order asked, and the info structs fetched on the way (by id)."""

    vms: list[int] = field(default_factory=list)
    disks: list[int] = field(default_factory=list)
    os_id: int | None = None
    infos: dict[tuple[str, int], dict] = field(default_factory=dict)
    os_images: list[dict] = field(default_factory=list)

    def vm_info(self, vm_id: int) -> dict | None:
        return self.infos.get(("vm", vm_id))

    def disk_info(self, disk_id: int) -> dict | None:
        return self.infos.get(("disk", disk_id))


def resolve(
    client: HostingClient,
    *,
    vms: Iterable[str] = (),
    disks: Iterable[str] = (),
    os: str | None = None,
    fetch_info: bool = False,
    with_os_list: bool = False,
) -> Resolved:
    """Resolve every token at once; ``fetch_info`` also reads the info of ids given as digits.

    ``fetch_info`` is for commands that show what they are about to change (a
    confirmation prompt): the infos come in the same multicall as the name lookup.
    ``with_os_list`` reads ``os_list`` (into ``os_images``) in the lookup's first request
    when a name needs one anyway (an OS label for people costs no extra request).
    """
    tokens = {"vm": list(vms), "disk": list(disks)}
    lists_needed = [r for r in RESOURCES if any(not is_id(t) for t in tokens[r])]
    first_calls = [(RESOURCES[r].list_method, ()) for r in lists_needed]
    read_os_list = (os is not None and not is_id(os)) or (with_os_list and bool(lists_needed))
    if read_os_list:
        first_calls.append(("os_list", ()))
    first = batch(client, first_calls)
    listed = dict(zip(lists_needed, first, strict=False))
    out = Resolved()
    if read_os_list:
        out.os_images = list(first[-1])
    if os is not None:
        out.os_id = int(os) if is_id(os) else match_os(out.os_images, os)
    _read_infos(client, out, tokens, listed, fetch_info)
    for resource, resolved in (("vm", out.vms), ("disk", out.disks)):
        for token in tokens[resource]:
            if is_id(token):
                resolved.append(int(token))
            else:
                resolved.append(_match_name(resource, token, listed.get(resource, []), out.infos))
    return out


def _read_infos(
    client: HostingClient,
    out: Resolved,
    tokens: dict[str, list[str]],
    listed: dict[str, list[int]],
    fetch_info: bool,
) -> None:
    """The second round: info of every listed object (names) plus the digits to show."""
    info_keys: list[tuple[str, int]] = []
    for resource in RESOURCES:
        ids: list[int] = list(listed.get(resource, []))
        if fetch_info:
            ids += [int(t) for t in tokens[resource] if is_id(t)]
        info_keys += [(resource, i) for i in dict.fromkeys(ids)]
    calls = [(RESOURCES[resource].info_method, (i,)) for resource, i in info_keys]
    for key, result in zip(info_keys, multicall_chunked(client, calls), strict=True):
        # an object that vanished between the two requests is not a candidate
        if not isinstance(result, HostingError):
            out.infos[key] = result


def _match_name(resource: str, token: str, ids: Iterable[int], infos: dict) -> int:
    spec = RESOURCES[resource]
    names = {
        i: str(infos[(resource, i)].get(spec.name_key, "")) for i in ids if (resource, i) in infos
    }
    found = [(i, name) for i, name in names.items() if name == token]
    if not found:
        # hostnames are case-insensitive (DNS); fall back to that before giving up
        found = [(i, name) for i, name in names.items() if name.lower() == token.lower()]
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise NotFound(f"no {spec.noun} named {token!r}")
    raise AmbiguousName(spec.noun, token, sorted(found))


def os_label(image: dict) -> str:
    """How an OS image is shown: its label, else ``name version``."""
    return str(image.get("label") or f"{image.get('name', '')} {image.get('version', '')}".strip())


def os_names(images: list[dict]) -> dict[int, str]:
    """OS image id -> its label."""
    return {int(img["id"]): os_label(img) for img in images if "id" in img}


def match_os(images: Sequence[dict], token: str) -> int:
    """An OS by label, by ``name version``, or by name alone when only one version exists."""
    wanted = " ".join(token.split()).lower()
    for pred in (
        lambda img: str(img.get("label", "")).lower() == wanted,
        lambda img: f"{img.get('name', '')} {img.get('version', '')}".lower() == wanted,
        lambda img: str(img.get("name", "")).lower() == wanted,
    ):
        found: list[Any] = [img for img in images if pred(img)]
        if len(found) == 1:
            return int(found[0]["id"])
        if len(found) > 1:
            raise AmbiguousName(
                "OS", token, sorted((int(img["id"]), os_label(img)) for img in found)
            )
    raise NotFound(f"no OS image named {token!r} (see `gandi-hosting os list`)")


def vm_label(vm_id: int, info: dict | None) -> str:
    """How a VM is named in messages: ``web1 (vm 12)``, or ``vm 12`` when unread."""
    if info and info.get("hostname"):
        return f"{info['hostname']} (vm {vm_id})"
    return f"vm {vm_id}"


def disk_label(disk_id: int, info: dict | None) -> str:
    if info and info.get("name"):
        return f"{info['name']} (disk {disk_id})"
    return f"disk {disk_id}"
