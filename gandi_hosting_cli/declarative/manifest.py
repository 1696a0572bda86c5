"""The manifest: ``[[vm]]`` and ``[[disk]]`` tables in TOML, checked before anything is sent.

Every error is one ``ManifestError`` naming the file, the line and the key. tomllib gives
no line numbers, so they come from a scan of the source text for the table headers and
the ``key =`` lines (a TOML syntax error has tomllib's own line and column).

The name and size rules below are private copies of the CLI's (cli/types.py's Size,
Hostname and DiskName); they should move to the shared ``gandi_hosting_cli/rules.py``
once it exists.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gandi_hosting_cli import rules
from gandi_hosting_cli.errors import HostingError
from gandi_hosting_cli.exit_codes import ExitCode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    import tomli as tomllib

# the value rules are the CLI's and the sandbox's (rules.py): a manifest the plan accepts
# is one the commands and the API accept
MAX_INT = rules.MAX_INT
FSTYPES = rules.FSTYPES
DEFAULT_FSTYPE = rules.DEFAULT_FSTYPE
VM_STATES = ("running", "halted")
_ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ManifestError(HostingError):
    """A manifest that cannot be used; found before any request (exit 2)."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, file: str, line: int | None = None, key: str | None = None):
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.key = key
        self.reason = message


@dataclass(frozen=True)
class DiskSpec:
    name: str
    size: int  # MB
    fstype: str = DEFAULT_FSTYPE
    line: int = 0


@dataclass(frozen=True)
class VmSpec:
    hostname: str
    os: str  # label, "name version" or id (resolved against os_list by the planner)
    shares: int
    cpu: int = 1
    max_memory: int | None = None  # MB; None: leave the API's default / current value
    state: str = "running"
    login: str | None = None
    disks: tuple[str, ...] = ()
    boot_disk: str | None = None
    password_env: str | None = None
    line: int = 0


@dataclass
class Manifest:
    vms: list[VmSpec] = field(default_factory=list)
    disks: list[DiskSpec] = field(default_factory=list)
    file: str = "<manifest>"

    def vm(self, hostname: str) -> VmSpec | None:
        return next((v for v in self.vms if v.hostname == hostname), None)

    def disk(self, name: str) -> DiskSpec | None:
        return next((d for d in self.disks if d.name == name), None)

    def disk_owner(self, name: str) -> VmSpec | None:
        """The declared VM whose ``disks`` list names this disk."""
        return next((v for v in self.vms if name in v.disks), None)


