"""apply goes through the single commands' engine: the one create path (a lost answer
is looked up, never sent again; a name taken since the plan is refused just before the
create), against a real sandbox."""

from __future__ import annotations

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.declarative.executor import apply_plan
from gandi_hosting_cli.declarative.manifest import parse_manifest
from gandi_hosting_cli.declarative.planner import make_plan
from gandi_hosting_cli.declarative.state import read_account
from tests.declarative.conftest import PASSWORD, passwords
from tests.reliability.faulty_server import FaultyProxy

TWO_VMS = """
[[vm]]
hostname = "c1"
os = 111
shares = 1

[[vm]]
hostname = "c2"
os = 111
shares = 1
"""


def _drop_one_answer(method: str):
    """A fault for FaultyProxy: the first request carrying ``method`` reaches the
    server, which acts on it; its answer is dropped (the connection closes)."""

    def answer(proxy, conn, body) -> bool:
        proxy.faults.pop(method, None)
        proxy._forward(body)
        return False

    return answer


def _apply_through(server, calls, fault) -> object:
    """apply of TWO_VMS through a FaultyProxy whose ``fault`` hits the first vm_create."""
    with FaultyProxy(server.url) as proxy:
        client = HostingClient(proxy.url, session=server.login())
        the_plan = make_plan(parse_manifest(TWO_VMS, "site.toml"), read_account(client))
        proxy.faults = {"vm_create": fault}
        calls.clear()
        result = apply_plan(client, the_plan, passwords=passwords)
        client.close()
        assert "vm_create" not in proxy.faults  # the fault struck
    return result


def test_apply_finds_the_vm_whose_create_answer_was_lost_and_creates_nothing_twice(
    server, calls, plain
):
    result = _apply_through(server, calls, _drop_one_answer("vm_create"))
    assert result.exit_code == 0, result.as_dict()
    assert calls.writes.count("vm_create") == 2  # each VM created once
    proxy_api, session = plain
    vms = [proxy_api.vm_info(session, i) for i in proxy_api.vm_list(session)]
    assert sorted(v["hostname"] for v in vms) == ["c1", "c2"]
    assert {o.object_id for o in result.outcomes} == {v["id"] for v in vms}
    assert all(o.status == "done" for o in result.outcomes)


def test_apply_refuses_a_create_whose_name_another_client_took_after_the_plan(
    server, client, calls, plain
):
    the_plan = make_plan(parse_manifest(TWO_VMS, "site.toml"), read_account(client))
    proxy_api, session = plain
    proxy_api.vm_create(session, "c1", PASSWORD, 111, 1, 1, {})  # another client, meanwhile
    calls.clear()
    result = apply_plan(client, the_plan, passwords=passwords)
    by_target = {o.action.target: o for o in result.outcomes}
    assert by_target["vm c1"].status == "failed" and by_target["vm c1"].exit_code == 2
    assert "already exists" in by_target["vm c1"].message
    assert by_target["vm c2"].status == "done"
    assert calls.writes.count("vm_create") == 1  # only c2's
    hostnames = [proxy_api.vm_info(session, i)["hostname"] for i in proxy_api.vm_list(session)]
    assert sorted(hostnames) == ["c1", "c2"]


def test_apply_again_after_an_interrupted_one_waits_for_busy_objects_and_converges(
    slow_server, slow_clock
):
    """An apply stopped midway (its timeout, as Ctrl-C would) leaves operations running;
    the next apply waits for those that hold objects of the manifest, then finishes the
    job with no failure and nothing created twice."""
    from gandi_hosting_cli.declarative.settle import settled_account
    from tests.declarative.test_apply import MANIFEST

    clock = slow_clock
    client = HostingClient(slow_server.url, session=slow_server.login())
    manifest = parse_manifest(MANIFEST, "site.toml")
    first = apply_plan(client, make_plan(manifest, read_account(client)), passwords=passwords,
                       clock=clock, sleep=clock.sleep, timeout=5)  # fmt: skip
    assert first.exit_code == 7  # stopped with creates still PENDING
    waited: list[list[int]] = []
    state = settled_account(client, manifest, on_wait=waited.append, clock=clock,
                            sleep=clock.sleep)  # fmt: skip
    assert waited and not [p for p in make_plan(manifest, state).problems if p.kind == "busy"]
    second = apply_plan(client, make_plan(manifest, state), passwords=passwords,
                        clock=clock, sleep=clock.sleep)  # fmt: skip
    assert second.exit_code == 0, second.as_dict()
    assert make_plan(manifest, read_account(client)).up_to_date
    client.close()
    with slow_server.proxy() as api:  # nothing created twice
        session = slow_server.login()
        hosts = sorted(api.vm_info(session, i)["hostname"] for i in api.vm_list(session))
        names = [api.disk_info(session, i)["name"] for i in api.disk_list(session)]
    assert hosts == ["db1", "web1", "web2"]
    assert sorted(n for n in names if not n.startswith("sys_")) == [
        "data1",
        "data2",
        "dbdata",
        "logs1",
    ]


