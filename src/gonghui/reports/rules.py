"""Pure rules of reporting: which days are periods, when a report is due, late or locked. No ORM, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def periods(frequency: str, start_on: dt.date, end_on: dt.date, weekday: int | None = None) -> Iterator[dt.date]:
    """The days a report is owed for: every day, one weekday a week, or once (the first day)."""
    if frequency == "once":
        yield start_on
        return
    day = start_on
    while day <= end_on:
        if frequency == "daily" or day.weekday() == weekday:
            yield day
        day += dt.timedelta(days=1)


def is_period(frequency: str, start_on: dt.date, end_on: dt.date, weekday: int | None, day: dt.date) -> bool:
    if frequency == "once":
        return day == start_on
    return start_on <= day <= end_on and (frequency == "daily" or day.weekday() == weekday)


def due_at(period: dt.date, deadline: dt.time) -> dt.datetime:
    """The moment a period's report is due: the deadline time of the period's day, Beijing time."""
    return dt.datetime.combine(period, deadline, tzinfo=SHANGHAI)


def on_time_until(period: dt.date, deadline: dt.time) -> dt.datetime:
    """The first moment a report is late: the end of the deadline minute (docs/reports.md, "the deadline minute").

    The rule: a report is on time until the END of the deadline minute — for a 17:00 deadline, 17:00:59.999 is on
    time and 17:01:00 is late. Seconds of the deadline are ignored (a deadline names a minute)."""
    return due_at(period, deadline.replace(second=0, microsecond=0)) + dt.timedelta(minutes=1)


def is_late(submitted_at: dt.datetime, period: dt.date, deadline: dt.time) -> bool:
    """On time up to the end of the deadline minute (17:00:59.999 for 17:00); late from the next minute on."""
    return submitted_at >= on_time_until(period, deadline)


def owes_from(*, start_on: dt.date, today: dt.date, made_on: dt.date, registered_on: dt.date,
              resumed_on: dt.date | None, previous_until: dt.date | None) -> dt.date:
    """The first period an enterprise that is now in an assignment's scope (and not suspended) owes.

    Never before the assignment's start, the day it resumed work (when it is recorded as resumed) or the day
    after its previous stretch ended. When the assignment is made (`today == made_on`) that is all: an enterprise
    already on the registry is in the scope from the assignment's start. Later, it entered the scope on a recorded
    day — it resumed work or was registered after the assignment was made (and after its last stretch) — or, when
    nothing records the day (a tag added, a union moved), today. The reporting clock is the app's own: plain
    days, nothing rolls (a report is owed for every period, working day or not)."""
    floor = max(d for d in (start_on, resumed_on,
                            previous_until + dt.timedelta(days=1) if previous_until else None) if d is not None)
    if today <= made_on:
        return floor
    after = max(made_on, previous_until) if previous_until else made_on
    recorded = [d for d in (resumed_on, registered_on) if d is not None and after < d <= today]
    entered = max(recorded) if recorded else today
    return max(floor, entered)


def owes(since: dt.date, until: dt.date | None, day: dt.date) -> bool:
    return since <= day and (until is None or day <= until)


def locks_after(period: dt.date, lock_after_days: int) -> dt.date:
    """The last day a period's report can still be filed or corrected without the street reopening it."""
    return period + dt.timedelta(days=lock_after_days)


def is_locked(period: dt.date, lock_after_days: int, today: dt.date, reopened_until: dt.date | None = None) -> bool:
    if reopened_until is not None and today <= reopened_until:
        return False
    return today > locks_after(period, lock_after_days)


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, rounded half up; None when nothing was expected."""
    if whole <= 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")


# --- health follow-up ---

OBSERVATION_DAYS = 14  # the medical observation period of the seed's forms (急需入职人员审批表: "已满14天观察期")


def default_isolation_end(start_on: dt.date) -> dt.date:
    """A report that gives no end date: the observation runs 14 days, the start day counted (a later report, or
    the street, can end or extend it)."""
    return start_on + dt.timedelta(days=OBSERVATION_DAYS - 1)

def check_days(start_on: dt.date, end_on: dt.date | None, today: dt.date) -> Iterator[dt.date]:
    """The days someone in home isolation must be checked on, up to today: every day of the period."""
    day, last = start_on, min(end_on or today, today)
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def overdue_check_days(start_on: dt.date, end_on: dt.date | None, checked: set[dt.date],
                       today: dt.date) -> list[dt.date]:
    """The days whose check is missing and overdue: a day's check may be done until that day ends, so today's is
    never overdue yet, yesterday's is."""
    return [day for day in check_days(start_on, end_on, today) if day < today and day not in checked]


def is_isolated(start_on: dt.date, end_on: dt.date | None, day: dt.date) -> bool:
    return start_on <= day and (end_on is None or day <= end_on)


# --- visits ---

def issue_overdue(due_on: dt.date, resolved: bool, today: dt.date) -> bool:
    """An open difficulty is overdue the day after its resolution date."""
    return not resolved and today > due_on


def share_out(count: int, teams: int) -> list[int]:
    """How many enterprises each of `teams` teams visits: as even as can be, the first teams one more."""
    if teams <= 0:
        return []
    base, extra = divmod(count, teams)
    return [base + (1 if i < extra else 0) for i in range(teams)]
