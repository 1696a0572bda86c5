"""The local cache of names: ids, names and states of an account's objects, as last seen.

List commands, shell completion (``completers.py``) and name lookups that had to read
every object (``workflows/names.py``) write it; completion and name lookups read it. One
file, ``completion.json`` in the user cache dir, keyed by endpoint and login: one
account's names never answer for another's. It holds ids, names and states, never a
session id or a password.

A name found here is only a guess: ``workflows.names.resolve`` confirms it with one
``vm_info``/``disk_info`` (the object must still exist and still bear that name) before
a command acts on it, and reads every object when the guess fails.

No click here: the workflow layer imports this module.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

# states of an operation that may still change, and an entry's state (in candidates.py:
# the fast completion path reads the cache without this module)
from gandi_hosting_cli.config.candidates import OPEN_STATES, op_state

CACHE_VERSION = 1
# per resource: enough for name lookups on large accounts, still a small file (~60 B an
# entry); completion's live refresh reads fewer (completers.LIVE_ITEMS)
MAX_ITEMS = 5000
MAX_OPERATIONS = 100  # the most recent operation ids only
MAX_ACCOUNTS = 20

RESOURCES = ("vm", "disk", "os", "op")
# the key that names an object of each resource (operations have no name)
NAME_KEYS = {"vm": "hostname", "disk": "name", "os": "label", "op": ""}
# the key whose value is shown next to a candidate (zsh and fish show it)
STATE_KEYS = {"vm": "state", "disk": "state", "os": "version", "op": "state"}


class Account(Protocol):
    """What names an account: an ``AppContext`` has both."""

    endpoint: str
    login: str | None


def cache_path() -> Path:
    from gandi_hosting_cli.config.settings import user_dir

    return user_dir("cache") / "completion.json"


def account_key(endpoint: str, login: str | None) -> str:
    """``endpoint|login``, with any ``user:password@`` removed from the endpoint."""
    from gandi_hosting_cli.config.settings import display_url

    return f"{display_url(endpoint)}|{login or ''}"


def load() -> dict[str, Any]:
    """The whole cache (every account); an unreadable or foreign file reads as empty."""
    from gandi_hosting_cli.config import files

    try:
        data = files.read_json(cache_path())  # never through a symlink
    except OSError:
        data = None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {"version": CACHE_VERSION, "accounts": {}}
    if not isinstance(data.get("accounts"), dict):
        data["accounts"] = {}
    return data


def save(data: dict[str, Any]) -> None:
    """Write the cache back (atomically, 0600 in a 0700 dir, never through a symlink),
    keeping the MAX_ACCOUNTS most recently refreshed accounts; callers hold ``locked``."""
    from gandi_hosting_cli.config import files

    accounts = data["accounts"]
    if len(accounts) > MAX_ACCOUNTS:  # drop the least recently refreshed accounts
        ranked = sorted(accounts, key=lambda k: _newest(accounts[k]), reverse=True)
        data["accounts"] = {k: accounts[k] for k in ranked[:MAX_ACCOUNTS]}
    files.write_json(cache_path(), data, indent=None, separators=(",", ":"))


def locked(function: Any) -> Any:
    """Run a read-modify-write of the cache under its file lock (processes and threads):
    concurrent commands lose nothing."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from gandi_hosting_cli.config import files

        with files.locked(cache_path(), wait=2.0):
            return function(*args, **kwargs)

    return wrapper


def _newest(account: Any) -> float:
    if not isinstance(account, dict):
        return 0.0
    stamps = [v.get("updated", 0.0) for v in account.values() if isinstance(v, dict)]
    return max(stamps, default=0.0)


