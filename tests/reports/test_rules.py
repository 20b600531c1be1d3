"""Periods, deadlines and locks, on both sides of each boundary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gonghui.reports import rules

MON = dt.date(2020, 2, 17)


def test_periods_daily_weekly_once() -> None:
    assert len(list(rules.periods("daily", MON, MON + dt.timedelta(days=6)))) == 7
    assert list(rules.periods("weekly", MON, MON + dt.timedelta(days=20), weekday=4)) == [
        dt.date(2020, 2, 21), dt.date(2020, 2, 28), dt.date(2020, 3, 6)]
    assert list(rules.periods("once", MON, MON + dt.timedelta(days=20))) == [MON]
    assert rules.is_period("weekly", MON, MON + dt.timedelta(days=20), 4, dt.date(2020, 2, 21))
    assert not rules.is_period("weekly", MON, MON + dt.timedelta(days=20), 4, dt.date(2020, 2, 22))
    assert not rules.is_period("daily", MON, MON + dt.timedelta(days=6), None, MON + dt.timedelta(days=7))


def test_on_time_until_the_end_of_the_deadline_minute() -> None:
    deadline = dt.time(17, 0)
    beijing = rules.SHANGHAI
    assert not rules.is_late(dt.datetime(2020, 2, 17, 17, 0, tzinfo=beijing), MON, deadline)
    assert not rules.is_late(dt.datetime(2020, 2, 17, 17, 0, 59, 999999, tzinfo=beijing), MON, deadline)
    assert rules.is_late(dt.datetime(2020, 2, 17, 17, 1, tzinfo=beijing), MON, deadline)
    assert rules.is_late(dt.datetime(2020, 2, 17, 17, 1, 0, 1, tzinfo=beijing), MON, deadline)
    # the same moments in UTC (09:00 UTC is 17:00 in Beijing)
    assert not rules.is_late(dt.datetime(2020, 2, 17, 9, 0, 59, 999000, tzinfo=dt.UTC), MON, deadline)
    assert rules.is_late(dt.datetime(2020, 2, 17, 9, 1, tzinfo=dt.UTC), MON, deadline)
    # the day before the period is never late; the next day always is
    assert not rules.is_late(dt.datetime(2020, 2, 16, 23, 59, tzinfo=beijing), MON, deadline)
    assert rules.is_late(dt.datetime(2020, 2, 18, 8, 0, tzinfo=beijing), MON, deadline)


def test_locked_the_day_after_the_last_open_day_unless_reopened() -> None:
    assert not rules.is_locked(MON, 3, MON + dt.timedelta(days=3))
    assert rules.is_locked(MON, 3, MON + dt.timedelta(days=4))
    assert not rules.is_locked(MON, 3, MON + dt.timedelta(days=5), reopened_until=MON + dt.timedelta(days=5))
    assert rules.is_locked(MON, 3, MON + dt.timedelta(days=6), reopened_until=MON + dt.timedelta(days=5))


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_rates_are_bounded_and_exact_to_a_tenth(part: int, extra: int) -> None:
    whole = part + extra
    rate = rules.rate(part, whole)
    if whole == 0:
        assert rate is None
    else:
        assert Decimal(0) <= rate <= Decimal(100)
        assert abs(rate - Decimal(100 * part) / Decimal(whole)) <= Decimal("0.05")
