"""The deadline helper follows the official calendar, overridden by the days an official enters."""

from __future__ import annotations

from datetime import date

import pytest

from gonghui.core.deadlines import add_days, is_working_day
from gonghui.core.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_an_entered_holiday_is_skipped_and_an_entered_working_saturday_counts() -> None:
    # Monday 2 March 2026 + 3 working days: Tue 3, Wed 4, Thu 5.
    assert add_days(date(2026, 3, 2), 3, working=True) == date(2026, 3, 5)
    CalendarDay.objects.create(day=date(2026, 3, 4), working=False, note="地方假日")
    assert not is_working_day(date(2026, 3, 4))
    assert add_days(date(2026, 3, 2), 3, working=True) == date(2026, 3, 6)
    CalendarDay.objects.create(day=date(2026, 3, 7), working=True, note="调休上班")  # a Saturday
    assert add_days(date(2026, 3, 5), 2, working=True) == date(2026, 3, 7)


def test_a_year_the_package_does_not_know_uses_the_table_then_weekdays() -> None:
    # 2027 is beyond chinese-calendar's data: Monday to Friday, unless an official entered the notice.
    assert add_days(date(2027, 1, 29), 1, working=True) == date(2027, 2, 1)  # Friday → Monday
    CalendarDay.objects.create(day=date(2027, 2, 1), working=False, note="2027 春节（国务院通知）")
    assert add_days(date(2027, 1, 29), 1, working=True) == date(2027, 2, 2)


def test_calendar_days_ignore_the_table() -> None:
    CalendarDay.objects.create(day=date(2026, 3, 4), working=False, note="地方假日")
    assert add_days(date(2026, 3, 2), 3) == date(2026, 3, 5)
