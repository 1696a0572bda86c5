"""The manifest: ``[[vm]]`` and ``[[disk]]`` tables in TOML, checked before anything is sent.

Every problem of a manifest is found in one run and raised together as one
``ManifestError`` (exit 2) whose ``problems`` each name the file, the line and the key
(with a "did you mean" for a misspelt key). tomllib gives no line numbers, so they come
from a scan of the source text for the table headers and the ``key =`` lines
(manifest_lines.py); a TOML syntax error has tomllib's own line and column, and names
the table and key it was in.

Before reading, ``load_manifest`` refuses what is not a regular file (a directory, a
device such as /dev/zero, a FIFO) and a file over ``MAX_MANIFEST_BYTES``; nesting too deep
for the parser is a manifest error, never a ``RecursionError``.

A VM's ``password_env`` must name a variable starting with ``GANDI_VM_PASSWORD``: the
tool's own ``GANDI_HOSTING_*`` variables (its login password above all) can never be
sent as a VM's root password.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gandi_hosting_cli import rules
from gandi_hosting_cli.declarative.manifest_lines import SourceLines, context_of
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
PASSWORD_ENV_PREFIX = "GANDI_VM_PASSWORD"  # DESIGN section 2: nothing else is sent
_ENV_RE = re.compile(PASSWORD_ENV_PREFIX + r"[A-Za-z0-9_]*")
MAX_MANIFEST_BYTES = 10 * 1024 * 1024  # a manifest over 10 MB is refused before reading


@dataclass(frozen=True)
class Diagnostic:
    """One problem of a manifest: what, where (line, key)."""

    message: str
    line: int | None = None
    key: str | None = None


class ManifestError(HostingError):
    """A manifest that cannot be used; found before any request (exit 2).

    ``problems``: every problem found, in file order; ``line``, ``key`` and ``reason`` are
    the first one's. The message has one ``FILE:LINE: problem`` line per problem.
    """

    exit_code = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int | None = None,
        key: str | None = None,
        problems: list[Diagnostic] | None = None,
    ):
        self.problems = problems or [Diagnostic(message, line, key)]
        self.file = file

        def where(problem: Diagnostic) -> str:
            return f"{file}:{problem.line}" if problem.line else file

        super().__init__("\n".join(f"{where(p)}: {p.message}" for p in self.problems))
        first = self.problems[0]
        self.line, self.key, self.reason = first.line, first.key, first.message


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
_TABLES = ("vm", "disk")


def _type_name(expected: Any) -> str:
    if isinstance(expected, tuple):
        return " or ".join(_TYPE_NAMES[t] for t in expected)
    return _TYPE_NAMES[expected]


def _did_you_mean(word: str, known: Any) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Checker:
    """Collects every problem (``report``) instead of stopping at the first."""

    def __init__(self, text: str, file: str):
        self.file = file
        self.lines = SourceLines.scan(text)
        self.problems: list[Diagnostic] = []

    def report(self, message: str, table: str, index: int, key: str | None = None) -> None:
        label = f"[[{table}]] #{index + 1}"
        shown = f"{label} key {key!r}: " if key else f"{label}: "
        self.problems.append(Diagnostic(shown + message, self.lines.of(table, index, key), key))

    def report_top(self, message: str, line: int | None, key: str | None) -> None:
        self.problems.append(Diagnostic(message, line, key))

    def table(self, table: str, index: int, raw: Any, allowed: dict) -> dict | None:
        """The keys of one table that have the right type (the others are reported)."""
        if not isinstance(raw, dict):
            self.report_top(
                f"{table!r} must be an array of tables ([[{table}]])",
                self.lines.top_keys.get(table),
                table,
            )
            return None
        good = {}
        for key, value in raw.items():
            if key not in allowed:
                known = ", ".join(allowed)
                hint = _did_you_mean(key, allowed) or f" (known keys: {known})"
                self.report(f"unknown key{hint}", table, index, key)
                continue
            expected = allowed[key]
            types = expected if isinstance(expected, tuple) else (expected,)
            if isinstance(value, bool) or not isinstance(value, types):
                self.report(f"must be {_type_name(expected)}", table, index, key)
                continue
            good[key] = value
        for key in _REQUIRED[table]:
            if key not in raw:
                self.report(f"missing required key {key!r}", table, index)
        return good

    def positive(self, raw: dict, key: str, table: str, index: int, low: int = 1) -> bool:
        if key in raw and not low <= raw[key] <= MAX_INT:
            self.report(f"must be at least {low}", table, index, key)
            return False
        return True


def _is_digits(value: str) -> bool:
    return rules.looks_like_id(value)


def _syntax_error(error: Exception, text: str, file: str) -> ManifestError:
    """tomllib's error with its line and column, and the table and key it was in."""
    found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    line = int(found.group(1)) if found else None
    if "(at end of document)" in str(error):
        line = max(1, len(text.splitlines()))
    reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
    column = f", column {found.group(2)}" if found else ""
    where, key = context_of(text, line) if line else ("", None)
    return ManifestError(f"not valid TOML{column}{where}: {reason}", file=file, line=line, key=key)


