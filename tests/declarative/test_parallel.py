"""Independent operations overlap: the run takes the longest chain, not the sum."""

from __future__ import annotations

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.declarative.executor import apply_plan
from gandi_hosting_cli.declarative.manifest import parse_manifest
from gandi_hosting_cli.declarative.planner import make_plan
from gandi_hosting_cli.declarative.state import read_account
from tests.declarative.conftest import passwords
from tests.declarative.test_apply import MANIFEST


def test_apply_runs_independent_operations_in_parallel(slow_server, slow_clock):
    clock = slow_clock
    client = HostingClient(slow_server.url, session=slow_server.login())
    plan = make_plan(parse_manifest(MANIFEST, "m"), read_account(client))
    events = []
    result = apply_plan(
        client, plan, passwords=passwords, on_event=events.append,
        clock=clock, sleep=clock.sleep,
    )  # fmt: skip
    client.close()
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    # 16 operations of 10 s; the longest chain (db1: create, stop, update, attach, link,
    # start) is 6 of them: about 60 s plus polling latency, far from 160 s one by one
    assert len(plan.actions) == 16
    assert result.elapsed <= 6 * 10 * 1.25, result.elapsed
    # every action was queued, then finished once; creates were queued before any finished
    kinds = [e.kind for e in events]
    assert kinds.count("queued") == 16 and kinds.count("done") == 16
    first_done = kinds.index("done")
    assert kinds[:first_done].count("queued") >= 7  # the 4 disks and 3 VMs at once


def test_timeout_reports_what_is_still_running(slow_server, slow_clock):
    clock = slow_clock
    client = HostingClient(slow_server.url, session=slow_server.login())
    plan = make_plan(parse_manifest(MANIFEST, "m"), read_account(client))
    result = apply_plan(client, plan, passwords=passwords, clock=clock, sleep=clock.sleep,
                        timeout=15)  # fmt: skip
    client.close()
    assert result.exit_code == 7
    statuses = {o.status for o in result.outcomes}
    assert "timed_out" in statuses and "not_run" in statuses
