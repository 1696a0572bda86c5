"""`vm list`: one row per VM fetched in a constant number of requests (ids with -q)."""

from __future__ import annotations

import json
import textwrap

from tests.cli.hosting_helpers import Gh


def test_the_list_shows_objects_and_quiet_gives_ids(gh):
    # an empty list is its header (one rule for table, plain and tsv), [] in JSON
    assert gh("vm", "list").stdout.split() == ["ID", "HOSTNAME", "STATE", "SHARES", "CPU",
                                               "MEMORY", "OS", "IPS"]  # fmt: skip
    assert gh.json("vm", "list") == []
    ids = gh.vms(2, "web")
    assert gh("-q", "vm", "list").stdout.split() == [str(i) for i in ids]
    objects = gh.json("vm", "list")
    assert [d["id"] for d in objects] == ids
    assert {"hostname", "state", "shares", "cpu", "memory", "os_id", "ips"} <= set(objects[0])
    # --details is still accepted, and changes nothing
    assert gh.json("vm", "list", "--details") == objects
    assert gh("vm", "list", "--details").stdout == gh("vm", "list").stdout
    assert gh("-q", "vm", "list", "--details").stdout.split() == [str(i) for i in ids]


def test_details_table_reads_well(gh):
    a, b = gh.vms(2, "web", shares=2)
    expected = f"""\
        ID   HOSTNAME  STATE    SHARES  CPU  MEMORY  OS                 IPS
        {a}  web1      running  2       1    512 MB  Debian 12 64 bits  192.0.2.{a % 256}, 2001:db8::{a:x}
        {b}  web2      running  2       1    512 MB  Debian 12 64 bits  192.0.2.{b % 256}, 2001:db8::{b:x}
        """  # noqa: E501
    table = gh("vm", "list", "--details").stdout
    # the IPs are the sandbox's to choose: compare everything before them exactly
    got = [line.split("  192.0.2.")[0] for line in table.splitlines()]
    want = [line.split("  192.0.2.")[0] for line in textwrap.dedent(expected).splitlines()]
    assert got == want
    assert "192.0.2." in table


def requests_for_details(gh: Gh) -> int:
    before = gh.server.request_count
    result = gh("vm", "list", "--details")
    assert result.exit_code == 0, result.stderr
    return gh.server.request_count - before


def test_details_for_200_vms_cost_as_many_requests_as_for_2(gh):
    gh.vms(2, "small")
    few = requests_for_details(gh)
    gh.vms(198, "many")
    many = requests_for_details(gh)
    assert many == few == 2  # multicall(vm_list, os_list), then multicall of vm_info
    assert len(gh.json("vm", "list", "--details")) == 200


def test_details_work_against_a_server_without_multicall(cli, make_sandbox_server):
    server = make_sandbox_server(multicall=False)
    g = Gh(cli, server)
    g.login()
    ids = g.vms(20, "web")
    details = g.json("vm", "list", "--details")
    assert [d["id"] for d in details] == ids
    before = server.request_count
    table = g("vm", "list").stdout.splitlines()
    assert server.request_count - before == 20 + 1  # N+1: no os_list of its own
    assert len(table) == 21 and "111" in table[1]  # the OS id, as no label was read
    g("os", "list")  # the labels are known now (the completion cache)
    table = g("vm", "list").stdout.splitlines()
    assert len(table) == 21 and "Debian 12 64 bits" in table[1]


def test_json_details_are_the_raw_api_structs(gh):
    [vm_id] = gh.vms(1, "web")
    [row] = json.loads(gh("--json", "vm", "list", "--details").stdout)
    assert row == gh.json("vm", "info", str(vm_id))
    assert "os" not in row  # the human-only OS label never leaks into JSON


def test_every_read_command_refused_with_an_expired_session_is_exit_3(
    cli, make_sandbox_server, clock
):
    g = Gh(cli, make_sandbox_server(session_ttl=60, clock=clock))
    g.login()
    [vm_id] = g.vms(1, "web")
    clock.tick(61)  # the server's session ends; the CLI's local estimate still says valid
    # no password anywhere to renew the session with: the sandbox's refusal stands
    for args in (
        ["vm", "list"],
        ["vm", "list", "--details"],
        ["vm", "info", str(vm_id)],
        ["vm", "disks", "web1"],
        ["disk", "list", "--details"],
        ["disk", "info", "sys_web1"],
        ["op", "list"],
        ["op", "info", "1"],
        ["product", "list"],
    ):
        before = g.server.request_count
        result = g("--json", *args)
        assert g.server.request_count > before  # the sandbox was asked, and refused
        assert result.exit_code == 3, (args, result.stderr)
        assert json.loads(result.stderr.splitlines()[-1])["error"]["exit_code"] == 3
        assert "gandi-hosting login" in result.stderr


def test_details_of_a_huge_account_go_in_bounded_chunks(gh, monkeypatch):
    from gandi_hosting_cli.workflows import batch

    monkeypatch.setattr(batch, "MULTICALL_CHUNK", 50)  # as if the account had 20x more
    ids = gh.vms(120, "web")
    assert requests_for_details(gh) == 1 + 3  # the lists, then 50 + 50 + 20 infos
    assert [d["id"] for d in gh.json("vm", "list", "--details")] == ids
