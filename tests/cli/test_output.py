"""Output rendering rules that scripts and people rely on; JSON from every command."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from gandi_hosting_cli.output.columns import Column
from gandi_hosting_cli.output.formatting import format_value, human_size, to_json
from gandi_hosting_cli.output.render import Output, OutputMode
from gandi_hosting_cli.output.result import Result
from gandi_hosting_cli.output.terminal import Terminal
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN

ROWS = [
    {
        "id": 2,
        "hostname": "web",
        "state": "running",
        "date_created": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    },
    {"id": 10, "hostname": "database", "state": "halted", "date_created": None},
]
COLUMNS = [Column("id", "ID", "int"), Column("hostname", "HOSTNAME"), Column("state", "STATE")]


def test_json_keeps_key_order_and_writes_iso_dates(capsys):
    Output(OutputMode.JSON).emit(Result.records(ROWS, COLUMNS))
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert list(data[0]) == ["id", "hostname", "state", "date_created"]
    assert data[0]["date_created"] == "2026-01-02T03:04:05+00:00"
    assert data[1]["date_created"] is None
    assert "\x1b" not in out.out and out.err == ""


def test_plain_text_is_aligned_without_trailing_blanks(capsys):
    Output().emit(Result.records(ROWS, COLUMNS))
    assert capsys.readouterr().out == (
        "ID  HOSTNAME  STATE\n2   web       running\n10  database  halted\n"
    )


def test_quiet_prints_ids_only(capsys):
    out = Output(OutputMode.IDS, Terminal(quiet=True))
    out.emit(Result.records(ROWS, COLUMNS))
    out.emit(Result.value({"operation": 7, "state": "PENDING"}, "queued operation 7"))
    out.terminal.message("not shown with -q")
    captured = capsys.readouterr()
    assert captured.out == "2\n10\n7\n"
    assert captured.err == ""


def test_result_and_messages_go_to_their_streams(capsys):
    out = Output()
    out.emit(Result.value({"operation": 7}, "queued operation 7"))
    out.terminal.message("a note")
    out.terminal.warn("careful")
    captured = capsys.readouterr()
    assert captured.out == "queued operation 7\n"
    assert captured.err == "a note\nwarning: careful\n"


def test_struct_for_people_and_for_scripts(capsys):
    data = {"id": 5, "name": "data", "size": 2048, "ok": True}
    fields = [Column("name", "Name"), Column("size", "Size", "size_mb"), Column("ok", "OK", "bool")]
    Output().emit(Result.record(data, fields))
    Output(OutputMode.JSON).emit(Result.record(data))
    out = capsys.readouterr().out
    people, scripts = out[: out.index("{")], out[out.index("{") :]
    assert people.splitlines() == ["Name  data", "Size  2 GB", "OK    yes"]
    assert json.loads(scripts) == data


def test_human_values():
    assert human_size(512) == "512 MB"
    assert human_size(3072) == "3 GB"
    assert human_size(1536) == "1.5 GB"
    assert format_value([1, 2, 3], "list") == "1, 2, 3"
    assert format_value([], "list") == "-"
    assert format_value(None, "date") == "-"
    assert to_json({"b": 1, "a": "é"}) == '{\n  "b": 1,\n  "a": "é"\n}'


@pytest.mark.parametrize(
    "command",
    [
        ["session"],
        ["account", "info"],
        ["account", "balance"],
        ["account", "currency"],
        ["os", "list"],
        ["su", SEED_LOGIN],
        ["logout"],
    ],
)
def test_json_output_parses_for_every_command(cli, logged_in, command):
    result = cli("--url", logged_in.url, "--json", *command)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)


def test_the_terminal_says_things_on_stderr_and_quiet_silences_only_messages(capsys):
    loud, quiet = Terminal(), Terminal(quiet=True)
    for terminal in (loud, quiet):
        terminal.message("a note")
        terminal.warn("careful")
        terminal.error("broken")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "a note\nwarning: careful\nError: broken\nwarning: careful\nError: broken\n"
    )


def test_the_terminal_tty_ness_is_set_not_guessed():
    assert Terminal(interactive=True).is_interactive
    assert not Terminal(interactive=False).is_interactive
    assert Output(terminal=Terminal(stdout_tty=True)).mode is OutputMode.TABLE
    assert Output(terminal=Terminal(stdout_tty=False)).mode is OutputMode.PLAIN
