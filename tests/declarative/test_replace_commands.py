"""`plan` exit codes and `apply --replace` through the real root group against a sandbox
on 127.0.0.1, writes counted on the server."""

from __future__ import annotations

import json

from tests.declarative.conftest import PASSWORD
from tests.declarative.test_apply import account

SITE = """
[[vm]]
hostname = "web1"
os = "Debian 12"
shares = 1
password_env = "GANDI_VM_PASSWORD_WEB1"
disks = ["data"]

[[disk]]
name = "data"
size = 1024
"""
GROWN = SITE.replace("size = 1024", "size = 2048")
NEW_OS = SITE.replace('os = "Debian 12"', 'os = "Ubuntu 22.04"')


def built(cli, server, tmp_path, monkeypatch, text=SITE):
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB1", PASSWORD)
    site = tmp_path / "site.toml"
    site.write_text(text)
    result = cli("--url", server.url, "apply", str(site), "--yes")
    assert result.exit_code == 0, result.output
    return site


def test_a_grown_disk_plans_exit_9_and_apply_without_replace_sends_nothing(
    cli, logged_in, calls, tmp_path, monkeypatch
):
    site = built(cli, logged_in, tmp_path, monkeypatch)
    site.write_text(GROWN)
    planned = cli("--url", logged_in.url, "plan", str(site))
    assert planned.exit_code == 9, planned.output
    assert "changes pending" not in planned.stderr
    assert "need" in planned.stderr and "replacement" in planned.stderr
    assert "--replace data" in planned.stdout
    calls.clear()
    applied = cli("--url", logged_in.url, "apply", str(site), "--yes", "--json")
    assert applied.exit_code == 0 and calls.writes == []
    assert json.loads(applied.stdout) == {"exit_code": 0, "actions": []}
    assert cli("--url", logged_in.url, "plan", str(site)).exit_code == 9


def test_apply_replace_of_a_grown_disk_converges_and_plan_then_exits_0(
    cli, logged_in, plain, calls, tmp_path, monkeypatch
):
    site = built(cli, logged_in, tmp_path, monkeypatch)
    site.write_text(GROWN)
    planned = cli("--url", logged_in.url, "plan", str(site), "--replace", "data", "--json")
    assert planned.exit_code == 8
    assert json.loads(planned.stdout)["replaced"] == ["disk data"]
    calls.clear()
    applied = cli("--url", logged_in.url, "apply", str(site), "--replace", "data", "--yes")
    assert applied.exit_code == 0, applied.output
    assert calls.writes == ["disk_detach", "disk_delete", "disk_create", "disk_attach"]
    _, disks = account(*plain)
    assert disks["data"]["size"] == 2048 and disks["data"]["vm_id"]
    assert cli("--url", logged_in.url, "plan", str(site)).exit_code == 0


def test_replace_off_a_terminal_needs_yes_and_on_one_the_typed_name(
    cli, logged_in, calls, tmp_path, monkeypatch
):
    site = built(cli, logged_in, tmp_path, monkeypatch)
    site.write_text(GROWN)
    calls.clear()
    refused = cli("--url", logged_in.url, "apply", str(site), "--replace", "data")
    assert refused.exit_code == 2 and "--yes" in refused.output
    wrong = cli("--url", logged_in.url, "apply", str(site), "--replace", "data",
                input="y\ndat\n", interactive=True)  # fmt: skip
    assert wrong.exit_code == 1 and "Type data to confirm" in wrong.stderr
    assert calls.writes == []
    right = cli("--url", logged_in.url, "apply", str(site), "--replace", "data",
                input="y\ndata\n", interactive=True)  # fmt: skip
    assert right.exit_code == 0, right.output
    assert "disk_create" in calls.writes


def test_an_os_change_exits_9_then_apply_replace_recreates_the_vm(
    cli, logged_in, plain, calls, tmp_path, monkeypatch
):
    site = built(cli, logged_in, tmp_path, monkeypatch)
    vms, _ = account(*plain)
    site.write_text(NEW_OS)
    assert cli("--url", logged_in.url, "plan", str(site)).exit_code == 9
    calls.clear()
    assert cli("--url", logged_in.url, "apply", str(site), "--yes").exit_code == 0
    assert calls.writes == []
    applied = cli("--url", logged_in.url, "apply", str(site), "--replace", "web1", "--yes")
    assert applied.exit_code == 0, applied.output
    assert calls.writes == ["vm_stop", "vm_delete", "vm_create", "disk_attach"]
    after, disks = account(*plain)
    assert after["web1"]["id"] != vms["web1"]["id"]
    assert disks["data"]["vm_id"] == after["web1"]["id"]
    assert cli("--url", logged_in.url, "plan", str(site)).exit_code == 0


def test_replace_of_a_name_the_manifest_does_not_declare_exits_2(cli, logged_in, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text(SITE)
    result = cli("--url", logged_in.url, "plan", str(site), "--replace", "nosuch")
    assert result.exit_code == 2 and "nosuch" in result.output


def test_names_held_twice_on_the_account_plan_exit_2_and_apply_refuses(
    cli, logged_in, calls, tmp_path, monkeypatch
):
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB1", PASSWORD)
    with logged_in.proxy() as proxy:
        session = logged_in.login()
        for _ in range(2):
            proxy.vm_create(session, "web1", PASSWORD, 111, 1, 1, {})
    site = tmp_path / "site.toml"
    site.write_text(SITE)
    saved = tmp_path / "site.plan"
    planned = cli("--url", logged_in.url, "plan", str(site), "--out", str(saved))
    assert planned.exit_code == 2 and "Up to date" not in planned.output
    assert "2 vms have this name" in planned.stdout
    assert not saved.exists() and "not written" in planned.stderr
    calls.clear()
    applied = cli("--url", logged_in.url, "apply", str(site), "--yes")
    assert applied.exit_code == 2 and "nothing was sent" in applied.stderr
    assert calls.writes == []


def test_password_env_of_the_tools_own_password_is_refused_before_any_request(
    cli, logged_in, calls, tmp_path, monkeypatch
):
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", "the-account-password")
    site = tmp_path / "site.toml"
    site.write_text(SITE.replace("GANDI_VM_PASSWORD_WEB1", "GANDI_HOSTING_PASSWORD"))
    calls.clear()
    result = cli("--url", logged_in.url, "apply", str(site), "--yes")
    assert result.exit_code == 2 and "GANDI_VM_PASSWORD" in result.output
    assert calls.methods == [] and "the-account-password" not in result.output
