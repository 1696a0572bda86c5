"""A name costs one object, not all of them: the local name cache (kept by list commands,
completion and earlier lookups) gives a guess that one info call confirms; a stale cache
falls back to reading every object and never makes a command act on the wrong one.

Requests and calls are counted by the sandbox server (calls inside a system.multicall
included), not by the client.
"""

from __future__ import annotations

import json

import pytest

from gandi_hosting_cli.config import name_cache
from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN
from tests.cli.hosting_helpers import Gh


class ServerCalls:
    """The API calls a sandbox answers (each call of a system.multicall counts), and its
    HTTP requests, from the moment the counter is made."""

    def __init__(self, server) -> None:
        self.server = server
        self.calls: list[str] = []
        sandbox = server.sandbox
        answer = sandbox.call

        def counted(method: str, params: tuple) -> object:
            if method != "system.multicall":
                self.calls.append(method)
            return answer(method, params)

        sandbox.call = counted  # run_multicall calls self.call too
        self.start = server.request_count

    @property
    def requests(self) -> int:
        return self.server.request_count - self.start


def run(g: Gh, *args: str) -> tuple[ServerCalls, object]:
    counter = ServerCalls(g.server)
    result = g(*args)
    return counter, result


@pytest.fixture
def g(cli, logged_in) -> Gh:
    return Gh(cli, logged_in)


def plant(g: Gh, resource: str, items: list[dict]) -> None:
    """A cache entry as an older state of the account left it (what a list had seen)."""
    name_cache.remember(resource, items, endpoint=g.url, login=SEED_LOGIN, complete=False)


# -- the cost ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", [10, 1000])
def test_vm_info_by_name_with_a_warm_cache_reads_one_vm_whatever_the_account_size(g, n):
    g.vms(n, "web")
    assert g("-q", "vm", "list").exit_code == 0  # names arrive with the first lookup
    assert g("--json", "vm", "list", "--details").exit_code == 0  # the list keeps the cache
    wanted = f"web{n // 2 + 1}"
    counter, result = run(g, "--json", "vm", "info", wanted)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["hostname"] == wanted
    assert (counter.requests, counter.calls) == (1, ["vm_info"])
    # for people the OS label rides in the same request
    counter, result = run(g, "vm", "info", wanted)
    assert result.exit_code == 0 and "Debian 12 64 bits" in result.stdout
    assert counter.requests == 1 and sorted(counter.calls) == ["os_list", "vm_info"]


@pytest.mark.parametrize("n", [10, 1000])
def test_disk_info_by_name_with_a_warm_cache_reads_one_disk(g, n):
    g.disks(n, "data")
    assert g("--json", "disk", "list", "--details").exit_code == 0
    wanted = f"data{n}"
    counter, result = run(g, "--json", "disk", "info", wanted)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == wanted
    assert (counter.requests, counter.calls) == (1, ["disk_info"])


def test_a_lookup_that_reads_every_object_warms_the_cache_for_the_next(g):
    g.vms(30, "web")
    cold, result = run(g, "--json", "vm", "info", "web7")
    assert result.exit_code == 0
    assert cold.calls.count("vm_list") == 1 and cold.calls.count("vm_info") == 30
    warm, result = run(g, "--json", "vm", "info", "web8")
    assert result.exit_code == 0 and json.loads(result.stdout)["hostname"] == "web8"
    assert warm.calls == ["vm_info"]