def test_the_executor_sends_ready_writes_together_and_without_wait_polls_nothing(
    server, client, calls, plain
):
    """What single commands use: the writes of a plan that nothing waits for go in one
    request, each ends ``queued`` with its operation, and no operation is polled."""
    from gandi_hosting_cli.declarative.plan import Plan, PlanBuilder

    proxy_api, session = plain
    ids = [proxy_api.vm_create(session, f"s{i}", PASSWORD, 111, 1, 1, {}) for i in (1, 2)]
    proxy_api.vm_list(session)  # the creates are done (operations end at the next call)
    builder = PlanBuilder()
    for vm_id in ids:
        builder.add("stop", f"vm {vm_id}", vm_id=vm_id)
    before = server.request_count
    calls.clear()
    result = apply_plan(client, Plan(actions=builder.actions), wait=False)
    assert server.request_count - before == 1
    assert calls.methods == ["system.multicall", "vm_stop", "vm_stop"]  # no operation_details
    assert [o.status for o in result.outcomes] == ["queued", "queued"]
    assert all(o.operation for o in result.outcomes) and result.exit_code == 0


def _vms_with_disks(prefix: str, n: int) -> str:
    return "".join(
        f'[[vm]]\nhostname = "{prefix}{i}"\nos = 111\nshares = 1\ndisks = ["{prefix}d{i}"]\n\n'
        f'[[disk]]\nname = "{prefix}d{i}"\nsize = 512\n\n'
        for i in range(n)
    )


def test_apply_requests_do_not_grow_with_the_number_of_objects_it_creates(slow_server, slow_clock):
    """A wave of creates is one request (and one more to find their operations), the
    polls read every pending operation at once, the attaches go together: creating 2
    VMs with their data disks costs as many requests as creating 8, and every object is
    created once."""
    from tests.declarative.conftest import CallLog

    clock, calls = slow_clock, CallLog(slow_server.sandbox)
    client = HostingClient(slow_server.url, session=slow_server.login())
    counts = []
    text = ""
    for prefix, n in (("first", 1), ("a", 2), ("b", 8)):  # the first: an account not empty
        text += _vms_with_disks(prefix, n)
        the_plan = make_plan(parse_manifest(text, "site.toml"), read_account(client))
        calls.clear()
        before = slow_server.request_count
        result = apply_plan(client, the_plan, passwords=passwords, clock=clock,
                            sleep=clock.sleep)  # fmt: skip
        assert result.exit_code == 0, result.as_dict()
        counts.append(slow_server.request_count - before)
        writes = calls.writes
        assert [writes.count(m) for m in ("vm_create", "disk_create", "disk_attach")] == [n] * 3
    client.close()
    assert counts[1] == counts[2] <= 40, counts  # 10 s operations: ~13 polls a wave
    with slow_server.proxy() as api:
        session = slow_server.login()
        hosts = sorted(api.vm_info(session, i)["hostname"] for i in api.vm_list(session))
    assert hosts == sorted(["first0"] + [f"a{i}" for i in range(2)] + [f"b{i}" for i in range(8)])


def test_creates_beyond_one_wave_go_in_several_requests_and_each_finds_its_operation(
    server, client, calls, plain, monkeypatch
):
    from gandi_hosting_cli.workflows import operations

    monkeypatch.setattr(operations, "CREATE_WAVE", 3)
    creates = [("disk_create", ({"name": f"w{i}", "size": 256},)) for i in range(7)]
    creates.insert(2, ("disk_create", ({"name": "bad name!", "size": 256},)))  # refused
    calls.clear()
    results = operations.create_many(client, creates)
    # 8 creates in waves of 3, 3 and 2: each one request, and one to read its operations
    assert calls.methods.count("system.multicall") == 6
    assert calls.writes.count("disk_create") == 8
    refused = results.pop(2)
    assert refused.code == 530420 and "disk name must be" in refused.message  # as it came
    proxy_api, session = plain
    for (_, (specs,)), (disk_id, details) in zip(creates[:2] + creates[3:], results, strict=True):
        assert proxy_api.disk_info(session, disk_id)["name"] == specs["name"]
        assert details["type"] == "disk_create" and details["param"]["disk_id"] == disk_id


