"""`op list|info|cancel|wait` against a sandbox server."""

from __future__ import annotations

import datetime as dt
import json

from tests.cli.hosting_helpers import PASSWORD


def test_list_shows_id_type_state_dates_and_object(gh):
    gh.shares(4)
    vm = gh.create_vm("web1", "--wait")
    table = gh("op", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "TYPE", "STATE", "CREATED", "UPDATED", "OBJECT", "COMMENT"]
    last = table[-1].split()
    assert last[0] == str(vm["operation"])
    assert last[1:3] == ["vm_create", "DONE"]
    assert last[-2:] == ["vm", str(vm["id"])]
    listed = gh.json("op", "list", "--details")
    assert [o["uid"] for o in listed] == sorted(o["uid"] for o in listed)
    assert {"uid", "type", "state", "date_create", "date_update", "param"} <= set(listed[-1])
    dt.datetime.fromisoformat(listed[-1]["date_create"])  # ISO 8601 in JSON
    assert gh("-q", "op", "list").stdout.split() == [str(o["uid"]) for o in listed]
    # a list command: --json gives the objects (each with its id), in the table's order
    assert gh.json("op", "list") == listed
    assert [o["id"] for o in listed] == [o["uid"] for o in listed]
    assert [line.split()[0] for line in table[1:]] == [str(o["uid"]) for o in listed]
    assert gh("op", "list", "--details").stdout.splitlines() == table


def test_list_filters_are_sent_typed_and_applied(gh):
    gh.shares(4)
    gh.create_vm("web1", "--wait")
    everything = gh.json("op", "list", "--details")
    assert gh.ids("op", "list", "--type", "vm_create", "--state", "done") == [everything[-1]["uid"]]
    assert gh.json("op", "list", "--details", "--type", "vm_create", "--state", "done") == [
        everything[-1]
    ]
    assert gh.json("op", "list", "--state", "ERROR") == []
    # dates go out as dateTime.iso8601 (the sandbox refuses a string there)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert gh.json("op", "list", "--created-after", tomorrow) == []
    assert gh.json("op", "list", "--details", "--created-before", tomorrow) == everything
    assert gh.ids("op", "list", "--updated-after", "2000-01-01T00:00:00Z") == [
        o["uid"] for o in everything
    ]
    assert gh.json("op", "list", "--updated-before", "2000-01-01T00:00:00+02:00") == []


def test_list_refuses_bad_filters_before_sending(gh):
    before = gh.server.request_count
    for args in (
        ["--created-after", "last week"],
        ["--state", "FINISHED"],
        ["--type", "vm_explode"],
    ):
        result = gh("op", "list", *args)
        assert result.exit_code == 2, args
    assert "ISO date" in gh("op", "list", "--updated-before", "31/12/2026").stderr
    assert gh.server.request_count == before


def test_info_is_the_struct_and_unknown_is_exit_4(gh):
    op = gh.json("product", "add", "--yes", "shares", "2", "--wait")
    info = gh.json("op", "info", str(op["operation"]))
    assert info["uid"] == op["operation"] and info["type"] == "hosting_account_product_add"
    assert info["param"]["param_type"] == "product"
    text = gh("op", "info", str(op["operation"])).stdout
    assert "hosting_account_product_add" in text and "DONE" in text
    assert gh("op", "info", "999999").exit_code == 4


def test_cancel_pending_then_refused_when_done(slow_gh):
    g = slow_gh(30)
    pending = g.json("product", "add", "--yes", "disk", "1024")
    assert pending["state"] in ("PENDING", "RUN")
    cancelled = g.json("op", "cancel", str(pending["operation"]), "--yes")
    assert cancelled == {"operation": pending["operation"], "state": "CANCEL"}
    g.sandbox.op_delay = 0
    done = g.json("product", "add", "--yes", "disk", "1024", "--wait")
    refused = g("--json", "op", "cancel", str(done["operation"]), "--yes")
    assert refused.exit_code == 1
    assert json.loads(refused.stderr.splitlines()[-1])["error"]["code"] == 510260


def test_cancel_several_with_one_failing_and_an_error_op_releases(slow_gh):
    g = slow_gh(0)  # ends in ERROR at the first poll: no pause
    failed = g("--json", "vm", "create", "fail-web", "--os", "111", "--shares", "8",
               "--password-stdin", "--wait", input=PASSWORD + "\n")  # fmt: skip
    assert failed.exit_code == 5
    failed_op = json.loads(failed.stdout)["operation"]
    # its 8 shares stay reserved while the operation is in ERROR
    assert g("vm", "create", "web2", "--os", "111", "--shares", "1", "--password-stdin",
             input=PASSWORD + "\n").exit_code == 1  # fmt: skip
    result = g("--json", "op", "cancel", str(failed_op), "999999", "--yes")
    assert result.exit_code == 4  # worst of ok and not found
    data = json.loads(result.stdout)
    assert data[0] == {"id": failed_op, "operation": failed_op, "state": "CANCEL"}
    assert data[1]["id"] == 999999 and data[1]["error"]["exit_code"] == 4
    assert g("vm", "create", "web2", "--os", "111", "--shares", "1", "--password-stdin",
             input=PASSWORD + "\n").exit_code == 0  # fmt: skip