def test_commands_that_take_names_confirm_each_name_with_one_info_call(g):
    vm_ids = g.vms(20, "web")
    disk_ids = g.disks(20, "data")
    g("--json", "vm", "list")  # the table's fields: names cached
    g("--json", "disk", "list")
    counter, result = run(g, "vm", "stop", "web3", "web4")
    assert result.exit_code == 0, result.stderr
    # a state change confirms the names unique on the server: the list rides in the
    # request of the guesses (no object the cache does not know: no second request)
    assert counter.calls.count("vm_list") == 1 and counter.calls.count("vm_info") == 2
    assert counter.calls.count("vm_stop") == 2
    counter, result = run(g, "--json", "disk", "attach", "data5", "web3")
    assert result.exit_code == 0, result.stderr
    assert counter.calls.count("vm_list") == 1 and counter.calls.count("disk_list") == 1
    assert counter.calls.count("vm_info") == 1 and counter.calls.count("disk_info") == 1
    # the two confirmations in one request, the operations in progress (is either busy?),
    # then the attach and its state (5 when cold)
    assert counter.requests == 4
    assert g.json("disk", "info", str(disk_ids[4]))["vm_id"] == vm_ids[2]


# -- a stale cache ----------------------------------------------------------------------
def test_a_cached_name_now_on_another_object_is_looked_up_again(g):
    web1, web2 = g.vms(2, "web")
    plant(g, "vm", [{"id": web2, "hostname": "web1"}, {"id": web1, "hostname": "old"}])
    counter, result = run(g, "vm", "stop", "web1")
    assert result.exit_code == 0, result.stderr
    assert "vm_list" in counter.calls  # the guess did not hold: every VM was read
    states = {vm["id"]: vm["state"] for vm in g.json("vm", "list", "--details")}
    assert states == {web1: "halted", web2: "running"}
    # the lookup corrected the cache: the next one is a single confirmed guess
    counter, result = run(g, "--json", "vm", "info", "web2")
    assert json.loads(result.stdout)["id"] == web2 and counter.calls == ["vm_info"]


@pytest.mark.parametrize("command", [("vm", "stop"), ("vm", "delete", "--stop", "--yes")])
def test_a_name_another_client_gave_a_second_vm_is_refused_despite_the_cache(g, command):
    """The cache knows one dup1; another client (no cache of ours) creates a second:
    a stop or delete by that name is refused as ambiguous (exit 2, both ids listed),
    as without a cache, and nothing is sent."""
    state = "halted" if "delete" in command else "running"
    [first] = g.vms(1, "dup", state=state)
    g("--json", "vm", "list")  # dup1 cached, alone
    [second] = g.vms(1, "dup", state=state)  # another client's: our cache never saw it
    counter, result = run(g, *command, "dup1")
    assert result.exit_code == 2, result.stderr
    assert f"  {first} dup1\n" in result.stderr and f"  {second} dup1\n" in result.stderr
    assert not {"vm_stop", "vm_delete"} & set(counter.calls)
    # the list rode with the guess; only the VM the cache did not know was read after
    assert counter.requests == 2 and counter.calls.count("vm_info") == 2


def test_a_cached_name_of_a_deleted_object_is_not_found(g):
    g.vms(1, "web", state="halted")
    g("--json", "vm", "list")  # the table's fields: names cached
    deleted = g("vm", "delete", "web1", "--yes", "--wait")
    assert deleted.exit_code == 0, deleted.stderr
    result = g("vm", "info", "web1")
    assert result.exit_code == 4
    assert "no VM named 'web1'" in result.stderr
    [vm_id] = g.vms(1, "web")  # a new VM by that name: found, not the deleted one
    assert g.json("vm", "info", "web1")["id"] == vm_id


def test_ids_reused_after_a_reset_resolve_to_the_new_objects(cli, tmp_path):
    state = tmp_path / "embedded.sqlite3"  # the --sandbox state of this test
    assert cli("--sandbox", "account", "currency").exit_code == 0
    old = Sandbox(state).bulk_create_vms(SEED_LOGIN, 2, "alpha")
    assert cli("--sandbox", "--json", "vm", "list").exit_code == 0
    assert cli("--sandbox", "sandbox", "reset", "--yes").exit_code == 0
    beta = Sandbox(state).bulk_create_vms(SEED_LOGIN, 1, "beta")
    alpha = Sandbox(state).bulk_create_vms(SEED_LOGIN, 1, "alpha")
    assert beta == old[:1]  # the id the cache gives alpha1 is now beta1's
    result = cli("--sandbox", "--json", "vm", "stop", "alpha1")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("--sandbox", "--json", "vm", "info", "beta1").stdout)
    assert shown["state"] == "running"
    shown = json.loads(cli("--sandbox", "--json", "vm", "info", str(alpha[0])).stdout)
    assert shown["state"] == "halted"


