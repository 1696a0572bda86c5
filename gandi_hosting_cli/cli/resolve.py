"""Names -> ids for VMs, disks and OS images, in one batched round trip at most.

An all-digit token is an id and costs nothing. Names need the objects' info: one
request with the lists (``vm_list``, ``disk_list``, ``os_list``, batched together), then
one ``system.multicall`` of ``vm_info``/``disk_info`` for every id, whatever the number
of names. An ambiguous name is a usage error (exit 2) listing the candidates; an unknown
name is NotFound (exit 4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

from gandi_hosting_cli.api.errors import HostingError, NotFound

# kind -> (list method, info method, name key, how to name it to a user)
_KINDS = {
    "vm": ("vm_list", "vm_info", "hostname", "VM"),
    "disk": ("disk_list", "disk_info", "name", "disk"),
}


class AmbiguousName(click.UsageError):
    """Several objects answer to one name: exit 2, listing them as "id name"."""

    def __init__(self, kind: str, token: str, candidates: Sequence[tuple[int, str]]):
        lines = "\n".join(f"  {cid} {name}" for cid, name in candidates)
        super().__init__(f"{kind} name {token!r} is ambiguous; use one of these ids:\n{lines}")
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


# calls per system.multicall request: keeps a request well under a server's body limit
# (the sandbox takes 1 MB; one vm_info call is ~300 bytes) for accounts of any size
MULTICALL_CHUNK = 1000


def multicall_chunked(client: Any, calls: list[tuple[str, tuple]]) -> list[Any]:
    """``client.multicall`` in requests of at most MULTICALL_CHUNK calls (one for most
    accounts): results in order, a failed call's slot holding its HostingError."""
    results: list[Any] = []
    for start in range(0, len(calls), MULTICALL_CHUNK):
        results += client.multicall(calls[start : start + MULTICALL_CHUNK])
    return results


def _batch(client: Any, calls: list[tuple[str, tuple]]) -> list[Any]:
    """One request for all ``calls``; a single call goes out plain (errors raise)."""
    if not calls:
        return []
    if len(calls) == 1:
        method, args = calls[0]
        return [getattr(client, method)(*args)]
    return client.multicall(calls)


def _raise_if_error(result: Any) -> Any:
    if isinstance(result, HostingError):
        raise result
    return result


def resolve(
    client: Any,
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
    wanted = {k: [t for t in v if not is_id(t)] for k, v in tokens.items()}
    lists_needed = [k for k in ("vm", "disk") if wanted[k]]
    first_calls = [(_KINDS[k][0], ()) for k in lists_needed]
    read_os_list = (os is not None and not is_id(os)) or (with_os_list and bool(lists_needed))
    if read_os_list:
        first_calls.append(("os_list", ()))
    first = [_raise_if_error(r) for r in _batch(client, first_calls)]
    all_ids = dict(zip(lists_needed, first, strict=False))
    out = Resolved()
    if read_os_list:
        out.os_images = list(first[-1])
    if os is not None:
        out.os_id = int(os) if is_id(os) else match_os(out.os_images, os)

    # second round: info of every listed object (names) plus the digits to show
    info_keys: list[tuple[str, int]] = []
    for kind in ("vm", "disk"):
        ids: list[int] = list(all_ids.get(kind, []))
        if fetch_info:
            ids += [int(t) for t in tokens[kind] if is_id(t)]
        info_keys += [(kind, i) for i in dict.fromkeys(ids)]
    calls = [(_KINDS[kind][1], (i,)) for kind, i in info_keys]
    results = multicall_chunked(client, calls)
    for key, result in zip(info_keys, results, strict=True):
        # an object that vanished between the two requests is not a candidate
        if not isinstance(result, HostingError):
            out.infos[key] = result

    for kind in ("vm", "disk"):
        resolved = out.vms if kind == "vm" else out.disks
        for token in tokens[kind]:
            if is_id(token):
                resolved.append(int(token))
            else:
                resolved.append(_match_name(kind, token, all_ids.get(kind, []), out.infos))
    return out


def _match_name(kind: str, token: str, ids: Iterable[int], infos: dict) -> int:
    _, _, key, label = _KINDS[kind]
    found = [
        (i, str(infos[(kind, i)].get(key, "")))
        for i in ids
        if (kind, i) in infos and str(infos[(kind, i)].get(key, "")) == token
    ]
    if not found:
        # hostnames are case-insensitive (DNS); fall back to that before giving up
        found = [
            (i, str(infos[(kind, i)].get(key, "")))
            for i in ids
            if (kind, i) in infos and str(infos[(kind, i)].get(key, "")).lower() == token.lower()
        ]
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise NotFound(f"no {label} named {token!r}")
    raise AmbiguousName(label, token, sorted(found))


def os_label(image: dict) -> str:
    """How an OS image is shown: its label, else ``name version``."""
    return str(image.get("label") or f"{image.get('name', '')} {image.get('version', '')}".strip())


def match_os(images: Sequence[dict], token: str) -> int:
    """An OS by label, by ``name version``, or by name alone when only one version exists."""
    wanted = " ".join(token.split()).lower()

    def pick(pred: Any) -> list[dict]:
        return [img for img in images if pred(img)]

    for pred in (
        lambda img: str(img.get("label", "")).lower() == wanted,
        lambda img: f"{img.get('name', '')} {img.get('version', '')}".lower() == wanted,
        lambda img: str(img.get("name", "")).lower() == wanted,
    ):
        found = pick(pred)
        if len(found) == 1:
            return int(found[0]["id"])
        if len(found) > 1:
            raise AmbiguousName(
                "OS", token, sorted((int(img["id"]), os_label(img)) for img in found)
            )
    raise NotFound(f"no OS image named {token!r} (see `gandi-hosting os list`)")
