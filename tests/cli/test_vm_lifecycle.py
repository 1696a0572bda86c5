"""`vm start|stop|reboot|delete VM...`: several VMs at once, one result each."""

from __future__ import annotations

import json


def states(gh) -> dict[str, str]:
    return {v["hostname"]: v["state"] for v in gh.json("vm", "list", "--details")}


def test_stop_and_start_several_by_name_and_id(gh):
    ids = gh.vms(3, "web")
    result = gh("vm", "stop", "web1", str(ids[1]), "web3", "--wait")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"web1 (vm {ids[0]})",
        f"web2 (vm {ids[1]})",
        f"web3 (vm {ids[2]})",
    ]
    assert all(line.endswith("DONE") for line in lines)
    assert set(states(gh).values()) == {"halted"}
    assert gh.json("vm", "start", "web2", "--wait") == {
        "operation": gh.ids("op", "list", "--type", "vm_start")[-1],
        "state": "DONE",
    }
    assert states(gh)["web2"] == "running"


def test_reboot_json_shape_for_one_vm(gh):
    gh.vms(1, "web")
    data = gh.json("vm", "reboot", "web1")
    assert set(data) == {"operation", "state"}
    assert gh.json("op", "info", str(data["operation"]))["type"] == "vm_reboot"


def test_several_with_one_refused_reports_each_and_exits_with_the_worst(gh):
    ids = gh.vms(2, "web")
    gh.json("vm", "stop", "web2", "--wait")  # web2 is halted: rebooting it is refused
    result = gh("--json", "vm", "reboot", "web1", "web2", "999999")
    assert result.exit_code == 4  # worst of: ok, state refusal (1), unknown VM (4)
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == [ids[0], ids[1], 999999]
    assert set(data[0]) == {"id", "operation", "state"}
    assert data[1]["error"]["exit_code"] == 1 and data[1]["error"]["code"] == 530260
    assert data[2]["error"]["exit_code"] == 4
    again = gh("vm", "reboot", "web2", "999999")
    assert again.exit_code == 4
    assert again.stdout == ""
    assert f"web2 (vm {ids[1]}) is halted" in again.stderr and "vm 999999" in again.stderr


def test_refusal_of_one_vm_is_its_fault_exit_code(gh):
    gh.vms(1, "web", state="halted")
    result = gh("--json", "vm", "reboot", "web1")  # halted: cannot reboot
    assert result.exit_code == 1
    assert json.loads(result.stderr.splitlines()[-1])["error"]["code"] == 530260


def test_delete_off_a_terminal_needs_yes_and_sends_nothing(gh):
    gh.vms(1, "web")
    before = gh.server.request_count
    result = gh("vm", "delete", "web1")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert gh.server.request_count == before


def test_delete_running_vm_is_refused_then_deleted_once_halted(gh):
    gh.vms(2, "web")
    refused = gh("vm", "delete", "web1", "--yes")
    assert refused.exit_code == 1
    gh.json("vm", "stop", "web1", "web2", "--wait")
    done = gh.json("vm", "delete", "web1", "web2", "--yes", "--wait")
    assert [d["state"] for d in done] == ["DONE", "DONE"]
    assert gh.ids("vm", "list") == []


def test_delete_on_a_terminal_shows_the_vms_and_asks(gh):
    ids = gh.vms(2, "web", state="halted")
    person = gh.on_terminal()
    declined = person("vm", "delete", "web1", str(ids[1]), input="n\n")
    assert declined.exit_code == 1  # Declined: nothing was sent
    assert "nothing was sent" in declined.stderr
    assert "delete these 2 VMs" in declined.stderr
    assert f"web1 (vm {ids[0]}): halted" in declined.stderr
    assert f"web2 (vm {ids[1]}): halted" in declined.stderr
    assert "system disk sys_web1" in declined.stderr and "deleted with it" in declined.stderr
    assert len(gh.ids("vm", "list")) == 2
    accepted = person("vm", "delete", "web1", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert gh.ids("vm", "list") == [ids[1]]


def test_ambiguous_name_among_several_sends_nothing(gh):
    gh.vms(1, "web")
    gh.vms(1, "web")
    result = gh("vm", "stop", "web1")
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr
    assert set(states(gh).values()) == {"running"}


def test_reboot_of_a_halted_vm_is_refused(gh):
    gh.vms(1, "web", state="halted")
    result = gh("--json", "vm", "reboot", "web1")
    assert result.exit_code == 1
    assert json.loads(result.stderr.splitlines()[-1])["error"]["code"] == 530260