def test_a_name_cached_for_two_objects_is_reported_ambiguous(g):
    first = g.vms(1, "web")[0]
    second = g.vms(1, "web")[0]
    g("--json", "vm", "list")  # the table's fields: names cached
    result = g("vm", "info", "web1")
    assert result.exit_code == 2
    assert f"  {first} web1\n" in result.stderr and f"  {second} web1\n" in result.stderr


def test_a_vm_the_cache_knows_by_id_only_may_bear_the_name_so_every_vm_is_read(g):
    first = g.vms(1, "web")[0]
    g("--json", "vm", "list")  # web1 cached with its name
    second = g.vms(1, "web")[0]
    g("-q", "vm", "list")  # the new VM is cached by its id alone
    result = g("vm", "info", "web1")
    assert result.exit_code == 2
    assert f"  {first} web1\n" in result.stderr and f"  {second} web1\n" in result.stderr


def test_a_name_cached_twice_but_now_unique_resolves(g):
    web1, web2 = g.vms(2, "web")
    plant(g, "vm", [{"id": web1, "hostname": "web1"}, {"id": web2, "hostname": "web1"}])
    assert g.json("vm", "info", "web1")["id"] == web1


def test_another_accounts_cache_is_never_used(g):
    web1, web2 = g.vms(2, "web")
    name_cache.remember(
        "vm", [{"id": web2, "hostname": "web1"}], endpoint=g.url, login="XY99-GANDI"
    )
    counter, result = run(g, "--json", "vm", "info", "web1")
    assert json.loads(result.stdout)["id"] == web1
    assert "vm_list" in counter.calls  # no guess from another login's names


# -- ids-only lists (-q): the ids they saw are read with the guess, never every object ----
@pytest.mark.parametrize("n", [10, 1000])
def test_vm_list_q_then_vm_info_by_name_costs_one_request(g, n):
    g.vms(n, "web")
    assert g("-q", "vm", "list").exit_code == 0  # ids only: no name known yet
    counter, result = run(g, "--json", "vm", "info", f"web{n // 2}")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["hostname"] == f"web{n // 2}"
    # the VMs the list saw, read in one request (with the list when it fits there)
    assert counter.requests == 1 and counter.calls.count("vm_info") == n
    # their names are now cached: the next name is one vm_info
    counter, result = run(g, "--json", "vm", "info", f"web{n // 2 + 1}")
    assert json.loads(result.stdout)["hostname"] == f"web{n // 2 + 1}"
    assert (counter.requests, counter.calls) == (1, ["vm_info"])


@pytest.mark.parametrize("n", [10, 1000])
def test_disk_list_q_then_disk_info_by_name_costs_one_request(g, n):
    g.disks(n, "data")
    assert g("-q", "disk", "list").exit_code == 0
    counter, result = run(g, "--json", "disk", "info", f"data{n // 2}")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == f"data{n // 2}"
    assert counter.requests == 1 and counter.calls.count("disk_info") == n
    counter, result = run(g, "--json", "disk", "info", f"data{n // 2 + 1}")
    assert (counter.requests, counter.calls) == (1, ["disk_info"])


