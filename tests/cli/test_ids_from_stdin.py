"""`-` as the single argument: the objects come from stdin, whitespace-separated
(`vm list -q --state halted | vm start - --wait`)."""

from __future__ import annotations

import json

import pytest


def states(gh) -> dict[str, str]:
    return {v["hostname"]: v["state"] for v in gh.json("vm", "list")}


def test_vm_start_from_a_filtered_list(gh):
    gh.vms(2, "web")
    gh.vms(2, "old", state="halted")
    halted = gh("-q", "vm", "list", "--state", "halted").stdout
    result = gh("vm", "start", "-", "--wait", input=halted)
    assert result.exit_code == 0, result.stderr
    assert set(states(gh).values()) == {"running"}
    assert result.stdout.count("DONE") == 2


@pytest.mark.parametrize("action, final", [("stop", "halted"), ("reboot", "running")])
def test_vm_stop_and_reboot_take_names_and_ids_from_stdin(gh, action, final):
    ids = gh.vms(3, "web")
    result = gh("--json", "vm", action, "-", "--wait", input=f"web1\n{ids[1]}  \n\t")
    assert result.exit_code == 0, result.stderr
    assert [d["id"] for d in json.loads(result.stdout)] == ids[:2]
    assert states(gh) == {"web1": final, "web2": final, "web3": "running"}


def test_vm_delete_from_stdin_needs_yes(gh):
    ids = gh.vms(2, "web", state="halted")
    text = "\n".join(map(str, ids))
    refused = gh("vm", "delete", "-", input=text)
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert gh("vm", "delete", "-", "--yes", "--wait", input=text).exit_code == 0
    assert gh.ids("vm", "list") == []


def test_vm_info_and_disk_info_show_each_object(gh):
    ids = gh.vms(2, "web")
    infos = gh.json("vm", "info", "-", input=" ".join(map(str, ids)))
    assert [i["hostname"] for i in infos] == ["web1", "web2"]
    text = gh("vm", "info", "-", input="web2 web1").stdout
    assert text.index("web2") < text.index("web1") and "\n\n" in text
    disks = gh.ids("disk", "list")
    got = gh.json("disk", "info", "-", input="\n".join(map(str, disks)))
    assert [d["id"] for d in got] == disks
    assert gh("-q", "disk", "info", "-", input="sys_web1 sys_web2").stdout.split() == [
        str(d) for d in disks
    ]


def test_an_unknown_object_among_several_is_said_and_decides_the_exit_code(gh):
    [vm_id] = gh.vms(1, "web")
    result = gh("--json", "vm", "info", "-", input=f"{vm_id} 4242")
    assert result.exit_code == 4
    entries = json.loads(result.stdout)
    assert [i["id"] for i in entries] == [vm_id, 4242]  # each its entry, in input order
    assert entries[1]["error"]["exit_code"] == 4 and "error" not in entries[0]
    assert json.loads(result.stderr.splitlines()[0])["error"]["message"]


def test_disk_delete_from_stdin(gh):
    gh.disks(3, "spare")
    result = gh("disk", "delete", "-", "--yes", "--wait", input="spare1\nspare3\n")
    assert result.exit_code == 0, result.stderr
    assert [d["name"] for d in gh.json("disk", "list")] == ["spare2"]


def test_op_info_wait_and_cancel_from_stdin(slow_gh):
    g = slow_gh(60)
    queued = [g.json("product", "add", "--yes", "disk", "1024")["operation"] for _ in range(2)]
    pending = g("-q", "op", "list", "--state", "PENDING").stdout
    assert pending.split() == [str(i) for i in queued]
    details = g.json("op", "info", "-", input=pending)
    assert [d["uid"] for d in details] == queued
    waited = g("--json", "op", "wait", "-", "--wait-timeout", "0.2", input=pending)
    assert waited.exit_code == 7  # still PENDING: the wait timed out
    cancelled = g.json("op", "cancel", "-", "--yes", input=pending)
    assert [c["state"] for c in cancelled] == ["CANCEL", "CANCEL"]


@pytest.mark.parametrize("command", [["vm", "start"], ["op", "wait"], ["disk", "delete", "--yes"]])
def test_an_empty_pipe_is_nothing_to_do(gh, command):
    before = gh.server.request_count
    for stdin in ("", "  \n\t "):
        result = gh(*command[:2], "-", *command[2:], input=stdin)
        assert result.exit_code == 0 and result.stdout == ""
        assert "Nothing to do" in result.stderr
    assert gh.server.request_count == before


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["vm", "start", "web1", "-"], "web2", "only argument"),
        (["op", "wait", "-"], "12 twelve", "not an operation id"),
        (["op", "info", "-"], "12 -", "not an id"),
        (["disk", "info", "-"], "0", "ids go from 1"),
    ],
)
def test_bad_stdin_is_a_usage_error_before_anything_is_sent(gh, args, stdin, message):
    before = gh.server.request_count
    result = gh(*args, input=stdin)
    assert result.exit_code == 2 and message in result.stderr
    assert gh.server.request_count == before
