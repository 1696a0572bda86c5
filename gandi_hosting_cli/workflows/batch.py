"""Batched reads: many calls in few requests, in order, failures kept per call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.errors import HostingError, NetworkError

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

# calls per system.multicall request at most: keeps a request well under a server's body
# limit (the sandbox takes 1 MB and 2,000 calls; 2,000 vm_info calls are ~620 KB) for
# accounts of any size. A larger batch is cut into equal parts (3,000 calls: two of 1,500).
MULTICALL_CHUNK = 2000

# writes per request at most: their arguments are larger than a read's (2,000 vm_update
# calls with three specs are ~1.1 MB, over the sandbox's body limit; 500 are ~270 KB)
WRITE_CHUNK = 500

Call = tuple[str, tuple]


def multicall_chunked(client: HostingClient, calls: list[Call]) -> list[Any]:
    """``client.multicall`` in as few requests as MULTICALL_CHUNK (reads) or WRITE_CHUNK
    (a batch with a write) allows, one for most accounts, of equal size: results in
    order, a failed call's slot holding its HostingError."""
    from gandi_hosting_cli.api.methods import is_read_only

    reads = all(is_read_only(m) for m, _ in calls)
    limit = MULTICALL_CHUNK if reads else WRITE_CHUNK
    results: list[Any] = []
    parts = -(-len(calls) // limit)
    size = -(-len(calls) // parts) if parts else 0
    for start in range(0, len(calls), max(size, 1)):
        chunk = calls[start : start + size]
        try:
            results += client.multicall(chunk)
        except HostingError as error:
            if reads:
                raise
            # writes: what went through stays known; this request's calls have its error,
            # the later ones are not sent (whether this one was carried out is unknown)
            results += [error] * len(chunk)
            rest = len(calls) - len(results)
            if rest:
                unsent = NetworkError(f"not sent: an earlier request failed ({error.message})")
                results += [unsent] * rest
            break
    return results


def batch(client: HostingClient, calls: list[Call]) -> list[Any]:
    """One request for all ``calls``, errors raised; a single call goes out plain."""
    if not calls:
        return []
    if len(calls) == 1:
        method, args = calls[0]
        return [client.call(method, *args)]
    return [raise_if_error(r) for r in client.multicall(calls)]


def raise_if_error(result: Any) -> Any:
    if isinstance(result, HostingError):
        raise result
    return result


def read_each(
    client: HostingClient, method: str, ids: list[int]
) -> tuple[list[Any], dict[int, HostingError]]:
    """``method(id)`` (a read of the client by its name, e.g. ``"vm_info"``) for every id,
    in one batch: the answers in order, and the errors of the ids that could not be read
    (objects gone meanwhile)."""
    results = multicall_chunked(client, [(method, (i,)) for i in ids])
    found, failed = [], {}
    for obj_id, result in zip(ids, results, strict=True):
        if isinstance(result, HostingError):
            failed[obj_id] = result
        else:
            found.append(result)
    return found, failed