def parse_size(value: Any) -> int:
    """``2048``, ``"2048M"``, ``"2G"``, ``"1.5G"`` -> whole MB (``rules.size_megabytes``);
    ValueError otherwise (a boolean or a float is not a size)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{value!r} is not a size: use MB (2048) or a unit (2048M, 2G, 1T)")
    try:
        return rules.size_megabytes(value)
    except rules.RuleError as error:
        raise ValueError(f"{value!r}: {error}") from None


# -- line numbers ---------------------------------------------------------------------------
_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*(\]\]?)\s*(#.*)?$")
_KEY_RE = re.compile(r"""^\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*(?:\.[^=]*)?=""")


@dataclass
class _Lines:
    """Where each table and key of the source is: by (table, index) and key."""

    headers: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)
    top_keys: dict[str, int] = field(default_factory=dict)
    other_headers: list[tuple[str, int]] = field(default_factory=list)

    @classmethod
    def scan(cls, text: str) -> _Lines:
        out = cls()
        counts: dict[str, int] = {}
        current: tuple[str, int] | None = None
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:  # inside a multi-line string: no headers or keys
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER_RE.match(line)
            if header and not _KEY_RE.match(line):
                name = header.group(2).strip().strip("\"'")
                if header.group(1) == "[[" and name in ("vm", "disk"):
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    current = (name, index)
                    out.headers[current] = number
                else:
                    out.other_headers.append((name, number))
                    current = None
                continue
            key = _KEY_RE.match(line)
            if key:
                name = key.group(1).strip("\"'")
                if current is None:
                    out.top_keys.setdefault(name, number)
                else:
                    out.keys.setdefault((*current, name), number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_multiline = quote
        return out

    def of(self, table: str, index: int, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.headers.get((table, index))


# -- the checks -----------------------------------------------------------------------------
_VM_KEYS = {
    "hostname": str,
    "os": (str, int),
    "shares": int,
    "cpu": int,
    "max_memory": int,
    "state": str,
    "login": str,
    "disks": list,
    "boot_disk": str,
    "password_env": str,
}
_DISK_KEYS = {"name": str, "size": (int, str), "fstype": str}
_REQUIRED = {"vm": ("hostname", "os", "shares"), "disk": ("name", "size")}
_TYPE_NAMES = {str: "a string", int: "an integer", list: "an array"}


def _type_name(expected: Any) -> str:
    if isinstance(expected, tuple):
        return " or ".join(_TYPE_NAMES[t] for t in expected)
    return _TYPE_NAMES[expected]


class _Checker:
    def __init__(self, text: str, file: str):
        self.file = file
        self.lines = _Lines.scan(text)

    def fail(self, message: str, table: str, index: int, key: str | None = None) -> ManifestError:
        label = f"[[{table}]] #{index + 1}"
        shown = f"{label} key {key!r}: " if key else f"{label}: "
        return ManifestError(
            shown + message, file=self.file, line=self.lines.of(table, index, key), key=key
        )

    def table(self, table: str, index: int, raw: Any, allowed: dict) -> dict:
        if not isinstance(raw, dict):
            raise ManifestError(
                f"{table!r} must be an array of tables ([[{table}]])",
                file=self.file,
                line=self.lines.top_keys.get(table),
                key=table,
            )
        for key, value in raw.items():
            if key not in allowed:
                known = ", ".join(allowed)
                raise self.fail(f"unknown key (known keys: {known})", table, index, key)
            expected = allowed[key]
            types = expected if isinstance(expected, tuple) else (expected,)
            if isinstance(value, bool) or not isinstance(value, types):
                raise self.fail(f"must be {_type_name(expected)}", table, index, key)
        for key in _REQUIRED[table]:
            if key not in raw:
                raise self.fail(f"missing required key {key!r}", table, index)
        return raw

    def positive(self, raw: dict, key: str, table: str, index: int, low: int = 1) -> None:
        if key in raw and not low <= raw[key] <= MAX_INT:
            raise self.fail(f"must be at least {low}", table, index, key)


def _is_digits(value: str) -> bool:
    return rules.looks_like_id(value)


def parse_manifest(text: str, file: str = "<manifest>") -> Manifest:
    """Parse and check a manifest's text; ``file`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line = int(found.group(1)) if found else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        column = f", column {found.group(2)}" if found else ""
        raise ManifestError(f"not valid TOML{column}: {reason}", file=file, line=line) from None
    check = _Checker(text, file)
    for name, line in check.lines.other_headers:
        raise ManifestError(
            f"unknown table [{name}] (a manifest has [[vm]] and [[disk]] tables)",
            file=file,
            line=line,
            key=name,
        )
    for key in data:
        if key not in ("vm", "disk"):
            raise ManifestError(
                f"unknown key {key!r} (a manifest has [[vm]] and [[disk]] tables)",
                file=file,
                line=check.lines.top_keys.get(key),
                key=key,
            )
        if not isinstance(data[key], list):
            raise ManifestError(
                f"{key!r} must be an array of tables ([[{key}]])",
                file=file,
                line=check.lines.top_keys.get(key),
                key=key,
            )
    manifest = Manifest(file=file)
    for index, raw in enumerate(data.get("disk", [])):
        manifest.disks.append(_disk(check, index, raw))
    for index, raw in enumerate(data.get("vm", [])):
        manifest.vms.append(_vm(check, index, raw))
    _cross_checks(check, manifest)
    return manifest


def _disk(check: _Checker, index: int, raw: Any) -> DiskSpec:
    raw = check.table("disk", index, raw, _DISK_KEYS)
    name = raw["name"]
    if not rules.is_disk_name(name):
        raise check.fail("a disk name is 1-64 of A-Z a-z 0-9 . _ -", "disk", index, "name")
    if _is_digits(name):
        raise check.fail("a disk name cannot be digits only (it would read as an id)",
                         "disk", index, "name")  # fmt: skip
    try:
        size = parse_size(raw["size"])
    except ValueError as error:
        raise check.fail(str(error), "disk", index, "size") from None
    fstype = raw.get("fstype", DEFAULT_FSTYPE)
    if fstype not in FSTYPES:
        raise check.fail(f"must be one of {', '.join(FSTYPES)}", "disk", index, "fstype")
    return DiskSpec(name, size, fstype, line=check.lines.of("disk", index) or 0)


def _vm(check: _Checker, index: int, raw: Any) -> VmSpec:
    raw = check.table("vm", index, raw, _VM_KEYS)
    hostname = _vm_hostname(check, index, raw)
    os_value, cpu, max_memory = _vm_resources(check, index, raw)
    state, login, env = _vm_access(check, index, raw)
    disks, boot = _vm_disks(check, index, raw)
    return VmSpec(
        hostname=hostname,
        os=os_value,
        shares=raw["shares"],
        cpu=cpu,
        max_memory=max_memory,
        state=state,
        login=login,
        disks=disks,
        boot_disk=boot,
        password_env=env,
        line=check.lines.of("vm", index) or 0,
    )


