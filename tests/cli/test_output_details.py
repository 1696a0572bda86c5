"""What people read: a table of a VM's disks, disk names in ``vm info``, dates with their
zone, quantities with units, a column for every JSON field, tables that never wrap in a
pipe, one rule for empty lists, refusals that name the next step, the root password
checked before it is asked again, and the wording of busy and delete messages.
"""

from __future__ import annotations

import re
import time

import pytest
from click.testing import CliRunner

from tests.cli.hosting_helpers import PASSWORD, Gh


def on_stderr_tty(gh: Gh, *args: str):
    """The command with stderr on a terminal (stdout still a pipe)."""
    from gandi_hosting_cli.cli import cli as root
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.output.terminal import Terminal

    app = AppContext(terminal=Terminal(stderr_tty=True))
    return CliRunner().invoke(root, ["--url", gh.url, *args], obj=app)


def test_vm_disks_is_a_table_of_names_sizes_and_positions(gh):
    gh.shares(2)
    gh.create_vm("web1", "--wait")
    disk = gh.json("disk", "create", "data1", "--size", "2G", "--wait")
    assert gh("disk", "attach", "data1", "web1", "--wait").exit_code == 0
    lines = gh("vm", "disks", "web1").stdout.splitlines()
    assert lines[0].split() == ["POS", "ID", "NAME", "SIZE", "FSTYPE", "STATE", "BOOT"]
    assert lines[1].split()[0] == "0" and lines[1].split()[2:5] == ["sys_web1", "3", "GB"]
    assert lines[2].split()[:5] == ["1", str(disk["id"]), "data1", "2", "GB"]
    # scripts keep their contract: ids in JSON (structs with --details), ids with -q
    ids = gh.json("vm", "disks", "web1")
    assert ids[1] == disk["id"] and all(isinstance(i, int) for i in ids)
    assert gh.ids("vm", "disks", "web1") == ids
    # vm info names the disks beside their ids
    info = gh("vm", "info", "web1").stdout
    assert re.search(rf"disks\s+sys_web1 \({ids[0]}\), data1 \({disk['id']}\)", info), info
    assert gh.json("vm", "info", "web1")["disks_id"] == ids


def test_dates_show_their_zone_and_seconds_utc_unless_asked(gh, monkeypatch):
    gh.shares(1)
    line = gh("op", "list").stdout.splitlines()[1]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", line), line
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset here")
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # +05:30 all year: never UTC
    time.tzset()
    try:
        monkeypatch.setenv("GANDI_HOSTING_TZ", "local")
        local = gh("op", "list").stdout.splitlines()[1]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "UTC" not in local and re.search(r"\d\d:\d\d:\d\d (IST|\+0530)", local), local
    # JSON keeps ISO 8601 with the offset whatever the setting
    assert gh.json("op", "list")[0]["date_create"].endswith("+00:00")


def test_quantities_carry_units_and_products_show_their_state(gh):
    gh.shares(4)
    assert gh("product", "add", "disk", "1G", "--yes", "--wait").exit_code == 0
    rows = {line.split()[1]: line for line in gh("product", "list").stdout.splitlines()[1:]}
    assert "4 shares" in rows["shares"] and "1024 MB" in rows["disk"]
    assert "active" in rows["disk"]
    tsv = gh("-o", "tsv", "product", "list", "--columns", "product_name,quantity,state").stdout
    assert "disk\t1024\tactive" in tsv.splitlines()  # raw values for pipes
    one = gh("product", "add", "shares", "1", "--yes", "--wait")
    assert one.exit_code == 0
    assert "1 share" in gh("product", "list").stdout.replace("1 shares", "")


@pytest.mark.parametrize("group", ["vm", "disk", "op", "os", "product"])
def test_every_json_field_has_a_column(gh, group):
    gh.shares(2)
    gh.create_vm("web1", "--wait")
    items = gh.json(group, "list")
    assert items
    keys = sorted({k for item in items for k in item})
    result = gh("-o", "tsv", group, "list", "--columns", ",".join(keys))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split("\t") == keys


