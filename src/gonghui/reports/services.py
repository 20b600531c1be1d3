"""Every write of reporting, one function per use case: atomic, audited, scoped through `gonghui.orgs.scoping`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Max, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import local_date
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Unit, subtree_q
from gonghui.reports import forms, rules
from gonghui.reports.models import (
    Assignment,
    Expected,
    FormTemplate,
    FormVersion,
    Reopening,
    Report,
    Revision,
    RollupFigure,
    Target,
)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _items(schema: Any) -> tuple[forms.Item, ...]:
    try:
        return forms.parse_schema(schema)
    except forms.SchemaError as error:
        raise ValidationError(error.problems) from error


# --- templates ---

@transaction.atomic
def create_template(*, actor: Any, unit: Unit | None, code: str, name: str, schema: list[dict[str, Any]],
                    description: str = "", approval_step: bool = False) -> FormTemplate:
    """A new form. A union's own (`unit`), or a shipped one (no unit, system administrators only)."""
    if unit is not None:
        unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    else:
        _require(getattr(actor, "is_superuser", False), _("只有系统管理员能发布通用表单。"))
    _require(bool(name.strip()), _("请填写表单名称。"))
    _require(not FormTemplate.objects.filter(code=code).exists(), _("表单代码“%(c)s”已被使用。") % {"c": code})
    _items(schema)
    template = FormTemplate.objects.create(code=code, name=name.strip()[:100], description=description,
                                           unit=unit, approval_step=approval_step)
    FormVersion.objects.create(template=template, number=1, schema=schema, created_by=actor)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=template, unit_path=unit.path if unit else "",
                 changes={"code": code, "version": 1})
    return template


@transaction.atomic
def revise_template(*, actor: Any, template: FormTemplate, schema: list[dict[str, Any]]) -> FormVersion:
    """A changed form is a new version; reports already filed keep the version they were filled on."""
    if template.unit_id is not None:
        org_scoping.units.get_or_404(actor, template.unit_id, action=org_scoping.CHANGE)
    else:
        _require(getattr(actor, "is_superuser", False), _("只有系统管理员能修改通用表单。"))
    _items(schema)
    template = FormTemplate.objects.select_for_update().get(pk=template.pk)
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FormVersion.objects.create(template=template, number=number, schema=schema, created_by=actor)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=template,
                 unit_path=template.unit.path if template.unit else "", changes={"version": number})
    return version


# --- assignments ---

@transaction.atomic
def assign(*, actor: Any, template: FormTemplate, unit: Unit, start_on: dt.date, end_on: dt.date,
           frequency: str = Assignment.Frequency.DAILY, weekday: int | None = None,
           deadline: dt.time = dt.time(10, 0), lock_after_days: int = 3, industry: str = "") -> Assignment:
    """Ask the enterprises of a subtree (optionally of one industry) to file a form. The expected count of every
    unit at and above them is written now, so that completeness reads a handful of rows per unit."""
    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    _require(template.active, _("该表单已停用。"))
    _require(frequency in Assignment.Frequency.values, _("请选择填报频次。"))
    _require(start_on <= end_on, _("结束日期不能早于开始日期。"))
    _require(frequency != Assignment.Frequency.WEEKLY or weekday in range(7), _("每周填报请选择报送日。"))
    _require(0 <= lock_after_days <= 60, _("锁定天数应在 0 到 60 之间。"))
    enterprises = org_scoping.enterprises.filter(actor).filter(subtree_q(unit.path, "unit__path")) \
        .exclude(status=Enterprise.Status.CLOSED)
    if industry:
        enterprises = enterprises.filter(industry=industry)
    rows = list(enterprises.values_list("pk", "unit_id", "unit__path"))
    _require(bool(rows), _("该范围内没有需要填报的企业。"))
    assignment = Assignment.objects.create(
        template=template, unit=unit, province_id=unit.province_id, industry=industry, frequency=frequency,
        weekday=weekday if frequency == Assignment.Frequency.WEEKLY else None, deadline=deadline,
        start_on=start_on, end_on=end_on, lock_after_days=lock_after_days, created_by=actor)
    Target.objects.bulk_create([Target(assignment=assignment, enterprise_id=pk, unit_id=unit_id)
                                for pk, unit_id, _path in rows], batch_size=2000)
    counts: Counter[int] = Counter()
    for _pk, _unit_id, path in rows:
        for ancestor in path.strip("/").split("/"):
            counts[int(ancestor)] += 1
    Expected.objects.bulk_create([Expected(assignment=assignment, unit_id=u, count=n) for u, n in counts.items()],
                                 batch_size=2000)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=assignment, unit_path=unit.path,
                 changes={"template": template.code, "enterprises": len(rows), "frequency": frequency})
    open_period(assignment=assignment, period=start_on)
    return assignment


