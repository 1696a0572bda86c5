"""What ``hosting_account_product_update`` charges: the added units for the calendar
months left before the product ends (products end by calendar months), at least one."""

from __future__ import annotations

import calendar

import pytest

from tests.sandbox_fixtures import Clock

# 2027-01-01 12:00 UTC: January has 31 days, more than an average month of 30.44
JANUARY = calendar.timegm((2027, 1, 1, 12, 0, 0))
DAY = 86400.0


def _raise_by_one_share(make_sandbox_server, duration: str, after: float) -> float:
    """Buy 1 share for ``duration``, wait ``after`` seconds, raise it to 2: the cost."""
    clock = Clock(JANUARY)
    running = make_sandbox_server(clock=clock)
    session = running.login()
    with running.proxy() as api:
        product_opid = api.hosting_account_product_add(session, "shares", 1, duration)
        (product,) = api.hosting_account_info(session)["products"]  # op_delay 0: done
        assert api.operation_details(session, product_opid)["state"] == "DONE"
        clock.tick(after)
        session = running.login()  # (sessions last 12 hours)
        before = api.account_balance(session)
        opid = api.hosting_account_product_update(session, product["id"], 2)
        charged = round(before - api.account_balance(session), 2)
        assert api.operation_details(session, opid)["param"]["amount"] == charged
    return charged


@pytest.mark.parametrize(
    "duration, months",
    [("1m", 1), ("3m", 3), ("12m", 12), ("1y", 12), ("2y", 24), ("36m", 36), ("3y", 36)],
)
def test_raising_a_product_right_after_purchase_costs_its_whole_duration_once(
    make_sandbox_server, duration, months
):
    charged = _raise_by_one_share(make_sandbox_server, duration, after=60)
    assert charged == 5.00 * months  # one share, 5.00 a month


@pytest.mark.parametrize(
    "duration, after_days, months",
    [("1m", 30, 1), ("3m", 31 + 1, 2), ("3m", 31 + 28 + 1, 1), ("1y", 31 + 28 + 31, 9)],
)
def test_raising_a_product_later_costs_the_calendar_months_left(
    make_sandbox_server, duration, after_days, months
):
    charged = _raise_by_one_share(make_sandbox_server, duration, after=after_days * DAY)
    assert charged == 5.00 * months
