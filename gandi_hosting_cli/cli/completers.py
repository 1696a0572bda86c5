"""Shell-completion callbacks for resource arguments, and the small cache behind them.

Attach a callback with ``shell_complete=complete_vm`` (``complete_disk``, ``complete_os``,
``complete_operation``, ``complete_duration``, ``complete_size``) on a click argument or
option. Choices (product names, fstypes, op states and types) need nothing: click
completes a ``click.Choice`` by itself.

Live values (VM ids and hostnames, disk ids and names, OS labels, operation ids) come from
the name cache (``name_cache.py``: ``completion.json`` in the user cache dir, keyed by
endpoint and login), which name lookups use too. List commands refresh it through
``remember()``. When the entry is older than ``STALE_AFTER``, one
batched request (``system.multicall``) refreshes it, using only an already-cached session,
in a daemon thread that the completer waits for at most ``LIVE_BUDGET`` seconds: whatever
happens (no session, unreachable endpoint, a fault), the completer answers from the cache
or with nothing. A completion never prompts and never writes to stdout or stderr: the
shell would show it, or worse, take it for a candidate.

The cache holds ids, names and states, never a session id or a password.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

# the cache itself lives in name_cache.py (no click: name lookups read it too)
from gandi_hosting_cli.config import candidates, name_cache
from gandi_hosting_cli.config.name_cache import account_key, cache_path, forget, remember

__all__ = ["COMPLETERS", "account_key", "cache_path", "cached_items", "forget", "remember"]

if TYPE_CHECKING:
    from gandi_hosting_cli.cli.context import AppContext

# seconds: older entries are refreshed by a live request; after a failed one, none again
# for RETRY_AFTER (config/candidates.py; the fast path falls through here when stale)
STALE_AFTER, RETRY_AFTER = candidates.STALE_AFTER, candidates.RETRY_AFTER
LIVE_BUDGET = 0.3  # seconds a completer may wait for the live request
LIVE_ITEMS = 500  # objects a live refresh reads, at most (one request, within the budget)
DURATION_EXAMPLES = (
    ("1m", "1 month"),
    ("3m", "3 months"),
    ("6m", "6 months"),
    ("1y", "1 year"),
    ("2y", "2 years"),
)
COMPLETE_VAR = "_GANDI_HOSTING_COMPLETE"  # set by the shell scripts; names the shell
SIZE_EXAMPLES = (("1024", "MB"), ("2048M", "2048 MB"), ("2G", "2048 MB"), ("10G", "10240 MB"))


# -- live refresh -------------------------------------------------------------------------
def _fetch(app: AppContext, resource: str, known_ids: list[int], timeout: float) -> dict | None:
    """One batched request for ``resource`` (a second one only for unseen VMs/disks).

    Only an already-cached, unexpired session is used: no login, no password prompt, no
    renewal. Returns the fresh entry (and stores it), or None.
    """
    from gandi_hosting_cli.auth.sessions import SessionManager

    login = app.login
    if not login:
        return None
    manager = SessionManager(
        app.profile_name, app.endpoint, login, warn=lambda text: None, clock=app.clock
    )
    record = manager.load()
    if record is None:
        return None
    # the CLI's own client factory (the in-process sandbox for --sandbox); no tracer
    # (--debug must not print during completion), no renewal, no retry pause
    client = app.new_client(session=record.session_id, timeout=timeout, quick=True)
    items: list[Any] = []
    if resource == "os":
        items = client.os_list()
    elif resource == "op":
        # the operations one waits for or cancels; finished ones come from `op list`
        states = ("PENDING", "RUN", "ERROR")
        results = client.multicall([("operation_list", ({"state": s},)) for s in states])
        for state, ids in zip(states, results, strict=False):
            if isinstance(ids, list):
                items += [{"id": i, "state": state} for i in ids if isinstance(i, int)]
        return _store_live(app, resource, items, complete=False)
    else:
        list_method, info_method = f"{resource}_list", f"{resource}_info"
        # speculate that the ids we know still exist: their infos ride in the same request
        results = client.multicall(
            [(list_method, ())] + [(info_method, (i,)) for i in known_ids[:LIVE_ITEMS]]
        )
        ids = results[0]
        if not isinstance(ids, list):
            return None
        infos = {r["id"]: r for r in results[1:] if isinstance(r, dict) and "id" in r}
        missing = [i for i in ids if isinstance(i, int) and i not in infos][:LIVE_ITEMS]
        if missing:
            for r in client.multicall([(info_method, (i,)) for i in missing]):
                if isinstance(r, dict) and "id" in r:
                    infos[r["id"]] = r
        items = [infos.get(i, i) for i in ids if isinstance(i, int)]
    return _store_live(app, resource, items, complete=True)


def _store_live(app: AppContext, resource: str, items: list[Any], *, complete: bool) -> dict:
    key = account_key(app.endpoint, app.login)
    name_cache.store(resource, items, key, complete=complete)
    if not complete:  # a partial refresh (operations) still counts as fresh
        name_cache.mark_fresh(key, resource, listed=items)
    return name_cache.load()["accounts"].get(key, {}).get(resource, {})


def _live(app: AppContext, resource: str, known_ids: list[int], budget: float) -> dict | None:
    """Run ``_fetch`` in a daemon thread; wait at most ``budget`` seconds for it."""
    box: dict[str, Any] = {}
    key = account_key(app.endpoint, app.login)
    home = name_cache.cache_path()

    def work() -> None:
        try:
            box["entry"] = _fetch(app, resource, known_ids, budget)
        except BaseException:  # noqa: BLE001 - a thread must not print a traceback
            if name_cache.cache_path() != home:
                return  # a late thread of a process that moved on (tests): not its cache
            try:
                name_cache.mark_failed(key)
            except Exception:
                pass

    thread = threading.Thread(target=work, name="gandi-hosting-completion", daemon=True)
    thread.start()
    # the process exits right after answering: an unfinished thread dies with it
    thread.join(budget)
    if thread.is_alive():
        try:
            name_cache.mark_failed(key)
        except Exception:
            pass
        return None
    return box.get("entry")


def _app(ctx: click.Context) -> AppContext:
    from gandi_hosting_cli.cli.context import AppContext

    app = ctx.find_object(AppContext)
    return app if app is not None else AppContext()


def cached_items(ctx: click.Context, resource: str, *, live: bool = True) -> list[dict[str, Any]]:
    """The cached entries of ``resource`` for this context's account, refreshed when stale."""
    started = time.monotonic()
    app = _app(ctx)
    key = account_key(app.endpoint, app.login)
    account = name_cache.load()["accounts"].get(key, {})
    entry = account.get(resource) if isinstance(account.get(resource), dict) else {}
    now = time.time()
    stale = now - float(entry.get("updated", 0.0)) > STALE_AFTER
    failed_recently = now - float(account.get("failed", 0.0)) < RETRY_AFTER
    if live and stale and not failed_recently:
        known = [e["id"] for e in entry.get("items", []) if isinstance(e, dict) and "id" in e]
        budget = LIVE_BUDGET - (time.monotonic() - started)
        if budget > 0.05:
            entry = _live(app, resource, known, budget) or entry
    return [e for e in entry.get("items", []) if isinstance(e, dict) and "id" in e]


