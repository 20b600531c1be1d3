"""A year's State Council holiday arrangement: the text format, its parser, loading it, and a year's days.

The format (docs/clocks.md), one item a line, `#` starts a comment:

    年份,2027
    通知,国办发明电〔2026〕12号            (optional: where the arrangement was published)
    2027-01-01,休,元旦
    2027-02-05~2027-02-13,休,春节
    2027-02-14,班,春节调休

`休` is a rest day, `班` an adjusted working day (a Saturday or Sunday worked in exchange). Every day not listed
is a working day Monday to Friday and a rest day at the weekend. `load_arrangement` is the one service that
stores it — for `gonghui calendar load` and the system administrator's console page alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import (
    ClockChange,
    forget_calendar,
    provisional_rest_days,
    recompute_open_clocks,
    year_basis,
)
from gonghui.core.models import CalendarDay, CalendarYear

REST, WORK = "休", "班"
# A range longer than this is a typing error (the longest rest in any arrangement is 8 days).
_LONGEST_RANGE = 31


class ArrangementError(ValueError):
    """The text cannot be loaded; `problems` are the reasons, each naming its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ArrangedDay:
    day: date
    working: bool
    name: str
    line: int


@dataclass
class Arrangement:
    year: int
    source: str = ""
    days: dict[date, ArrangedDay] = field(default_factory=dict)

    @property
    def rest_days(self) -> list[ArrangedDay]:
        return [d for d in self.days.values() if not d.working]

    @property
    def working_days(self) -> list[ArrangedDay]:
        return [d for d in self.days.values() if d.working]


def _line_problem(number: int, problem: str) -> str:
    return _("第%(line)d行：%(problem)s") % {"line": number, "problem": problem}


def _parse_day(text: str) -> date:
    return date.fromisoformat(text.strip())


def parse_arrangement(text: str) -> Arrangement:
    """The arrangement in `text`, or ArrangementError listing every problem with its line number."""
    problems: list[str] = []
    year: int | None = None
    source = ""
    days: dict[date, ArrangedDay] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        parts = [part.strip() for part in line.replace("，", ",").split(",")]
        if parts[0] == "年份":
            if year is not None:
                problems.append(_line_problem(number, _("年份只能写一次。")))
            elif len(parts) != 2 or not parts[1].isdigit() or not 1949 < int(parts[1]) < 2200:
                problems.append(_line_problem(number, _("年份应写作“年份,2027”。")))
                break
            else:
                year = int(parts[1])
            continue
        if parts[0] == "通知":
            source = ",".join(parts[1:]).strip()[:200]
            continue
        if year is None:
            problems.append(_line_problem(number, _("第一行应写明年份，如“年份,2027”。")))
            break
        if len(parts) != 3:
            problems.append(_line_problem(number, _("应写作“日期,休或班,名称”，如“2027-01-01,休,元旦”。")))
            continue
        when, kind, name = parts
        if kind not in (REST, WORK):
            problems.append(_line_problem(number, _("“%(kind)s”不是“休”或“班”。") % {"kind": kind}))
            continue
        if not name:
            problems.append(_line_problem(number, _("缺少名称（如“春节”）。")))
            continue
        try:
            first_text, _sep, last_text = when.partition("~")
            first = _parse_day(first_text)
            last = _parse_day(last_text) if last_text else first
        except ValueError:
            problems.append(_line_problem(number, _("“%(when)s”不是日期（YYYY-MM-DD 或 YYYY-MM-DD~YYYY-MM-DD）。")
                                          % {"when": when}))
            continue
        if last < first or (last - first).days >= _LONGEST_RANGE:
            problems.append(_line_problem(number, _("日期范围“%(when)s”不对。") % {"when": when}))
            continue
        if first.year != year or last.year != year:
            problems.append(_line_problem(number, _("%(when)s 不在%(year)d年内。") % {"when": when, "year": year}))
            continue
        day = first
        while day <= last:
            working = kind == WORK
            earlier = days.get(day)
            if earlier is not None and earlier.working != working:
                problems.append(_line_problem(number, _("%(day)s 不能既是休息日又是工作日（见第%(other)d行）。")
                                              % {"day": day.isoformat(), "other": earlier.line}))
            elif earlier is not None:
                problems.append(_line_problem(number, _("%(day)s 重复（见第%(other)d行）。")
                                              % {"day": day.isoformat(), "other": earlier.line}))
            elif working and day.weekday() < 5:
                problems.append(_line_problem(number, _("%(day)s 是周一至周五，本来就上班；调休上班日应是周六或周日。")
                                              % {"day": day.isoformat()}))
            else:
                days[day] = ArrangedDay(day, working, name[:80], number)
            day += timedelta(days=1)
    if year is None and not problems:
        problems.append(_("没有写明年份（第一行如“年份,2027”）。"))
    if year is not None and not days and not problems:
        problems.append(_("没有任何放假或调休日期。"))
    if problems:
        raise ArrangementError(problems)
    assert year is not None  # noqa: S101 - narrowed above
    return Arrangement(year=year, source=source, days=dict(sorted(days.items())))


