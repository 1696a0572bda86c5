"""Value checks that happen before any request: each bad value is a clear usage error."""

from __future__ import annotations

import datetime as dt

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gandi_hosting_cli.cli import types


def convert(ptype: click.ParamType, value: str):
    return ptype.convert(value, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1m", "1m"),
        ("6m", "6m"),
        ("1y", "1y"),
        ("10y", "10y"),
        ("99m", "99m"),
        ("100m", "100m"),
        ("120m", "120m"),
        (" 2Y ", "2y"),
    ],
)
def test_duration_accepts_months_and_years(text, expected):
    assert convert(types.DURATION, text) == expected


@pytest.mark.parametrize(
    "text", ["", "0m", "1", "m", "1d", "1.5m", "121m", "999m", "1000m", "11y", "01m", "-1m"]
)
def test_duration_refuses_anything_else(text):
    with pytest.raises(click.BadParameter):
        convert(types.DURATION, text)


@pytest.mark.parametrize(
    ("text", "mb"),
    [
        ("2048", 2048),
        ("2048M", 2048),
        ("2048mb", 2048),
        ("2G", 2048),
        ("1.5G", 1536),
        ("1T", 1048576),
        (" 10 G ", 10240),
        ("3GiB", 3072),
    ],
)
def test_size_in_mb_or_with_a_unit(text, mb):
    assert convert(types.SIZE, text) == mb


@pytest.mark.parametrize("text", ["", "0", "0G", "-1", "2K", "G", "1.5", "0.1M", "2 G B", "two"])
def test_size_refuses_nonsense(text):
    with pytest.raises(click.BadParameter):
        convert(types.SIZE, text)


@given(st.integers(min_value=1, max_value=10**7))
def test_size_plain_number_is_megabytes(n):
    assert convert(types.SIZE, str(n)) == n
    assert convert(types.SIZE, f"{n}M") == n


def test_iso_date_with_offset_is_converted_to_naive_utc():
    got = convert(types.ISO_DATE, "2026-01-31T12:00:00+02:00")
    assert got == dt.datetime(2026, 1, 31, 10, 0, 0)
    assert got.tzinfo is None
    assert convert(types.ISO_DATE, "2026-01-31T12:00:00Z") == dt.datetime(2026, 1, 31, 12)


def test_iso_date_without_offset_is_local_time(monkeypatch):
    local = dt.datetime(2026, 1, 31).astimezone()
    expected = local.astimezone(dt.timezone.utc).replace(tzinfo=None)
    assert convert(types.ISO_DATE, "2026-01-31") == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "31/01/2026", "2026-01-31 25:00", ""])
def test_iso_date_refuses_other_formats(text):
    with pytest.raises(click.BadParameter, match="ISO date"):
        convert(types.ISO_DATE, text)


@pytest.mark.parametrize("name", ["a", "web1", "WEB-1", "x" * 63, "1web", "123a"])
def test_hostname_accepts_rfc1123_labels(name):
    assert convert(types.HOSTNAME, name) == name


@pytest.mark.parametrize(("param_type", "name"), [(types.HOSTNAME, "123"), (types.DISK_NAME, "42")])
def test_a_new_name_of_digits_alone_is_refused_as_it_would_read_as_an_id(param_type, name):
    with pytest.raises(click.BadParameter, match="only digits"):
        convert(param_type, name)


@pytest.mark.parametrize("name", ["", "-web", "web-", "x" * 64, "web_1", "web.example", "wéb"])
def test_hostname_refuses_bad_labels(name):
    with pytest.raises(click.BadParameter, match="hostname"):
        convert(types.HOSTNAME, name)


@pytest.mark.parametrize("name", ["data", "disk2GB", "a.b_c-d", "x" * 64])
def test_disk_name_accepts(name):
    assert convert(types.DISK_NAME, name) == name


@pytest.mark.parametrize("name", ["", "x" * 65, "my disk", "d/1"])
def test_disk_name_refuses(name):
    with pytest.raises(click.BadParameter, match="disk name"):
        convert(types.DISK_NAME, name)


def test_operation_state_is_case_insensitive_and_canonical():
    assert convert(types.OPERATION_STATE, "done") == "DONE"
    with pytest.raises(click.BadParameter):
        convert(types.OPERATION_STATE, "FINISHED")


def test_operation_id_must_be_positive_integer():
    assert convert(types.OPID, "42") == 42
    for bad in ("0", "-3", "abc", "4.2"):
        with pytest.raises(click.BadParameter):
            convert(types.OPID, bad)


@pytest.mark.parametrize("password", ["short", "x" * 129, "abcdefgh\n", "abc\tdefgh"])
def test_vm_password_rules(password):
    with pytest.raises(click.BadParameter):
        types.check_vm_password(password)
    assert types.check_vm_password("correct horse") == "correct horse"


def test_cpu_cannot_exceed_shares():
    types.check_cpu(2, 4)
    types.check_cpu(2, None)
    with pytest.raises(click.BadParameter, match="--cpu 3 is more than --shares 2"):
        types.check_cpu(3, 2)


def test_a_bad_value_in_a_command_is_exit_2_with_the_reason():
    @click.command()
    @click.option("--size", type=types.SIZE)
    @click.option("--duration", type=types.DURATION)
    def command(size, duration):
        click.echo(f"{size} {duration}")

    runner = CliRunner()
    ok = runner.invoke(command, ["--size", "2G", "--duration", "1y"])
    assert ok.exit_code == 0 and ok.output == "2048 1y\n"
    bad = runner.invoke(command, ["--size", "2X"])
    assert bad.exit_code == 2
    assert "'2X' is not a size" in bad.output


def test_resource_arguments_complete_from_what_list_commands_saw(cli, logged_in):
    from gandi_hosting_cli.cli import cli as root

    url = logged_in.url
    logged_in.sandbox.bulk_create_vms("AA1234-GANDI", 2, "web")
    assert cli("--url", url, "vm", "list", "--details").exit_code == 0

    def complete(line: str) -> str:
        env = {
            "_GANDI_HOSTING_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(line.split(" ")) - 1),
        }
        return CliRunner().invoke(root, [], env=env, prog_name="gandi-hosting").stdout

    assert {"plain,web1", "plain,web2"} <= set(
        complete(f"gandi-hosting --url {url} vm stop we").split()
    )
    assert "plain,1m" in complete("gandi-hosting product add shares 4 --duration ").split()
    assert "plain,2G" in complete("gandi-hosting disk create data --size ").split()


@pytest.mark.parametrize("text", ["100m", "110m", "120m"])
def test_durations_of_100_to_120_months_are_accepted(text):
    assert types.DURATION.convert(text, None, None) == text


@pytest.mark.parametrize("text", ["121m", "999m", "1000m"])
def test_durations_over_120_months_are_a_usage_error(cli, text):
    result = cli("--sandbox", "--json", "product", "add", "--yes", "disk", "1", "--duration", text)
    assert result.exit_code == 2
    assert "Invalid value for '--duration'" in result.stderr


def test_a_120_month_duration_is_not_refused_by_the_cli(cli):
    result = cli("--sandbox", "product", "add", "--yes", "disk", "1", "--duration", "120m")
    assert result.exit_code != 2, result.stderr
    assert "Invalid value" not in result.stderr