def open_period(*, assignment: Assignment, period: dt.date) -> int:
    """Make a period's rollup rows, at zero, for every unit that expects reports — so that each submission of the
    day only adds to existing rows (the daily clock runs this for the day; a first report makes any row missing).
    Returns the rows made; safe to run again."""
    units = list(Expected.objects.filter(assignment=assignment, count__gt=0).values_list("unit_id", flat=True))
    keys = [REPORTED, ON_TIME, *forms.figure_keys(_items(assignment.template.current().schema))]
    made = RollupFigure.objects.bulk_create([RollupFigure(assignment=assignment, unit_id=u, period=period, key=key)
                                             for u in units for key in keys], ignore_conflicts=True, batch_size=2000)
    return len(made)


# --- filing ---

def may_file(actor: Any, enterprise: Enterprise) -> bool:
    """The enterprise's own representative, or an official who reaches it (filing for it, from paper)."""
    if enterprise.pk in getattr(actor, "reporting_enterprise_ids", lambda: [])():
        return True
    return org_scoping.enterprises.can(actor, org_scoping.CHANGE, enterprise)


def is_locked(assignment: Assignment, enterprise: Enterprise, period: dt.date, today: dt.date) -> bool:
    if not rules.is_locked(period, assignment.lock_after_days, today):
        return False
    reopened = Reopening.objects.filter(assignment=assignment, enterprise=enterprise, period=period) \
        .aggregate(until=Max("until"))["until"]
    return rules.is_locked(period, assignment.lock_after_days, today, reopened)


REPORTED, ON_TIME = "#reported", "#on_time"


def _apply_to_rollups(assignment: Assignment, unit: Unit, period: dt.date, *, counted: bool, on_time: bool,
                      add: dict[str, Decimal], take: dict[str, Decimal]) -> None:
    """Every unit from the enterprise's union up to the top: one report more (when first filed), and its figures
    swapped in for the previous revision's — so a correction never counts twice.

    One UPDATE of atomic increments, no read first. When rows are missing (a period nobody opened, a figure the
    form did not have), they are made at zero and only the rows this submission has not touched yet are
    incremented: the rows it did update stay row-locked by its transaction until it commits, so nobody else can
    have stamped them in between."""
    ancestors = [int(a) for a in unit.path.strip("/").split("/")]
    changes = {key: add.get(key, Decimal(0)) - take.get(key, Decimal(0)) for key in {*add, *take}}
    changes = {key: delta for key, delta in changes.items() if delta != 0}
    if counted:
        changes[REPORTED] = Decimal(1)
        if on_time:
            changes[ON_TIME] = Decimal(1)
    if not changes:
        return
    touch = uuid.uuid4().hex
    increment = {"value": F("value") + Case(*(When(key=key, then=Value(delta)) for key, delta in changes.items()),
                                            output_field=DecimalField(max_digits=20, decimal_places=4)),
                 "touch": Value(touch)}
    rows = RollupFigure.objects.filter(assignment=assignment, period=period, unit_id__in=ancestors,
                                       key__in=list(changes))
    if rows.update(**increment) < len(ancestors) * len(changes):
        RollupFigure.objects.bulk_create([RollupFigure(assignment=assignment, unit_id=u, period=period, key=key)
                                          for u in ancestors for key in changes], ignore_conflicts=True)
        rows.exclude(touch=touch).update(**increment)