def _vm_hostname(check: _Checker, index: int, raw: dict) -> str:
    hostname = raw["hostname"]
    if not rules.is_hostname(hostname):
        raise check.fail("a hostname is an RFC 1123 label (1-63 of A-Z a-z 0-9 -)",
                         "vm", index, "hostname")  # fmt: skip
    if _is_digits(hostname):
        raise check.fail("a hostname cannot be digits only (it would read as an id)",
                         "vm", index, "hostname")  # fmt: skip
    return hostname


def _vm_resources(check: _Checker, index: int, raw: dict) -> tuple[str, int, int | None]:
    """(os, cpu, max_memory) of a [[vm]] table, checked against its shares."""
    check.positive(raw, "shares", "vm", index)
    check.positive(raw, "cpu", "vm", index)
    check.positive(raw, "max_memory", "vm", index, low=256)
    os_value = raw["os"]
    if isinstance(os_value, int):
        os_value = str(os_value)
    if not str(os_value).strip():
        raise check.fail("must name an OS image", "vm", index, "os")
    cpu = raw.get("cpu", 1)
    problem = rules.cpu_problem(cpu, raw["shares"])
    if problem:
        raise check.fail(problem, "vm", index, "cpu")
    max_memory = raw.get("max_memory")
    if max_memory is not None and max_memory < raw["shares"] * 256:
        raise check.fail(
            f"{max_memory} MB is below the memory of {raw['shares']} shares "
            f"({raw['shares'] * 256} MB)",
            "vm",
            index,
            "max_memory",
        )
    return str(os_value).strip(), cpu, max_memory


def _vm_access(check: _Checker, index: int, raw: dict) -> tuple[str, str | None, str | None]:
    """(state, login, password_env) of a [[vm]] table."""
    state = raw.get("state", "running")
    if state not in VM_STATES:
        raise check.fail("must be 'running' or 'halted'", "vm", index, "state")
    login = raw.get("login")
    if login is not None and not rules.is_unix_user(login):
        raise check.fail("must be a Unix user name (a-z 0-9 _ -, not root)", "vm", index, "login")
    env = raw.get("password_env")
    if env is not None and not _ENV_RE.fullmatch(env):
        raise check.fail("must be an environment variable name", "vm", index, "password_env")
    return state, login, env


def _vm_disks(check: _Checker, index: int, raw: dict) -> tuple[tuple[str, ...], str | None]:
    """(disks, boot_disk) of a [[vm]] table."""
    disks = raw.get("disks", [])
    if any(not isinstance(d, str) for d in disks):
        raise check.fail("must be an array of disk names", "vm", index, "disks")
    if len(set(disks)) != len(disks):
        raise check.fail("names a disk twice", "vm", index, "disks")
    boot = raw.get("boot_disk")
    if boot is not None and boot not in disks:
        raise check.fail(f"{boot!r} is not in this VM's disks", "vm", index, "boot_disk")
    return tuple(disks), boot


def _cross_checks(check: _Checker, manifest: Manifest) -> None:
    seen: dict[str, int] = {}
    for index, disk in enumerate(manifest.disks):
        if disk.name in seen:
            raise check.fail(
                f"disk {disk.name!r} is declared twice (first at line {seen[disk.name]})",
                "disk",
                index,
                "name",
            )
        seen[disk.name] = check.lines.of("disk", index, "name") or 0
    hosts: dict[str, int] = {}
    owners: dict[str, str] = {}
    for index, vm in enumerate(manifest.vms):
        lowered = vm.hostname.lower()  # hostnames are case-insensitive (DNS)
        if lowered in hosts:
            raise check.fail(
                f"VM {vm.hostname!r} is declared twice (first at line {hosts[lowered]})",
                "vm",
                index,
                "hostname",
            )
        hosts[lowered] = check.lines.of("vm", index, "hostname") or 0
        for name in vm.disks:
            if name not in seen:
                raise check.fail(f"disk {name!r} is not declared in a [[disk]] table",
                                 "vm", index, "disks")  # fmt: skip
            if name in owners:
                raise check.fail(
                    f"disk {name!r} is already on VM {owners[name]!r} (a disk has one VM)",
                    "vm",
                    index,
                    "disks",
                )
            owners[name] = vm.hostname


def load_manifest(path: str | Path) -> Manifest:
    """Read and check the manifest at ``path`` (``-``: not handled here, pass the text)."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ManifestError(f"cannot read: {error.strerror or error}", file=file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError("not UTF-8 text", file=file) from None
    return parse_manifest(text, file)
