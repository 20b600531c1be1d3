"""Reads of reporting and the return-to-work services: completeness per unit (from the rollups: cost ∝ child
units), drill-down lists, trends; overdue follow-up checks; supply totals; visit issues; read receipts; the
enterprises back at work per street. Every read is scoped (`gonghui.reports.scoping`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Unit, subtree_q
from gonghui.reports import rules, scoping, targets
from gonghui.reports.models import (
    Assignment,
    FollowUpCheck,
    Isolation,
    Notice,
    NoticeReceipt,
    PlannedVisit,
    Report,
    RollupFigure,
    SupplyItem,
    SupplyRequest,
    VisitIssue,
    VisitPlan,
)
from gonghui.reports.services import ON_TIME, REPORTED


@dataclass
class Completeness:
    unit: Unit
    expected: int
    reported: int
    on_time: int
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    @property
    def late(self) -> int:
        return self.reported - self.on_time

    @property
    def reporting_rate(self) -> Decimal | None:
        return rules.rate(self.reported, self.expected)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rules.rate(self.on_time, self.expected)


def unit_to_read(user: Any, assignment: Assignment, unit_id: int | None) -> Unit:
    """The unit a completeness read is for: the one asked (inside the user's reach), else the assignment's unit
    when the user reaches it, else the user's own (a grassroots chair reading a street's assignment)."""
    if unit_id:
        return org_scoping.units.get_or_404(user, unit_id)
    if org_scoping.units.filter(user).filter(pk=assignment.unit_id).exists():
        return assignment.unit
    unit = getattr(user, "primary_unit", None)
    if unit is None:
        raise Http404
    return unit


def completeness(user: Any, assignment: Assignment, period: dt.date, unit: Unit) -> list[Completeness]:
    """The unit itself, then each child unit with anything expected: the two rates every official reads first.
    Reads the expected counts and the rollups only — a handful of rows per unit, whatever the enterprises."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    children = list(unit.children.order_by("code"))
    ids = [unit.pk, *(c.pk for c in children)]
    # who owes this period: the stretches that cover it (an enterprise owes from the day it resumed work, was
    # registered or entered the scope, and not while suspended — reports.targets)
    expected = targets.expected_on(assignment, period, unit.path, ids)
    totals: dict[int, dict[str, Decimal]] = {}
    for unit_id, key, value in RollupFigure.objects.filter(assignment=assignment, period=period, unit_id__in=ids) \
            .values_list("unit_id", "key", "value"):
        totals.setdefault(unit_id, {})[key] = value
    rows = []
    for row_unit in [unit, *children]:
        if row_unit.pk != unit.pk and not expected.get(row_unit.pk):
            continue
        figures = totals.get(row_unit.pk, {})
        rows.append(Completeness(unit=row_unit, expected=expected.get(row_unit.pk, 0),
                                 reported=int(figures.pop(REPORTED, 0)), on_time=int(figures.pop(ON_TIME, 0)),
                                 totals=figures))
    return rows


def missing(user: Any, assignment: Assignment, period: dt.date, unit: Unit) -> QuerySet[Enterprise]:
    """The enterprises at and below a unit that owe this period's report and have not filed it."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    filed = Report.objects.filter(assignment=assignment, period=period, enterprise_id=OuterRef("pk"))
    owing = targets.owing(assignment, period).filter(subtree_q(unit.path, "unit__path")).values("enterprise_id")
    return org_scoping.enterprises.filter(user).filter(pk__in=owing).annotate(filed=Exists(filed)) \
        .filter(filed=False).select_related("unit").order_by("unit__path", "name")


def suspended(user: Any, assignment: Assignment, unit: Unit) -> QuerySet[Enterprise]:
    """The enterprises of the assignment's scope at and below a unit that are suspended (停工停产) now: they owe
    nothing while suspended, and the completeness page shows them apart."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    return org_scoping.enterprises.filter(user).filter(
        pk__in=targets.in_scope(assignment).filter(status=Enterprise.Status.SUSPENDED).values("pk")) \
        .filter(subtree_q(unit.path, "unit__path")).select_related("unit").order_by("unit__path", "name")


def late(user: Any, assignment: Assignment, period: dt.date, unit: Unit) -> QuerySet[Report]:
    unit = org_scoping.units.get_or_404(user, unit.pk)
    return Report.objects.filter(subtree_q(unit.path, "unit__path"), assignment=assignment, period=period,
                                 late=True).select_related("enterprise", "unit").order_by("unit__path")