def known_names(app: AppContext, resource: str) -> dict[int, str]:
    """Id -> name of what the cache knows (no request): labels for a table that did not
    read them (a server without multicall). Never raises."""
    cached = name_cache.NameCache(app.endpoint, app.login or "").entries(resource)
    return {obj_id: name for obj_id, name in cached if name}


# -- the callbacks ------------------------------------------------------------------------
def _bash() -> bool:
    return os.environ.get(COMPLETE_VAR, "").startswith("bash")


def _items(pairs: list[tuple[str, str]]) -> list[CompletionItem]:
    return [CompletionItem(value, help=help_) for value, help_ in pairs]


def _candidates(
    resource: str, items: list[dict[str, Any]], incomplete: str
) -> list[CompletionItem]:
    """Names first (with their id), then ids (with their name); each value once."""
    return _items(candidates.names(resource, items, incomplete, _bash()))


def _complete(resource: str, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    try:
        return _candidates(resource, cached_items(ctx, resource), incomplete)
    except Exception:  # never a traceback in the middle of someone's command line
        return []


def complete_vm(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """VM hostnames and ids."""
    return _complete("vm", ctx, incomplete)


def complete_disk(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Disk names and ids."""
    return _complete("disk", ctx, incomplete)


def complete_os(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """OS image labels and ids."""
    return _complete("os", ctx, incomplete)


def complete_operation(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Operation ids, most recent first (pending, running and failed ones when fetched live)."""
    return _complete("op", ctx, incomplete)


def complete_open_operation(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Ids of the operations not in a final state (PENDING, RUN): what ``op wait`` and
    ``op cancel`` are for."""
    try:
        return _candidates("op", candidates.open_operations(cached_items(ctx, "op")), incomplete)
    except Exception:
        return []


def _list_keys(ctx: click.Context) -> list[tuple[str, str]]:
    """The keys (and headers) of the list command being completed, if it is one."""
    catalog = getattr(ctx.command, "catalog", None) or []
    return [(c.key, c.header) for c in catalog]


def complete_columns(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """``--columns``: the keys of this list, after those already typed (``id,ho`` ->
    ``id,hostname``)."""
    return _items(candidates.columns(_list_keys(ctx), incomplete))


def complete_sort(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """``--sort``: the keys of this list (``-key`` for descending)."""
    return _items(candidates.sort_keys(_list_keys(ctx), incomplete))


def complete_profile(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """The profiles of config.toml (and ``default``)."""
    try:
        from gandi_hosting_cli.config.settings import DEFAULT_PROFILE, load_profiles

        names = sorted({DEFAULT_PROFILE, *load_profiles()})
    except Exception:  # an unreadable config.toml: nothing to offer, no traceback
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def _examples(pairs: tuple[tuple[str, str], ...], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(v, help=h) for v, h in pairs if v.startswith(incomplete)]


def complete_duration(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Examples of durations (any `Nm` or `Ny` is accepted)."""
    return _examples(DURATION_EXAMPLES, incomplete)


def complete_size(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Examples of disk sizes (MB, or with a unit)."""
    return _examples(SIZE_EXAMPLES, incomplete)


# for ParamTypes: ``def shell_complete(self, ctx, param, incomplete): return COMPLETERS[...]``
COMPLETERS = {
    "vm": complete_vm,
    "disk": complete_disk,
    "os": complete_os,
    "op": complete_operation,
    "open_op": complete_open_operation,
    "columns": complete_columns,
    "sort": complete_sort,
    "profile": complete_profile,
    "duration": complete_duration,
    "size": complete_size,
}
