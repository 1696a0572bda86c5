"""The polling schedule: quick detection of short operations, few requests for long ones."""

from __future__ import annotations

import json
import math

import click
import pytest
from click.testing import CliRunner

from gandi_hosting_cli.cli.options import wait_options
from gandi_hosting_cli.workflows.waiting import MAX_DELAY, next_delay
from tests.conftest import sigint_as_default, wait_until


def simulate(duration: float) -> tuple[int, float]:
    """(polls made, seconds between the end of the operation and the poll that sees it)."""
    t, polls = 0.0, 0
    while True:
        polls += 1
        if t >= duration:
            return polls, t - duration
        t += next_delay(t)


def durations():
    yield from (i * 0.01 for i in range(1, 1000))  # up to 10 s, fine-grained
    yield from (10 + i * 0.1 for i in range(2900))  # up to 300 s


def test_first_poll_is_immediate_and_pauses_grow_to_five_seconds():
    assert simulate(0)[0] == 1
    assert next_delay(0) == 0.5
    delays = [next_delay(t) for t in (0, 5, 10, 20, 40, 1000)]
    assert delays == sorted(delays)
    assert max(delays) == MAX_DELAY == 5.0


def test_done_is_seen_within_half_a_second_or_a_fifth_of_the_duration():
    for duration in durations():
        _, late = simulate(duration)
        assert late <= max(0.5, 0.2 * duration, 0.0) + 1e-9, duration
        assert late <= MAX_DELAY


def test_polls_stay_near_two_log2_t_plus_t_over_5():
    worst = 0.0
    for duration in durations():
        polls, _ = simulate(duration)
        budget = 2 * math.log2(max(duration, 1)) + duration / 5
        worst = max(worst, polls - budget)
    # the constant covers the 0.5 s floor for short operations (2 polls a second)
    assert worst <= 6.5
    # and a long operation costs about one poll per 5 s
    assert simulate(3600)[0] < 3600 / 5 + 20


def test_wait_timeout_implies_wait():
    @click.command()
    @wait_options
    def command(wait, wait_timeout):
        click.echo(f"{wait} {wait_timeout}")

    runner = CliRunner()
    assert runner.invoke(command, []).output == "False None\n"
    assert runner.invoke(command, ["--wait"]).output == "True None\n"
    assert runner.invoke(command, ["--wait-timeout", "2.5"]).output == "True 2.5\n"
    bad = runner.invoke(command, ["--wait-timeout", "0"])
    assert bad.exit_code == 2


# -- against a sandbox server ------------------------------------------------------------


def logged_client(server):
    from gandi_hosting_cli.api.client import HostingClient

    client = HostingClient(server.url)
    client.session = server.login()
    return client


def queue_disk_products(server, n: int) -> list[int]:
    client = logged_client(server)
    return [client.hosting_account_product_add("disk", 1024, "1m") for _ in range(n)]


def test_an_operation_taking_one_second_is_seen_soon_with_few_polls(make_sandbox_server, clock):
    from gandi_hosting_cli.workflows.waiting import wait_operations

    # the waiter's pauses move the sandbox's clock: no wall time, no load dependence
    server = make_sandbox_server(op_delay=1.0, clock=clock)
    [opid] = queue_disk_products(server, 1)
    outcome = wait_operations(logged_client(server), [opid], clock=clock, sleep=clock.tick)
    assert outcome.state(opid) == "DONE" and not outcome.timed_out
    assert outcome.elapsed <= 1.0 + 0.5  # seen within the 0.5 s floor
    assert outcome.polls <= 4  # 0, 0.5, 1.0, (1.5)


def test_several_operations_are_polled_in_one_request_per_round(make_sandbox_server, clock):
    from gandi_hosting_cli.workflows.waiting import wait_operations

    server = make_sandbox_server(op_delay=0.6, clock=clock)
    opids = queue_disk_products(server, 5)
    client = logged_client(server)
    before = server.request_count
    outcome = wait_operations(client, opids, clock=clock, sleep=clock.tick)
    assert [outcome.state(o) for o in opids] == ["DONE"] * 5
    assert server.request_count - before == outcome.polls <= 4


def test_progress_draws_one_line_per_operation_on_a_terminal(make_sandbox_server, clock):
    import io

    from rich.console import Console

    from gandi_hosting_cli.cli.progress import Progress
    from gandi_hosting_cli.workflows.waiting import wait_operations

    server = make_sandbox_server(op_delay=0.3, clock=clock)  # the wait takes no wall time
    opids = queue_disk_products(server, 2)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100, no_color=True)
    with Progress(console, opids, {opids[0]: "first"}) as progress:
        wait_operations(
            logged_client(server), opids, progress=progress, clock=clock, sleep=clock.tick
        )
    final = buffer.getvalue().split("\x1b[2K")[-2:]  # the last frame drawn
    screen = "".join(final)
    for opid in opids:
        assert f"operation {opid}" in screen
    assert "hosting_account_product_add" in screen and "first" in screen
    assert screen.count("DONE") == 2 and "0:00" in screen


def test_waiting_off_a_terminal_is_silent(cli, make_sandbox_server, clock):
    from tests.cli.hosting_helpers import Gh

    # the wait polls twice (PENDING, then DONE), on the sandbox's clock: no real pause
    g = Gh(cli, make_sandbox_server(op_delay=0.3, clock=clock), clock=clock)
    g.login()
    opid = g.json("product", "add", "--yes", "disk", "1024")["operation"]
    result = g("op", "wait", str(opid))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == f"operation {opid} DONE\n"


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_ctrl_c_while_waiting_gives_one_line_and_the_json_error(
    make_sandbox_server, clock, json_flag
):
    import os
    import signal
    import subprocess
    import sys
    import time

    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

    server = make_sandbox_server(op_delay=60, clock=clock)  # never finishes: the clock stays
    [opid] = queue_disk_products(server, 1)
    before = server.request_count
    env = {
        **os.environ,
        "GANDI_HOSTING_URL": server.url,
        "GANDI_HOSTING_LOGIN": SEED_LOGIN,
        "GANDI_HOSTING_PASSWORD": SEED_PASSWORD,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gandi_hosting_cli", "op", "wait", str(opid), *json_flag],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_default,
    )
    # until the command has logged in and polled once
    assert wait_until(lambda: server.request_count >= before + 2), "the command never polled"
    # aims the signal at the 0.5 s pause between two polls (where a wait spends its time);
    # not a wait for a condition: the outcome must be the same wherever it lands
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    follow = f"operation {opid} goes on; follow it with `gandi-hosting op wait {opid}`"
    if json_flag:  # stderr is JSON only: the error object
        said = [json.loads(line) for line in lines]  # every line parses
        [error] = [line["error"] for line in said if "error" in line]
        assert error["exit_code"] == 130 and follow in error["message"]
    else:
        lines = lines[[i for i, line in enumerate(lines) if line.startswith("Error: ")][0] :]
        assert follow in lines[0] and lines[0].startswith("Error: ")
        assert len(lines) == 1, err
    assert logged_client(server).operation_details(opid)["state"] in ("PENDING", "RUN")
