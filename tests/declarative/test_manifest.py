"""Bad manifests: one ManifestError naming the file, the line and the key; nothing sent."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.declarative.manifest import ManifestError, load_manifest, parse_manifest

GOOD_VM = '[[vm]]\nhostname = "web1"\nos = "Debian 12"\nshares = 2\n'
GOOD_DISK = '[[disk]]\nname = "data"\nsize = "2G"\n'


def error_of(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text, "site.toml")
    return caught.value


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        (GOOD_VM + "colour = 'red'\n", 5, "colour", "unknown key"),
        (GOOD_VM.replace("shares = 2", 'shares = "2"'), 4, "shares", "integer"),
        (GOOD_VM.replace("shares = 2", "shares = true"), 4, "shares", "integer"),
        (GOOD_VM + GOOD_VM, 6, "hostname", "declared twice"),
        (GOOD_DISK + "\n" + GOOD_DISK, 6, "name", "declared twice"),
        (GOOD_VM + 'disks = ["nope"]\n', 5, "disks", "not declared"),
        (
            GOOD_VM
            + 'disks = ["data"]\n'
            + GOOD_VM.replace("web1", "web2")
            + 'disks = ["data"]\n'
            + GOOD_DISK,
            10,
            "disks",
            "already on VM",
        ),  # fmt: skip
        (
            GOOD_VM + 'disks = ["data"]\nboot_disk = "other"\n' + GOOD_DISK,
            6,
            "boot_disk",
            "not in this VM's disks",
        ),  # fmt: skip
        (GOOD_VM.replace('"web1"', '"1234"'), 2, "hostname", "digits only"),
        (GOOD_DISK.replace('"data"', '"42"'), 2, "name", "digits only"),
        (GOOD_VM.replace('"web1"', '"-web"'), 2, "hostname", "RFC 1123"),
        (GOOD_DISK.replace('"2G"', '"2X"'), 3, "size", "not a size"),
        (GOOD_DISK.replace('"2G"', "0"), 3, "size", "more than 0"),
        (GOOD_DISK + 'fstype = "ntfs"\n', 4, "fstype", "one of"),
        (GOOD_VM + 'state = "paused"\n', 5, "state", "running"),
        (GOOD_VM + "cpu = 3\n", 5, "cpu", "one CPU per share"),
        (GOOD_VM + "max_memory = 256\n", 5, "max_memory", "below the memory"),
        (GOOD_VM.replace('os = "Debian 12"\n', ""), 1, None, "missing required key 'os'"),
        ('[server]\nname = "x"\n', 1, "server", "unknown table"),
        ('owner = "me"\n' + GOOD_VM, 1, "owner", "unknown key"),
        (GOOD_VM + "password = 'hunter22'\n", 5, "password", "unknown key"),
    ],
)
def test_bad_manifest_names_file_line_and_key(text, line, key, words):
    error = error_of(text)
    assert error.exit_code == 2
    assert error.line == line and error.key == key
    assert str(error).startswith(f"site.toml:{line}: ")
    assert words in str(error)
    if key:
        assert repr(key) in str(error) or f"[{key}]" in str(error)


def test_toml_syntax_error_gives_line_and_column():
    error = error_of(GOOD_VM + "shares = = 3\n")
    assert error.line == 5 and "column" in str(error) and str(error).startswith("site.toml:5:")


def test_a_password_in_the_file_is_refused_and_not_echoed():
    error = error_of(GOOD_VM + "password = 'hunter22'\n")
    assert "hunter22" not in str(error)


def test_defaults_and_sizes():
    manifest = parse_manifest(
        GOOD_VM + 'disks = ["data", "logs"]\nboot_disk = "data"\n' + GOOD_DISK
        + '[[disk]]\nname = "logs"\nsize = 512\nfstype = "xfs"\n', "m.toml"
    )  # fmt: skip
    vm = manifest.vms[0]
    assert (vm.cpu, vm.state, vm.max_memory, vm.disks) == (1, "running", None, ("data", "logs"))
    assert [(d.name, d.size, d.fstype) for d in manifest.disks] == [
        ("data", 2048, "ext3"),
        ("logs", 512, "xfs"),
    ]


def test_unreadable_file_is_a_manifest_error(tmp_path):
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path / "missing.toml")
    assert "missing.toml" in str(caught.value) and caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (GOOD_VM.replace('"web1"', '"web1\\n"'), "hostname"),  # `$` once let a newline in
        (GOOD_DISK.replace('"data"', '"data\\n"'), "name"),
        (GOOD_VM + 'login = "root"\n', "login"),  # exists on every VM: not created again
    ],
)
def test_the_manifest_applies_the_commands_value_rules(text, key):
    error = error_of(text)
    assert error.exit_code == 2 and error.key == key
