"""One typed method per API method, named as in the spec, session argument injected.

``HostingClient`` inherits these; each is a single ``self._call`` so the session handling,
retries, tracing and error mapping live in one place (client.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

Struct = dict[str, Any]


class HostingMethods:
    """The spec's 28 methods plus ``su``. Nothing here prints or exits."""

    def _call(self, method: str, *args: Any, session: bool = True) -> Any:  # pragma: no cover
        raise NotImplementedError

    # -- session ---------------------------------------------------------------------------
    def login(self, login: str, password: str, safe: bool = True) -> str:
        """A new session id for ``login`` (safe mode by default, as in the spec)."""
        return self._call("login", login, password, bool(safe), session=False)

    def su(self, handle: str) -> str:
        """A new session id acting as ``handle`` (DESIGN.md: reseller customers, or self)."""
        return self._call("su", handle)

    # -- account ---------------------------------------------------------------------------
    def account_currency(self) -> str:
        return self._call("account_currency")

    def account_balance(self) -> float:
        return self._call("account_balance")

    # -- hosting account -------------------------------------------------------------------
    def hosting_account_info(self) -> Struct:
        return self._call("hosting_account_info")

    def hosting_account_product_add(self, product_name: str, quantity: int, duration: str) -> int:
        return self._call("hosting_account_product_add", product_name, quantity, duration)

    def hosting_account_product_renew(self, product_id: int, duration: str) -> int:
        return self._call("hosting_account_product_renew", product_id, duration)

    def hosting_account_product_remove(self, product_id: int) -> int:
        return self._call("hosting_account_product_remove", product_id)

    def hosting_account_product_update(self, product_id: int, quantity: int) -> int:
        return self._call("hosting_account_product_update", product_id, quantity)

    # -- VMs -------------------------------------------------------------------------------
    def vm_create(
        self,
        hostname: str,
        password: str,
        os_id: int,
        shares: int,
        cpu: int,
        specs: Struct | None = None,
    ) -> int:
        """Queues a ``vm_create`` operation and returns the new VM's id."""
        return self._call("vm_create", hostname, password, os_id, shares, cpu, dict(specs or {}))

    def vm_info(self, vm_id: int) -> Struct:
        return self._call("vm_info", vm_id)

    def vm_list(self) -> list[int]:
        return self._call("vm_list")

    def vm_update(self, vm_id: int, specs: Struct) -> int:
        return self._call("vm_update", vm_id, dict(specs))

    def vm_delete(self, vm_id: int) -> int:
        return self._call("vm_delete", vm_id)

    def vm_start(self, vm_id: int) -> int:
        return self._call("vm_start", vm_id)

    def vm_stop(self, vm_id: int) -> int:
        return self._call("vm_stop", vm_id)

    def vm_reboot(self, vm_id: int) -> int:
        return self._call("vm_reboot", vm_id)

    def vm_disk_list(self, vm_id: int) -> list[int]:
        return self._call("vm_disk_list", vm_id)

    def vm_disk_link(self, vm_id: int, disk_id: int) -> int:
        return self._call("vm_disk_link", vm_id, disk_id)

    # -- disks -----------------------------------------------------------------------------
    def disk_create(self, specs: Struct) -> int:
        """Queues a ``disk_create`` operation and returns the new disk's id."""
        return self._call("disk_create", dict(specs))

    def disk_info(self, disk_id: int) -> Struct:
        return self._call("disk_info", disk_id)

    def disk_delete(self, disk_id: int) -> int:
        return self._call("disk_delete", disk_id)

    def disk_attach(self, disk_id: int, vm_id: int) -> int:
        return self._call("disk_attach", disk_id, vm_id)

    def disk_detach(self, disk_id: int, vm_id: int) -> int:
        return self._call("disk_detach", disk_id, vm_id)

    def disk_list(self) -> list[int]:
        return self._call("disk_list")

    # -- operations ------------------------------------------------------------------------
    def operation_list(self, filter: Struct | None = None) -> list[int]:  # noqa: A002 (spec name)
        """Last 300 operation ids matching ``filter`` (dates may be aware datetimes)."""
        if filter is None:
            return self._call("operation_list")
        return self._call("operation_list", dict(filter))

    def operation_details(self, opid: int) -> Struct:
        return self._call("operation_details", opid)

    def operation_cancel(self, opid: int) -> bool:
        return self._call("operation_cancel", opid)

    # -- misc ------------------------------------------------------------------------------
    def os_list(self) -> list[Struct]:
        return self._call("os_list")


# the full list, for tests and introspection
SPEC_METHODS: tuple[str, ...] = (
    "login",
    "account_currency",
    "account_balance",
    "hosting_account_info",
    "hosting_account_product_add",
    "hosting_account_product_renew",
    "hosting_account_product_remove",
    "hosting_account_product_update",
    "vm_create",
    "vm_info",
    "vm_list",
    "vm_update",
    "vm_delete",
    "vm_start",
    "vm_stop",
    "vm_reboot",
    "vm_disk_list",
    "vm_disk_link",
    "disk_create",
    "disk_info",
    "disk_delete",
    "disk_attach",
    "disk_detach",
    "disk_list",
    "operation_list",
    "operation_details",
    "operation_cancel",
    "os_list",
)


def is_read_only(method: str) -> bool:
    """Safe to retry after a network failure: it changes nothing on the server."""
    return (
        method.endswith(("_info", "_list"))
        or method.startswith(("account_", "system."))
        or method in ("operation_details", "os_list")
    ) and method != "system.multicall"


def to_wire_date(value: datetime) -> datetime:
    """Aware datetimes go out as naive UTC (the wire's dateTime.iso8601 is UTC)."""
    from datetime import timezone

    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value
