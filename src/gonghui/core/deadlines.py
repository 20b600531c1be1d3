"""The one deadline helper: statutory periods counted from the day after the event.

Calendar days unless the rule says working days; working days follow the State Council's
official holidays and adjusted working days (chinese-calendar).
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


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar does not know yet: Monday to Friday
        return day.weekday() < 5


def add_days(event: datetime | date, days: int, *, working: bool = False) -> date:
    """The last day of a period of `days` days that starts the day after `event`.

    add_days(1 March, 15) is 16 March; add_days(Friday, 3, working=True) is the next Wednesday
    (no holiday between).
    """
    start = local_date(event)
    if not working:
        return start + timedelta(days=days)
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
