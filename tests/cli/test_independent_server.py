"""The CLI against an independent server (tests/independent_server.py), not our sandbox.

That server is written from the spec and DESIGN.md with different valid choices (random
7-digit ids, no multicall, newest-first operation lists, float balance, naive dates,
other key orders, omitted optional keys, extra keys, other fault wording, hex sessions),
served by the standard library over real HTTP. Every test runs with and without
``system.multicall``.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Iterator

import pytest
from click.testing import Result

from tests.independent_server import LOGIN, PASSWORD, IndependentServer

ROOT_PW = "r00t-password-ok"


class Ind:
    """The CLI bound to one independent server (its waits move the server's clock)."""

    def __init__(self, cli, server: IndependentServer) -> None:
        self.cli, self.server, self.api, self.url = cli, server, server.api, server.url

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None) -> Result:
        return self.cli("--url", self.url, *args, input=input, env=env, clock=self.api.clock)

    def json(self, *args: str, input: str | None = None):
        result = self("--json", *args, input=input)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return json.loads(result.stdout)

    def ok(self, *args: str, input: str | None = None) -> str:
        result = self(*args, input=input)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def fails(self, code: int, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    def login(self) -> None:
        self.ok("login", LOGIN, "--password-stdin", input=PASSWORD + "\n")

    def proxy_session(self) -> tuple[xmlrpc.client.ServerProxy, str]:
        proxy = xmlrpc.client.ServerProxy(self.url)
        return proxy, proxy.login(LOGIN, PASSWORD)


@pytest.fixture(params=[True, False], ids=["multicall", "no-multicall"])
def ind(request, cli, clock) -> Iterator[Ind]:
    # with multicall: newest-first lists, operations that take 0.15 s (PENDING, RUN, DONE);
    # without: oldest-first lists, operations done at the next request (both are the spec's).
    # The time is the test's hand-driven clock, moved by the CLI's waits: no real pauses.
    timing = {"pending": 0.05, "running": 0.1} if request.param else {"pending": 0, "running": 0}
    server = IndependentServer(
        multicall=request.param, newest_first=request.param, clock=clock, **timing
    )
    g = Ind(cli, server)
    g.login()
    yield g
    server.stop()


def is_big_id(value) -> bool:
    return isinstance(value, int) and 1_000_000 <= value < 10_000_000


def test_the_user_case_end_to_end(ind):
    # step 1: add resources
    added = ind.json("product", "add", "--yes", "shares", "4", "--duration", "1m", "--wait")
    assert added["state"] == "DONE" and is_big_id(added["operation"])
    # step 2: the shares are there; the balance is a double
    info = ind.json("account", "info")
    assert info["resources"]["available"]["shares"] == 4
    [product] = info["products"]
    assert isinstance(info["balance"], float)
    assert ind.json("account", "balance") == {"balance": info["balance"], "currency": "EUR"}
    assert ind.ok("account", "balance").strip() == f"{info['balance']:.2f} EUR"
    assert "XY9876-GANDI" in ind.ok("account", "info")
    # step 3: an OS by its label, a VM by its hostname
    images = ind.json("os", "list")
    assert all(is_big_id(i["id"]) for i in images)
    assert "Debian 12 bookworm" in ind.ok("os", "list")
    vm = ind.json(
        "vm", "create", "web-ind", "--os", "Debian 12 bookworm", "--shares", "2",
        "--password-stdin", "--wait", input=ROOT_PW + "\n",
    )  # fmt: skip
    assert vm["state"] == "DONE" and vm["id"] in ind.api.vms
    vm_op = ind.json("op", "info", str(vm["operation"]))
    assert vm_op["type"] == "vm_create" and vm_op["param"]["vm_id"] == vm["id"]
    assert "comment" not in vm_op
    vm_info = ind.json("vm", "info", "web-ind")
    assert vm_info["state"] == "running" and "login" not in vm_info
    assert "web-ind" in ind.ok("vm", "info", "web-ind")
    # step 4: a data disk
    disk = ind.json("disk", "create", "data-ind", "--size", "2G", "--wait")
    assert disk["state"] == "DONE" and ind.api.disks[disk["id"]]["size"] == 2048
    # step 5: attach it, by names
    assert ind.json("disk", "attach", "data-ind", "web-ind", "--wait")["state"] == "DONE"
    assert ind.json("vm", "info", "web-ind")["disks_id"][1] == disk["id"]
    assert ind.json("vm", "disks", "web-ind")[1] == disk["id"]
    # the lists, with details, in every output mode
    assert [v["hostname"] for v in ind.json("vm", "list", "--details")] == ["web-ind"]
    assert "web-ind" in ind.ok("vm", "list", "--details")
    disks = ind.json("disk", "list", "--details")
    assert {d["name"] for d in disks} >= {"data-ind"} and len(disks) == 2
    assert "web-ind" in ind.ok("disk", "list", "--details")
    by_id = sorted(ind.json("disk", "list"), key=lambda d: d["id"])
    assert by_id == sorted(disks, key=lambda d: d["id"])  # --details changes nothing
    # operations: list (every mode), info, wait
    ops = ind.json("op", "list", "--details")
    assert [o["type"] for o in ops] == [
        "hosting_account_product_add", "vm_create", "disk_create", "disk_attach"
    ]  # fmt: skip
    assert ind.ok("op", "list", "-q").split() == [str(o["uid"]) for o in ops]
    assert [o["id"] for o in ind.json("op", "list")] == [o["uid"] for o in ops]
    assert "disk_attach" in ind.ok("op", "list")
    assert ind.json("op", "list", "--type", "vm_create", "--state", "DONE")[0]["id"] == vm_op["uid"]
    assert "vm_create" in ind.ok("op", "info", str(vm["operation"]))
    waited = ind.json("op", "wait", *(str(o["uid"]) for o in ops))
    assert {w["state"] for w in waited} == {"DONE"}
    # and back
    assert ind.json("vm", "stop", "web-ind", "--wait")["state"] == "DONE"
    assert ind.json("disk", "detach", "data-ind", "web-ind", "--wait")["state"] == "DONE"
    assert ind.json("disk", "delete", "data-ind", "--yes", "--wait")["state"] == "DONE"
    assert ind.json("vm", "delete", "web-ind", "--yes", "--wait")["state"] == "DONE"
    removed = ind.json("product", "remove", str(product["id"]), "--yes", "--wait")
    assert removed["state"] == "DONE"
    assert ind.json("vm", "list") == [] and ind.json("disk", "list") == []
    assert ind.json("account", "info")["products"] == []


def test_exit_codes_for_unknown_objects_and_bad_credentials(ind):
    for args in (
        ("vm", "info", "1234567"),
        ("vm", "info", "no-such-vm"),
        ("disk", "info", "7654321"),
        ("op", "info", "1111111"),
        ("vm", "stop", "1234567"),
        ("disk", "attach", "7654321", "1234567"),
    ):
        result = ind.fails(4, "--json", *args)
        error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
        assert error["exit_code"] == 4
    result = ind.fails(4, "--json", "vm", "info", "1234567")
    assert json.loads(result.stderr.splitlines()[-1])["error"]["code"] == 530240
    ind.fails(3, "login", LOGIN, "--password-stdin", input="wrong-password\n")


def test_a_session_the_server_forgot(ind):
    ind.api.sessions.clear()  # e.g. a server restart: the cached session is unknown (500240)
    result = ind.fails(3, "vm", "list")
    assert "login" in result.stderr
    # with a password available, the CLI renews the session once, by itself
    renewed = ind("--json", "vm", "list", env={"GANDI_HOSTING_PASSWORD": PASSWORD})
    assert renewed.exit_code == 0, renewed.stderr
    assert json.loads(renewed.stdout) == []
    assert ind.json("disk", "list") == []  # the renewed session was cached


def test_su_to_a_customer_and_back(ind):
    ind.ok("su", "CU1111-GANDI")
    assert ind.json("account", "info")["handle"] == "CU1111-GANDI"
    ind.ok("su", LOGIN)
    assert ind.json("account", "info")["handle"] == LOGIN


def test_a_create_whose_answer_is_lost_is_found_not_resent(ind):
    ind.json("product", "add", "--yes", "shares", "2", "--wait")
    ind.api.drop_answer("vm_create")
    result = ind.fails(
        6, "vm", "create", "lost-one", "--os", "CentOS 7", "--shares", "1",
        "--password-stdin", input=ROOT_PW + "\n",
    )  # fmt: skip
    [vm_id] = ind.api.vms
    assert f"lost-one (vm {vm_id})" in result.stderr and "op wait" in result.stderr
    assert ind.api.calls.count("vm_create") == 1


def test_an_operation_that_ends_in_error_and_a_wait_that_times_out(ind):
    ind.json("product", "add", "--yes", "shares", "2", "--wait")
    ind.api.fail_next("vm_create", "no hypervisor has room")
    result = ind.fails(
        5, "vm", "create", "doomed", "--os", "Ubuntu 24.04", "--shares", "1",
        "--password-stdin", "--wait", input=ROOT_PW + "\n",
    )  # fmt: skip
    assert "no hypervisor has room" in result.stderr
    [failed] = ind.json("op", "list", "--state", "ERROR", "--details")
    assert failed["comment"] == "no hypervisor has room"
    assert ind.fails(5, "op", "wait", str(failed["uid"])).stderr
    assert ind.json("op", "cancel", str(failed["uid"]), "--yes")["state"] == "CANCEL"

    ind.api.hold("disk_create")
    result = ind.fails(
        7, "--json", "disk", "create", "slow", "--size", "1024", "--wait-timeout", "0.3"
    )
    created = json.loads(result.stdout)
    assert created["state"] == "PENDING" and is_big_id(created["id"])
    ind.fails(7, "op", "wait", str(created["operation"]), "--wait-timeout", "0.2")
    ind.api.release()
    assert ind.json("op", "wait", str(created["operation"]))["state"] == "DONE"


def test_finding_a_create_among_many_operations_with_random_ids(ind):
    ind.json("product", "add", "--yes", "disk", "40960", "--wait")
    proxy, session = ind.proxy_session()
    for n in range(25):  # older disk_create operations, ids in no particular order
        proxy.disk_create(session, {"name": f"old{n}", "size": 64, "fstype": "ext3"})
    mark = len(ind.api.calls)
    created = ind.json("disk", "create", "newest", "--size", "128", "--fstype", "xfs")
    # the id that appeared between two listings is read, not the 26 listed ones
    assert ind.api.calls[mark:].count("operation_details") == 1
    op = ind.json("op", "info", str(created["operation"]))
    assert op["type"] == "disk_create" and op["param"]["disk_id"] == created["id"]
    assert ind.api.disks[created["id"]]["name"] == "newest"


def test_multicall_is_used_when_offered_and_probed_once_when_not(ind):
    ind.json("product", "add", "--yes", "disk", "4096", "--wait")
    proxy, session = ind.proxy_session()
    for n in range(3):
        proxy.disk_create(session, {"name": f"d{n}", "size": 64, "fstype": "jfs"})
    ind.json("vm", "list", "--details")
    ind.json("disk", "list", "--details")
    ind.ok("op", "list")
    probes = ind.api.calls.count("system.multicall")
    if ind.server.server.funcs.get("system.multicall"):
        assert probes >= 1
    else:
        assert probes <= 1  # refused once, then remembered


def test_debug_never_shows_the_hex_session(ind):
    result = ind("--debug", "vm", "list")
    assert result.exit_code == 0
    for session in ind.api.sessions:
        assert session not in result.stderr and session not in result.stdout


def test_a_session_forgotten_midway_through_a_batch_of_writes_sends_none_twice(ind):
    """The server forgets the session after the first stop of a batch of three: the CLI
    logs in again and sends only the two refused stops; each VM is stopped once."""
    ind.json("product", "add", "--yes", "shares", "3", "--wait")
    for name in ("s1", "s2", "s3"):
        ind.ok("vm", "create", name, "--os", "Debian 12 bookworm", "--shares", "1",
               "--password-stdin", "--wait", input=ROOT_PW + "\n")  # fmt: skip
    ind.api.forget_sessions_after("vm_stop")
    stopped = ind("--json", "vm", "stop", "s1", "s2", "s3", "--wait",
                  env={"GANDI_HOSTING_PASSWORD": PASSWORD})  # fmt: skip
    assert stopped.exit_code == 0, stopped.stderr
    assert [op.type for op in ind.api.ops].count("vm_stop") == 3  # none carried out twice
    assert {vm["state"] for vm in ind.api.vms.values()} == {"halted"}
