"""The reads behind list and info commands: many objects in few requests.

Each function returns what it read; objects that vanished between the list and the
read are returned apart (``Listing.unreadable``) for the caller to mention.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.errors import HostingError
from gandi_hosting_cli.records import Record
from gandi_hosting_cli.rules import OPERATION_STATES, OPERATION_TYPES
from gandi_hosting_cli.workflows.batch import multicall_chunked, raise_if_error, read_each
from gandi_hosting_cli.workflows.names import os_names, resolve

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient
    from gandi_hosting_cli.config.name_cache import NameCache


class Listing(Record):
    """Objects read in one batch, the ids that could not be read, and labels on the side
    (OS labels of VMs, hostnames of the VMs disks are attached to)."""

    _fields = ("items", "unreadable", "labels", "full", "overflow", "images")

    def __init__(
        self,
        items: list[dict],
        unreadable: dict[int, HostingError] | None = None,
        labels: dict[int, str] | None = None,
        full: bool = False,
        overflow: bool = False,
        images: list[dict] | None = None,
    ) -> None:
        self.items = items
        self.unreadable: dict[int, HostingError] = {} if unreadable is None else unreadable
        self.labels: dict[int, str] = {} if labels is None else labels
        self.full = full  # operation_list came back full: older operations were left out
        # --all met more than a page of one type and state in one second: some may be missing
        self.overflow = overflow
        self.images: list[dict] = [] if images is None else images  # os_list, when read


def has_multicall(client: HostingClient) -> bool:
    """The endpoint is not known to lack ``system.multicall`` (so a batch is one request)."""
    return client.capabilities.has_multicall(client.endpoint)


def vm_details(client: HostingClient, *, with_os_labels: bool, need_os: bool = False) -> Listing:
    """Every VM's info (N+1 requests at most without multicall, 2 with it).

    ``with_os_labels``: the OS labels, when they cost no request (``os_list`` in the
    list's multicall). ``need_os``: read them anyway (a filter by OS needs them).
    """
    images: Any = []
    if need_os or (with_os_labels and has_multicall(client)):
        ids, images = client.multicall([("vm_list", ()), ("os_list", ())])
        raise_if_error(ids)
        if need_os:
            raise_if_error(images)
    else:  # one request less without system.multicall (single calls)
        ids = client.vm_list()
    infos, failed = read_each(client, "vm_info", ids)
    images = images if isinstance(images, list) else []
    return Listing(infos, failed, os_names(images), images=images)


def vm_info(
    client: HostingClient,
    vm_ref: str,
    *,
    with_os_label: bool,
    cache: NameCache | None = None,
) -> tuple[dict, str]:
    """One VM's info (by id or hostname), and its OS label when asked (else empty);
    ``cache``: the account's name cache (``names.resolve``)."""
    # a hostname's lookup reads os_list in its first request: no extra one for the label
    resolved = resolve(client, vms=[vm_ref], with_os_list=with_os_label, cache=cache)
    vm_id = resolved.vms[0]
    info = resolved.vm_info(vm_id)
    images: Any = resolved.os_images
    if info is None and with_os_label:
        # the OS label is for people only: read it in the same request as the VM
        info, images = client.multicall([("vm_info", (vm_id,)), ("os_list", ())])
        raise_if_error(info)
    elif info is None:
        info = client.vm_info(vm_id)
    if not with_os_label:
        return info, ""
    try:
        names = os_names(images if isinstance(images, list) and images else client.os_list())
    except HostingError:
        names = {}
    return info, names.get(info.get("os_id"), str(info.get("os_id")))


def vm_infos(
    client: HostingClient,
    refs: Sequence[str],
    *,
    with_os_labels: bool,
    cache: NameCache | None = None,
) -> tuple[list[tuple[str, dict | HostingError]], dict[int, str]]:
    """Several VMs' infos (by id or hostname; each VM once), in the order given, each
    with its info or why it has none (not found, ambiguous); and the OS labels when
    asked: two requests with multicall."""
    refs = list(dict.fromkeys(refs))
    resolved = resolve(client, vms=refs, fetch_info=True, keep_going=True, cache=cache)
    entries = _found(resolved, "vm")
    labels: dict[int, str] = {}
    if with_os_labels and any(isinstance(e, dict) for _, e in entries):
        try:
            labels = os_names(client.os_list())
        except HostingError:
            pass
    return entries, labels


def disk_infos_by_ref(
    client: HostingClient, refs: Sequence[str], *, cache: NameCache | None = None
) -> list[tuple[str, dict | HostingError]]:
    """Several disks' infos (by id or name; each once), in the order given, each with
    its info or why it has none."""
    resolved = resolve(
        client, disks=list(dict.fromkeys(refs)), fetch_info=True, keep_going=True, cache=cache
    )
    return _found(resolved, "disk")


def _found(resolved: Any, resource: str) -> list[tuple[str, dict | HostingError]]:
    from gandi_hosting_cli.errors import NotFound

    entries: list[tuple[str, dict | HostingError]] = []
    seen: set[int] = set()
    for ref, obj_id, error in resolved.tokens[resource]:
        if obj_id is None:
            entries.append((ref, error or NotFound(f"no {resource} {ref!r}")))
            continue
        if obj_id in seen:
            continue
        seen.add(obj_id)
        info = resolved.infos.get((resource, obj_id))
        entries.append(
            (ref, info if info is not None else NotFound(f"{resource} {obj_id} not found"))
        )
    return entries


def vm_disk_ids(client: HostingClient, vm_ref: str, *, cache: NameCache | None = None) -> list[int]:
    """The ids of the disks attached to a VM (by id or hostname), in position order."""
    return client.vm_disk_list(resolve(client, vms=[vm_ref], cache=cache).vms[0])


def disk_infos(client: HostingClient, ids: list[int]) -> Listing:
    infos, failed = read_each(client, "disk_info", ids)
    return Listing(infos, failed)


def disk_details(client: HostingClient, *, with_hostnames: bool) -> Listing:
    """Every disk's info; with the hostnames of the VMs they are attached to, for people,
    when that costs one request (with multicall): N+1 requests at most without it."""
    infos, failed = read_each(client, "disk_info", client.disk_list())
    listing = Listing(infos, failed)
    if with_hostnames and has_multicall(client):
        vm_ids = sorted({int(d["vm_id"]) for d in infos if d.get("vm_id")})
        results = multicall_chunked(client, [("vm_info", (i,)) for i in vm_ids])
        for vm_id, info in zip(vm_ids, results, strict=True):
            if not isinstance(info, HostingError):
                listing.labels[vm_id] = str(info.get("hostname", vm_id))
    return listing


def disk_info(client: HostingClient, disk_ref: str, *, cache: NameCache | None = None) -> dict:
    resolved = resolve(client, disks=[disk_ref], cache=cache)
    disk_id = resolved.disks[0]
    return resolved.disk_info(disk_id) or client.disk_info(disk_id)


LIST_LIMIT = 300  # operation_list gives at most the last 300 matching ids
_SECOND = dt.timedelta(seconds=1)


def operations(client: HostingClient, filters: dict[str, Any], *, every: bool = False) -> Listing:
    """The operations matching ``filters`` (the last 300; ``every``: all of them), oldest
    first. ``Listing.full``: the list came back full, so older ones may be left out.

    The spec gives the list no order and ids need not grow with time: the order comes
    from the details' dates, so the details are read even when only ids are shown.
    """
    ids = [int(i) for i in client.operation_list(filters or None)]
    details, failed = read_each(client, "operation_details", ids)
    if every and len(ids) >= LIST_LIMIT:
        more, more_failed, overflow = _older_operations(client, filters, ids, details)
        details = more + details  # older pages first: ties keep the server's order
        failed.update(more_failed)
    else:
        overflow = False
    full = not every and len(ids) >= LIST_LIMIT
    return Listing(oldest_first(details), failed, full=full, overflow=overflow)


def operations_in_states(
    client: HostingClient, filters: dict[str, Any], states: Sequence[str], *, every: bool = False
) -> Listing:
    """``operations`` for several states at once (``op list --state open``: PENDING and
    RUN): one request of ``operation_list`` calls, then one of details (``every``: each
    state paged back as ``operations`` does)."""
    if every:
        parts = [operations(client, {**filters, "state": s}, every=True) for s in states]
        details = [d for part in parts for d in part.items]
        failed = {k: v for part in parts for k, v in part.unreadable.items()}
        overflow = any(part.overflow for part in parts)
        return Listing(oldest_first(details), failed, overflow=overflow)
    lists = multicall_chunked(
        client, [("operation_list", ({**filters, "state": s},)) for s in states]
    )
    ids = list(dict.fromkeys(int(i) for found in lists for i in raise_if_error(found)))
    details, failed = [], {}
    for opid, read in zip(ids, operations_by_id(client, ids), strict=True):
        if isinstance(read, HostingError):
            failed[opid] = read
        else:
            details.append(read)
    full = any(len(found) >= LIST_LIMIT for found in lists)
    return Listing(oldest_first(details), failed, full=full)


def _older_operations(
    client: HostingClient, filters: dict[str, Any], ids: list[int], details: list[dict]
) -> tuple[list[dict], dict[int, HostingError], bool]:
    """Page back through time with ``created_before`` windows until a window is not full.

    Dates have a precision of one second on the wire, a bound may be inclusive or not,
    and a server may keep fractions of a second: each window ends one second *after* the
    oldest date of the page before (the overlap is dropped by id), so operations created
    in the same second as the edge are never skipped. When one second holds a full page,
    that second is read split by type and state, and the next window ends before it.
    """
    by_id = {_uid(d): d for d in details}
    failed: dict[int, HostingError] = {}
    overflow = False
    pages: list[list[dict]] = []  # newest page first

    def read_new(page_ids: list[int]) -> None:
        _read_new_page(client, page_ids, by_id, failed, pages)

    user_before = _naive_utc(filters.get("created_before"))
    user_after = _naive_utc(filters.get("created_after"))
    bound: dt.datetime | None = None
    for _ in range(100_000):  # bounds go down by a second at least each round
        if len(ids) < LIST_LIMIT:
            break
        dates = [_naive_utc(by_id[i].get("date_create")) for i in ids if i in by_id]
        known = [d for d in dates if d is not None]
        if not known:
            break  # nothing to page by (an odd server)
        oldest = min(known)
        upper = oldest + _SECOND if user_before is None else min(oldest + _SECOND, user_before)
        if bound is not None and upper >= bound:
            # a full page within about one second: that second split by type and state
            after = oldest - _SECOND if user_after is None else max(oldest - _SECOND, user_after)
            window = {**filters, "created_after": after, "created_before": bound}
            split, full = _split_second(client, window)
            overflow = overflow or full
            read_new(split)
            upper = oldest - _SECOND
            if upper >= bound or (user_after is not None and upper < user_after):
                break
        bound = upper
        ids = [int(i) for i in client.operation_list({**filters, "created_before": bound})]
        read_new(ids)
    return [info for page in reversed(pages) for info in page], failed, overflow


def _read_new_page(
    client: HostingClient,
    page_ids: list[int],
    by_id: dict[int, dict],
    failed: dict[int, HostingError],
    pages: list[list[dict]],
) -> None:
    """The details of the page's operations not read yet, as a new page."""
    fresh = [i for i in dict.fromkeys(page_ids) if i not in by_id and i not in failed]
    infos, unread = read_each(client, "operation_details", fresh)
    for info in infos:
        by_id[_uid(info)] = info
    pages.append(infos)
    failed.update(unread)


def _uid(details: dict) -> int:
    return int(details.get("uid", details.get("id", 0)) or 0)


def _split_second(client: HostingClient, window: dict[str, Any]) -> tuple[list[int], bool]:
    """Every id in ``window`` (about one second), asked per type and state in one batch;
    and whether one of those lists came back full (then some may still be missing)."""
    types = [window["type"]] if window.get("type") else list(OPERATION_TYPES)
    state = window.get("state")
    states = [state] if state and state != "ALL" else list(OPERATION_STATES)
    calls = [
        ("operation_list", ({**window, "type": t, "state": s},)) for t in types for s in states
    ]
    ids: list[int] = []
    full = False
    for result in multicall_chunked(client, calls):
        found = [int(i) for i in raise_if_error(result)]
        full = full or len(found) >= LIST_LIMIT
        ids += found
    return list(dict.fromkeys(ids)), full


def _naive_utc(value: Any) -> dt.datetime | None:
    """A datetime as naive UTC (what the filters send); None for anything else."""
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0)