# -- Loading ---------------------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    arrangement: Arrangement
    calendar_year: CalendarYear
    replaced: bool
    changes: list[ClockChange]
    notified: int


def load_arrangement(*, actor: Any, text: str, replace: bool = False) -> LoadResult:
    """Store a year's arrangement (CalendarYear and its CalendarDay rows), audited, then recompute the open clocks
    that may fall in that year and tell each change's officials. Only the system administrator (or the command
    line without an account) loads; a year already loaded is refused unless `replace`."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("只有系统管理员能导入放假安排。"))
    arrangement = parse_arrangement(text)
    try:
        return _load(actor=actor, arrangement=arrangement, replace=replace)
    except BaseException:
        forget_calendar()  # a request may have read the rows this rolled-back transaction wrote
        raise


@transaction.atomic
def _load(*, actor: Any, arrangement: Arrangement, replace: bool) -> LoadResult:
    from gonghui.core.notify import notify
    from gonghui.orgs.models import User

    year = arrangement.year
    source = arrangement.source or _("%(year)d年放假安排") % {"year": year}
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    if existing is not None and not replace:
        raise ArrangementError([_("%(year)d年的放假安排已经导入（%(source)s）；要替换请用 --replace。")
                                % {"year": year, "source": existing.source}])
    loaded_by = actor if actor is not None else None
    before: dict[str, Any] = {}
    if existing is not None:
        before = {"source": existing.source, "days": existing.days.count()}
        existing.days.all().delete()
        existing.source, existing.loaded_by = source, loaded_by
        from django.utils import timezone

        existing.loaded_at = timezone.now()
        existing.save()
        calendar_year = existing
    else:
        calendar_year = CalendarYear.objects.create(year=year, source=source, loaded_by=loaded_by)
    # Days an official entered by hand on a day the arrangement lists give way to the arrangement.
    superseded = list(CalendarDay.objects.filter(day__in=list(arrangement.days), arrangement__isnull=True)
                      .values_list("day", "working", "note"))
    CalendarDay.objects.filter(day__in=list(arrangement.days), arrangement__isnull=True).delete()
    CalendarDay.objects.bulk_create([
        CalendarDay(day=d.day, working=d.working, note=d.name, arrangement=calendar_year, created_by=loaded_by)
        for d in arrangement.days.values()
    ])
    forget_calendar()  # bulk_create sends no post_save
    audit.record(
        actor=actor, action=audit.Action.UPDATE if existing else audit.Action.CREATE, obj=calendar_year,
        actor_label=None if actor is not None else "gonghui calendar load",
        changes={"year": year, "source": source, "rest_days": len(arrangement.rest_days),
                 "working_days": len(arrangement.working_days), "replaced": before or None,
                 "superseded_entries": [[str(day), working, note] for day, working, note in superseded]},
    )
    changes = recompute_open_clocks(year)
    notified = 0
    for change in changes:
        recipients = User.objects.filter(pk__in=change.notify, is_active=True)
        text = _("%(what)s：期限由 %(old)s 调整为 %(new)s（%(year)d年国务院放假安排已导入）") % {
            "what": change.what, "old": change.old.isoformat(), "new": change.new.isoformat(), "year": year}
        notified += notify(recipients, text, url=change.url,
                           key=f"calendar:{year}:{change.url or change.what}:{change.new.isoformat()}"[:120])
    return LoadResult(arrangement, calendar_year, existing is not None, changes, notified)


# -- A year's days, whatever their basis ----------------------------------------------------------------------

_HOLIDAY_NAMES = {holiday.value: holiday.chinese for holiday in Holiday}


@dataclass
class YearDays:
    year: int
    basis: str  # "loaded", "published", "provisional"
    source: str
    rest: list[tuple[date, str]]  # weekdays and weekends the arrangement names as rest
    working: list[tuple[date, str]]  # adjusted working days (调休上班)


def year_days(year: int) -> YearDays:
    """The holidays and adjusted working days of `year`, from the basis the deadline helper uses for it."""
    basis = year_basis(year)
    if basis == "loaded":
        calendar_year = CalendarYear.objects.get(year=year)
        rows = list(calendar_year.days.order_by("day").values_list("day", "working", "note"))
        return YearDays(year, basis, calendar_year.source, [(d, n) for d, w, n in rows if not w],
                        [(d, n) for d, w, n in rows if w])
    if basis == "published":
        rest = sorted((d, _HOLIDAY_NAMES.get(n, n)) for d, n in chinese_calendar.holidays.items() if d.year == year)
        working = sorted((d, _HOLIDAY_NAMES.get(n, n)) for d, n in chinese_calendar.workdays.items()
                         if d.year == year)
        return YearDays(year, basis, _("chinese-calendar 收录的国务院放假安排"), rest, working)
    return YearDays(year, basis, _("全国年节及纪念日放假办法 第二条、第六条（推算）"),
                    sorted(provisional_rest_days(year).items()), [])
