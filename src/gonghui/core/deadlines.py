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
- otherwise **provisional**: weekends plus the holidays fixed by 全国年节及纪念日放假办法 (the revision in force
  that year) and their make-up days (第六条), computed from the Gregorian and lunar calendars — dates on it are
  shown with `PROVISIONAL_NOTE`.
Days an official enters in `CalendarDay` (a local holiday) override all three.
"""

from __future__ import annotations

import calendar
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar
from django.core.signals import request_finished, request_started
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


def _lunar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _revision(year: int) -> int:
    """Which revision of 全国年节及纪念日放假办法 fixes the holidays of `year`.

    1999 (first revision, 国务院 18 September 1999) for years before 2008; 2007 (second revision, in force
    1 January 2008); 2013 (third revision, 11 December 2013, first applied to 2014); 2024 (fourth revision,
    国务院令第795号, in force 1 January 2025). The texts of 1999 and 2007 are not in the statute store
    (docs/clocks.md, "Statutes not verifiable"); years before 2000 use the 1999 revision (the 1949 text is not
    modelled).
    """
    if year >= 2025:
        return 2024
    if year >= 2014:
        return 2013
    if year >= 2008:
        return 2007
    return 1999


@lru_cache(maxsize=256)
def statutory_holiday_names(year: int) -> dict[date, str]:
    """全国年节及纪念日放假办法 第二条, by the revision in force in `year`: each day of the festivals of all citizens.

    - 2024 revision (2025 on): 元旦 1 day; 春节 4 days (除夕, 正月初一至初三); 清明节 1 day (the 清明 solar term);
      劳动节 2 days (1–2 May); 端午节 1 day (五月初五); 中秋节 1 day (八月十五); 国庆节 3 days (1–3 October).
    - 2013 revision (2014–2024): as 2024 but 春节 3 days (正月初一、初二、初三), 劳动节 1 day (1 May).
    - 2007 revision (2008–2013): 春节 3 days (除夕、正月初一、初二), 劳动节 1 day; 清明, 端午, 中秋 1 day each.
    - 1999 revision (to 2007): 元旦 1, 春节 3 (正月初一至初三), 劳动节 3 (1–3 May), 国庆节 3; no 清明/端午/中秋.
    A day on which two festivals fall (中秋 on 1 October) carries both names.
    """
    revision = _revision(year)
    spring = _lunar(year, 1, 1)
    spring_offsets = {2024: range(-1, 3), 2013: range(0, 3), 2007: range(-1, 2), 1999: range(0, 3)}[revision]
    may_days = {2024: 2, 2013: 1, 2007: 1, 1999: 3}[revision]
    festivals: list[tuple[str, list[date]]] = [
        ("元旦", [date(year, 1, 1)]),
        ("春节", [spring + timedelta(days=offset) for offset in spring_offsets]),
        ("劳动节", [date(year, 5, day) for day in range(1, may_days + 1)]),
        ("国庆节", [date(year, 10, day) for day in (1, 2, 3)]),
    ]
    if revision != 1999:  # 清明, 端午 and 中秋 are holidays from the 2007 revision on
        qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
        festivals += [
            ("清明节", [date(qingming.getYear(), qingming.getMonth(), qingming.getDay())]),
            ("端午节", [_lunar(year, 5, 5)]),
            ("中秋节", [_lunar(year, 8, 15)]),
        ]
    names: dict[date, str] = {}
    for name, days in festivals:
        for day in days:
            names[day] = f"{names[day]}、{name}" if day in names else name
    return dict(sorted(names.items()))


def statutory_holidays(year: int) -> frozenset[date]:
    """The days of 全国年节及纪念日放假办法 第二条 in `year`, by the revision then in force (see `statutory_holiday_names`)."""
    return frozenset(statutory_holiday_names(year))


@lru_cache(maxsize=256)
def provisional_rest_days(year: int) -> dict[date, str]:
    """The rest days (besides weekends) of a year without a published arrangement: the statutory holidays, and
    their make-up days.

    全国年节及纪念日放假办法 第六条 (2013 and 2024 texts): 全体公民放假的假日，如果适逢星期六、星期日，应当在工作日补假.
    Modelled: each festival day that falls on a Saturday or Sunday, or on a day already given to another festival
    (中秋 on 国庆), is made up on the first weekday after that festival's last day that is not already a rest
    day. The State Council's arrangement (调休, 第七条) replaces all of this once it is loaded.
    """
    names = statutory_holiday_names(year)
    rest: dict[date, str] = {}
    by_festival: dict[str, list[date]] = {}
    for day, label in names.items():
        for name in label.split("、"):
            by_festival.setdefault(name, []).append(day)
    for name, days in sorted(by_festival.items(), key=lambda item: min(item[1])):
        owed = 0
        for day in days:
            if day.weekday() >= 5 or day in rest:
                owed += 1
            rest.setdefault(day, name)
        make_up = max(days)
        while owed:
            make_up += timedelta(days=1)
            if make_up.weekday() < 5 and make_up not in rest and make_up not in names:
                rest[make_up] = f"{name}补假"
                owed -= 1
    return dict(sorted(rest.items()))


@lru_cache(maxsize=256)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# -- What the database says, read once per request ---------------------------------------------------------
# A list page shows many deadlines, and the |deadline filter asks for each date's year: without a cache every date
# queried CalendarYear (and every period_end CalendarDay). Inside a request (between Django's request_started and
# request_finished) the loaded years and each year's entered days are read once and kept, and dropped as soon as a
# CalendarYear or CalendarDay is saved or deleted in this process (`_VERSION`). Outside a request (a command, a
# background job, a service test) nothing is kept: every call reads the database, so a rolled-back write is never
# remembered. A service that writes the calendar and then fails calls `forget_calendar()` for the same reason.

class _RequestCache(threading.local):
    active = False
    version = -1
    started = 0.0
    years: frozenset[int] | None = None
    days: dict[int, dict[date, bool]]

    def __init__(self) -> None:
        self.days = {}


_cache = _RequestCache()
_VERSION = 0
_CACHE_SECONDS = 30


def forget_calendar(**_kwargs: object) -> None:
    """Drop what any request remembered of the calendar tables (connected to their save and delete signals)."""
    global _VERSION  # noqa: PLW0603 - one counter for the process
    _VERSION += 1


def _request_started(**_kwargs: object) -> None:
    _cache.active, _cache.years, _cache.days, _cache.version = True, None, {}, _VERSION
    _cache.started = time.monotonic()


def _request_finished(**_kwargs: object) -> None:
    _cache.active, _cache.years, _cache.days = False, None, {}


request_started.connect(_request_started, dispatch_uid="gonghui.core.deadlines.request_started")
request_finished.connect(_request_finished, dispatch_uid="gonghui.core.deadlines.request_finished")


def _fresh_cache() -> bool:
    if not _cache.active:
        return False
    # A request whose request_finished never came (a server that does not send it) keeps nothing for long: another
    # process may load an arrangement, which this process's version counter does not see.
    if time.monotonic() - _cache.started > _CACHE_SECONDS:
        _cache.years, _cache.days, _cache.started = None, {}, time.monotonic()
    if _cache.version != _VERSION:
        _cache.years, _cache.days, _cache.version = None, {}, _VERSION
    return True


def _loaded_years() -> frozenset[int]:
    from gonghui.core.models import CalendarYear

    if _fresh_cache() and _cache.years is not None:
        return _cache.years
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    if _cache.active:
        _cache.years = years
    return years


def _entered_days(first: date, last: date) -> dict[date, bool]:
    """The CalendarDay rows between first and last (whole years read and kept inside a request)."""
    from gonghui.core.models import CalendarDay

    if not _fresh_cache():
        return dict(CalendarDay.objects.filter(day__gte=first, day__lte=last).values_list("day", "working"))
    missing = [year for year in range(first.year, last.year + 1) if year not in _cache.days]
    if missing:
        rows = CalendarDay.objects.filter(day__year__gte=min(missing), day__year__lte=max(missing))
        found: dict[int, dict[date, bool]] = {year: {} for year in missing}
        for day, working in rows.values_list("day", "working"):
            found.setdefault(day.year, {})[day] = working
        for year in missing:
            _cache.days[year] = found[year]
    return {day: working for year in range(first.year, last.year + 1)
            for day, working in _cache.days[year].items() if first <= day <= last}


@dataclass
class Calendar:
    """Working days over a stretch of time, read from the database once (the entered days, the loaded years)."""

    overrides: dict[date, bool] = field(default_factory=dict)
    loaded_years: frozenset[int] | set[int] = field(default_factory=frozenset)

    @classmethod
    def between(cls, first: date, last: date) -> Calendar:
        return cls(_entered_days(first, last), _loaded_years())

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
        # Provisional: weekends, the statutory holidays and their make-up days (放假办法 第二条, 第六条).
        return day.weekday() < 5 and day not in provisional_rest_days(day.year)

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
