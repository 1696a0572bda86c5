"""`op list`: the API gives at most the last 300 operations; a full list says so on
stderr, and `op list --all` pages back through time until it has every one.

Operations are written straight into the sandbox's store (1,000 round trips would make
the test slow), with distinct dates, equal dates across window edges, fractions of a
second, and more than a page created in one second.
"""

from __future__ import annotations

import json
import time

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN
from gandi_hosting_cli.workflows.reads import OPERATION_TYPES
from tests.cli.hosting_helpers import Gh


def add_operations(g: Gh, dates: list[float], *, types=OPERATION_TYPES) -> list[int]:
    """DONE operations created at ``dates`` (in this order), their ids."""
    rows = [
        (
            SEED_LOGIN,
            types[i % len(types)],
            when,
            when,
            when,
            when,
            '{"param_type": "vm", "vm_id": 1}',
        )
        for i, when in enumerate(dates)
    ]
    with g.sandbox.store.write() as conn:
        before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM operations").fetchone()[0]
        conn.executemany(
            "INSERT INTO operations (handle, type, state, date_create, date_update, due_run,"
            " due_done, param) VALUES (?, ?, 'DONE', ?, ?, ?, ?, ?)",
            rows,
        )
        ids = [r[0] for r in conn.execute("SELECT id FROM operations WHERE id > ?", (before,))]
    assert len(ids) == len(dates)
    return ids


BASE = time.time() - 10 * 24 * 3600  # ten days ago: every date is in the past


def listed_ids(g: Gh, *args: str) -> list[int]:
    result = g("-q", "op", "list", *args)
    assert result.exit_code == 0, result.stderr
    return [int(i) for i in result.stdout.split()]


def test_a_full_list_says_so_on_stderr(gh):
    add_operations(gh, [BASE + i for i in range(350)])
    result = gh("op", "list", "-o", "tsv", "--columns", "id", "--no-header")
    assert result.exit_code == 0
    assert len(result.stdout.split()) == 300
    assert "last 300" in result.stderr and "--all" in result.stderr
    # with --json, the note is a JSON line: stderr still parses
    as_json = gh("--json", "op", "list")
    assert len(json.loads(as_json.stdout)) == 300
    [note] = [json.loads(line) for line in as_json.stderr.splitlines()]
    assert "last 300" in note["warning"]
    # a list that is not full says nothing
    assert gh("op", "list", "--created-before", "2000-01-01").stderr == ""


@pytest.mark.parametrize(
    "dates",
    [
        [BASE + i for i in range(1000)],  # one a second
        [BASE + (i // 7) for i in range(1000)],  # seven in each second: edges split groups
        [BASE + (i // 3) + 0.75 for i in range(1000)],  # fractions of a second
    ],
    ids=["distinct", "equal", "fractions"],
)
def test_all_finds_every_one_of_1000_operations_once(gh, dates):
    ids = add_operations(gh, dates)
    before = gh.server.request_count
    got = listed_ids(gh, "--all")
    assert sorted(got) == sorted(ids) and len(got) == len(set(got)) == 1000
    # oldest first
    assert got == ids
    # a page costs two requests (the list, the details): a few pages, not one per op
    assert gh.server.request_count - before <= 2 * 8


def test_all_gets_through_more_than_a_page_created_in_the_same_second(gh):
    # 450 operations in one second (of 15 types) between older and newer ones
    dates = (
        [BASE + i for i in range(300)] + [BASE + 500] * 450 + [BASE + 600 + i for i in range(250)]
    )
    ids = add_operations(gh, dates)
    got = listed_ids(gh, "--all")
    assert sorted(got) == sorted(ids) and len(got) == len(set(got)) == 1000


def test_all_keeps_the_filters(gh):
    ids = add_operations(gh, [BASE + i // 2 for i in range(700)], types=("vm_start", "vm_stop"))
    starts = ids[0::2]
    got = listed_ids(gh, "--all", "--type", "vm_start")
    assert sorted(got) == sorted(starts)
    # and the window stays inside the user's own bounds
    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(BASE + 100))
    early = listed_ids(gh, "--all", "--created-before", before)
    assert set(early) <= set(ids) and len(early) == len(set(early))
    assert {ids[i] for i in range(0, 200)} <= set(early) and ids[400] not in early


def test_all_says_so_when_one_second_holds_more_than_a_page_of_one_kind(gh):
    # beyond what the API's filters can tell apart: said, not silently dropped
    ids = add_operations(gh, [BASE + 500] * 320 + [BASE + 501] * 10, types=("vm_start",))
    result = gh("-q", "op", "list", "--all")
    assert result.exit_code == 0
    got = [int(i) for i in result.stdout.split()]
    assert set(got) <= set(ids) and len(got) == len(set(got)) >= 300
    assert "same second" in result.stderr and "may be missing" in result.stderr
