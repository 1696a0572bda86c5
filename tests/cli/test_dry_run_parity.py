"""--dry-run meets what the real command meets: the same checks run before anything is
sent (quota and free shares, attached disks, running VMs, busy objects), so a dry run
exits with the code (and error code) of the real run on the same state, and sends no
write. Writes are counted on the sandbox server."""

from __future__ import annotations

import json

import pytest

from tests.cli.hosting_helpers import PASSWORD, Gh
from tests.cli.test_confirmation_rule import Writes


def _error(result) -> dict | None:
    lines = [line for line in result.stderr.splitlines() if '"error"' in line]
    return json.loads(lines[-1])["error"] if lines else None


def same_outcome(gh: Gh, *args: str, input: str | None = None, expect: int) -> None:
    """The dry run first (nothing written), then the real command: same exit code and
    error code, ``expect`` both."""
    writes = Writes(gh.server)
    dry = gh("--json", *args, "--dry-run", input=input)
    assert writes.methods == [], writes.methods
    real = gh("--json", *args, input=input)
    assert (dry.exit_code, real.exit_code) == (expect, expect), (dry.stderr, real.stderr)
    if expect:
        assert _error(dry) and _error(dry)["code"] == _error(real)["code"]
        assert writes.methods == []  # refused before anything was sent


@pytest.fixture
def account(gh: Gh) -> Gh:
    gh.shares(4)
    gh.vms(1, "web")  # running, with its system disk
    gh.vms(1, "idle", state="halted")
    gh.disks(1, "data")
    assert gh("disk", "attach", "data1", "web1", "--wait").exit_code == 0
    gh.disks(1, "spare")
    return gh


NEW_VM = ("vm", "create", "big", "--os", "111", "--password-stdin")


def test_quota_shares_of_a_new_vm(account):
    same_outcome(account, *NEW_VM, "--shares", "50", input=PASSWORD + "\n", expect=1)


def test_quota_disk_of_a_new_disk(account):
    same_outcome(account, "disk", "create", "huge", "--size", "900G", expect=1)


def test_quota_shares_of_a_vm_update(account):
    same_outcome(account, "vm", "update", "idle1", "--shares", "50", expect=1)


def test_attached_disk_cannot_be_attached_elsewhere_nor_deleted(account):
    same_outcome(account, "disk", "attach", "data1", "idle1", expect=1)
    same_outcome(account, "disk", "delete", "data1", "--yes", expect=1)


def test_running_vm_cannot_be_deleted_nor_get_cpus_nor_lose_its_boot_disk(account):
    same_outcome(account, "vm", "delete", "web1", "--yes", expect=1)
    same_outcome(account, "vm", "update", "web1", "--cpu", "2", "--shares", "2", expect=1)
    same_outcome(account, "disk", "detach", "sys_web1", "web1", expect=1)


def test_what_would_succeed_exits_0_dry_and_real(account):
    same_outcome(account, *NEW_VM, "--shares", "1", input=PASSWORD + "\n", expect=0)
    same_outcome(account, "disk", "attach", "spare1", "idle1", expect=0)


def test_busy_vm(slow_gh):
    gh = slow_gh(60)  # the create stays PENDING
    assert gh("vm", "create", "web1", "--os", "111", "--shares", "1", "--password-stdin",
              input=PASSWORD + "\n").exit_code == 0  # fmt: skip
    same_outcome(gh, "vm", "stop", "web1", expect=1)
    same_outcome(gh, "vm", "update", "web1", "--shares", "2", expect=1)


def test_state_a_halted_vm_cannot_reboot(account):
    same_outcome(account, "vm", "reboot", "idle1", expect=1)


def test_state_a_done_operation_cannot_be_cancelled(account):
    [done] = account.ids("op", "list", "--state", "DONE")[:1]
    same_outcome(account, "op", "cancel", str(done), "--yes", expect=1)


def test_boot_disk_needs_a_halted_vm_and_a_disk_on_it(account):
    same_outcome(account, "vm", "boot-disk", "web1", "data1", expect=1)  # web1 is running
    same_outcome(account, "vm", "boot-disk", "idle1", "spare1", expect=1)  # not on idle1


def test_a_single_command_and_apply_refuse_the_same_shortfall_in_the_same_words(account, tmp_path):
    """One quota rule: `vm create` and `apply` (and `plan`) of the same VM say the same
    shortfall, exit 1, and send nothing."""
    writes = Writes(account.server)
    single = account(*NEW_VM, "--shares", "50", input=PASSWORD + "\n")
    manifest = tmp_path / "big.toml"
    manifest.write_text('[[vm]]\nhostname = "big"\nos = 111\nshares = 50\n')
    applied = account("apply", str(manifest), "--yes")
    planned = account("plan", str(manifest))
    assert (single.exit_code, applied.exit_code) == (1, 1), (single.stderr, applied.stderr)
    said = next(line for line in single.stderr.splitlines() if "not enough free" in line)
    shortfall = said[said.index("not enough free") :]
    assert shortfall.startswith("not enough free shares: 50 needed, ")
    assert shortfall in applied.stderr and shortfall in planned.stdout + planned.stderr
    assert writes.methods == []


def test_a_quota_the_server_does_not_state_is_left_to_the_api_never_taken_for_zero():
    from gandi_hosting_cli.workflows.checks import free_resources, shortfalls

    shares_only = free_resources({"resources": {"available": {"shares": 3}}})
    assert shares_only == {"shares": 3}
    assert shortfalls(shares_only, disk=10**6) == []  # disk: the API decides
    [refused] = shortfalls(shares_only, shares=5, disk=10**6)
    assert refused.message.startswith("not enough free shares: 5 needed, 3 free")
    assert free_resources({"resources": {}}) is None and shortfalls(None, shares=99) == []
    # an over-committed account (negative free shares) may still shrink
    assert shortfalls({"shares": -2, "disk": 0}, shares=-1) == []
