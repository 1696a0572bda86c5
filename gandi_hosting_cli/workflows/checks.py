"""What the API would refuse of a new object or a growth, checked before anything is sent.

- Quota: ``shortfalls`` is the one rule (free shares and disk quota from
  ``hosting_account_info``, less what the same change frees first), for a single
  command's check (``check_funds``) and a plan's (declarative/planner.py) alike.
- New names: a VM hostname or disk name the account already bears (``check_new_name``
  for one, ``names_taken_together`` for ``apply``'s wave of creates), refused as
  ``DuplicateName``: the API allows it, but then every command by name is ambiguous.

No click, no printing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gandi_hosting_cli.errors import Hint, HostingError, LocalUsageError, QuotaError
from gandi_hosting_cli.workflows.batch import batch, multicall_chunked
from gandi_hosting_cli.workflows.names import RESOURCES

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

SHARES_QUOTA = 530935
DISK_QUOTA = 530435


def _quota(what: str, need: int, available: dict[str, int]) -> QuotaError:
    """Not enough free shares (``what`` "shares") or disk quota ("disk", MB)."""
    free = available.get(what, 0)
    noun, unit = ("shares", "") if what == "shares" else ("disk quota", " MB")
    return QuotaError(
        f"not enough free {noun}: {need}{unit} needed, {free}{unit} free "
        f"({need - free}{unit} missing)",
        SHARES_QUOTA if what == "shares" else DISK_QUOTA,
        hint=Hint("buy", resource=what, amount=need - free),
    )


def free_resources(account: dict | HostingError) -> dict[str, int] | None:
    """Free shares and disk quota (MB) from ``hosting_account_info``; None when the
    server does not say (then the API itself decides)."""
    if not isinstance(account, dict):
        return None
    avail = (account.get("resources") or {}).get("available")
    if not isinstance(avail, dict):
        return None
    # only what the server says: a missing one is left to the API, never taken for 0
    free = {k: int(avail[k]) for k in ("shares", "disk") if isinstance(avail.get(k), int)}
    return free or None


def check_funds(available: dict[str, int] | None, shares: int = 0, disk: int = 0) -> None:
    """Refuse (``QuotaError``, exit 1, as the API would) what does not fit."""
    for error in shortfalls(available, shares=shares, disk=disk):
        raise error


def shortfalls(
    available: dict[str, int] | None,
    *,
    shares: int = 0,
    disk: int = 0,
    freed_shares: int = 0,
    freed_disk: int = 0,
) -> list[QuotaError]:
    """The one quota rule, for a single command's check and a plan's alike: what does not
    fit in the free shares and disk quota (MB), plus what the same change frees first
    (``freed_*``: VMs and disks deleted before the creates), one ``QuotaError`` each.
    Nothing when the server does not say what is free: the API itself decides then."""
    if available is None:
        return []
    errors = []
    for what, need, freed in (("shares", shares, freed_shares), ("disk", disk, freed_disk)):
        if need > 0 and what in available and need > available[what] + freed:
            errors.append(_quota(what, need, {what: available[what] + freed}))
    return errors


def check_new_name(
    client: HostingClient,
    resource: str,
    name: str,
    os_ref: str | None = None,
    *,
    shares: int | None = None,
    size: int | None = None,
    check_name: bool = True,
) -> int | None:
    """Refuse a VM hostname or disk name that already exists on the account (the API
    allows duplicate hostnames, but then every command by name is ambiguous); with
    ``shares`` (a new VM: and its OS image's size) or ``size`` (a new disk), refuse
    what the free shares or disk quota cannot hold (``QuotaError``, exit 1, as the API
    would), before anything is sent.

    Two requests: the list (with ``os_list`` and ``hosting_account_info`` when needed)
    and one multicall of infos. Returns the OS id of ``os_ref`` (None without one).
    Raises ``DuplicateName`` (exit 2) when the name is taken.
    """
    from gandi_hosting_cli.workflows.names import is_id, match_os

    table = RESOURCES[resource]
    funds = shares is not None or size is not None
    calls = [(table.list_method, ())] if check_name else []
    read_os = os_ref is not None and (not is_id(os_ref) or funds)
    calls += [("os_list", ())] if read_os else []
    calls += [("hosting_account_info", ())] if funds else []
    first = batch(client, calls)
    listing = first.pop(0) if check_name else []
    images = first.pop(0) if read_os else []
    taken = names_taken(client, resource, [name], [int(i) for i in listing]).get(name)
    if taken:
        raise DuplicateName(resource, name, taken)
    os_id = None
    if os_ref is not None:
        os_id = int(os_ref) if is_id(os_ref) else match_os(images, os_ref)
    if funds:
        image = next((i for i in images if int(i.get("id", -1)) == os_id), {})
        disk = int(size or 0) + int(image.get("size") or 0)
        check_funds(free_resources(first[0]), shares=int(shares or 0), disk=disk)
    return os_id


def names_taken(
    client: HostingClient, resource: str, names: list[str], ids: list[int]
) -> dict[str, list[int]]:
    """Which of ``names`` a VM (hostnames: case-insensitive) or disk of the account
    already bears, objects being created included: name -> ids, from the infos of
    ``ids`` (the list just read) in one chunked multicall."""
    return _taken(client, {resource: names}, {resource: ids})[resource]


def names_taken_together(
    client: HostingClient, wanted: dict[str, list[str]]
) -> dict[str, dict[str, list[int]]]:
    """``names_taken`` of several resources (``{"vm": [...], "disk": [...]}``) at once:
    one request of their lists, one chunked multicall of all their infos (``apply``
    checks a wave of creates of VMs and disks together)."""
    resources = list(wanted)
    lists = batch(client, [(RESOURCES[r].list_method, ()) for r in resources])
    ids = {r: [int(i) for i in found] for r, found in zip(resources, lists, strict=True)}
    return _taken(client, wanted, ids)


def _taken(
    client: HostingClient, wanted: dict[str, list[str]], ids: dict[str, list[int]]
) -> dict[str, dict[str, list[int]]]:
    keys = [(r, i) for r in wanted for i in ids[r]]
    infos = multicall_chunked(client, [(RESOURCES[r].info_method, (i,)) for r, i in keys])

    def key(resource: str, text: str) -> str:
        return text.lower() if resource == "vm" else text

    looked_for = {r: {key(r, n): n for n in names} for r, names in wanted.items()}
    taken: dict[str, dict[str, list[int]]] = {r: {} for r in wanted}
    for (resource, obj_id), info in zip(keys, infos, strict=True):
        if isinstance(info, dict):
            name_key = RESOURCES[resource].name_key
            name = looked_for[resource].get(key(resource, str(info.get(name_key, ""))))
            if name is not None:
                taken[resource].setdefault(name, []).append(obj_id)
    return taken


class DuplicateName(LocalUsageError):
    """A new object would take a name that is already used: exit 2, nothing created."""

    def __init__(self, resource: str, name: str, ids: list[int]):
        noun = RESOURCES[resource].noun
        which = ", ".join(f"{resource} {i}" for i in ids)
        super().__init__(
            f"a {noun} named {name!r} already exists ({which}): a second one would make "
            f"every command by name ambiguous",
            hint=Hint("rename"),
        )
