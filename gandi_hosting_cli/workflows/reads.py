"""The reads behind list and info commands: many objects in few requests.

Each function returns what it read; objects that vanished between the list and the
read are returned apart (``Listing.unreadable``) for the caller to mention.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.api.errors import HostingError
from gandi_hosting_cli.workflows.batch import multicall_chunked, raise_if_error, read_each
from gandi_hosting_cli.workflows.names import os_names, resolve

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient


@dataclass
class Listing:
    """Objects read in one batch, the ids that could not be read, and labels on the side
    (OS labels of VMs, hostnames of the VMs disks are attached to)."""

    items: list[dict]
    unreadable: dict[int, HostingError] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)


def vm_details(client: HostingClient, *, with_os_labels: bool) -> Listing:
    """Every VM's info; with the OS labels (``os_list`` in the list's request) for people."""
    images: Any = []
    if with_os_labels:
        ids, images = client.multicall([("vm_list", ()), ("os_list", ())])
        raise_if_error(ids)
    else:  # one request less without system.multicall (single calls)
        ids = client.vm_list()
    infos, failed = read_each(client.vm_info, ids)
    return Listing(infos, failed, os_names(images if isinstance(images, list) else []))


def vm_info(client: HostingClient, vm_ref: str, *, with_os_label: bool) -> tuple[dict, str]:
    """One VM's info (by id or hostname), and its OS label when asked (else empty)."""
    # a hostname's lookup reads os_list in its first request: no extra one for the label
    resolved = resolve(client, vms=[vm_ref], with_os_list=with_os_label)
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


def vm_disk_ids(client: HostingClient, vm_ref: str) -> list[int]:
    """The ids of the disks attached to a VM (by id or hostname), in position order."""
    return client.vm_disk_list(resolve(client, vms=[vm_ref]).vms[0])


def disk_infos(client: HostingClient, ids: list[int]) -> Listing:
    infos, failed = read_each(client.disk_info, ids)
    return Listing(infos, failed)


def disk_details(client: HostingClient, *, with_hostnames: bool) -> Listing:
    """Every disk's info; with the hostnames of the VMs they are attached to, for people."""
    infos, failed = read_each(client.disk_info, client.disk_list())
    listing = Listing(infos, failed)
    if with_hostnames:
        vm_ids = sorted({int(d["vm_id"]) for d in infos if d.get("vm_id")})
        results = multicall_chunked(client, [("vm_info", (i,)) for i in vm_ids])
        for vm_id, info in zip(vm_ids, results, strict=True):
            if not isinstance(info, HostingError):
                listing.labels[vm_id] = str(info.get("hostname", vm_id))
    return listing


def disk_info(client: HostingClient, disk_ref: str) -> dict:
    resolved = resolve(client, disks=[disk_ref])
    disk_id = resolved.disks[0]
    return resolved.disk_info(disk_id) or client.disk_info(disk_id)


def operations(client: HostingClient, filters: dict[str, Any]) -> Listing:
    """The operations matching ``filters`` (the last 300), oldest first.

    The spec gives the list no order and ids need not grow with time: the order comes
    from the details' dates, so the details are read even when only ids are shown.
    """
    ids = [int(i) for i in client.operation_list(filters or None)]
    details, failed = read_each(client.operation_details, ids)
    return Listing(oldest_first(details), failed)


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
