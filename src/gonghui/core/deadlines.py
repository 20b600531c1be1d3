"""The one deadline helper: statutory periods counted from the day after the event.

- 民法典 第二百零一条: a period counted in years, months or days starts the day after the event.
- 民法典 第二百零二条: a period in years or months ends on the corresponding day of the last month,
  or that month's last day when it has none.
- 民法典 第二百零三条 (民事诉讼法 第八十五条, followed by labour arbitration): when the last day is a
  法定休假日 — an official holiday, or a weekend day that is not an adjusted working day — the
  period ends on the day after the rest, the first working day.

`period_end` is that rule; every statutory calendar-day, month or year clock goes through it.
`add_days(..., working=True)` counts working days. `calendar_days_after` and `add_months` are plain
arithmetic for the app's own clocks (a reminder, a term of office) — a caller that uses them for a
period says in a comment why it must not roll.

Which days are working days, for a year:
- an arrangement the system administrator loaded (`CalendarYear`, its days in `CalendarDay`);
- otherwise the State Council's arrangements chinese-calendar ships;
- otherwise **provisional**: weekends plus the holidays fixed by 全国年节及纪念日放假办法 (2024),
  computed from the Gregorian and lunar calendars — dates on it are shown with `PROVISIONAL_NOTE`.
Days an official enters in `CalendarDay` (a local holiday) override all three.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lunar_python import Lunar, Solar

PROVISIONAL_NOTE = _("按法定节假日推算，国务院放假安排公布后可能调整")

# The longest rest in any arrangement is 8 days (春节, 国庆); a run of rest days never passes this.
_LONGEST_REST = 40


def local_date(moment: datetime | date) -> date:
    """The Asia/Shanghai calendar day of an aware moment (a date is returned as it is)."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date()
    return moment


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> frozenset[date]:
    """全国年节及纪念日放假办法 第二条 (国务院令第795号, 2024 revision, in force 1 January 2025).

    元旦 1 day; 春节 4 days (除夕, 正月初一至初三); 清明节 1 day (the day of the 清明 solar term);
    劳动节 2 days (1–2 May); 端午节 1 day (五月初五); 中秋节 1 day (八月十五); 国庆节 3 days (1–3 October).
    """
    spring = Lunar.fromYmd(year, 1, 1).getSolar()
    spring_day = date(spring.getYear(), spring.getMonth(), spring.getDay())
    qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    days = {date(year, 1, 1), date(qingming.getYear(), qingming.getMonth(), qingming.getDay()),
            date(year, 5, 1), date(year, 5, 2), date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)}
    days.update(spring_day + timedelta(days=offset) for offset in range(-1, 3))  # 除夕 and 初一至初三
    for month, day in ((5, 5), (8, 15)):
        solar = Lunar.fromYmd(year, month, day).getSolar()
        days.add(date(solar.getYear(), solar.getMonth(), solar.getDay()))
    return frozenset(days)


@lru_cache(maxsize=256)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _loaded_years() -> set[int]:
    from gonghui.core.models import CalendarYear

    return set(CalendarYear.objects.values_list("year", flat=True))


@dataclass
class Calendar:
    """Working days over a stretch of time, read from the database once (the entered days, the loaded years)."""

    overrides: dict[date, bool] = field(default_factory=dict)
    loaded_years: set[int] = field(default_factory=set)

    @classmethod
    def between(cls, first: date, last: date) -> Calendar:
        from gonghui.core.models import CalendarDay

        days = CalendarDay.objects.filter(day__gte=first, day__lte=last).values_list("day", "working")
        return cls(dict(days), _loaded_years())

    def basis(self, year: int) -> str:
        """"loaded" (the administrator loaded the arrangement), "published" (chinese-calendar), "provisional"."""
        if year in self.loaded_years:
            return "loaded"
        return "published" if _package_knows(year) else "provisional"

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        basis = self.basis(day.year)
        if basis == "published":
            return bool(chinese_calendar.is_workday(day))
        if basis == "loaded":  # the arrangement's holidays and adjusted working days are in `overrides`
            return day.weekday() < 5
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        for _step in range(_LONGEST_REST):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"no working day within {_LONGEST_REST} days of {day}: check the calendar table")

    def relies_on_provisional(self, first: date, last: date) -> bool:
        return any(self.basis(year) == "provisional" for year in range(first.year, last.year + 1))


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    """Whether `day` is a working day (pass `overrides` when checking many days: one query for all)."""
    if overrides is None:
        return Calendar.between(day, day).is_working_day(day)
    return Calendar(overrides, _loaded_years()).is_working_day(day)


