"""The sandbox: a faithful emulator of the whole Gandi Hosting XML-RPC API 1.0.

One dispatcher (``Sandbox``, in ``dispatcher.py``) serves two ways: over HTTP
(``SandboxServer``, ``gandi-hosting sandbox serve``) and in-process
(``InProcessTransport``, what ``--sandbox`` uses: the request is still marshalled, so the
wire format is exercised, but no socket is opened). State lives in one SQLite file,
``default_state_path()`` unless told otherwise.

Modules, by responsibility:
    seed.py          seeded accounts, OS images (``OsImage``), share definition, price list
    faults.py        fault codes and messages (every code used, and the order of checks)
    xmlrpc_wire.py   safe request parsing (size, DOCTYPE, depth, base64, duplicate members)
                     and response marshalling
    state_db.py      SQLite schema, file modes, password hashes, connection pool, transactions
    registry.py      method table, argument checks (lenient or strict), the per-call context
    dispatcher.py    ``Sandbox``: handle(), the order of checks, multicall bounds
    accounting.py    shares, disk quota, balance, durations
    engine.py        operations: queue, lifecycle with the clock, effects, cancel
    records.py       rows written by both the methods and bulk.py (``insert_disk``)
    methods/         account.py (login, su, products, os_list), vm.py, disk.py,
                     operations.py, system.py (introspection and system.multicall)
    bulk.py          fast direct creation of many VMs/disks (takes a store and a clock)
    account_copy.py  an ``export`` manifest's VMs and disks as an account's state
                     (``sandbox seed``, ``serve --seed``)
    chaos.py         failures on demand (``--fail``, ``--fault-rate``, ``--drop-rate``,
                     ``--latency``): ``Chaos``, ``DropAnswer``
    server.py        ``SandboxServer``: HTTP/1.1 server (one poller + worker pool)
    poller.py        ``Poller``: one-shot readiness over ``selectors`` for the workers
    connections.py   ``_Conn``; accepting connections, limits and eviction, deadlines
    request_io.py    reading, parsing and answering requests on one connection
    http_wire.py     HTTP framing: request head, refusals, the answer's bytes, ``Date``
    http_body.py     request bodies: Content-Length, chunked, gzip/deflate decoding
    in_process.py    ``InProcessTransport`` for ``xmlrpc.client.ServerProxy``

The value rules (hostnames, disk names, durations, sizes, ids...) live in
``gandi_hosting_cli/rules.py``, shared with the CLI's parameter types.

Importing this package is cheap: the heavy modules load on first use of their names.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gandi_hosting_cli.sandbox.dispatcher import Sandbox
    from gandi_hosting_cli.sandbox.in_process import InProcessTransport
    from gandi_hosting_cli.sandbox.server import SandboxServer

STATE_ENV = "GANDI_HOSTING_SANDBOX_STATE"
OP_DELAY_ENV = "GANDI_HOSTING_SANDBOX_OP_DELAY"
DEFAULT_OP_DELAY = 2.0
MAX_OP_DELAY = 3600.0  # an hour per operation is already more than any test wants
MAX_SESSION_TTL = 366 * 86400.0


class SandboxStateError(Exception):
    """The state file cannot be used: not an SQLite database, or an unusable location.

    Raised when the store is opened (``Sandbox(...)``, ``InProcessTransport()``); the CLI
    turns it into a usage error (exit 2) with the way out.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str):
        super().__init__(f"cannot use the sandbox state file {path}: {reason}")
        self.path = str(path)
        self.reason = reason


def check_seconds(value: object, name: str, *, maximum: float, allow_zero: bool = True) -> float:
    """``value`` as a finite number of seconds in [0, maximum] (or (0, maximum]).

    Raises ``ValueError`` with a one-line message naming ``name`` otherwise (nan, inf,
    negative, too large, or not a number at all).
    """
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = math.nan
    low_ok = seconds >= 0 if allow_zero else seconds > 0
    if not (math.isfinite(seconds) and low_ok and seconds <= maximum):
        low = ">= 0" if allow_zero else "> 0"
        most = int(maximum) if float(maximum).is_integer() else maximum
        raise ValueError(
            f"{name} must be a number of seconds {low} and at most {most}, not {value!r}"
        )
    return seconds


def default_state_path() -> Path:
    """The embedded sandbox's state file: the platformdirs user data dir / sandbox.sqlite3."""
    import platformdirs

    return Path(platformdirs.user_data_dir("gandi-hosting", appauthor=False)) / "sandbox.sqlite3"


def env_state_path() -> Path:
    """``GANDI_HOSTING_SANDBOX_STATE`` if set, else ``default_state_path()``."""
    value = os.environ.get(STATE_ENV)
    return Path(value).expanduser() if value else default_state_path()


def env_op_delay() -> float:
    """``GANDI_HOSTING_SANDBOX_OP_DELAY`` if set (seconds, finite, 0..3600), else 2.

    Raises ``ValueError`` (one line, naming the variable) for anything else.
    """
    value = os.environ.get(OP_DELAY_ENV)
    if not value:
        return DEFAULT_OP_DELAY
    return check_seconds(value, OP_DELAY_ENV, maximum=MAX_OP_DELAY)


_LAZY = {
    "Sandbox": "gandi_hosting_cli.sandbox.dispatcher",
    "SandboxServer": "gandi_hosting_cli.sandbox.server",
    "InProcessTransport": "gandi_hosting_cli.sandbox.in_process",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "MAX_OP_DELAY",
    "MAX_SESSION_TTL",
    "InProcessTransport",
    "Sandbox",
    "SandboxServer",
    "SandboxStateError",
    "check_seconds",
    "default_state_path",
    "env_op_delay",
    "env_state_path",
]
