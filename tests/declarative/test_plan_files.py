"""`plan --out PLANFILE` then `apply PLANFILE`: exactly the reviewed actions, or a refusal
(exit 2, saying what changed) when the account moved on; `export --file` safety."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.declarative.conftest import PASSWORD
from tests.declarative.test_apply import account
from tests.declarative.test_replace_commands import SITE


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("GANDI_VM_PASSWORD_WEB1", PASSWORD)
    path = tmp_path / "site.toml"
    path.write_text(SITE)
    return path


def test_a_saved_plan_is_private_has_no_secret_and_is_applied_exactly(
    cli, logged_in, calls, site, tmp_path
):
    saved = tmp_path / "site.plan"
    planned = cli("--url", logged_in.url, "plan", str(site), "--out", str(saved))
    assert planned.exit_code == 8
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    text = saved.read_text()
    assert PASSWORD not in text and "GANDI_VM_PASSWORD_WEB1" in text
    data = json.loads(text)
    assert (data["format"], data["version"]) == ("gandi-hosting-plan", 1)
    assert data["fingerprint"].startswith("sha256:")
    kinds = [a["kind"] for a in data["plan"]["actions"]]
    site.write_text(SITE.replace("size = 1024", "size = 4096"))  # the manifest no longer counts
    calls.clear()
    applied = cli("--url", logged_in.url, "apply", str(saved), "--yes", "--json")
    assert applied.exit_code == 0, applied.output
    assert [a["action"] for a in json.loads(applied.stdout)["actions"]] == kinds
    # the two creates are independent (sent in parallel, in either order); the attach after
    assert sorted(calls.writes[:2]) == ["disk_create", "vm_create"]
    assert calls.writes[2:] == ["disk_attach"]
    assert cli("--url", logged_in.url, "plan", str(site)).exit_code == 9  # 1024, not 4096


def test_a_saved_plan_is_refused_after_another_client_changed_the_account(
    cli, logged_in, calls, site, tmp_path
):
    saved = tmp_path / "site.plan"
    assert cli("--url", logged_in.url, "plan", str(site), "--out", str(saved)).exit_code == 8
    with logged_in.proxy() as proxy:
        proxy.disk_create(logged_in.login(), {"name": "other", "size": 512})
    calls.clear()
    refused = cli("--url", logged_in.url, "apply", str(saved), "--yes")
    assert refused.exit_code == 2
    assert "the account changed" in refused.stderr and "disk other" in refused.stderr
    assert "was created" in refused.stderr and "nothing was sent" in refused.stderr.lower()
    assert calls.writes == []


def test_a_saved_plan_is_refused_while_another_clients_operation_is_queued(
    cli, slow_server, slow_clock, site, tmp_path
):
    """vm_update queued by another client changes nothing vm_info shows yet: the open
    operation itself makes the plan stale (its operations take 10 s of a still clock)."""
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

    url = slow_server.url
    login = cli("--url", url, "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD)
    assert login.exit_code == 0, login.output
    with slow_server.proxy() as proxy:
        session = slow_server.login()
        vm_id = proxy.vm_create(session, "web1", PASSWORD, 111, 1, 1, {})
        slow_clock.sleep(10)
        saved = tmp_path / "site.plan"
        assert cli("--url", url, "plan", str(site), "--out", str(saved)).exit_code == 8
        opid = proxy.vm_update(session, vm_id, {"shares": 2})
    refused = cli("--url", url, "apply", str(saved), "--yes")
    assert refused.exit_code == 2
    assert f"operation {opid} was queued" in refused.stderr


def test_a_plan_file_made_for_another_account_or_edited_unsafely_is_refused(
    cli, logged_in, calls, site, tmp_path
):
    saved = tmp_path / "site.plan"
    assert cli("--url", logged_in.url, "plan", str(site), "--out", str(saved)).exit_code == 8
    data = json.loads(saved.read_text())
    data["plan"]["vm_specs"]["web1"]["password_env"] = "GANDI_HOSTING_PASSWORD"
    saved.write_text(json.dumps(data))
    calls.clear()
    edited = cli("--url", logged_in.url, "apply", str(saved), "--yes")
    assert edited.exit_code == 2 and "GANDI_VM_PASSWORD" in edited.output
    data["plan"]["vm_specs"]["web1"]["password_env"] = "GANDI_VM_PASSWORD_WEB1"
    data["account"]["login"] = "XX9999-GANDI"
    saved.write_text(json.dumps(data))
    other = cli("--url", logged_in.url, "apply", str(saved), "--yes")
    assert other.exit_code == 2 and "XX9999-GANDI" in other.output
    data["version"] = 99
    saved.write_text(json.dumps(data))
    newer = cli("--url", logged_in.url, "apply", str(saved), "--yes")
    assert newer.exit_code == 2 and "version 99" in newer.output
    assert cli("--url", logged_in.url, "apply", str(saved), "--prune").exit_code == 2
    assert calls.writes == []


def test_plan_out_never_writes_through_a_symlink(cli, logged_in, site, tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "site.plan"
    link.symlink_to(target)
    result = cli("--url", logged_in.url, "plan", str(site), "--out", str(link))
    assert result.exit_code == 2 and "symbolic link" in result.output
    assert target.read_text() == "keep me" and link.is_symlink()


def test_export_file_refuses_to_overwrite_without_force_and_never_follows_a_symlink(
    cli, logged_in, site, tmp_path
):
    assert cli("--url", logged_in.url, "apply", str(site), "--yes").exit_code == 0
    out = tmp_path / "exported.toml"
    out.write_text("mine")
    refused = cli("--url", logged_in.url, "export", "--file", str(out))
    assert refused.exit_code == 2 and "--force" in refused.output
    assert out.read_text() == "mine"
    assert cli("--url", logged_in.url, "export", "--file", str(out), "--force").exit_code == 0
    assert '# password_env = "GANDI_VM_PASSWORD_WEB1"' in out.read_text()
    target = tmp_path / "target.txt"
    target.write_text("keep me")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    for extra in ((), ("--force",)):
        result = cli("--url", logged_in.url, "export", "--file", str(link), *extra)
        assert result.exit_code == 2 and "symbolic link" in result.output
    assert target.read_text() == "keep me"


def test_a_plan_of_an_export_on_an_account_without_the_vm_says_its_password_is_missing(
    cli, logged_in, plain, site, tmp_path, monkeypatch
):
    assert cli("--url", logged_in.url, "apply", str(site), "--yes").exit_code == 0
    exported = tmp_path / "exported.toml"
    assert cli("--url", logged_in.url, "export", "--file", str(exported)).exit_code == 0
    proxy, session = plain
    vms, _ = account(proxy, session)
    proxy.vm_stop(session, vms["web1"]["id"])
    proxy.vm_delete(session, vms["web1"]["id"])
    monkeypatch.delenv("GANDI_VM_PASSWORD_WEB1")
    planned = cli("--url", logged_in.url, "plan", str(exported))
    assert planned.exit_code == 8
    assert "vm web1: its root password: none in the manifest" in planned.stderr
    refused = cli("--url", logged_in.url, "apply", str(exported), "--yes")
    assert refused.exit_code == 2 and "no root password" in refused.output


def test_a_saved_plan_keeps_a_problem_and_its_hint_and_apply_refuses_it(
    cli, logged_in, calls, tmp_path
):
    big = tmp_path / "big.toml"
    big.write_text('[[vm]]\nhostname = "big"\nos = 111\nshares = 500\n')
    saved = tmp_path / "big.plan"
    planned = cli("--url", logged_in.url, "plan", str(big), "--out", str(saved))
    assert planned.exit_code == 8, planned.output  # changes pending, one that would be refused
    [problem] = json.loads(saved.read_text())["plan"]["problems"]
    assert problem["kind"] == "shares" and problem["hint"]["kind"] == "buy"
    calls.clear()
    refused = cli("--url", logged_in.url, "apply", str(saved), "--yes")
    assert refused.exit_code == 1
    assert "not enough free shares: 500 needed" in refused.stderr
    assert "product add shares" in refused.stderr  # the hint, rendered again
    assert calls.writes == []