def test_a_table_in_a_pipe_never_wraps_a_row(gh, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    lines = gh("-o", "table", "os", "list").stdout.splitlines()
    assert len(lines) == 1 + len(gh.json("os", "list"))
    assert any("Debian 12 64 bits" in line for line in lines)


def test_an_empty_list_follows_one_rule_in_every_format(gh):
    header = ["ID", "HOSTNAME", "STATE", "SHARES", "CPU", "MEMORY", "OS", "IPS"]
    assert gh("-o", "plain", "vm", "list").stdout.split() == header
    assert gh("-o", "table", "vm", "list").stdout.split() == header
    tsv = gh("-o", "tsv", "vm", "list").stdout
    assert tsv.split("\t")[0] == "id" and len(tsv.splitlines()) == 1
    assert gh.json("vm", "list") == []
    assert gh("-q", "vm", "list").stdout == ""
    assert gh("--no-header", "vm", "list").stdout == ""
    # on a terminal, stderr says why nothing follows; in a pipe it says nothing
    assert "no VMs" in on_stderr_tty(gh, "vm", "list").stderr
    assert gh("vm", "list").stderr == ""
    assert "no disks" in on_stderr_tty(gh, "disk", "list").stderr


def test_a_refused_cpu_change_of_a_running_vm_names_the_next_steps(gh):
    gh.shares(2)
    result = gh("vm", "create", "web2", "--os", "111", "--shares", "2", "--password-stdin",
                "--wait", input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    result = gh("vm", "update", "web2", "--cpu", "2")
    assert result.exit_code == 1
    assert "`gandi-hosting vm stop web2 --wait`" in result.stderr
    assert "`gandi-hosting vm update web2 --cpu 2 --wait`" in result.stderr
    assert "`gandi-hosting vm start web2`" in result.stderr
    # the steps named work
    for step in (("vm", "stop", "web2", "--wait"), ("vm", "update", "web2", "--cpu", "2", "--wait"),
                 ("vm", "start", "web2", "--wait")):  # fmt: skip
        assert gh(*step).exit_code == 0, step
    assert gh.json("vm", "info", "web2")["cpu"] == 2


def test_a_bad_root_password_is_said_and_asked_again_before_the_repeat(gh):
    gh.shares(1)
    answers = "short\n" + "good-root-pw-1\n" * 2
    result = gh.on_terminal()("vm", "create", "web1", "--os", "111", "--shares", "1",
                              "--wait", input=answers)  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert "root password:" in out
    # the rule is checked on the first answer: "Repeat" comes only after the good one
    assert out.index("root password:") < out.index("Repeat the root password")
    assert out.count("Repeat the root password") == 1


def test_busy_and_delete_messages_say_things_once(slow_gh):
    g = slow_gh(3600)  # operations stay PENDING
    g.sandbox.op_delay = 0
    g.create_vm("web1", "--wait")
    g.create_vm("web2", "--wait")
    g.sandbox.op_delay = 3600
    assert g("vm", "stop", "web1").exit_code == 0  # queued, PENDING
    result = g("vm", "reboot", "web1")
    assert result.exit_code == 1
    line = result.stderr.strip()
    label = re.search(r"web1 \(vm \d+\)", line).group()
    assert line.count(label) == 1, line  # not "web1 (vm N): web1 (vm N) is busy"
    ids = re.findall(r"operation (\d+)", line)
    assert len(ids) == len(set(ids)) == 1, line
    g.sandbox.op_delay = 0
    prompt = g.on_terminal()("vm", "delete", "web2", "--stop", input="n\n")
    assert "1 share" in prompt.output and "1 shares" not in prompt.output


def test_a_busy_message_lists_only_open_operations_whatever_the_filter_returned(cli):
    """A server that ignores operation_list's state filter (every operation, twice: once
    for PENDING, once for RUN): the message names the one still open, once."""
    from tests.independent_server import LOGIN, PASSWORD, IndependentServer

    server = IndependentServer(pending=0, running=0)
    try:
        api = server.api

        def run(*args: str, input: str | None = None):
            return cli("--url", server.url, *args, input=input)

        assert run("login", LOGIN, "--password-stdin", input=PASSWORD + "\n").exit_code == 0
        assert run("product", "add", "shares", "1", "--yes", "--wait").exit_code == 0
        created = run("vm", "create", "web1", "--os", "Debian 12 bookworm", "--shares", "1",
                      "--password-stdin", "--wait", input=PASSWORD + "x\n")  # fmt: skip
        assert created.exit_code == 0, created.output
        api.hold("vm_stop")
        assert run("vm", "stop", "web1").exit_code == 0
        held = [op.uid for op in api.ops if op.type == "vm_stop"]
        unfiltered = api.operation_list
        api.operation_list = lambda handle, filters=None: unfiltered(handle, {})
        result = run("vm", "reboot", "web1")
        assert result.exit_code == 1, result.output
        named = [int(i) for i in re.findall(r"operation (\d+)", result.stderr)]
        assert named == held, result.stderr  # not the DONE create, not twice
    finally:
        server.stop()


def test_vm_info_on_a_terminal_reads_disk_names_the_cache_lacks(gh):
    from gandi_hosting_cli.cli import cli as root
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.output.terminal import Terminal

    [vm_id] = gh.vms(1, "web")  # made behind the CLI's back: no disk name cached
    [disk_id] = gh.json("vm", "info", str(vm_id))["disks_id"]
    piped = gh("vm", "info", str(vm_id)).stdout
    assert re.search(rf"disks\s+{disk_id}$", piped, re.M), piped  # a read by id: one request
    app = AppContext(terminal=Terminal(stdout_tty=True))
    shown = CliRunner().invoke(root, ["--url", gh.url, "vm", "info", str(vm_id)], obj=app)
    assert re.search(rf"disks\s+\S+ \({disk_id}\)", shown.stdout), shown.stdout
    # now remembered: a pipe shows the name too
    assert f"({disk_id})" in gh("vm", "info", str(vm_id)).stdout