def trend(user: Any, assignment: Assignment, unit: Unit, key: str, start: dt.date, end: dt.date) -> list[
        tuple[dt.date, Decimal]]:
    """One rolled-up figure of a unit, day by day ("people under medical observation in 莲湖区")."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    found = dict(RollupFigure.objects.filter(assignment=assignment, unit=unit, key=key, period__range=(start, end))
                 .values_list("period", "value"))
    return [(day, found.get(day, Decimal(0)))
            for day in rules.periods(assignment.frequency, max(start, assignment.start_on),
                                     min(end, assignment.end_on), assignment.weekday)]


# --- health follow-up ---

def isolations(user: Any, today: dt.date, *, current_only: bool = True) -> QuerySet[Isolation]:
    found = scoping.isolations.filter(user).select_related("person", "enterprise", "unit", "follow_up_by")
    if current_only:
        found = found.filter(start_on__lte=today).filter(Q(end_on__isnull=True) | Q(end_on__gte=today))
    return found.order_by("unit__path", "start_on", "pk")


@dataclass
class Overdue:
    isolation: Isolation
    days: list[dt.date]


def overdue_checks(user: Any, today: dt.date, *, limit: int = 500) -> list[Overdue]:
    """People in home isolation (still, or until yesterday) whose daily check is missing for a day already past
    (two queries). An isolation that ended earlier is no longer followed up: its gaps are history."""
    home = list(scoping.isolations.filter(user).filter(kind=Isolation.Kind.HOME, start_on__lt=today)
                .filter(Q(end_on__isnull=True) | Q(end_on__gte=today - dt.timedelta(days=1)))
                .select_related("person", "enterprise", "unit", "follow_up_by").order_by("unit__path", "pk")[:5000])
    checked: dict[int, set[dt.date]] = {}
    for isolation_id, day in FollowUpCheck.objects.filter(isolation__in=[i.pk for i in home]) \
            .values_list("isolation_id", "day"):
        checked.setdefault(isolation_id, set()).add(day)
    found = []
    for isolation in home:
        days = rules.overdue_check_days(isolation.start_on, isolation.end_on, checked.get(isolation.pk, set()), today)
        if days:
            found.append(Overdue(isolation, days))
    return found[:limit]


# --- supplies ---

@dataclass
class SupplyTotal:
    item: SupplyItem
    enterprises: int
    requested: int
    ordered: int
    allocated: int
    delivered: int


def supply_totals(user: Any, unit: Unit) -> list[SupplyTotal]:
    """Per item, for a unit's subtree: how many enterprises asked, how much was asked, ordered, allocated and
    delivered ("500 enterprises ordered 80,000 masks") — one grouped query."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    rows = scoping.supply_requests.filter(user).filter(subtree_q(unit.path, "unit__path")).values("item_id") \
        .annotate(n_enterprises=Count("enterprise_id", distinct=True), n_requested=Sum("quantity"),
                  n_ordered=Sum("quantity", filter=Q(order__isnull=False)), n_allocated=Sum("allocated"),
                  n_delivered=Sum("allocated", filter=Q(delivered_at__isnull=False)))
    items = {i.pk: i for i in SupplyItem.objects.all()}
    return [SupplyTotal(items[r["item_id"]], r["n_enterprises"], r["n_requested"] or 0, r["n_ordered"] or 0,
                        r["n_allocated"] or 0, r["n_delivered"] or 0)
            for r in sorted(rows, key=lambda r: r["item_id"])]


def supply_requests(user: Any, unit: Unit, *, pending_only: bool = False) -> QuerySet[SupplyRequest]:
    unit = org_scoping.units.get_or_404(user, unit.pk)
    found = scoping.supply_requests.filter(user).filter(subtree_q(unit.path, "unit__path")) \
        .select_related("enterprise", "item", "unit", "order")
    return found.filter(order__isnull=True) if pending_only else found


# --- visits ---

def open_issues(user: Any, today: dt.date) -> QuerySet[VisitIssue]:
    """Open difficulties in reach, the overdue first (`overdue` annotated by the rule of `rules.issue_overdue`)."""
    return scoping.visit_issues.filter(user).filter(state=VisitIssue.State.OPEN) \
        .annotate(overdue=Q(due_on__lt=today)).select_related("enterprise", "owner", "visit") \
        .order_by("-overdue", "due_on", "pk")


@dataclass
class TeamProgress:
    team: Any
    planned: int
    done: int


