"""The sandbox: a faithful emulator of the Gandi Hosting XML-RPC API 1.0.

One dispatcher (``Sandbox``) serves over HTTP (``SandboxServer``, ``gandi-hosting sandbox
serve``) and in-process (``InProcessTransport``, what ``--sandbox`` uses); its state is
one SQLite file, ``default_state_path()`` unless told otherwise. It imports nothing of
the client side, and importing this package is cheap: heavy modules load on first use.
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