@transaction.atomic
def submit_report(*, actor: Any, assignment: Assignment, enterprise: Enterprise, period: dt.date,
                  data: dict[str, Any], channel: str = "form", now: dt.datetime | None = None) -> Report:
    """File (or correct) one enterprise's report for one period. Late after the deadline; a correction is a new
    revision on the same report; after the lock only a reopening lets it in."""
    now = now or timezone.now()
    if not may_file(actor, enterprise):
        raise Http404
    _require(Target.objects.filter(assignment=assignment, enterprise=enterprise).exists(),
             _("该企业不在本次填报范围内。"))
    _require(rules.is_period(assignment.frequency, assignment.start_on, assignment.end_on, assignment.weekday,
                             period), _("%(d)s 不是本表的报告期。") % {"d": period})
    today = local_date(now)
    _require(period <= today, _("不能提前填报 %(d)s 的报表。") % {"d": period})
    _require(not is_locked(assignment, enterprise, period, today),
             _("%(d)s 的报表已锁定；如需补报或更正，请联系街道工会重新开放。") % {"d": period})
    version = assignment.template.current()
    items = _items(version.schema)
    checked = forms.check(items, data)
    if not checked.ok:
        raise ValidationError([str(p) for p in checked.problems])
    late = rules.is_late(now, period, assignment.deadline)
    report = Report.objects.select_for_update().filter(assignment=assignment, enterprise=enterprise,
                                                       period=period).first()
    figures = forms.figures(items, checked.data)
    if report is None:
        report = Report.objects.create(
            assignment=assignment, enterprise=enterprise, unit_id=enterprise.unit_id,
            province_id=enterprise.province_id, period=period, version=version, data=checked.data, late=late,
            channel=channel, submitted_at=now, updated_at=now, submitted_by=actor)
        _apply_to_rollups(assignment, enterprise.unit, period, counted=True, on_time=not late, add=figures, take={})
    else:
        previous = forms.figures(_items(report.version.schema), report.data)
        report.revision += 1
        report.version, report.data, report.updated_at, report.channel = version, checked.data, now, channel
        if report.state in (Report.State.HAS_ISSUES, Report.State.REJECTED):
            report.state = Report.State.SUBMITTED  # corrected after being sent back: to be reviewed again
        report.save()
        _apply_to_rollups(assignment, enterprise.unit, period, counted=False, on_time=False, add=figures,
                          take=previous)
    Revision.objects.create(report=report, number=report.revision, version=version, data=checked.data, late=late,
                            by=actor, at=now)
    audit.record(actor=actor, action=audit.Action.CREATE if report.revision == 1 else audit.Action.UPDATE,
                 obj=report, unit_path=enterprise.unit.path,
                 changes={"period": period, "revision": report.revision, "late": late, "channel": channel})
    return report


def last_report(actor: Any, assignment: Assignment, enterprise: Enterprise, before: dt.date) -> Report | None:
    """"No change since yesterday": the latest earlier report, to copy into today's form for review."""
    if not may_file(actor, enterprise):
        raise Http404
    return Report.objects.filter(assignment=assignment, enterprise=enterprise, period__lt=before) \
        .order_by("-period").first()


