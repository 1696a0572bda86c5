"""`vm create|info|update|disks|boot-disk` against a sandbox server."""

from __future__ import annotations

from tests.cli.hosting_helpers import PASSWORD


def test_create_with_password_on_stdin_prints_vm_and_operation(gh):
    gh.shares(8)
    result = gh(
        "vm", "create", "web1", "--os", "Debian 12 64 bits", "--shares", "2", "--cpu", "2",
        "--login", "deploy", "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    vm_id = gh.ids("vm", "list")[0]
    assert result.stdout.startswith(f"web1 (vm {vm_id}): operation ")
    info = gh.json("vm", "info", "web1")
    assert (info["hostname"], info["shares"], info["cpu"], info["os_id"], info["login"]) == (
        "web1", 2, 2, 111, "deploy",
    )  # fmt: skip
    assert PASSWORD not in result.stdout + result.stderr


def test_create_json_gives_id_operation_state_and_the_operation_matches(gh):
    gh.shares(8)
    data = gh.create_vm("web2", "--wait")
    assert list(data) == ["id", "operation", "state"]
    assert data["state"] == "DONE"
    op = gh.json("op", "info", str(data["operation"]))
    assert op["type"] == "vm_create"
    assert op["param"]["vm_id"] == data["id"]
    quiet = gh("-q", "vm", "create", "web3", "--os", "111", "--shares", "1",
               "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert quiet.stdout.strip() == str(gh.json("vm", "info", "web3")["id"])


def test_create_finds_its_own_operation_among_many(gh):
    gh.vms(30, "old")  # 30 older vm_create operations
    gh.shares(8)
    data = gh.create_vm("new1")
    assert gh.json("op", "info", str(data["operation"]))["param"]["vm_id"] == data["id"]


def test_create_prompts_twice_on_a_terminal(gh):
    gh.shares(8)
    person = gh.on_terminal()
    mismatch = f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n"
    result = person("vm", "create", "web1", "--os", "111", "--shares", "1", input=mismatch)
    assert result.exit_code == 0, result.stderr
    assert "Repeat the root password" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr


def test_create_off_a_terminal_without_password_stdin_is_a_usage_error(gh):
    before = gh.server.request_count
    result = gh("vm", "create", "web1", "--os", "111", "--shares", "1")
    assert result.exit_code == 2
    assert "--password-stdin" in result.stderr
    assert gh.server.request_count == before


def test_create_never_accepts_the_password_as_an_argument(gh):
    result = gh("vm", "create", "web1", "--os", "111", "--shares", "1", "--password", PASSWORD)
    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_create_checks_values_before_sending(gh):
    before = gh.server.request_count
    cases = [
        (["bad-", "--os", "111", "--shares", "1"], "not a valid hostname", PASSWORD),
        (["web1", "--os", "111", "--shares", "0"], "--shares", PASSWORD),
        (["web1", "--os", "111", "--shares", "2", "--cpu", "3"], "more than --shares", PASSWORD),
        (["web1", "--os", "111", "--shares", "9", "--cpu", "9"], "--cpu", PASSWORD),
        (["web1", "--os", "111", "--shares", "1"], "8 to 128 characters", "short"),
    ]
    for args, needle, password in cases:
        result = gh("vm", "create", *args, "--password-stdin", input=password + "\n")
        assert result.exit_code == 2, args
        assert needle in result.stderr, (args, result.stderr)
    assert gh.server.request_count == before


def test_create_refused_for_lack_of_shares(gh):
    result = gh("--json", "vm", "create", "big", "--os", "111", "--shares", "50",
                "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 1
    assert '"code": 5309' in result.stderr or "shares" in result.stderr.lower()
    assert result.stdout == ""


def test_create_with_an_ambiguous_os_lists_the_candidates(gh):
    gh.shares(8)
    result = gh("vm", "create", "web1", "--os", "Debian", "--shares", "1", "--password-stdin",
                input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr
    assert "110 Debian 11 64 bits" in result.stderr and "111 Debian 12 64 bits" in result.stderr
    by_name_version = gh("vm", "create", "web1", "--os", "debian 11", "--shares", "1",
                         "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert by_name_version.exit_code == 0, by_name_version.stderr
    assert gh.json("vm", "info", "web1")["os_id"] == 110
    unknown = gh("vm", "create", "web2", "--os", "Plan9", "--shares", "1", "--password-stdin",
                 input=PASSWORD + "\n")  # fmt: skip
    assert unknown.exit_code == 4


def test_create_fail_name_ends_in_error_exit_5_with_comment(slow_gh):
    g = slow_gh(0)  # ends in ERROR at the first poll: no pause
    result = g("--json", "vm", "create", "fail-web", "--os", "111", "--shares", "1",
               "--password-stdin", "--wait", input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 5
    import json

    data = json.loads(result.stdout)
    assert data["state"] == "ERROR" and data["comment"]
    assert data["comment"] in result.stderr
    assert json.loads(result.stderr.splitlines()[-1])["error"]["exit_code"] == 5


def test_create_wait_timeout_exits_7_and_says_how_to_follow(slow_gh):
    g = slow_gh(30)
    result = g("vm", "create", "web1", "--os", "111", "--shares", "1", "--password-stdin",
               "--wait-timeout", "0.3", input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 7
    assert "gandi-hosting op wait" in result.stderr


def test_info_by_id_or_hostname_and_json_is_the_struct(gh):
    [vm_id] = gh.vms(1, "web")
    by_name = gh.json("vm", "info", "web1")
    assert by_name == gh.json("vm", "info", str(vm_id))
    for key in ("id", "hostname", "state", "os_id", "shares", "cpu", "memory", "disks_id", "ips"):
        assert key in by_name
    text = gh("vm", "info", "web1").stdout
    assert "Debian 12 64 bits" in text and "running" in text


def test_info_unknown_is_exit_4_and_ambiguous_is_exit_2(gh):
    gh.vms(2, "web", start=1)
    gh.vms(1, "web", start=1)  # a second "web1"
    ids = gh.ids("vm", "list")
    assert gh("vm", "info", "nosuchvm").exit_code == 4
    assert gh("vm", "info", "999999").exit_code == 4
    ambiguous = gh("vm", "info", "web1")
    assert ambiguous.exit_code == 2
    assert f"{ids[0]} web1" in ambiguous.stderr and f"{ids[2]} web1" in ambiguous.stderr


def test_update_sends_only_what_is_given(gh):
    gh.shares(8)
    gh.create_vm("web1", "--wait")
    gh.json("vm", "stop", "web1", "--wait")
    assert gh.json("vm", "update", "web1", "--shares", "4", "--cpu", "2", "--wait")["state"] == (
        "DONE"
    )
    info = gh.json("vm", "info", "web1")
    assert (info["shares"], info["cpu"]) == (4, 2)
    gh.json("vm", "update", "web1", "--max-memory", "4G", "--wait")
    assert gh.json("vm", "info", "web1")["vm_max_memory"] == 4096
    nothing = gh("vm", "update", "web1")
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr


def test_update_refused_by_the_sandbox(gh):
    gh.vms(1, "web")
    result = gh("vm", "update", "web1", "--shares", "5000")
    assert result.exit_code == 1
    assert "Error:" in result.stderr


def test_disks_and_boot_disk(gh):
    gh.vms(1, "web")
    gh.disks(1, "rescue")
    gh.json("disk", "attach", "rescue1", "web1", "--wait")
    ids = gh.json("vm", "disks", "web1")
    details = gh.json("vm", "disks", "web1", "--details")
    assert [d["id"] for d in details] == ids
    assert [d["name"] for d in details] == ["sys_web1", "rescue1"]
    refused = gh("vm", "boot-disk", "web1", "rescue1")  # the VM is running
    assert refused.exit_code == 1
    gh.json("vm", "stop", "web1", "--wait")
    linked = gh.json("vm", "boot-disk", "web1", "rescue1", "--wait")
    assert set(linked) == {"operation", "state"} and linked["state"] == "DONE"
    assert [d["name"] for d in gh.json("vm", "disks", "web1", "--details")] == [
        "rescue1",
        "sys_web1",
    ]
    table = gh("vm", "disks", "web1", "--details").stdout
    assert "rescue1" in table.splitlines()[1] and "yes" in table.splitlines()[1]


def test_disks_of_an_unknown_vm_is_exit_4(gh):
    assert gh("vm", "disks", "999999").exit_code == 4
    assert gh("vm", "boot-disk", "999999", "1").exit_code == 4


def test_debug_trace_never_shows_the_root_password(gh):
    gh.shares(2)
    result = gh("--debug", "vm", "create", "web1", "--os", "111", "--shares", "1",
                "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "vm_create" in result.stderr  # the trace is there
    assert PASSWORD not in result.stdout + result.stderr