@pytest.mark.parametrize("n", [10, 1000])
def test_the_benchmark_sequence_reads_what_the_list_saw_once_then_one_object(g, n):
    """benchmarks/round_trips.py: `-q vm list --details`, `-q disk list --details`, then
    `--json vm info NAME`, `vm info NAME`, `--json disk info NAME`."""
    g.vms(n, "vm")  # each with its system disk
    g.disks(n, "data")
    assert g("-q", "vm", "list", "--details").exit_code == 0
    assert g("-q", "disk", "list", "--details").exit_code == 0  # 2n disks
    # the first lookup of each kind reads what the ids-only list saw (multicalls of at
    # most 2,000 calls: one request, even for 2,000 disks); later ones one info call
    for args, requests, reads in (
        (("--json", "vm", "info", f"vm{n // 2}"), 1, n),
        (("vm", "info", f"vm{n // 2}"), 1, 1),  # and os_list
        (("--json", "vm", "info", f"vm{n // 2 + 1}"), 1, 1),
        (("--json", "disk", "info", f"data{n // 2}"), -(-2 * n // 2000), 2 * n),
        (("--json", "disk", "info", f"data{n // 2 + 1}"), 1, 1),
    ):
        counter, result = run(g, *args)
        assert result.exit_code == 0, result.stderr
        infos = [c for c in counter.calls if c.endswith("_info")]
        assert (counter.requests, len(infos)) == (requests, reads), args


def test_an_ids_only_list_keeps_the_names_already_known(g):
    g.vms(20, "web")
    g("--json", "vm", "list")  # names cached
    g("-q", "vm", "list")  # ids only: the names stay
    counter, result = run(g, "--json", "vm", "info", "web5")
    assert json.loads(result.stdout)["hostname"] == "web5"
    assert (counter.requests, counter.calls) == (1, ["vm_info"])


def test_a_vm_an_ids_only_list_saw_first_is_read_with_the_guess_not_every_vm(g):
    g.vms(20, "web")
    g("--json", "vm", "list")
    [new] = g.vms(1, "db")
    g("-q", "vm", "list")  # the new VM cached by its id alone
    counter, result = run(g, "--json", "vm", "info", "web5")
    assert json.loads(result.stdout)["hostname"] == "web5"
    assert (counter.requests, counter.calls) == (1, ["vm_info", "vm_info"])
    counter, result = run(g, "--json", "vm", "info", "db1")  # its name was learnt
    assert json.loads(result.stdout)["id"] == new
    assert (counter.requests, counter.calls) == (1, ["vm_info"])


def test_filtered_lists_remember_the_names_they_read(g):
    g.vms(5, "web")
    g.disks(5, "data")
    g("--json", "vm", "list", "--state", "halted")  # shows none, read all
    g("--json", "disk", "list", "--unattached")
    counter, result = run(g, "--json", "vm", "info", "web3")
    assert (result.exit_code, counter.calls) == (0, ["vm_info"])
    counter, result = run(g, "--json", "disk", "info", "data3")
    assert (result.exit_code, counter.calls) == (0, ["disk_info"])


def test_a_wrong_cached_name_is_not_used_when_an_unnamed_vm_bears_it(g):
    web1, web2 = g.vms(2, "web")
    plant(g, "vm", [{"id": web2, "hostname": "web1"}, {"id": web1}])
    counter, result = run(g, "vm", "stop", "web1")
    assert result.exit_code == 0, result.stderr
    # both cached VMs read (beside the list: a stop checks the name fresh): only web1 bears it
    assert counter.calls.count("vm_info") == 2
    states = {vm["id"]: vm["state"] for vm in g.json("vm", "list")}
    assert states == {web1: "halted", web2: "running"}


def test_a_name_no_cached_vm_bears_is_looked_up_the_long_way(g):
    g.vms(3, "web")
    g("-q", "vm", "list")
    [new] = g.vms(1, "db")  # created after the list: the cache has never seen it
    counter, result = run(g, "--json", "vm", "info", "db1")
    assert json.loads(result.stdout)["id"] == new
    # the list and the VMs the cache knew in one request, then the one it had not seen
    assert counter.calls.count("vm_list") == 1 and counter.requests == 2
    counter, result = run(g, "--json", "vm", "info", "db1")  # now cached
    assert (counter.requests, counter.calls) == (1, ["vm_info"])