def test_cancel_needs_yes_off_a_terminal_and_shows_the_operation_on_one(gh):
    before = gh.server.request_count
    assert gh("op", "cancel", "1").exit_code == 2
    assert gh.server.request_count == before
    done = gh.json("product", "add", "--yes", "shares", "1", "--wait")["operation"]
    person = gh.on_terminal()
    # a DONE operation can no longer be cancelled: refused before anything is asked
    refused = person("op", "cancel", str(done), input="y\n")
    assert refused.exit_code == 1 and "Continue?" not in refused.stderr
    assert "only PENDING or ERROR operations can be cancelled" in refused.stderr
    failed = gh("vm", "create", "fail-1", "--os", "111", "--shares", "1", "--password-stdin",
                input=PASSWORD + "\n")  # fmt: skip
    assert failed.exit_code == 5
    [op] = gh.ids("op", "list", "--state", "ERROR")
    declined = person("op", "cancel", str(op), input="n\n")
    assert declined.exit_code == 1  # Declined: nothing was sent
    assert "nothing was sent" in declined.stderr
    assert f"operation {op}: vm_create on vm" in declined.stderr


def test_wait_for_several_operations_at_once(slow_gh):
    g = slow_gh(0.4)
    ops = [g.json("product", "add", "--yes", "disk", "1024")["operation"] for _ in range(3)]
    before = g.server.request_count
    result = g("--json", "op", "wait", *map(str, ops))
    assert result.exit_code == 0, result.stderr
    assert [d["state"] for d in json.loads(result.stdout)] == ["DONE"] * 3
    # one multicall per round for the three, with backoff: a handful of requests
    assert g.server.request_count - before <= 4
    one = g.json("op", "wait", str(ops[0]))
    assert one == {"operation": ops[0], "state": "DONE"}
    assert g("-q", "op", "wait", *map(str, ops)).stdout.split() == list(map(str, ops))


def test_wait_reports_error_timeout_and_unknown(slow_gh):
    g = slow_gh(0)  # the failed create ends in ERROR at once
    bad = g("vm", "create", "fail-x", "--os", "111", "--shares", "1", "--password-stdin",
            input=PASSWORD + "\n")  # fmt: skip
    bad_op = int(bad.stdout.split("operation ")[1].split()[0])
    g.sandbox.op_delay = 30
    slow_op = g.json("product", "add", "--yes", "disk", "1024")["operation"]
    failed = g("op", "wait", str(bad_op))
    assert failed.exit_code == 5
    assert "ended in ERROR: " in failed.stderr and "fail-" in failed.stderr
    timed_out = g("op", "wait", str(slow_op), "--wait-timeout", "0.3")
    assert timed_out.exit_code == 7
    assert f"gandi-hosting op wait {slow_op}" in timed_out.stderr
    both = g("--json", "op", "wait", str(bad_op), str(slow_op), "999999", "--wait-timeout", "0.3")
    assert both.exit_code == 7  # worst of 5 (ERROR), 7 (timeout) and 4 (unknown)
    data = json.loads(both.stdout)
    assert [d.get("state") for d in data] == ["ERROR", "PENDING", None]
    assert data[2]["error"]["exit_code"] == 4


def test_op_list_json_gives_structs_with_or_without_details(cli, logged_in):
    def run(*args):
        return cli("--url", logged_in.url, "op", "list", *args)

    assert run("--json").exit_code == 0 and json.loads(run("--json").stdout) == []
    for _ in range(2):
        assert cli("--url", logged_in.url, "product", "add", "--yes", "disk", "1024").exit_code == 0
    structs = json.loads(run("--json", "--details").stdout)
    assert json.loads(run("--json").stdout) == structs
    ids = [s["id"] for s in structs]
    assert [s["uid"] for s in structs] == ids and len(ids) == 2
    assert {"uid", "type", "state", "date_create"} <= set(structs[0])
    assert run("-q").stdout.split() == [str(i) for i in ids]
    table = run().stdout.splitlines()
    assert table == run("--details").stdout.splitlines()
    assert table[0].split() == ["ID", "TYPE", "STATE", "CREATED", "UPDATED", "OBJECT", "COMMENT"]
    assert [row.split()[0] for row in table[1:]] == [str(i) for i in ids]
    assert "--details" in run("--help").stdout