def next_working_day(day: date) -> date:
    return Calendar.between(day, day + timedelta(days=_LONGEST_REST)).next_working_day(day)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (民法典 第二百零二条; 31 Jan + 1 = 28/29 Feb).

    Plain arithmetic: for a statutory period in months or years use `period_end`, which also rolls.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def calendar_days_after(event: datetime | date, days: int) -> date:
    """`days` calendar days after the event's day, not rolled: only for the app's own clocks (say why)."""
    return local_date(event) + timedelta(days=days)


def period_end(event: datetime | date, *, days: int = 0, months: int = 0, years: int = 0) -> date:
    """The last day of a statutory period of `days` days, `months` months or `years` years after `event`.

    Counted from the day after the event (民法典 第二百零一条); in months or years, the corresponding day
    (第二百零二条); a last day that is a rest day moves to the first working day after it (第二百零三条).
    period_end(30 September 2026, days=1) is 8 October 2026: 1–7 October is the National Day rest.
    """
    if sum(1 for length in (days, months, years) if length) > 1:
        raise ValueError("a period is counted in days, in months or in years, not in two of them")
    if min(days, months, years) < 0:
        raise ValueError("a period cannot be negative")
    nominal = add_months(local_date(event), months + 12 * years) + timedelta(days=days)
    return next_working_day(nominal)


def add_days(event: datetime | date, days: int, *, working: bool = False) -> date:
    """The last day of a period of `days` days (or working days) that starts the day after `event`.

    Calendar days go through `period_end` and roll past a rest day; add_days(Friday, 3, working=True) is
    the next Wednesday (no holiday between).
    """
    if not working:
        return period_end(event, days=days)
    start = local_date(event)
    # A run of n working days never spans more than 2n + 40 calendar days (the longest holiday is 8 days).
    cal = Calendar.between(start, start + timedelta(days=2 * days + _LONGEST_REST))
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            counted += 1
    return day


def year_basis(year: int) -> str:
    """How the working days of `year` are known: "loaded", "published" or "provisional"."""
    return Calendar(loaded_years=_loaded_years()).basis(year)


def relies_on_provisional(first: date, last: date) -> bool:
    """Whether a date computed over [first, last] used a provisional year (show `PROVISIONAL_NOTE` beside it)."""
    return Calendar(loaded_years=_loaded_years()).relies_on_provisional(first, last)


# -- Open clocks recomputed when a year's arrangement is loaded ---------------------------------------------

@dataclass(frozen=True)
class ClockChange:
    """One stored deadline that moved because a year's arrangement replaced the provisional one."""

    what: str  # "调解申请 TJ-2026-0012：调解期限", shown to the officials concerned
    url: str
    old: date
    new: date
    notify: tuple[int, ...] = ()  # ids of the accounts to tell


Recomputer = Callable[[int], Iterable[ClockChange]]
_RECOMPUTERS: dict[str, Recomputer] = {}


def clock_recomputer(name: str) -> Callable[[Recomputer], Recomputer]:
    """Register an app's recomputation of its open stored clocks that may fall in a year (`fn(year)`).

    The function recomputes each open clock from its stored start, saves those that changed and returns
    them. Apps register theirs from their module imported in `AppConfig.ready`.
    """
    def register(fn: Recomputer) -> Recomputer:
        _RECOMPUTERS[name] = fn
        return fn
    return register


def recompute_open_clocks(year: int) -> list[ClockChange]:
    changes: list[ClockChange] = []
    for _name, fn in sorted(_RECOMPUTERS.items()):
        changes.extend(fn(year))
    return changes
