"""Multicall amplification: a small request must not make a huge answer or a huge server.

``system.multicall`` runs at most ``MAX_MULTICALL_CALLS`` (2,000) sub-calls, and no
response is larger than ``MAX_RESPONSE_BYTES`` (16 MiB): the multicall answer is
marshalled as it grows, so the server refuses (``501631``) before holding more. Bounded
in CI; ``GANDI_HOSTING_LONG_TESTS=1`` runs the size that once took 3.67 GB (1,000
``disk_list`` sub-calls on an account of 20,000 disks).
"""

from __future__ import annotations

import os
import resource
import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.dispatcher import MAX_MULTICALL_CALLS, MAX_RESPONSE_BYTES

LONG = os.environ.get("GANDI_HOSTING_LONG_TESTS") == "1"
LOGIN = "AA1234-GANDI"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _disk_lists(running, session: str, n: int) -> list:
    with running.proxy() as api:
        batch = xmlrpc.client.MultiCall(api)
        for _ in range(n):
            batch.disk_list(session)
        return batch()  # raises the multicall's own fault, if any


def test_the_documented_limits():
    assert MAX_MULTICALL_CALLS == 2000
    assert MAX_RESPONSE_BYTES == 16 * 1024 * 1024


def test_more_sub_calls_than_the_limit_is_one_fault_and_runs_none(make_sandbox_server):
    running = make_sandbox_server(max_multicall_calls=50)
    session = running.login()
    with running.proxy() as api:
        batch = xmlrpc.client.MultiCall(api)
        for _ in range(51):
            batch.hosting_account_product_add(session, "shares", 1, "1m")
        with pytest.raises(xmlrpc.client.Fault) as info:
            tuple(batch())
        assert info.value.faultCode == 501531
        assert "at most 50 calls" in info.value.faultString
        assert api.operation_list(session) == []  # none of the 51 ran


def test_the_default_limit_takes_2000_sub_calls_and_refuses_2001(sandbox_server):
    session = sandbox_server.login()
    assert len(_disk_lists(sandbox_server, session, 2000).results) == 2000
    with pytest.raises(xmlrpc.client.Fault) as info:
        _disk_lists(sandbox_server, session, 2001)
    assert info.value.faultCode == 501531


def _amplify(make_sandbox_server, disks: int, calls: int, limit: int | None) -> float:
    kwargs = {} if limit is None else {"max_response_bytes": limit}
    running = make_sandbox_server(**kwargs)
    running.sandbox.bulk_create_disks(LOGIN, disks)
    session = running.login()
    before = _peak_rss_mb()
    with pytest.raises(xmlrpc.client.Fault) as info:
        _disk_lists(running, session, calls)
    assert info.value.faultCode == 501631
    assert "response too large" in info.value.faultString
    # the server still answers, and a small multicall still works
    assert len(_disk_lists(running, session, 2).results[0][0]) == disks
    return _peak_rss_mb() - before


def test_a_multicall_answer_beyond_the_response_limit_is_a_fault_with_memory_bounded(
    make_sandbox_server,
):
    # 200 disk_list calls on 2,000 disks would answer ~12 MB; the limit here is 1 MiB
    growth = _amplify(make_sandbox_server, 2000, 200, 1024 * 1024)
    assert growth < 48, f"peak RSS grew {growth:.0f} MB"


@pytest.mark.slow
@pytest.mark.skipif(not LONG, reason="GANDI_HOSTING_LONG_TESTS=1 runs the full-size attack")
def test_the_reported_attack_is_refused_with_memory_bounded(make_sandbox_server):
    # the figures: 1,000 disk_list sub-calls on 20,000 disks (611 MB, 3.67 GB RSS)
    growth = _amplify(make_sandbox_server, 20_000, 1000, None)
    assert growth < 200, f"peak RSS grew {growth:.0f} MB"
