"""The one deadline helper: statutory periods counted from the day after the event.

Calendar days unless the rule says working days; working days follow the State Council's
official holidays and adjusted working days (chinese-calendar), overridden by the days an
official enters in the calendar table (`CalendarDay`: local holidays, next year's 调休).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import chinese_calendar
from django.utils import timezone


def local_date(moment: datetime | date) -> date:
    """The Asia/Shanghai calendar day of an aware moment (a date is returned as it is)."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date()
    return moment


def _overrides(start: date, end: date) -> dict[date, bool]:
    from gonghui.core.models import CalendarDay

    return dict(CalendarDay.objects.filter(day__gt=start, day__lte=end).values_list("day", "working"))


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    """Whether `day` is a working day (pass `overrides` when checking many days: one query for all)."""
    if overrides is None:
        overrides = _overrides(day - timedelta(days=1), day)
    if day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year chinese-calendar has no data for: Monday to Friday (the table above wins)
        return day.weekday() < 5


def add_days(event: datetime | date, days: int, *, working: bool = False) -> date:
    """The last day of a period of `days` days that starts the day after `event`.

    add_days(1 March, 15) is 16 March; add_days(Friday, 3, working=True) is the next Wednesday
    (no holiday between).
    """
    start = local_date(event)
    if not working:
        return start + timedelta(days=days)
    # A run of n working days never spans more than 2n + 40 calendar days (the longest holiday is 8 days).
    overrides = _overrides(start, start + timedelta(days=2 * days + 40))
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            counted += 1
    return day


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
