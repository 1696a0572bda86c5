"""The shape of every answer, checked against the method's return type before use.

A server that answers ``vm_info`` with a string, ``vm_list`` with an empty ``<params>``,
``login`` with an int or a fault whose code is not an int is broken (or hostile): that is
a protocol failure, exit 6 with one line, not an ``AttributeError`` deep in a command.

The table follows the spec (hosting-xmlrpc-api-1.0.txt, "Returns") and DESIGN.md's
"Structs we return": required keys are the ones the CLI relies on; other documented keys
are checked only when present (servers may omit them), and unknown keys are allowed (more
may be added). Messages name types, never values: an answer may carry a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gandi_hosting_cli.records import FrozenRecord


class ShapeError(Exception):
    """An answer of the wrong shape; ``str()`` says where and what, without values."""


class Shape(FrozenRecord):
    _fields = ("type_name", "item", "required", "optional")
    type_name: str  # int, str, bool, number, date, any, array, struct
    item: Shape | None  # array items
    required: Mapping[str, Shape]  # struct
    optional: Mapping[str, Shape]  # struct

    def __init__(
        self,
        type_name: str,
        item: Shape | None = None,
        required: Mapping[str, Shape] | None = None,
        optional: Mapping[str, Shape] | None = None,
    ) -> None:
        required = {} if required is None else required
        self._set(type_name, item, required, {} if optional is None else optional)

    def describe(self) -> str:
        if self.type_name == "array":
            return f"an array of {self.item.describe() if self.item else 'values'}"
        return _NAMES[self.type_name]


_NAMES = {
    "int": "an int",
    "str": "a string",
    "bool": "a boolean",
    "number": "a number",
    "date": "a date",
    "any": "a value",
    "struct": "a struct",
}

INT = Shape("int")
STR = Shape("str")
BOOL = Shape("bool")
NUMBER = Shape("number")
DATE = Shape("date")
ANY = Shape("any")


def array(item: Shape) -> Shape:
    return Shape("array", item=item)


def struct(required: dict[str, Shape] | None = None, **optional: Shape) -> Shape:
    return Shape("struct", required=dict(required or {}), optional=optional)


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an int"
    if isinstance(value, float):
        return "a double"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (bytes, bytearray)):
        return "base64 data"
    if isinstance(value, datetime):
        return "a date"
    if isinstance(value, Mapping):
        return "a struct"
    if isinstance(value, tuple):
        return f"{len(value)} values" if value else "no value at all"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _matches_scalar(type_name: str, value: Any) -> bool:
    if type_name == "any":
        return True
    if type_name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "str":
        return isinstance(value, str)
    if type_name == "bool":
        return isinstance(value, bool)
    if type_name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "date":
        return isinstance(value, (datetime, str))
    raise AssertionError(type_name)  # pragma: no cover


def check(shape: Shape, value: Any, where: str) -> None:
    """Raise ``ShapeError`` when ``value`` does not have ``shape``."""
    if shape.type_name == "array":
        if not isinstance(value, list):
            raise ShapeError(f"{where} is {describe_value(value)}, not {shape.describe()}")
        assert shape.item is not None
        for index, item in enumerate(value):
            check(shape.item, item, f"{where}[{index}]")
        return
    if shape.type_name == "struct":
        if not isinstance(value, Mapping):
            raise ShapeError(f"{where} is {describe_value(value)}, not a struct")
        for key, inner in shape.required.items():
            if key not in value:
                raise ShapeError(f"{where} has no {key!r}")
            check(inner, value[key], f"{where}.{key}")
        for key, inner in shape.optional.items():
            if key in value:
                check(inner, value[key], f"{where}.{key}")
        return
    if not _matches_scalar(shape.type_name, value):
        raise ShapeError(f"{where} is {describe_value(value)}, not {shape.describe()}")


MAX_DEPTH = 32  # the API's answers nest 4 levels deep; a hostile one may nest 100,000


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse arrays and structs nested deeper than ``limit`` (iteratively: converting or
    printing such an answer recursively would exhaust Python's stack)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple)):
            children: Any = item
        elif isinstance(item, Mapping):
            children = item.values()
        else:
            continue
        if depth >= limit:
            raise ShapeError(f"the answer nests arrays or structs more than {limit} deep")
        stack.extend((child, depth + 1) for child in children)


# -- the spec's return types ------------------------------------------------------------
OPERATION_ID = INT
PRODUCT = struct(
    {"id": INT},
    product_name=STR,
    quantity=INT,
    duration=STR,
    date_created=DATE,
    date_end=DATE,
    updatable=BOOL,
    releasable=BOOL,
)
_RESOURCE = struct(shares=INT, disk=INT)
VM_INFO = struct(
    {"id": INT, "hostname": STR, "state": STR},
    os_id=INT,
    shares=INT,
    cpu=INT,
    memory=INT,
    vm_max_memory=INT,
    login=STR,
    disks_id=array(INT),
    ips=array(ANY),
    date_created=DATE,
    date_updated=DATE,
)
DISK_INFO = struct(
    {"id": INT, "state": STR},
    name=STR,
    size=INT,
    fstype=STR,
    vm_id=INT,
    position=INT,
    is_boot_disk=BOOL,
    date_created=DATE,
    date_updated=DATE,
)
OS_IMAGE = struct({"id": INT}, name=STR, version=STR, arch=STR, label=STR, size=INT)
OPERATION_DETAILS = struct(
    {"uid": INT, "type": STR, "state": STR},
    date_create=DATE,
    date_update=DATE,
    param=struct(param_type=STR, vm_id=INT, disk_id=INT, product_id=INT),
    comment=STR,
)
ACCOUNT_INFO = struct(
    handle=STR,
    currency=STR,
    balance=NUMBER,
    share_definition=struct(memory=NUMBER, disk=NUMBER, cpu=NUMBER),
    resources=struct(granted=_RESOURCE, used=_RESOURCE, available=_RESOURCE),
    products=array(PRODUCT),
)

RETURNS: dict[str, Shape] = {
    "login": STR,
    "su": STR,
    "account_currency": STR,
    "account_balance": NUMBER,
    "hosting_account_info": ACCOUNT_INFO,
    "hosting_account_product_add": OPERATION_ID,
    "hosting_account_product_renew": OPERATION_ID,
    "hosting_account_product_remove": OPERATION_ID,
    "hosting_account_product_update": OPERATION_ID,
    "vm_create": INT,  # the new VM's id
    "vm_info": VM_INFO,
    "vm_list": array(INT),
    "vm_update": OPERATION_ID,
    "vm_delete": OPERATION_ID,
    "vm_start": OPERATION_ID,
    "vm_stop": OPERATION_ID,
    "vm_reboot": OPERATION_ID,
    "vm_disk_list": array(INT),
    "vm_disk_link": OPERATION_ID,
    "disk_create": INT,  # the new disk's id
    "disk_info": DISK_INFO,
    "disk_delete": OPERATION_ID,
    "disk_attach": OPERATION_ID,
    "disk_detach": OPERATION_ID,
    "disk_list": array(INT),
    "operation_list": array(INT),
    "operation_details": OPERATION_DETAILS,
    "operation_cancel": BOOL,
    "os_list": array(OS_IMAGE),
    "system.listMethods": array(STR),
}


def check_result(method: str, value: Any) -> None:
    """The answer of ``method`` (after date conversion); unknown methods pass."""
    if isinstance(value, tuple):  # an empty <params>, or several params
        raise ShapeError(f"the answer to {method} holds {describe_value(value)}, not one")
    shape = RETURNS.get(method)
    if shape is not None:
        check(shape, value, f"the answer to {method}")


def check_fault(code: Any, string: Any) -> None:
    """A fault struct must carry an int ``faultCode`` and a string ``faultString``."""
    if not isinstance(code, int) or isinstance(code, bool):
        raise ShapeError(f"a fault's code is {describe_value(code)}, not an int")
    if not isinstance(string, str):
        raise ShapeError(f"a fault's text is {describe_value(string)}, not a string")


def check_multicall(methods: list[str], value: Any) -> None:
    """``system.multicall``: one ``[result]`` or fault struct per call, in order."""
    if isinstance(value, tuple):
        raise ShapeError(f"the answer to system.multicall holds {describe_value(value)}")
    if not isinstance(value, list):
        raise ShapeError(f"the answer to system.multicall is {describe_value(value)}")
    if len(value) != len(methods):
        raise ShapeError(
            f"the answer to system.multicall has {len(value)} results for {len(methods)} calls"
        )
    for index, (method, item) in enumerate(zip(methods, value, strict=True)):
        if isinstance(item, list) and len(item) == 1:
            shape = RETURNS.get(method)
            if shape is not None:
                check(shape, item[0], f"the answer to {method} (call {index + 1} of a batch)")
        elif isinstance(item, Mapping) and "faultCode" in item:
            check_fault(item.get("faultCode"), item.get("faultString"))
        else:
            raise ShapeError(
                f"result {index + 1} of system.multicall is {describe_value(item)}, "
                "neither [value] nor a fault"
            )