def _refuse_once(method: str):
    """A fault for FaultyProxy: the first request carrying ``method`` never reaches the
    server (a proxy's 502 page answers it)."""

    def answer(proxy, conn, body) -> bool:
        proxy.faults.pop(method, None)
        page = b"<html><body>502 Bad Gateway</body></html>"
        conn.sendall(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(page), page)
        )
        return False

    return answer


def test_a_lost_create_is_not_taken_for_a_deleted_vm_of_the_same_name(server, calls, plain):
    """The wave's request never reached the server, and a VM of the same name was created
    and deleted a moment before: its create operation is not taken for ours."""
    proxy_api, session = plain
    old = proxy_api.vm_create(session, "c1", PASSWORD, 111, 1, 1, {})
    proxy_api.vm_list(session)  # its create is done (operations end at the next call)
    proxy_api.vm_stop(session, old)
    proxy_api.vm_list(session)
    proxy_api.vm_delete(session, old)
    proxy_api.vm_list(session)
    assert old not in proxy_api.vm_list(session)
    result = _apply_through(server, calls, _refuse_once("vm_create"))
    assert "vm_create" not in calls.methods  # the wave never reached the server
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert all(o.exit_code == 6 and "was not created" in o.message for o in result.outcomes)
    assert all(o.object_id is None for o in result.outcomes)


def test_apply_on_a_server_taking_few_calls_a_request_splits_its_creates_and_polls(
    make_sandbox_server, slow_clock, monkeypatch
):
    """Against a server that takes at most 6 calls a multicall, with the batch sizes cut
    to fit: 4 VMs with their disks attached are created and polled (8 operations at
    once, more than one multicall holds), each once, and every action ends done."""
    from gandi_hosting_cli.workflows import batch, operations
    from tests.declarative.conftest import CallLog

    for name in ("MULTICALL_CHUNK", "WRITE_CHUNK"):
        monkeypatch.setattr(batch, name, 6)
    monkeypatch.setattr(operations, "CREATE_WAVE", 1)  # a list, the create, a list
    clock = slow_clock
    running = make_sandbox_server(op_delay=10, clock=clock, max_multicall_calls=6)
    with running.proxy() as proxy:
        proxy.hosting_account_product_add(running.login(), "shares", 16, "1m")
    clock.sleep(10)
    calls = CallLog(running.sandbox)
    client = HostingClient(running.url, session=running.login())
    manifest = parse_manifest(_vms_with_disks("s", 4), "site.toml")
    result = apply_plan(client, make_plan(manifest, read_account(client)), passwords=passwords,
                        clock=clock, sleep=clock.sleep)  # fmt: skip
    client.close()
    assert result.exit_code == 0, result.as_dict()
    assert all(o.status == "done" for o in result.outcomes)
    writes = calls.writes
    assert [writes.count(m) for m in ("vm_create", "disk_create", "disk_attach")] == [4, 4, 4]


def test_a_batch_of_writes_cut_short_by_the_network_keeps_what_went_through(
    server, plain, monkeypatch
):
    """Writes go in requests of WRITE_CHUNK; when the second request's connection breaks,
    the first request's operations stay known, the second's calls carry the network
    error, and the later ones are not sent."""
    from gandi_hosting_cli.errors import NetworkError
    from gandi_hosting_cli.workflows import batch

    monkeypatch.setattr(batch, "WRITE_CHUNK", 2)
    proxy_api, session = plain
    ids = [proxy_api.vm_create(session, f"w{i}", PASSWORD, 111, 1, 1, {}) for i in range(5)]
    proxy_api.vm_list(session)  # created (operations end at the next call)
    requests = []

    def second_breaks(proxy, conn, body) -> bool:
        requests.append(body)
        if len(requests) == 2:
            return False  # the connection closes with no answer
        status, reason, answer = proxy._forward(body)
        conn.sendall(b"HTTP/1.1 %d %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
                     % (status, reason.encode(), len(answer)) + answer)  # fmt: skip
        return True

    with FaultyProxy(server.url, faults={"vm_stop": second_breaks}) as proxy:
        client = HostingClient(proxy.url, session=server.login())
        results = batch.multicall_chunked(client, [("vm_stop", (i,)) for i in ids])
        client.close()
    assert len(requests) == 2  # the fifth stop was never sent
    assert all(isinstance(r, int) for r in results[:2])  # their operations
    assert all(isinstance(r, NetworkError) for r in results[2:])
    assert "not sent" in results[4].message
    states = [proxy_api.vm_info(session, i)["state"] for i in ids]
    assert states[:2] == ["halted", "halted"] and states[4] == "running"
