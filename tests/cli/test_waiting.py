"""The polling schedule: quick detection of short operations, few requests for long ones."""

from __future__ import annotations

import math

import click
from click.testing import CliRunner

from gandi_hosting_cli.waiting import MAX_DELAY, next_delay, wait_options


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