def plan_progress(user: Any, plan: VisitPlan) -> list[TeamProgress]:
    plan = scoping.visit_plans.get_or_404(user, plan.pk)
    rows = PlannedVisit.objects.filter(plan=plan).values("team_id", "team__name") \
        .annotate(planned=Count("pk"), done=Count("pk", filter=Q(visit__isnull=False))).order_by("team__name")
    return [TeamProgress({"id": r["team_id"], "name": r["team__name"]}, r["planned"], r["done"]) for r in rows]


# --- notices ---

def notice_list(user: Any) -> QuerySet[Notice]:
    return scoping.notices.filter(user).annotate(
        sent=Count("receipts"), read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
        unread=Count("receipts", filter=Q(receipts__read_at__isnull=True))) \
        .select_related("unit").order_by("-published_at", "-pk")


def receipts(user: Any, notice: Notice) -> QuerySet[NoticeReceipt]:
    """The receipts an official may see: those of the enterprises they reach."""
    notice = scoping.notices.get_or_404(user, notice.pk)
    reachable = org_scoping.enterprises.filter(user).values("pk")
    return NoticeReceipt.objects.filter(notice=notice, enterprise_id__in=reachable) \
        .select_related("enterprise", "unit", "read_by").order_by("read_at", "unit__path", "enterprise__name")


def notices_for_contact(user: Any) -> QuerySet[NoticeReceipt]:
    enterprises = list(user.reporting_enterprise_ids()) if getattr(user, "is_authenticated", False) else []
    return NoticeReceipt.objects.filter(enterprise_id__in=enterprises).select_related("notice", "enterprise") \
        .order_by("-notice__published_at")


# --- back at work (复工) ---

@dataclass
class BackToWork:
    unit: Unit
    total: int
    resumed: int
    operating: int
    suspended: int
    closed: int
    resumed_today: int

    @property
    def at_work(self) -> int:
        return self.resumed + self.operating

    @property
    def open_total(self) -> int:
        return self.total - self.closed

    @property
    def rate(self) -> Decimal | None:
        return rules.rate(self.at_work, self.open_total)


def back_to_work(user: Any, unit: Unit, today: dt.date) -> list[BackToWork]:
    """The unit, then each child (the streets of a district): enterprises back at work (operating or resumed) of
    those not closed, live from the registry — one grouped query."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    children = list(unit.children.order_by("code"))
    counts: dict[int, dict[str, int]] = {u.pk: {} for u in [unit, *children]}
    base = org_scoping.enterprises.filter(user).filter(subtree_q(unit.path, "unit__path"))
    by_status = base.values("unit__path", "status").annotate(n=Count("pk"))
    resumed_today = base.filter(status=Enterprise.Status.RESUMED, resumed_on=today).values("unit__path") \
        .annotate(n=Count("pk"))
    child_by_path = {c.path: c.pk for c in children}

    def owners(path: str) -> list[int]:
        found = [unit.pk]
        for child_path, pk in child_by_path.items():
            if path.startswith(child_path):
                found.append(pk)
        return found

    for row in by_status:
        for pk in owners(row["unit__path"]):
            counts[pk][row["status"]] = counts[pk].get(row["status"], 0) + row["n"]
    for row in resumed_today:
        for pk in owners(row["unit__path"]):
            counts[pk]["today"] = counts[pk].get("today", 0) + row["n"]
    result = []
    for row_unit in [unit, *children]:
        c = counts[row_unit.pk]
        total = sum(v for k, v in c.items() if k != "today")
        if row_unit.pk != unit.pk and not total:
            continue
        result.append(BackToWork(row_unit, total, c.get(Enterprise.Status.RESUMED, 0),
                                 c.get(Enterprise.Status.OPERATING, 0), c.get(Enterprise.Status.SUSPENDED, 0),
                                 c.get(Enterprise.Status.CLOSED, 0), c.get("today", 0)))
    return result


def resumption_trend(user: Any, unit: Unit, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """Enterprises resumed by each day (cumulative), for the chart."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    base = org_scoping.enterprises.filter(user).filter(subtree_q(unit.path, "unit__path"),
                                                       status=Enterprise.Status.RESUMED)
    before = base.filter(resumed_on__lt=start).count()
    per_day = dict(base.filter(resumed_on__range=(start, end)).values("resumed_on").annotate(n=Count("pk"))
                   .values_list("resumed_on", "n"))
    result, running, day = [], before, start
    while day <= end:
        running += per_day.get(day, 0)
        result.append((day, running))
        day += dt.timedelta(days=1)
    return result