@transaction.atomic
def review_report(*, actor: Any, report: Report, verdict: str, comment: str = "") -> Report:
    """The street reviews: accepted, has issues (sent back with comments) or rejected."""
    enterprise = org_scoping.enterprises.get_or_404(actor, report.enterprise_id, action=org_scoping.CHANGE)
    _require(verdict in (Report.State.ACCEPTED, Report.State.HAS_ISSUES, Report.State.REJECTED),
             _("请选择审核结果。"))
    _require(verdict == Report.State.ACCEPTED or bool(comment.strip()), _("退回或不予通过时请写明意见。"))
    report = Report.objects.select_for_update().get(pk=report.pk)
    before = report.state
    report.state, report.review_comment = verdict, comment.strip()
    report.reviewed_at, report.reviewed_by = timezone.now(), actor
    report.save(update_fields=["state", "review_comment", "reviewed_at", "reviewed_by"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=report, unit_path=enterprise.unit.path,
                 changes={"state": [before, verdict]}, reason=comment.strip())
    return report


@transaction.atomic
def reopen(*, actor: Any, assignment: Assignment, enterprise: Enterprise, period: dt.date, until: dt.date,
           reason: str) -> Reopening:
    """A street official lets one enterprise file or correct a locked period (audited, with the reason)."""
    enterprise = org_scoping.enterprises.get_or_404(actor, enterprise.pk, action=org_scoping.CHANGE)
    _require(bool(reason.strip()), _("请说明重新开放的原因。"))
    today = local_date(timezone.now())
    _require(today <= until <= today + dt.timedelta(days=30), _("重新开放的期限应在今天起30日内。"))
    opened = Reopening.objects.create(assignment=assignment, enterprise=enterprise, period=period, until=until,
                                      reason=reason.strip()[:200], by=actor)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=assignment, unit_path=enterprise.unit.path,
                 changes={"reopened": enterprise.name, "period": period, "until": until}, reason=reason.strip())
    return opened


def remind_missing(*, actor: Any, assignment: Assignment, period: dt.date, unit: Unit) -> int:
    """One click: tell the representatives of every enterprise still missing this period's report."""
    from django.urls import reverse

    from gonghui.core.notify import notify
    from gonghui.orgs.models import Role, User
    from gonghui.reports import selectors

    missing = list(selectors.missing(actor, assignment, period, unit).values_list("pk", flat=True))
    reps = User.objects.filter(is_active=True, role_assignments__revoked_at__isnull=True,
                               role_assignments__role__in=(Role.EMPLOYER_REP, Role.REPORTER),
                               role_assignments__enterprise_id__in=missing).distinct()
    due = rules.due_at(period, assignment.deadline).strftime("%m月%d日 %H:%M")
    told = notify(reps, _("请报送《%(f)s》（%(d)s），截止 %(due)s。") % {
        "f": assignment.template.name, "d": period, "due": due},
        url=reverse("reports:fill", args=[assignment.pk]) + f"?day={period}",
        key=f"reports:remind:{assignment.pk}:{period}:{timezone.now():%Y%m%d%H%M}")
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=assignment, unit_path=unit.path,
                 changes={"reminded": len(missing), "period": period})
    return told


def run_reminders(*, now: dt.datetime | None = None) -> int:
    """The automatic reminders: in the hour before a period's deadline, and in the hour after it, the
    representatives of every enterprise still missing today's report are told — once each (run every few
    minutes: `gonghui reports remind`)."""
    from django.urls import reverse

    from gonghui.core.notify import notify
    from gonghui.orgs.models import Role, User

    now = now or timezone.now()
    today = local_date(now)
    told = 0
    for assignment in Assignment.objects.filter(start_on__lte=today, end_on__gte=today).select_related("template"):
        if not rules.is_period(assignment.frequency, assignment.start_on, assignment.end_on, assignment.weekday,
                               today):
            continue
        due = rules.due_at(today, assignment.deadline)
        if due - dt.timedelta(hours=1) <= now < due:
            kind, text = "before", _("《%(f)s》今日 %(t)s 截止，贵单位尚未报送。")
        elif due <= now < due + dt.timedelta(hours=1):
            kind, text = "at", _("《%(f)s》今日 %(t)s 已截止，贵单位尚未报送，请尽快补报（将记为迟报）。")
        else:
            continue
        missing = Target.objects.filter(assignment=assignment).exclude(
            enterprise_id__in=Report.objects.filter(assignment=assignment, period=today).values("enterprise_id")) \
            .values("enterprise_id")
        reps = User.objects.filter(is_active=True, role_assignments__revoked_at__isnull=True,
                                   role_assignments__role__in=(Role.EMPLOYER_REP, Role.REPORTER),
                                   role_assignments__enterprise_id__in=missing).distinct()
        told += notify(reps, text % {"f": assignment.template.name, "t": assignment.deadline.strftime("%H:%M")},
                       url=reverse("reports:fill", args=[assignment.pk]) + f"?day={today}",
                       key=f"reports:{kind}:{assignment.pk}:{today}")
    return told
