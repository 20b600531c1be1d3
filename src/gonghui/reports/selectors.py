"""Reads of reporting: completeness per unit (from the rollups: cost ∝ child units), drill-down lists, trends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Unit, subtree_q
from gonghui.reports import rules
from gonghui.reports.models import Assignment, Expected, Report, RollupFigure, Target
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


def completeness(user: Any, assignment: Assignment, period: dt.date, unit: Unit) -> list[Completeness]:
    """The unit itself, then each child unit with anything expected: the two rates every official reads first.
    Reads the expected counts and the rollups only — a handful of rows per unit, whatever the enterprises."""
    unit = org_scoping.units.get_or_404(user, unit.pk)
    children = list(unit.children.order_by("code"))
    ids = [unit.pk, *(c.pk for c in children)]
    expected = dict(Expected.objects.filter(assignment=assignment, unit_id__in=ids).values_list("unit_id", "count"))
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
    owing = Target.objects.filter(assignment=assignment).filter(subtree_q(unit.path, "unit__path")) \
        .values("enterprise_id")
    return org_scoping.enterprises.filter(user).filter(pk__in=owing).annotate(filed=Exists(filed)) \
        .filter(filed=False).select_related("unit").order_by("unit__path", "name")


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
