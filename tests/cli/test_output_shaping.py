"""Output formats and shaping on every list: -o table|plain|tsv|json|ids, --columns,
--no-header, --sort; golden text for plain and TSV with fixed data."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.cli.hosting_helpers import Gh

LISTS = [
    ("vm", "list"),
    ("disk", "list"),
    ("product", "list"),
    ("op", "list"),
    ("os", "list"),
]


def golden(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def g(gh) -> Gh:
    """Two VMs (web1 with 2 shares, db1), a spare disk, 4 shares bought."""
    gh.shares(4)
    gh.vms(1, "web", shares=2)
    gh.vms(1, "db", start=1)
    gh.disks(1, "spare", size=2048)
    return gh


def out(g: Gh, *args: str) -> str:
    result = g(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_plain_is_the_default_off_a_terminal_and_reads_as_a_table(g):
    assert out(g, "vm", "list") == out(g, "vm", "list", "-o", "plain") == golden("""
        ID   HOSTNAME  STATE    SHARES  CPU  MEMORY  OS                 IPS
        101  web1      running  2       1    512 MB  Debian 12 64 bits  192.0.2.101, 2001:db8::65
        102  db1       running  1       1    256 MB  Debian 12 64 bits  192.0.2.102, 2001:db8::66
        """)  # fmt: skip
    assert out(g, "disk", "list") == golden("""
        ID    NAME      SIZE  FSTYPE  STATE    ATTACHED TO
        1001  sys_web1  3 GB  ext3    created  web1 (101, position 0, boot)
        1002  sys_db1   3 GB  ext3    created  db1 (102, position 0, boot)
        1003  spare1    2 GB  ext3    created  -
        """)  # fmt: skip


def test_tsv_has_a_header_of_key_names_and_raw_values(g):
    assert out(g, "vm", "list", "-o", "tsv") == golden("""
        id\thostname\tstate\tshares\tcpu\tmemory\tos\tips
        101\tweb1\trunning\t2\t1\t512\tDebian 12 64 bits\t192.0.2.101,2001:db8::65
        102\tdb1\trunning\t1\t1\t256\tDebian 12 64 bits\t192.0.2.102,2001:db8::66
        """)  # fmt: skip
    assert out(g, "disk", "list", "-o", "tsv", "--columns", "id,name,size,vm_id") == golden("""
        id\tname\tsize\tvm_id
        1001\tsys_web1\t3072\t101
        1002\tsys_db1\t3072\t102
        1003\tspare1\t2048\t0
        """)  # fmt: skip
    assert out(g, "os", "list", "-o", "tsv", "--columns", "id,label,size") == golden("""
        id\tlabel\tsize
        110\tDebian 11 64 bits\t3072
        111\tDebian 12 64 bits\t3072
        112\tUbuntu 22.04 64 bits\t4096
        113\tCentOS 7 64 bits\t4096
        114\tFreeBSD 13 64 bits\t5120
        """)  # fmt: skip


def test_the_jq_free_recipe_ids_and_hostnames_without_header(g):
    got = out(g, "vm", "list", "-o", "tsv", "--columns", "id,hostname", "--no-header")
    assert got == "101\tweb1\n102\tdb1\n"
    got = out(g, "vm", "list", "--columns", "hostname,id", "--no-header", "--sort", "hostname")
    assert got == "db1   102\nweb1  101\n"


@pytest.mark.parametrize("command", LISTS, ids=" ".join)
def test_every_list_speaks_every_format(g, command):
    objects = json.loads(out(g, "--json", *command))
    assert objects and all(isinstance(o, dict) and "id" in o for o in objects)
    assert json.loads(out(g, *command, "-o", "json")) == objects
    ids = [str(o["id"]) for o in objects]
    assert out(g, *command, "-q").split() == ids == out(g, "-o", "ids", *command).split()
    plain = out(g, *command, "-o", "plain").splitlines()
    assert len(plain) == len(objects) + 1 and plain[0].split()[0] == "ID"
    rows = out(g, *command, "-o", "plain", "--no-header").splitlines()
    assert [r.split()[0] for r in rows] == [r.split()[0] for r in plain[1:]] == ids
    tsv = out(g, *command, "-o", "tsv").splitlines()
    assert tsv[0].split("\t")[0] == "id" and [r.split("\t")[0] for r in tsv[1:]] == ids
    table = out(g, *command, "-o", "table")  # rich, no colour in a pipe
    assert "ID" in table.splitlines()[0] and all(i in table for i in ids)
    assert "ID" not in out(g, *command, "-o", "table", "--no-header")
    # the global options go before or after the subcommand alike
    assert out(g, "-o", "tsv", "--no-header", *command) == out(
        g, *command, "-o", "tsv", "--no-header"
    )


@pytest.mark.parametrize("command", LISTS, ids=" ".join)
def test_columns_restrict_json_objects_and_sort_goes_both_ways(g, command):
    objects = json.loads(out(g, "--json", *command, "--columns", "id"))
    assert all(list(o) == ["id"] for o in objects)
    up = [o["id"] for o in json.loads(out(g, "--json", *command, "--sort", "id"))]
    down = [o["id"] for o in json.loads(out(g, "--json", *command, "--sort", "-id"))]
    assert up == sorted(up) and down == sorted(up, reverse=True)
    assert out(g, "-q", *command, "--sort", "-id").split() == [str(i) for i in down]


@pytest.mark.parametrize("command", LISTS, ids=" ".join)
def test_an_unknown_column_or_sort_key_is_a_usage_error_listing_the_valid_ones(g, command):
    before = g.server.request_count
    for option in ("--columns", "--sort"):
        result = g(*command, option, "id,nosuchkey" if option == "--columns" else "-nosuchkey")
        assert result.exit_code == 2 and result.stdout == ""
        assert "'nosuchkey'" in result.stderr and "id, " in result.stderr
        assert result.stderr.count("\n") == 1
    assert g.server.request_count == before  # refused before anything was sent


def test_sort_orders_by_the_value_not_the_text(g):
    g.vms(8, "w", start=2)  # ids up to 110: 99 < 100 as numbers
    shares = [o["shares"] for o in json.loads(out(g, "--json", "vm", "list", "--sort", "-shares"))]
    assert shares == sorted(shares, reverse=True) and shares[0] == 2
    names = out(
        g, "vm", "list", "-o", "tsv", "--columns", "hostname", "--no-header", "--sort", "hostname"
    )
    assert names.split() == sorted(names.split())


def test_a_derived_column_comes_with_json_when_asked(g):
    rows = json.loads(out(g, "--json", "vm", "list", "--columns", "hostname,os"))
    assert rows[0] == {"hostname": "web1", "os": "Debian 12 64 bits"}
    rows = json.loads(out(g, "--json", "op", "list", "--columns", "id,type,object"))
    assert rows[0]["object"] == "product 1" and set(rows[0]) == {"id", "type", "object"}


def test_output_option_last_one_wins_and_refuses_unknown_formats(g):
    assert out(g, "--json", "os", "list", "-o", "ids").split()[:2] == ["110", "111"]
    assert json.loads(out(g, "-q", "os", "list", "--json"))[0]["id"] == 110
    bad = g("os", "list", "-o", "yaml")
    assert bad.exit_code == 2 and "yaml" in bad.stderr


def test_columns_pick_the_fields_of_one_object_too(g):
    assert out(g, "vm", "info", "web1", "--columns", "hostname,os,state") == golden("""
        hostname  web1
        os        Debian 12 64 bits
        state     running
        """)  # fmt: skip
    picked = json.loads(out(g, "--json", "vm", "info", "web1", "--columns", "id,os_id,os"))
    assert picked == {"id": 101, "os_id": 111, "os": "Debian 12 64 bits"}
    assert list(json.loads(out(g, "--json", "disk", "info", "spare1", "--columns", "size,id"))) == [
        "size",
        "id",
    ]
    bad = g("op", "info", "10001", "--columns", "nope")
    assert bad.exit_code == 2 and "valid columns" in bad.stderr


def test_tsv_cells_stay_on_one_line_and_missing_values_sort_last(capsys):
    from gandi_hosting_cli.output.columns import Column
    from gandi_hosting_cli.output.render import Output, OutputMode
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.output.shaping import Shape

    columns = [Column("id", "ID", "int"), Column("comment", "COMMENT")]
    rows = [
        {"id": 3, "comment": "tab\there\nand a line"},
        {"id": 1, "comment": None},
        {"id": 2, "comment": "b"},
    ]
    for sort in ("comment", "-comment"):
        Output(OutputMode.TSV, shape=Shape(sort=sort)).emit(
            Result.records(rows, columns, catalog=columns)
        )
    assert capsys.readouterr().out == (
        "id\tcomment\n2\tb\n3\ttab here and a line\n1\t\n"
        "id\tcomment\n3\ttab here and a line\n2\tb\n1\t\n"
    )