def normalise(resource: str, item: Any) -> dict[str, Any] | None:
    """An int id or an API struct -> ``{"id", "name", "state"}`` (only what is shown)."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return {"id": item}
    if not isinstance(item, Mapping):
        return None
    raw_id = item.get("id", item.get("operation"))
    if isinstance(raw_id, bool) or not isinstance(raw_id, int):
        return None
    out: dict[str, Any] = {"id": raw_id}
    name = item.get(NAME_KEYS[resource]) if NAME_KEYS[resource] else None
    if isinstance(name, str) and name:
        out["name"] = name
    state = item.get(STATE_KEYS[resource])
    if resource == "op" and isinstance(item.get("type"), str):
        state = f"{item['type']} {state}" if isinstance(state, str) else item["type"]
    if isinstance(state, (str, int)) and not isinstance(state, bool) and str(state):
        out["state"] = str(state)
    return out


def remember(
    resource: str,
    items: Iterable[Any],
    app: Account | None = None,
    *,
    endpoint: str | None = None,
    login: str | None = None,
    complete: bool = True,
) -> None:
    """Record what a command saw. Never raises, never prints.

    ``items`` are ids or API structs (``vm_info``, ``disk_info``, ``os_list`` items,
    operation rows with ``id``). ``complete=True`` means "this is the whole list": ids
    not in it are dropped, while names already known for the remaining ids are kept (a
    plain ``vm list`` only has ids). ``complete=False`` merges (e.g. after ``vm info``).
    Name the account with ``app`` (an AppContext) or ``endpoint`` and ``login``.
    """
    try:
        if resource not in RESOURCES:
            raise ValueError(resource)
        if app is not None:
            endpoint, login = app.endpoint, app.login
        if endpoint is None:
            return
        store(resource, items, account_key(endpoint, login), complete=complete)
    except Exception:  # cached names are a convenience: they must never break a command
        return


@locked
def store(resource: str, items: Iterable[Any], key: str, *, complete: bool) -> None:
    """``remember`` for an account key, raising on a file that cannot be written."""
    fresh = [n for n in (normalise(resource, i) for i in items) if n is not None]
    data = load()
    account = data["accounts"].setdefault(key, {})
    old = account.get(resource) if isinstance(account.get(resource), dict) else {}
    known = {e["id"]: e for e in old.get("items", []) if isinstance(e, dict) and "id" in e}
    merged: dict[int, dict[str, Any]] = {} if complete else dict(known)
    for entry in fresh:
        merged[entry["id"]] = {**known.get(entry["id"], {}), **entry}
    limit = MAX_OPERATIONS if resource == "op" else MAX_ITEMS
    ordered = sorted(merged.values(), key=lambda e: e["id"], reverse=resource == "op")[:limit]
    stamp = time.time() if complete else old.get("updated", 0.0)
    account[resource] = {"updated": stamp, "items": ordered}
    account.pop("failed", None)
    save(data)


def forget(endpoint: str, login: str | None) -> None:
    """Drop an account's cached values (e.g. on logout). Never raises."""
    try:
        _drop(account_key(endpoint, login))
    except Exception:
        return


@locked
def _drop(key: str) -> None:
    data = load()
    if data["accounts"].pop(key, None) is not None:
        save(data)


@locked
def mark_fresh(key: str, resource: str, listed: Iterable[Any] = ()) -> None:
    """A partial refresh (operations) still counts as fresh; the open operations it did
    not list any more have finished."""
    data = load()
    entry = data["accounts"].setdefault(key, {}).setdefault(resource, {})
    entry["updated"] = time.time()
    if resource == "op":
        seen = {i["id"] for i in listed if isinstance(i, dict)}
        for known in entry.get("items", []):
            if known.get("id") not in seen and op_state(known) in (*OPEN_STATES, "ERROR"):
                known["state"] = "finished"
    save(data)


@locked
def mark_failed(key: str) -> None:
    """A live refresh failed: completion does not retry it at once."""
    data = load()
    data["accounts"].setdefault(key, {})["failed"] = time.time()
    save(data)


class NameCache:
    """One account's cached names, for ``workflows.names.resolve`` (guesses to confirm).

    The CLI makes one per command (``AppContext.name_cache``) and passes it to lookups
    (``resolve(..., cache=)``); a lookup that had to read every object writes what it
    read back through ``remember``.
    """

    def __init__(self, endpoint: str, login: str) -> None:
        self.endpoint = endpoint
        self.login = login
        self.key = account_key(endpoint, login)

    def entries(self, resource: str) -> list[tuple[int, str | None]]:
        """Every cached ``(id, name)`` of ``resource``; the name is None for an object
        an ids-only list (``vm list -q``) saw first. An odd file reads as empty."""
        out: list[tuple[int, str | None]] = []
        try:
            entry = load()["accounts"].get(self.key, {}).get(resource, {})
            for item in entry.get("items", []) if isinstance(entry, dict) else []:
                name, obj_id = item.get("name"), item.get("id")
                if isinstance(obj_id, int) and not isinstance(obj_id, bool):
                    out.append((obj_id, name if isinstance(name, str) and name else None))
        except Exception:  # an odd file is an empty cache, never a failed command
            return []
        return out

    def remember(self, resource: str, items: Iterable[Any], *, complete: bool) -> None:
        remember(resource, items, endpoint=self.endpoint, login=self.login, complete=complete)
