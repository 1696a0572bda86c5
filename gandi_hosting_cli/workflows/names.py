"""Names to ids: VMs by hostname, disks by name, OS images by label, in one batch.

Digits are ids (no request). A name the local name cache (``config/name_cache.py``, kept by
list commands, completion and earlier lookups) knows for exactly one object costs one
info call, sent in one request with the other names' and confirmed there: the object
must still exist and still bear that exact name. Objects the cache knows by id alone (an
ids-only list, ``vm list -q``, saw them) are read in that request too, since any may bear
the name: the name must be borne by exactly one object read. Other names (not cached, cached for
several objects, or a guess that does not hold) cost one request of lists (batched,
with ``os_list`` when an OS is named) and one multicall of every listed object's info,
which then refreshes the cache. A name matching several objects is an
``AmbiguousName`` (a usage error, exit 2, listing "id name"); none is ``NotFound`` (4).

What a guess cannot see: an object created since the cache was written that bears the
same hostname (hostnames need not be unique); the next list or lookup that reads every
object sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.errors import (
    APIFault,
    AuthError,
    Hint,
    HostingError,
    LocalUsageError,
    NotFound,
    escape_controls,
)
from gandi_hosting_cli.records import FrozenRecord, Record
from gandi_hosting_cli.workflows.batch import MULTICALL_CHUNK, Call, batch, multicall_chunked

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient
    from gandi_hosting_cli.config.name_cache import NameCache


class Resource(FrozenRecord):
    """How a resource (VMs, disks) is listed, read, named and called to a user."""

    _fields = ("list_method", "info_method", "name_key", "noun")
    list_method: str
    info_method: str
    name_key: str
    noun: str

    def __init__(self, list_method: str, info_method: str, name_key: str, noun: str) -> None:
        self._set(list_method, info_method, name_key, noun)


RESOURCES = {
    "vm": Resource("vm_list", "vm_info", "hostname", "VM"),
    "disk": Resource("disk_list", "disk_info", "name", "disk"),
}


class AmbiguousName(LocalUsageError):
    """Several objects answer to one name: exit 2, listing them as "id name"."""

    def __init__(self, noun: str, token: str, candidates: Sequence[tuple[int, str]]):
        # one line each, whatever a server put in a name (the message keeps its line breaks)
        lines = "\n".join(f"  {cid} {escape_controls(name)}" for cid, name in candidates)
        super().__init__(f"{noun} name {token!r} is ambiguous; use one of these ids:\n{lines}")
        self.candidates = list(candidates)


def is_id(token: str) -> bool:
    """An id is ASCII digits only: ``str.isdigit`` also takes '²' and Arabic-Indic digits."""
    return re.fullmatch(r"[0-9]+", token) is not None


class Resolved(Record):
    """Ids in the order asked, and the info structs fetched on the way (by id)."""

    _fields = ("vms", "disks", "os_id", "infos", "os_images", "tokens")

    def __init__(
        self,
        vms: list[int] | None = None,
        disks: list[int] | None = None,
        os_id: int | None = None,
        infos: dict[tuple[str, int], dict] | None = None,
        os_images: list[dict] | None = None,
        tokens: dict[str, list[tuple[str, int | None, HostingError | None]]] | None = None,
    ) -> None:
        self.vms: list[int] = [] if vms is None else vms
        self.disks: list[int] = [] if disks is None else disks
        self.os_id = os_id
        self.infos: dict[tuple[str, int], dict] = {} if infos is None else infos
        self.os_images: list[dict] = [] if os_images is None else os_images
        # with ``keep_going``: each token, in the order given, with its id or why it has none
        self.tokens: dict[str, list[tuple[str, int | None, HostingError | None]]] = (
            {"vm": [], "disk": []} if tokens is None else tokens
        )

    def vm_info(self, vm_id: int) -> dict | None:
        return self.infos.get(("vm", vm_id))

    def disk_info(self, disk_id: int) -> dict | None:
        return self.infos.get(("disk", disk_id))


def resolve(
    client: HostingClient,
    *,
    vms: Iterable[str] = (),
    disks: Iterable[str] = (),
    os: str | None = None,
    fetch_info: bool = False,
    with_os_list: bool = False,
    cache: NameCache | None = None,
    keep_going: bool = False,
    fresh: bool = False,
) -> Resolved:
    """Resolve every token at once; ``fetch_info`` also reads the info of ids given as digits.

    ``fetch_info`` is for commands that show what they are about to change (a
    confirmation prompt): the infos come in the same request as the name lookup.
    ``with_os_list`` reads ``os_list`` (into ``os_images``) in the lookup's first request
    when a name needs one anyway (an OS label for people costs no extra request).
    ``keep_going`` (commands on several objects): a name not found or ambiguous is
    recorded in ``tokens`` (its id None) instead of raised; ``vms`` / ``disks`` then
    hold the ids of the others only.
    ``fresh`` (before a stop, delete, detach, update or attach): a name's uniqueness is
    confirmed on the server, whatever the cache says: the list is read in the same
    request as the cached guesses, and only objects the cache did not know (another
    client made them) are read after (none: no second request).

    Names found once each in ``cache`` (the account's name cache; None: no guesses) cost
    one info call each, all in
    one request (with the objects the cache knows by id alone, see ``_candidates``); the
    others are read the long way (every object's info, see ``_scan``).
    """
    tokens = {"vm": list(vms), "disk": list(disks)}
    candidates, prefetch = _candidates(cache, tokens)
    _list_when_it_fits(candidates, prefetch)
    scans = [r for r in RESOURCES if r not in candidates and any(not is_id(t) for t in tokens[r])]
    named = any(not is_id(t) for r in RESOURCES for t in tokens[r])
    read_os_list = (os is not None and not is_id(os)) or (with_os_list and named)
    # the first request: lists to scan, guesses to confirm, the digits to show, os_list
    info_keys = _first_info_keys(candidates, tokens, fetch_info)
    prefetch = [key for key in prefetch if key not in info_keys and key[0] in scans]
    if len(scans) + len(info_keys) + len(prefetch) + 1 <= MULTICALL_CHUNK:
        info_keys += prefetch  # one request still: the scan reads only the others
    # fresh: the guessed resources are listed in the same request, to see new objects
    recheck = list(candidates) if fresh else []
    lists = scans + recheck
    calls = [(RESOURCES[r].list_method, ()) for r in lists]
    calls += [(RESOURCES[r].info_method, (i,)) for r, i in info_keys]
    calls += [("os_list", ())] if read_os_list else []
    first = _first_request(client, calls, len(lists))
    out = Resolved()
    listed = dict(zip(scans, first, strict=False))
    fresh_lists = {
        r: [int(i) for i in ids]
        for r, ids in zip(recheck, first[len(scans) : len(lists)], strict=True)
    }
    for key, result in zip(info_keys, first[len(lists) :], strict=False):
        if not isinstance(result, HostingError):
            out.infos[key] = result
    if read_os_list:
        out.os_images = list(first[-1])
    if os is not None:
        out.os_id = int(os) if is_id(os) else match_os(out.os_images, os)
    guesses = _confirm(client, candidates, out.infos, listed, cache, fresh_lists)
    _scan(client, out, listed, cache)
    new = _read_new(client, out, candidates, guesses, fresh_lists, cache)
    _ids_in_order(out, tokens, guesses, listed, keep_going, new)
    return out


def _read_new(
    client: HostingClient,
    out: Resolved,
    candidates: dict[str, Candidates],
    guesses: dict[str, dict[str, int]],
    fresh_lists: dict[str, list[int]],
    cache: NameCache | None,
) -> dict[str, list[int]]:
    """``fresh``: the objects listed that the cache did not know (another client made
    them since), read in one request (none when there are none): any may bear a name
    the cache guessed. A name never changes, so objects the cache knows by another name
    need no reading. Per guessed resource, the new ids."""
    new = {
        r: [i for i in ids if i not in candidates[r].known and (r, i) not in out.infos]
        for r, ids in fresh_lists.items()
        if r in guesses
    }
    _read_and_remember(client, out, new, cache, complete=False)
    return new


def _list_when_it_fits(candidates: dict[str, Candidates], prefetch: list) -> None:
    """A name the cache does not know is only looked for among the objects it knows by
    id alone when listing them too would not fit one request: otherwise the list goes
    in that request as well (the lookup is then exact, and a miss costs no more)."""
    for resource, cached in list(candidates.items()):
        reads = cached.to_read()
        if all(cached.by_name.values()) or len(prefetch) + len(reads) + 3 > MULTICALL_CHUNK:
            continue
        del candidates[resource]
        prefetch += [(resource, i) for i in reads]


def _first_info_keys(
    candidates: dict[str, Candidates], tokens: dict[str, list[str]], fetch_info: bool
) -> list[tuple[str, int]]:
    """The infos the first request reads: the cached candidates to confirm, the digits
    to show."""
    info_keys = [(r, i) for r, c in candidates.items() for i in c.to_read()]
    if fetch_info:
        info_keys += [(r, int(t)) for r in RESOURCES for t in tokens[r] if is_id(t)]
    return list(dict.fromkeys(info_keys))


def _confirm(
    client: HostingClient,
    candidates: dict[str, Candidates],
    infos: dict,
    listed: dict[str, list[int]],
    cache: NameCache | None,
    fresh_lists: dict[str, list[int]] | None = None,
) -> dict[str, dict[str, int]]:
    """Each guessed resource's ids by name, when every name is borne, exactly, by one
    and only one of the objects read; a resource where that does not hold is listed
    (read the long way, which refreshes the cache). The names of objects the cache knew
    by id alone are remembered."""
    guesses: dict[str, dict[str, int]] = {}
    for resource, cached in candidates.items():
        by_name = cached.confirmed(resource, infos)
        if by_name is not None:
            guesses[resource] = by_name
    stale = [r for r in candidates if r not in guesses]
    fresh_lists = fresh_lists or {}
    listed.update({r: fresh_lists[r] for r in stale if r in fresh_lists})
    stale = [r for r in stale if r not in fresh_lists]
    lists = batch(client, [(RESOURCES[r].list_method, ()) for r in stale])
    listed.update(zip(stale, lists, strict=True))
    for resource in guesses:
        read = [
            infos[(resource, i)] for i in candidates[resource].unnamed if (resource, i) in infos
        ]
        if cache is not None and read:
            cache.remember(resource, read, complete=False)
    return guesses


def _ids_in_order(
    out: Resolved,
    tokens: dict[str, list[str]],
    guesses: dict[str, dict[str, int]],
    listed: dict[str, list[int]],
    keep_going: bool = False,
    new: dict[str, list[int]] | None = None,
) -> None:
    """Each token's id, in the order given, into ``out.vms`` and ``out.disks`` (and
    ``out.tokens``)."""
    for resource, resolved in (("vm", out.vms), ("disk", out.disks)):
        for token in tokens[resource]:
            try:
                if is_id(token):
                    obj_id = int(token)
                elif resource in guesses:
                    obj_id = guesses[resource][token]
                    others = (new or {}).get(resource)
                    if others:  # a name guessed must still be borne by that one object only
                        ids = [obj_id, *others]
                        obj_id = _match_name(resource, token, ids, out.infos)
                else:
                    obj_id = _match_name(resource, token, listed.get(resource, []), out.infos)
            except (NotFound, AmbiguousName) as error:
                if not keep_going:
                    raise
                out.tokens[resource].append((token, None, error))
                continue
            resolved.append(obj_id)
            out.tokens[resource].append((token, obj_id, None))


class Candidates(Record):
    """What the name cache says of one resource's names: the ids cached under each name,
    and the ids it knows without a name (any of them may bear one)."""

    _fields = ("by_name", "unnamed", "known")

    def __init__(
        self, by_name: dict[str, list[int]], unnamed: list[int], known: set[int] | None = None
    ) -> None:
        self.by_name = by_name
        self.unnamed = unnamed
        self.known: set[int] = set() if known is None else known  # every id the cache knows

    def to_read(self) -> list[int]:
        return list(
            dict.fromkeys([*(i for ids in self.by_name.values() for i in ids), *self.unnamed])
        )

    def confirmed(self, resource: str, infos: dict) -> dict[str, int] | None:
        """Each name's one id among the objects read, or None when a name is borne by
        none or several of them (then every object is read)."""
        name_key = RESOURCES[resource].name_key
        found: dict[str, int] = {}
        for name, ids in self.by_name.items():
            bearing = [
                i
                for i in dict.fromkeys([*ids, *self.unnamed])
                if isinstance(infos.get((resource, i)), dict)
                and infos[(resource, i)].get(name_key) == name
            ]
            if len(bearing) != 1:
                return None
            found[name] = bearing[0]
        return found


def _candidates(
    cache: NameCache | None, tokens: dict[str, list[str]]
) -> tuple[dict[str, Candidates], list[tuple[str, int]]]:
    """Per resource, the guess to confirm in the first request: when the cache knows
    every name for exactly one id, or for at most one while it knows some objects by
    their id alone (an ids-only list saw them; any may bear a name): those are read with
    the guesses, and each name must be borne by exactly one of the objects read. Else
    the resource is scanned, and the ids the cache knows of it are read beside the list
    when that still fits one request (the scan then reads only the objects not read).
    """
    candidates: dict[str, Candidates] = {}
    prefetch: list[tuple[str, int]] = []
    if cache is None:
        return candidates, prefetch
    for resource in RESOURCES:
        names = [t for t in tokens[resource] if not is_id(t)]
        if not names:
            continue
        entries = cache.entries(resource)
        found: dict[str, list[int]] = {name: [] for name in names}
        for obj_id, name in entries:
            if name in found:
                found[name].append(obj_id)
        unnamed = [obj_id for obj_id, name in entries if name is None]
        counts = [len(ids) for ids in found.values()]
        if all(c == 1 for c in counts) or (unnamed and all(c <= 1 for c in counts)):
            candidates[resource] = Candidates(found, unnamed, {obj_id for obj_id, _ in entries})
        else:
            prefetch += [(resource, obj_id) for obj_id, _ in entries]
    return candidates, prefetch


def _first_request(client: HostingClient, calls: list[Call], lists: int) -> list[Any]:
    """One request; a list or os_list that fails is raised, a failed info is kept (a
    vanished object: a guess that does not hold, or a digit the command reports)."""
    if not calls:
        return []
    if len(calls) == 1:
        method, args = calls[0]
        try:
            return [client.call(method, *args)]
        except APIFault as error:
            if lists or method == "os_list" or isinstance(error, AuthError):
                raise
            return [error]
    results = multicall_chunked(client, calls)
    infos = range(lists, len(calls) - (calls[-1][0] == "os_list"))
    for index, result in enumerate(results):
        if isinstance(result, HostingError) and (
            index not in infos or isinstance(result, AuthError)
        ):
            raise result
    return results


def _scan(
    client: HostingClient, out: Resolved, listed: dict[str, list[int]], cache: NameCache | None
) -> None:
    """Every listed object's info (what names are matched against), in one batch; the
    cache learns the names read (a complete list: ids not in it are dropped)."""
    _read_and_remember(client, out, listed, cache, complete=True)


def _read_and_remember(
    client: HostingClient,
    out: Resolved,
    ids: dict[str, list[int]],
    cache: NameCache | None,
    *,
    complete: bool,
) -> None:
    """The infos of ``ids`` not read yet, in one batch, and the names the cache learns
    from them (``complete``: those are every object of the resource)."""
    info_keys = [(r, i) for r in ids for i in dict.fromkeys(ids[r])]
    info_keys = [key for key in info_keys if key not in out.infos]
    calls = [(RESOURCES[resource].info_method, (i,)) for resource, i in info_keys]
    for key, result in zip(info_keys, multicall_chunked(client, calls), strict=True):
        # an object that vanished between the two requests is not a candidate
        if not isinstance(result, HostingError):
            out.infos[key] = result
    for resource, some in ids.items():
        seen = [out.infos[(resource, i)] for i in some if (resource, i) in out.infos]
        if cache is not None and (seen or complete):
            cache.remember(resource, seen, complete=complete)


def _match_name(resource: str, token: str, ids: Iterable[int], infos: dict) -> int:
    spec = RESOURCES[resource]
    names = {
        i: str(infos[(resource, i)].get(spec.name_key, "")) for i in ids if (resource, i) in infos
    }
    found = [(i, name) for i, name in names.items() if name == token]
    if not found:
        # hostnames are case-insensitive (DNS); fall back to that before giving up
        found = [(i, name) for i, name in names.items() if name.lower() == token.lower()]
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise NotFound(f"no {spec.noun} named {token!r}")
    raise AmbiguousName(spec.noun, token, sorted(found))


def os_label(image: dict) -> str:
    """How an OS image is shown: its label, else ``name version``."""
    return str(image.get("label") or f"{image.get('name', '')} {image.get('version', '')}".strip())


def os_names(images: list[dict]) -> dict[int, str]:
    """OS image id -> its label."""
    return {int(img["id"]): os_label(img) for img in images if "id" in img}


def match_os(images: Sequence[dict], token: str) -> int:
    """An OS by label, by ``name version``, or by name alone when only one version exists."""
    wanted = " ".join(token.split()).lower()
    for pred in (
        lambda img: str(img.get("label", "")).lower() == wanted,
        lambda img: f"{img.get('name', '')} {img.get('version', '')}".lower() == wanted,
        lambda img: str(img.get("name", "")).lower() == wanted,
    ):
        found: list[Any] = [img for img in images if pred(img)]
        if len(found) == 1:
            return int(found[0]["id"])
        if len(found) > 1:
            raise AmbiguousName(
                "OS", token, sorted((int(img["id"]), os_label(img)) for img in found)
            )
    raise NotFound(f"no OS image named {token!r}", hint=Hint("os_list"))


def vm_label(vm_id: int, info: dict | None) -> str:
    """How a VM is named in messages: ``web1 (vm 12)``, or ``vm 12`` when unread."""
    if info and info.get("hostname"):
        return f"{info['hostname']} (vm {vm_id})"
    return f"vm {vm_id}"


def disk_label(disk_id: int, info: dict | None) -> str:
    if info and info.get("name"):
        return f"{info['name']} (disk {disk_id})"
    return f"disk {disk_id}"
