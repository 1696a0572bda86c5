"""Names or ids: what each costs in requests, and how ambiguity and absence are reported."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.errors import NotFound
from gandi_hosting_cli.workflows.names import AmbiguousName, match_os

IMAGES = [
    {"id": 110, "name": "Debian", "version": "11", "label": "Debian 11 64 bits"},
    {"id": 111, "name": "Debian", "version": "12", "label": "Debian 12 64 bits"},
    {"id": 114, "name": "FreeBSD", "version": "13", "label": "FreeBSD 13 64 bits"},
]


@pytest.mark.parametrize(
    ("token", "os_id"),
    [
        ("Debian 12 64 bits", 111),
        ("debian 12 64 BITS", 111),
        ("Debian 11", 110),
        ("  debian   11 ", 110),
        ("FreeBSD", 114),  # a name with a single version is enough
    ],
)
def test_os_by_label_name_version_or_unique_name(token, os_id):
    assert match_os(IMAGES, token) == os_id


def test_os_ambiguous_name_lists_id_and_label():
    with pytest.raises(AmbiguousName) as exc:
        match_os(IMAGES, "Debian")
    assert exc.value.exit_code == 2
    assert exc.value.candidates == [(110, "Debian 11 64 bits"), (111, "Debian 12 64 bits")]
    assert "110 Debian 11 64 bits" in exc.value.message


def test_os_unknown_is_not_found():
    with pytest.raises(NotFound) as exc:
        match_os(IMAGES, "Plan9")
    assert exc.value.exit_code == 4


def cost(gh, *args: str) -> tuple[int, object]:
    before = gh.server.request_count
    result = gh(*args)
    return gh.server.request_count - before, result


def test_an_id_costs_no_lookup(gh):
    [vm_id] = gh.vms(1, "web")
    requests, result = cost(gh, "vm", "info", str(vm_id))
    assert result.exit_code == 0
    assert requests == 1  # multicall(vm_info, os_list): the OS label for people
    requests, _ = cost(gh, "--json", "vm", "info", str(vm_id))
    assert requests == 1


def test_several_names_cost_one_batch_whatever_their_number(gh):
    gh.vms(40, "web")
    requests_one, _ = cost(gh, "vm", "reboot", "web1")
    requests_many, result = cost(gh, "vm", "reboot", *(f"web{i}" for i in range(2, 40)))
    assert result.exit_code == 0
    # names not cached yet: vm_list, one multicall of vm_info, one of the operations in
    # progress (is a VM busy?), the action, the state read
    assert requests_one == 5
    # now cached (the first lookup read them all): one multicall of the 38 vm_info calls
    # that confirm them, the operations in progress, the action, the state read
    assert requests_many == 4


def test_a_disk_and_a_vm_by_name_resolve_together(gh):
    gh.vms(3, "web")
    gh.disks(3, "data")
    requests, result = cost(gh, "disk", "attach", "data2", "web3")
    assert result.exit_code == 0, result.stderr
    # multicall(vm_list, disk_list) + multicall(infos) + multicall(operations in
    # progress) + disk_attach + state read
    assert requests == 5


def test_ambiguous_hostname_lists_each_candidate_as_id_and_hostname(gh):
    first = gh.vms(1, "web")[0]
    second = gh.vms(1, "web")[0]
    result = gh("vm", "info", "web1")
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr
    assert f"  {first} web1\n" in result.stderr and f"  {second} web1\n" in result.stderr
    assert gh("vm", "info", str(second)).exit_code == 0  # the id is the way out


def test_hostnames_match_case_insensitively_when_no_exact_match(gh):
    [vm_id] = gh.vms(1, "Web")
    assert gh.json("vm", "info", "web1")["id"] == vm_id


def test_no_match_is_not_found_exit_4(gh):
    gh.vms(1, "web")
    result = gh("vm", "stop", "nosuch")
    assert result.exit_code == 4
    assert "no VM named 'nosuch'" in result.stderr


@pytest.mark.parametrize("token", ["²", "١٠١", "１２"])
def test_non_ascii_digits_are_a_name_not_an_id(cli, token):
    result = cli("--sandbox", "vm", "info", token)
    assert result.exit_code == 4, result.stderr
    assert result.stderr == f"Error: no VM named {token!r}\n"