def parse_manifest(text: str, file: str = "<manifest>") -> Manifest:
    """Parse and check a manifest's text; ``file`` names it in errors. Every problem is
    reported at once in one ``ManifestError``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, text, file) from None
    except RecursionError:
        raise ManifestError(
            "nested too deeply (a manifest has [[vm]] and [[disk]] tables of plain values)",
            file=file,
        ) from None
    check = _Checker(text, file)
    for name, line in check.lines.other_headers:
        hint = _did_you_mean(name, _TABLES)
        check.report_top(f"unknown table [{name}] (a manifest has [[vm]] and [[disk]]"
                         f" tables){hint}", line, name)  # fmt: skip
    headers = {name for name, _ in check.lines.other_headers}
    for key in data:
        if key not in _TABLES:
            if key in headers:
                continue  # reported above, with its line
            check.report_top(
                f"unknown key {key!r} (a manifest has [[vm]] and [[disk]] tables)"
                + _did_you_mean(key, _TABLES),
                check.lines.top_keys.get(key),
                key,
            )
        elif not isinstance(data[key], list):
            check.report_top(
                f"{key!r} must be an array of tables ([[{key}]])",
                check.lines.top_keys.get(key),
                key,
            )
    tables = {k: (v if isinstance(v, list) else []) for k, v in data.items() if k in _TABLES}
    manifest = Manifest(file=file)
    disks = [(i, _disk(check, i, raw)) for i, raw in enumerate(tables.get("disk", []))]
    vms = [(i, _vm(check, i, raw)) for i, raw in enumerate(tables.get("vm", []))]
    manifest.disks = [spec for _, spec in disks if spec is not None]
    manifest.vms = [spec for _, spec in vms if spec is not None]
    _cross_checks(check, tables)
    if check.problems:
        ordered = sorted(check.problems, key=lambda p: p.line or 0)
        raise ManifestError(ordered[0].message, file=file, problems=ordered)
    return manifest


def _disk(check: _Checker, index: int, raw: Any) -> DiskSpec | None:
    """The spec of one [[disk]] table; None (problems reported) when it has any."""
    before = len(check.problems)
    raw = check.table("disk", index, raw, _DISK_KEYS)
    if raw is None:
        return None
    name = raw.get("name")
    if name is not None:
        if not rules.is_disk_name(name):
            check.report("a disk name is 1-64 of A-Z a-z 0-9 . _ -", "disk", index, "name")
        elif _is_digits(name):
            check.report("a disk name cannot be digits only (it would read as an id)",
                         "disk", index, "name")  # fmt: skip
    size = 0
    if "size" in raw:
        try:
            size = parse_size(raw["size"])
        except ValueError as error:
            check.report(str(error), "disk", index, "size")
    fstype = raw.get("fstype", DEFAULT_FSTYPE)
    if fstype not in FSTYPES:
        check.report(f"must be one of {', '.join(FSTYPES)}", "disk", index, "fstype")
    if len(check.problems) > before:
        return None
    return DiskSpec(name, size, fstype, line=check.lines.of("disk", index) or 0)


def _vm(check: _Checker, index: int, raw: Any) -> VmSpec | None:
    """The spec of one [[vm]] table; None (problems reported) when it has any."""
    before = len(check.problems)
    raw = check.table("vm", index, raw, _VM_KEYS)
    if raw is None:
        return None
    _vm_hostname(check, index, raw)
    os_value, cpu, max_memory = _vm_resources(check, index, raw)
    state, login, env = _vm_access(check, index, raw)
    disks, boot = _vm_disks(check, index, raw)
    if len(check.problems) > before:
        return None
    return VmSpec(
        hostname=raw["hostname"],
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


def _vm_hostname(check: _Checker, index: int, raw: dict) -> None:
    hostname = raw.get("hostname")
    if hostname is None:
        return
    if not rules.is_hostname(hostname):
        check.report("a hostname is an RFC 1123 label (1-63 of A-Z a-z 0-9 -)",
                     "vm", index, "hostname")  # fmt: skip
    elif _is_digits(hostname):
        check.report("a hostname cannot be digits only (it would read as an id)",
                     "vm", index, "hostname")  # fmt: skip


def _vm_resources(check: _Checker, index: int, raw: dict) -> tuple[str, int, int | None]:
    """(os, cpu, max_memory) of a [[vm]] table, checked against its shares."""
    shares_ok = check.positive(raw, "shares", "vm", index) and "shares" in raw
    cpu_ok = check.positive(raw, "cpu", "vm", index)
    memory_ok = check.positive(raw, "max_memory", "vm", index, low=256)
    os_value = str(raw.get("os", "")).strip()
    if "os" in raw and not os_value:
        check.report("must name an OS image", "vm", index, "os")
    cpu = raw.get("cpu", 1)
    if shares_ok and cpu_ok:
        problem = rules.cpu_problem(cpu, raw["shares"])
        if problem:
            check.report(problem, "vm", index, "cpu")
    max_memory = raw.get("max_memory")
    if shares_ok and memory_ok and max_memory is not None:
        if max_memory < raw["shares"] * 256:
            check.report(
                f"{max_memory} MB is below the memory of {raw['shares']} shares "
                f"({raw['shares'] * 256} MB)",
                "vm",
                index,
                "max_memory",
            )
    return os_value, cpu, max_memory


def _vm_access(check: _Checker, index: int, raw: dict) -> tuple[str, str | None, str | None]:
    """(state, login, password_env) of a [[vm]] table."""
    state = raw.get("state", "running")
    if state not in VM_STATES:
        check.report("must be 'running' or 'halted'", "vm", index, "state")
    login = raw.get("login")
    if login is not None and not rules.is_unix_user(login):
        check.report("must be a Unix user name (a-z 0-9 _ -, not root)", "vm", index, "login")
    env = raw.get("password_env")
    if env is not None and not _ENV_RE.fullmatch(env):
        check.report(password_env_problem(env), "vm", index, "password_env")
    return state, login, env


def password_env_problem(name: str) -> str:
    """Why ``name`` cannot be a ``password_env`` (it is never read)."""
    own = (
        " (the tool's own variables are never sent to a VM)"
        if name.startswith("GANDI_HOSTING")
        else ""
    )
    return (
        f"must name an environment variable starting with {PASSWORD_ENV_PREFIX}"
        f" (e.g. {PASSWORD_ENV_PREFIX}_WEB1){own}"
    )


def is_password_env(name: object) -> bool:
    return isinstance(name, str) and _ENV_RE.fullmatch(name) is not None


def _vm_disks(check: _Checker, index: int, raw: dict) -> tuple[tuple[str, ...], str | None]:
    """(disks, boot_disk) of a [[vm]] table."""
    disks = raw.get("disks", [])
    if any(not isinstance(d, str) for d in disks):
        check.report("must be an array of disk names", "vm", index, "disks")
        return (), None
    if len(set(disks)) != len(disks):
        check.report("names a disk twice", "vm", index, "disks")
    boot = raw.get("boot_disk")
    if boot is not None and boot not in disks:
        check.report(f"{boot!r} is not in this VM's disks", "vm", index, "boot_disk")
    return tuple(disks), boot


def _cross_checks(check: _Checker, tables: dict) -> None:
    """Names declared twice, disks a VM lists that no [[disk]] declares or another VM has.
    Works on the raw tables, so that a disk with a bad size still counts as declared."""
    seen: dict[str, int] = {}
    for index, raw in enumerate(tables.get("disk", [])):
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            check.report(f"disk {name!r} is declared twice (first at line {seen[name]})",
                         "disk", index, "name")  # fmt: skip
            continue
        seen[name] = check.lines.of("disk", index, "name") or 0
    hosts: dict[str, int] = {}
    for index, raw in enumerate(tables.get("vm", [])):
        host = raw.get("hostname") if isinstance(raw, dict) else None
        if not isinstance(host, str):
            continue
        lowered = host.lower()  # hostnames are case-insensitive (DNS)
        if lowered in hosts:
            check.report(f"VM {host!r} is declared twice (first at line {hosts[lowered]})",
                         "vm", index, "hostname")  # fmt: skip
            continue
        hosts[lowered] = check.lines.of("vm", index, "hostname") or 0
    owners: dict[str, str] = {}
    for index, raw in enumerate(tables.get("vm", [])):
        listed = raw.get("disks") if isinstance(raw, dict) else None
        if not isinstance(listed, list) or not all(isinstance(d, str) for d in listed):
            continue  # reported by the table's own checks
        host = str(raw.get("hostname"))
        for name in dict.fromkeys(listed):
            if name not in seen:
                check.report(f"disk {name!r} is not declared in a [[disk]] table",
                             "vm", index, "disks")  # fmt: skip
            elif name in owners:
                check.report(
                    f"disk {name!r} is already on VM {owners[name]!r} (a disk has one VM)",
                    "vm",
                    index,
                    "disks",
                )
            else:
                owners[name] = host


def load_manifest(path: str | Path) -> Manifest:
    """Read and check the manifest at ``path`` (``-``: not handled here, pass the text)."""
    file = str(path)
    return parse_manifest(read_manifest_text(path), file)


def read_manifest_text(path: str | Path) -> str:
    """The text of a manifest (or plan) file: only a regular file of at most
    ``MAX_MANIFEST_BYTES``, checked before reading (a FIFO is not even opened)."""
    file = str(path)
    try:
        info = os.stat(path)
    except OSError as error:
        raise ManifestError(f"cannot read: {error.strerror or error}", file=file) from None
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ManifestError(f"cannot read: {what}", file=file)
    if info.st_size > MAX_MANIFEST_BYTES:
        raise ManifestError(_too_big(), file=file)
    try:
        # O_NONBLOCK: a path swapped for a FIFO after the stat does not hang the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ManifestError("cannot read: not a regular file", file=file)
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
    except OSError as error:
        raise ManifestError(f"cannot read: {error.strerror or error}", file=file) from None
    return decode_manifest(raw, file)


def decode_manifest(raw: bytes, file: str) -> str:
    """UTF-8 text of at most ``MAX_MANIFEST_BYTES`` (stdin goes through here too)."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(_too_big(), file=file)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError("not UTF-8 text", file=file) from None


def _too_big() -> str:
    return f"too large: a manifest is at most {MAX_MANIFEST_BYTES // (1024 * 1024)} MB"
