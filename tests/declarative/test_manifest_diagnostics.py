"""Every problem of a manifest in one run; files that are not manifests refused before
reading; password_env limited to GANDI_VM_PASSWORD*; nothing sent for any of them."""

from __future__ import annotations

import os
import sys

import pytest

from gandi_hosting_cli.declarative.manifest import (
    MAX_MANIFEST_BYTES,
    ManifestError,
    load_manifest,
    parse_manifest,
)
from tests.declarative.test_manifest import error_of

FIVE_PROBLEMS = """\
[[vm]]
hostname = "web1"
os = "Debian 12"
shares = 0
sahres = 2
password_env = "GANDI_HOSTING_PASSWORD"

[[disk]]
name = "data"
size = "2X"
fstype = "ntfs"
"""


def test_a_manifest_with_five_errors_reports_all_five_with_line_and_key():
    error = error_of(FIVE_PROBLEMS)
    assert error.exit_code == 2
    assert [(p.line, p.key) for p in error.problems] == [
        (4, "shares"),
        (5, "sahres"),
        (6, "password_env"),
        (10, "size"),
        (11, "fstype"),
    ]
    lines = str(error).splitlines()
    assert len(lines) == 5 and all(line.startswith("site.toml:") for line in lines)
    assert "did you mean 'shares'?" in lines[1]


def test_a_disk_with_a_bad_size_still_counts_as_declared_for_the_vm_listing_it():
    text = '[[vm]]\nhostname = "web1"\nos = "Debian 12"\nshares = 1\ndisks = ["data"]\n'
    error = error_of(text + '[[disk]]\nname = "data"\nsize = "2X"\n')
    assert [p.key for p in error.problems] == ["size"]


@pytest.mark.parametrize(
    "name",
    ["GANDI_HOSTING_PASSWORD", "GANDI_HOSTING_LOGIN", "HOME", "WEB_PW", "GANDI_VM_PASSWORD-X"],
)
def test_password_env_must_start_with_gandi_vm_password(name):
    text = f'[[vm]]\nhostname = "w"\nos = "Debian 12"\nshares = 1\npassword_env = "{name}"\n'
    error = error_of(text)
    assert error.key == "password_env" and "GANDI_VM_PASSWORD" in str(error)


def test_password_env_of_gandi_vm_password_names_is_accepted():
    text = '[[vm]]\nhostname = "w"\nos = "Debian 12"\nshares = 1\n'
    for name in ("GANDI_VM_PASSWORD", "GANDI_VM_PASSWORD_WEB1"):
        assert parse_manifest(f'{text}password_env = "{name}"\n').vms[0].password_env == name


def test_a_toml_syntax_error_names_the_table_and_key_it_was_in():
    text = '[[vm]]\nhostname = "a"\n\n[[vm]]\nhostname = "b"\nshares = = 3\n'
    error = error_of(text)
    assert error.line == 6 and error.key == "shares"
    assert "[[vm]] #2" in str(error) and "key 'shares'" in str(error) and "column" in str(error)


def test_deep_nesting_is_a_manifest_error_not_a_recursion_error():
    error = error_of("a = " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert error.exit_code == 2 and "nested too deeply" in str(error)
    error = error_of("a = " + "{b = " * 5_000 + "1" + "}" * 5_000 + "\n")
    assert "nested too deeply" in str(error)


def test_an_unknown_table_says_what_it_may_have_meant():
    error = error_of('[[vms]]\nhostname = "a"\n')
    assert error.line == 1 and "did you mean 'vm'?" in str(error)


def test_a_file_over_10_mb_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.toml"
    with open(big, "wb") as handle:
        handle.truncate(MAX_MANIFEST_BYTES + 1)  # sparse: nothing to read anyway
    with pytest.raises(ManifestError) as caught:
        load_manifest(big)
    assert "10 MB" in str(caught.value) and caught.value.exit_code == 2


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path)
    assert "a directory" in str(caught.value)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_without_reading_it():
    with pytest.raises(ManifestError) as caught:
        load_manifest("/dev/zero")
    assert "not a regular file" in str(caught.value)


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs")
def test_a_fifo_is_refused_without_blocking_on_it(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block
    with pytest.raises(ManifestError) as caught:
        load_manifest(fifo)
    assert "not a regular file" in str(caught.value)