def oldest_first(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Operations by creation date, oldest first.

    ``operation_list`` promises "the last 300" in no particular order, and ids need not
    grow with time. A list that the server gave newest first is turned around first, so
    operations created in the same second keep their relative order.
    """
    dates = [d.get("date_create") for d in details]
    if not all(isinstance(x, dt.datetime) for x in dates):
        return list(details)
    if len(dates) >= 2 and dates[0] > dates[-1]:
        details, dates = details[::-1], dates[::-1]
    order = sorted(range(len(details)), key=lambda i: dates[i])
    return [details[i] for i in order]


def operation_object(details: dict[str, Any]) -> str:
    """What an operation applies to: ``vm 12``, ``disk 3``, ``product 5``."""
    param = details.get("param") or {}
    param_type = str(param.get("param_type") or "")
    obj_id = param.get(f"{param_type}_id") if param_type else None
    if not param_type:
        return "-"
    return f"{param_type} {obj_id}" if obj_id is not None else param_type


def operations_by_id(client: HostingClient, opids: list[int]) -> list[dict | HostingError]:
    """The details of each operation (or the error reading it), in one batch."""
    return multicall_chunked(client, [("operation_details", (i,)) for i in opids])


def balance(client: HostingClient) -> tuple[Any, Any]:
    """The prepaid balance and its currency, in one request."""
    amount, currency = client.multicall([("account_balance", ()), ("account_currency", ())])
    return raise_if_error(amount), raise_if_error(currency)
