"""Every write of reporting, one function per use case: atomic, audited, scoped through `gonghui.orgs.scoping`."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Max, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import local_date
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, EnterpriseTag, Role, Unit, User, subtree_q
from gonghui.reports import forms, rules, scoping, targets
from gonghui.reports.models import (
    Assignment,
    Expected,
    FollowUpCheck,
    FormTemplate,
    FormVersion,
    HealthReading,
    Isolation,
    Notice,
    NoticeReceipt,
    PlannedVisit,
    Reopening,
    Report,
    Revision,
    RollupFigure,
    ServiceTeam,
    Supplier,
    SupplyItem,
    SupplyOrder,
    SupplyRequest,
    Target,
    Visit,
    VisitIssue,
    VisitPlan,
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
           deadline: dt.time = dt.time(10, 0), lock_after_days: int = 3, industry: str = "",
           tag: EnterpriseTag | None = None) -> Assignment:
    """Ask the enterprises of a subtree (optionally of one industry, or with one tag) to file a form. The expected count of every
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
    if tag is not None:
        enterprises = enterprises.filter(tags=tag)
    _require(enterprises.exists(), _("该范围内没有需要填报的企业。"))
    assignment = Assignment.objects.create(
        template=template, unit=unit, province_id=unit.province_id, industry=industry, tag=tag, frequency=frequency,
        weekday=weekday if frequency == Assignment.Frequency.WEEKLY else None, deadline=deadline,
        start_on=start_on, end_on=end_on, lock_after_days=lock_after_days, created_by=actor)
    # The rule, not a frozen list: each enterprise owes from its own day, not while suspended (reports.targets).
    synced = targets.sync_targets(assignment=assignment)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=assignment, unit_path=unit.path,
                 changes={"template": template.code, "enterprises": synced.opened, "frequency": frequency,
                          "tag": tag.name if tag else ""})
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
    _require(Target.objects.filter(assignment=assignment, enterprise=enterprise).exists()
             or targets.in_scope(assignment).filter(pk=enterprise.pk).exists(), _("该企业不在本次填报范围内。"))
    # Counted in completeness only for a period it owes (not while suspended, not before it resumed): its figures
    # count all the same.
    owed = targets.owing(assignment, period).filter(enterprise=enterprise).exists()
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
        _apply_to_rollups(assignment, enterprise.unit, period, counted=owed, on_time=not late, add=figures, take={})
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
    _land_health_rows(actor, report, items, checked.data)
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
    if report.assignment.template.approval_step:
        # A form with the street's approval step (急需入职人员审批表) is decided by union officials, not by the
        # enterprise's own union chair.
        _require(getattr(actor, "is_superuser", False) or bool(org_scoping.roles_of(actor, {Role.OFFICIAL, Role.ADMIN})),
                 _("该表须由街道工会干部审批。"))
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


def contacts_of(enterprises: Any) -> Any:
    """The active accounts that act for these enterprises (their representatives and reporting contacts): whom
    reminders, notices and unread-notice reminders reach. `enterprises`: ids, or a query of ids."""
    return User.objects.filter(is_active=True, role_assignments__revoked_at__isnull=True,
                               role_assignments__role__in=(Role.EMPLOYER_REP, Role.REPORTER),
                               role_assignments__enterprise_id__in=enterprises).distinct()


def remind_missing(*, actor: Any, assignment: Assignment, period: dt.date, unit: Unit) -> int:
    """One click: tell the representatives of every enterprise still missing this period's report."""
    from django.urls import reverse

    from gonghui.core.notify import notify
    from gonghui.reports import selectors

    missing = list(selectors.missing(actor, assignment, period, unit).values_list("pk", flat=True))
    reps = contacts_of(missing)
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

    now = now or timezone.now()
    today = local_date(now)
    told = 0
    for assignment in Assignment.objects.filter(start_on__lte=today, end_on__gte=today).select_related("template"):
        if not rules.is_period(assignment.frequency, assignment.start_on, assignment.end_on, assignment.weekday,
                               today):
            continue
        due = rules.due_at(today, assignment.deadline)
        late_from = rules.on_time_until(today, assignment.deadline)  # the end of the deadline minute
        if due - dt.timedelta(hours=1) <= now < late_from:
            kind, text = "before", _("《%(f)s》今日 %(t)s 截止，贵单位尚未报送。")
        elif late_from <= now < late_from + dt.timedelta(hours=1):
            kind, text = "at", _("《%(f)s》今日 %(t)s 已截止，贵单位尚未报送，请尽快补报（将记为迟报）。")
        else:
            continue
        missing = targets.owing(assignment, today).exclude(
            enterprise_id__in=Report.objects.filter(assignment=assignment, period=today).values("enterprise_id")) \
            .values("enterprise_id")
        reps = contacts_of(missing)
        told += notify(reps, text % {"f": assignment.template.name, "t": assignment.deadline.strftime("%H:%M")},
                       url=reverse("reports:fill", args=[assignment.pk]) + f"?day={today}",
                       key=f"reports:{kind}:{assignment.pk}:{today}")
    return told


# --- one file per worker: the rows that name a person land in their file ---

HEALTH_KINDS = {"居家隔离": Isolation.Kind.HOME, "集中隔离": Isolation.Kind.CENTRAL, "健康监测": Isolation.Kind.MONITOR}
READING_KEYS = ("temperature", "symptoms")


def _land_health_rows(actor: Any, report: Report, items: tuple[forms.Item, ...], data: dict[str, Any]) -> None:
    """Each table row with an ID number lands in that person's file (found by the number, or opened on the basis of
    the street's legal duty): its temperature and symptoms as the day's reading, and — where the row says how
    and since when the person is observed (`kind`, `start_on`, `end_on`) — their isolation period. A correction
    replaces the report's readings, so nothing is counted twice."""
    from gonghui.orgs import identity
    from gonghui.orgs.models import PersonLink
    from gonghui.orgs.services import file_for_service

    HealthReading.objects.filter(report=report).delete()
    enterprise = report.enterprise
    for item in items:
        if not isinstance(item, forms.Table):
            continue
        id_key = next((c.key for c in item.columns if c.type == "id_number"), None)
        if id_key is None:
            continue
        for index, row in enumerate(data.get(item.key) or [], start=1):
            if not row.get(id_key):
                continue
            try:
                person = file_for_service(actor=actor, id_number=row[id_key], name=str(row.get("name") or ""),
                                          unit=enterprise.unit, purpose=f"reports:{report.assignment_id}",
                                          phone=str(row.get("phone") or ""), employer=enterprise)
            except ValidationError as error:
                reason = "；".join(error.messages)
                raise ValidationError(_("%(t)s第%(n)d行：%(r)s") % {"t": item.label, "n": index, "r": reason}) \
                    from error
            if isinstance(person, PersonLink):
                # Another street's file: the row lands once the person's own union confirms it is theirs.
                identity.attach_link(person, report)
                continue
            _land_row(report, person, row)


def _land_row(report: Report, person: Any, row: dict[str, Any]) -> None:
    isolation = _isolation_from_row(person, report, row)
    if isolation is None:
        isolation = Isolation.objects.filter(person=person, start_on__lte=report.period) \
            .filter(Q(end_on__isnull=True) | Q(end_on__gte=report.period)).first()
    reading = {k: row[k] for k in READING_KEYS if row.get(k) not in (None, "", [])}
    if reading:
        HealthReading.objects.update_or_create(
            report=report, person=person,
            defaults={"isolation": isolation, "unit": report.enterprise.unit, "day": report.period,
                      "reading": reading})


def land_confirmed_row(link: Any, person: Any) -> None:
    """A pending link confirmed by the person's own union: the report's rows naming that person land in their file."""
    from gonghui.core.crypto import lookup_hash
    from gonghui.orgs import rules as org_rules

    report = Report.objects.select_related("version", "enterprise__unit").filter(pk=int(link.object_id)).first()
    if report is None:
        return
    for item in _items(report.version.schema):
        if not isinstance(item, forms.Table):
            continue
        id_key = next((c.key for c in item.columns if c.type == "id_number"), None)
        for row in (report.data.get(item.key) or []) if id_key else []:
            try:
                number = org_rules.parse_id_number(str(row.get(id_key) or "")).number
            except org_rules.InvalidNumber:
                continue
            if lookup_hash(number, "id") == person.id_hash:
                _land_row(report, person, row)


def _isolation_from_row(person: Any, report: Report, row: dict[str, Any]) -> Isolation | None:
    kind = HEALTH_KINDS.get(str(row.get("kind") or ""))
    if kind is None or not row.get("start_on"):
        return None
    start_on = dt.date.fromisoformat(row["start_on"])
    end_on = dt.date.fromisoformat(row["end_on"]) if row.get("end_on") else None
    if end_on is not None and end_on < start_on:
        raise ValidationError(_("%(n)s：观察结束日期不能早于开始日期。") % {"n": row.get("name") or ""})
    enterprise = report.enterprise
    isolation, created = Isolation.objects.get_or_create(
        person=person, start_on=start_on,
        defaults={"kind": kind, "end_on": end_on or rules.default_isolation_end(start_on), "enterprise": enterprise,
                  "unit": enterprise.unit, "province_id": enterprise.province_id,
                  "follow_up_named": str(row.get("follow_up") or "")[:50], "source_report": report})
    if not created and (isolation.kind != kind or (end_on is not None and isolation.end_on != end_on)):
        isolation.kind, isolation.end_on = kind, end_on or isolation.end_on
        isolation.save(update_fields=["kind", "end_on"])
    return isolation


def _reaches_unit(user: Any, unit: Unit) -> bool:
    return bool(getattr(user, "is_active", False)) and org_scoping.units.can(user, org_scoping.VIEW, unit)


@transaction.atomic
def assign_follow_up(*, actor: Any, isolation: Isolation, follow_up_by: Any) -> Isolation:
    """Name the person who checks on someone in isolation every day: an official, social worker or the chair who
    reaches the enterprise's union."""
    isolation = scoping.isolations.get_or_404(actor, isolation.pk, action=org_scoping.CHANGE)
    _require(_reaches_unit(follow_up_by, isolation.unit), _("跟进人须是能管理该企业所属工会的干部、社工或工会主席。"))
    before = isolation.follow_up_by_id
    isolation.follow_up_by = follow_up_by
    isolation.save(update_fields=["follow_up_by"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=isolation, unit_path=isolation.unit.path,
                 changes={"follow_up_by": [before, follow_up_by.pk]})
    from django.urls import reverse

    from gonghui.core.notify import notify

    notify([follow_up_by], _("请每日跟进居家隔离人员 %(n)s（%(d)s 起）。") % {
        "n": isolation.person.name, "d": isolation.start_on},
        url=reverse("reports:isolation", args=[isolation.pk]), key=f"reports:follow-up:{isolation.pk}:{follow_up_by.pk}")
    return isolation


@transaction.atomic
def record_check(*, actor: Any, isolation: Isolation, day: dt.date, temperature: Decimal | None, well: bool,
                 note: str = "", now: dt.datetime | None = None) -> FollowUpCheck:
    """The day's check of someone in isolation, by the follow-up person (or an official who reaches them)."""
    isolation = scoping.isolations.get_or_404(actor, isolation.pk, action=scoping.CHECK)
    today = local_date(now or timezone.now())
    _require(day <= today, _("不能提前登记 %(d)s 的跟进。") % {"d": day})
    _require(rules.is_isolated(isolation.start_on, isolation.end_on, day),
             _("%(d)s 不在该人员的隔离观察期内。") % {"d": day})
    # NaN first: a comparison with it raises InvalidOperation (a server error), not False.
    _require(temperature is None or (temperature.is_finite() and Decimal(34) <= temperature <= Decimal(43)),
             _("体温应在 34 到 43 ℃ 之间。"))
    reading = {"temperature": str(temperature) if temperature is not None else "", "well": well,
               "note": note.strip()[:500]}
    check, created = FollowUpCheck.objects.update_or_create(isolation=isolation, day=day,
                                                            defaults={"reading": reading, "by": actor})
    audit.record(actor=actor, action=audit.Action.CREATE if created else audit.Action.UPDATE, obj=isolation,
                 unit_path=isolation.unit.path, changes={"checked": day})
    return check


@transaction.atomic
def end_isolation(*, actor: Any, isolation: Isolation, end_on: dt.date) -> Isolation:
    isolation = scoping.isolations.get_or_404(actor, isolation.pk, action=org_scoping.CHANGE)
    _require(end_on >= isolation.start_on, _("结束日期不能早于开始日期。"))
    isolation.end_on = end_on
    isolation.save(update_fields=["end_on"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=isolation, unit_path=isolation.unit.path,
                 changes={"end_on": end_on})
    return isolation


# --- supplies ---

@transaction.atomic
def add_supply_item(*, actor: Any, name: str, measure: str) -> SupplyItem:
    """Extend the catalogue (口罩 个, 测温枪 支…): any official may add an item every union then sees."""
    unit = actor.primary_unit
    _require(unit is not None and org_scoping.units.can(actor, org_scoping.CHANGE, unit), _("只有工会干部能添加物资品类。"))
    name, measure = name.strip(), measure.strip()
    _require(bool(name) and bool(measure), _("请填写物资名称和计量单位。"))
    _require(len(name) <= 50 and len(measure) <= 10, _("物资名称最多 50 个字，计量单位最多 10 个字。"))
    _require(not SupplyItem.objects.filter(name=name).exists(), _("物资“%(n)s”已在目录中。") % {"n": name})
    item = SupplyItem.objects.create(name=name, measure=measure, added_by_unit=unit)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=item, unit_path=unit.path, changes={"name": name})
    return item


@transaction.atomic
def add_supplier(*, actor: Any, unit: Unit, name: str, contact_name: str, contact_phone: str,
                 items: list[SupplyItem]) -> Supplier:
    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    _require(bool(name.strip()) and bool(contact_name.strip()) and bool(contact_phone.strip()),
             _("请填写供应商名称、联系人和联系电话。"))
    supplier = Supplier.objects.create(unit=unit, name=name.strip()[:100], contact_name=contact_name.strip()[:50],
                                       contact_phone=contact_phone.strip()[:30])
    supplier.items.set(items)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=supplier, unit_path=unit.path, changes={"name": name})
    return supplier


@transaction.atomic
def request_supplies(*, actor: Any, enterprise: Enterprise, item: SupplyItem, quantity: int,
                     note: str = "") -> SupplyRequest:
    """An enterprise (its contact, or an official for it) asks the street for a quantity of one item."""
    if not may_file(actor, enterprise):
        raise Http404
    _require(item.active, _("该物资已不再供应。"))
    _require(0 < quantity <= 10_000_000, _("申请数量应为正整数。"))
    request = SupplyRequest.objects.create(enterprise=enterprise, unit_id=enterprise.unit_id,
                                           province_id=enterprise.province_id, item=item, quantity=quantity,
                                           note=note.strip()[:200], requested_by=actor)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=request, unit_path=enterprise.unit.path,
                 changes={"item": item.name, "quantity": quantity})
    return request


@transaction.atomic
def consolidate_order(*, actor: Any, unit: Unit, item: SupplyItem, supplier: Supplier | None = None) -> SupplyOrder:
    """The street's one order of an item: every request of its enterprises not yet ordered, summed."""
    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    pending = SupplyRequest.objects.select_for_update().filter(subtree_q(unit.path, "unit__path"), item=item,
                                                               order__isnull=True)
    pending_ids = list(pending.values_list("pk", flat=True))
    _require(bool(pending_ids), _("没有待汇总的“%(i)s”申请。") % {"i": item.name})
    total = sum(SupplyRequest.objects.filter(pk__in=pending_ids).values_list("quantity", flat=True))
    if supplier is not None:
        _require(org_scoping.units.can(actor, org_scoping.VIEW, supplier.unit), _("请选择本工会的供应商。"))
    order = SupplyOrder.objects.create(unit=unit, province_id=unit.province_id, item=item, supplier=supplier,
                                       quantity=total, created_by=actor)
    SupplyRequest.objects.filter(pk__in=pending_ids).update(order=order)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=order, unit_path=unit.path,
                 changes={"item": item.name, "quantity": total, "requests": len(pending_ids)})
    return order


@transaction.atomic
def receive_order(*, actor: Any, order: SupplyOrder, quantity: int | None = None) -> SupplyOrder:
    """The order arrived — in full, or short (`quantity`): what arrived is what can be allocated."""
    order = scoping.supply_orders.get_or_404(actor, order.pk, action=org_scoping.CHANGE)
    _require(order.state == SupplyOrder.State.PLACED, _("该订单已到货。"))
    received = order.quantity if quantity is None else quantity
    _require(0 <= received <= order.quantity, _("到货数量应在 0 到订单数量 %(q)d 之间。") % {"q": order.quantity})
    allocated = sum(order.requests.values_list("allocated", flat=True))
    _require(allocated <= received, _("已分配 %(a)d，多于到货数量，请先调整分配。") % {"a": allocated})
    order.state, order.received_at, order.received_quantity = SupplyOrder.State.RECEIVED, timezone.now(), received
    order.save(update_fields=["state", "received_at", "received_quantity"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=order, unit_path=order.unit.path,
                 changes={"state": [SupplyOrder.State.PLACED, SupplyOrder.State.RECEIVED], "received": received})
    return order


@transaction.atomic
def allocate_supplies(*, actor: Any, request: SupplyRequest, quantity: int) -> SupplyRequest:
    """How much of a request the street gives the enterprise: at most what it asked for, and — summed over the
    order's requests — at most what was ordered, or once it arrived, what arrived."""
    request = scoping.supply_requests.get_or_404(actor, request.pk, action=org_scoping.CHANGE,
                                                 queryset=SupplyRequest.objects.select_for_update(of=("self",)))
    _require(request.order_id is not None, _("该申请尚未汇总下单。"))
    _require(request.delivered_at is None, _("该申请已送达，不能再改分配数量。"))
    _require(0 <= quantity <= request.quantity, _("分配数量应在 0 到申请数量 %(q)d 之间。") % {"q": request.quantity})
    others = sum(SupplyRequest.objects.filter(order_id=request.order_id).exclude(pk=request.pk)
                 .values_list("allocated", flat=True))
    ordered, received = SupplyOrder.objects.values_list("quantity", "received_quantity").get(pk=request.order_id or 0)
    available = ordered if received is None else received  # before arrival: what was ordered; after: what came
    _require(others + quantity <= available, _("分配合计将超过可分配数量 %(q)d。") % {"q": available})
    before = request.allocated
    request.allocated = quantity
    request.save(update_fields=["allocated"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=request, unit_path=request.unit.path,
                 changes={"allocated": [before, quantity]})
    return request


@transaction.atomic
def deliver_supplies(*, actor: Any, request: SupplyRequest) -> SupplyRequest:
    request = scoping.supply_requests.get_or_404(actor, request.pk, action=org_scoping.CHANGE)
    _require(request.allocated > 0, _("请先分配数量再登记送达。"))
    _require(request.delivered_at is None, _("该申请已登记送达。"))
    request.delivered_at, request.delivered_by = timezone.now(), actor
    request.save(update_fields=["delivered_at", "delivered_by"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=request, unit_path=request.unit.path,
                 changes={"delivered": request.allocated})
    return request


# --- service visits ---

def _officials_reaching(users: list[Any], unit: Unit) -> bool:
    return all(_reaches_unit(u, unit) for u in users)


@transaction.atomic
def create_team(*, actor: Any, unit: Unit, name: str, leader: Any, members: list[Any]) -> ServiceTeam:
    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    _require(bool(name.strip()), _("请填写服务队名称。"))
    _require(not ServiceTeam.objects.filter(unit=unit, name=name.strip()).exists(), _("已有同名服务队。"))
    people = [leader, *members] if leader is not None else list(members)
    _require(_officials_reaching(people, unit), _("队长和队员须是能管理本工会的干部、社工或工会主席。"))
    team = ServiceTeam.objects.create(unit=unit, name=name.strip()[:50], leader=leader)
    team.members.set({m.pk for m in people})
    audit.record(actor=actor, action=audit.Action.CREATE, obj=team, unit_path=unit.path,
                 changes={"name": name, "members": len(people)})
    return team


@transaction.atomic
def plan_visits(*, actor: Any, unit: Unit, name: str, teams: list[ServiceTeam], start_on: dt.date,
                end_on: dt.date, industry: str = "") -> VisitPlan:
    """Share the enterprises of a subtree out among teams (10 teams × 100 enterprises): each team a block of
    neighbouring enterprises (ordered by union, then name), the blocks as even as can be."""
    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    _require(bool(name.strip()), _("请填写计划名称。"))
    _require(start_on <= end_on, _("完成日期不能早于开始日期。"))
    _require(bool(teams), _("请至少选择一支服务队。"))
    _require(all(org_scoping.units.can(actor, org_scoping.VIEW, t.unit) for t in teams), _("请选择本工会的服务队。"))
    enterprises = org_scoping.enterprises.filter(actor).filter(subtree_q(unit.path, "unit__path")) \
        .exclude(status=Enterprise.Status.CLOSED)
    if industry:
        enterprises = enterprises.filter(industry=industry)
    ids = list(enterprises.order_by("unit__path", "name", "pk").values_list("pk", flat=True))
    _require(bool(ids), _("该范围内没有企业。"))
    plan = VisitPlan.objects.create(unit=unit, name=name.strip()[:100], start_on=start_on, end_on=end_on,
                                    created_by=actor)
    planned, position = [], 0
    for team, size in zip(teams, rules.share_out(len(ids), len(teams)), strict=True):
        planned += [PlannedVisit(plan=plan, team=team, enterprise_id=pk) for pk in ids[position:position + size]]
        position += size
    PlannedVisit.objects.bulk_create(planned, batch_size=2000)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=plan, unit_path=unit.path,
                 changes={"teams": len(teams), "enterprises": len(ids)})
    return plan


@transaction.atomic
def record_visit(*, actor: Any, enterprise: Enterprise, visited_on: dt.date, looked: str, heard: str, asked: str,
                 agreed: str, team: ServiceTeam | None = None, issues: list[dict[str, Any]] | None = None,
                 now: dt.datetime | None = None) -> Visit:
    """A visit in four parts (望闻问切); each difficulty found becomes a tracked issue with a category, an owner and
    a resolution date. The enterprise's planned visit, if any, is marked done."""
    enterprise = org_scoping.enterprises.get_or_404(actor, enterprise.pk, action=org_scoping.VIEW)
    today = local_date(now or timezone.now())
    _require(visited_on <= today, _("走访日期不能晚于今天。"))
    parts = {"looked": looked.strip(), "heard": heard.strip(), "asked": asked.strip(), "agreed": agreed.strip()}
    _require(all(parts.values()), _("望、闻、问、切四部分都要填写（没有的写“无”）。"))
    issues = issues or []
    for number, issue in enumerate(issues, start=1):
        _require(issue.get("category") in VisitIssue.Category.values, _("第%(n)d个问题：请选择类别。") % {"n": number})
        _require(bool(str(issue.get("description") or "").strip()), _("第%(n)d个问题：请描述问题。") % {"n": number})
        _require(issue.get("owner") is not None and _reaches_unit(issue["owner"], enterprise.unit),
                 _("第%(n)d个问题：请选择能管理该企业的责任人。") % {"n": number})
        _require(isinstance(issue.get("due_on"), dt.date) and issue["due_on"] >= visited_on,
                 _("第%(n)d个问题：解决时限不能早于走访日期。") % {"n": number})
    if team is not None:
        _require(org_scoping.units.can(actor, org_scoping.VIEW, team.unit), _("请选择本工会的服务队。"))
    visit = Visit.objects.create(enterprise=enterprise, unit_id=enterprise.unit_id, province_id=enterprise.province_id,
                                 team=team, visited_on=visited_on, by=actor, **parts)
    VisitIssue.objects.bulk_create([
        VisitIssue(visit=visit, enterprise=enterprise, unit_id=enterprise.unit_id, category=i["category"],
                   description=str(i["description"]).strip(), owner=i["owner"], due_on=i["due_on"]) for i in issues])
    PlannedVisit.objects.filter(enterprise=enterprise, visit__isnull=True, plan__start_on__lte=visited_on,
                                plan__end_on__gte=visited_on).update(visit=visit)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=visit, unit_path=enterprise.unit.path,
                 changes={"visited_on": visited_on, "issues": len(issues)})
    if issues:
        from django.urls import reverse

        from gonghui.core.notify import notify

        for tracked in visit.issues.select_related("owner"):
            notify([tracked.owner], _("走访发现的问题交由您解决（%(e)s，%(d)s 前）：%(t)s") % {
                "e": enterprise.name, "d": tracked.due_on, "t": tracked.description[:60]},
                url=reverse("reports:visit", args=[visit.pk]), key=f"reports:issue:{tracked.pk}")
    return visit


@transaction.atomic
def resolve_issue(*, actor: Any, issue: VisitIssue, resolution: str, now: dt.datetime | None = None) -> VisitIssue:
    issue = scoping.visit_issues.get_or_404(actor, issue.pk, action=org_scoping.CHANGE)
    _require(issue.state == VisitIssue.State.OPEN, _("该问题已解决。"))
    _require(bool(resolution.strip()), _("请写明解决情况。"))
    issue.state, issue.resolution = VisitIssue.State.RESOLVED, resolution.strip()
    issue.resolved_on, issue.resolved_by = local_date(now or timezone.now()), actor
    issue.save(update_fields=["state", "resolution", "resolved_on", "resolved_by"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=issue, unit_path=issue.unit.path,
                 changes={"state": [VisitIssue.State.OPEN, VisitIssue.State.RESOLVED]}, reason=resolution.strip())
    return issue


# --- notices ---

@transaction.atomic
def publish_notice(*, actor: Any, unit: Unit, title: str, body: str, kind: str = Notice.Kind.NOTICE,
                   files: list[Any] | None = None, industry: str = "") -> Notice:
    """A notice or policy pack to the enterprises of a subtree: one receipt per enterprise, their contacts told."""
    from django.urls import reverse

    from gonghui.core import attachments
    from gonghui.core.notify import notify

    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    _require(bool(title.strip()) and bool(body.strip()), _("请填写标题和正文。"))
    _require(kind in Notice.Kind.values, _("请选择类别。"))
    files = files or []
    for upload in files:
        try:
            attachments.check(upload)
        except attachments.AttachmentRefused as error:
            raise ValidationError(str(error)) from error
    enterprises = org_scoping.enterprises.filter(actor).filter(subtree_q(unit.path, "unit__path")) \
        .exclude(status=Enterprise.Status.CLOSED)
    if industry:
        enterprises = enterprises.filter(industry=industry)
    rows = list(enterprises.values_list("pk", "unit_id"))
    _require(bool(rows), _("该范围内没有企业。"))
    notice = Notice.objects.create(unit=unit, province_id=unit.province_id, kind=kind, title=title.strip()[:100],
                                   body=body.strip(), published_by=actor)
    NoticeReceipt.objects.bulk_create([NoticeReceipt(notice=notice, enterprise_id=pk, unit_id=u) for pk, u in rows],
                                      batch_size=2000)
    for upload in files:
        attachments.save(actor=actor, upload=upload, owner_type="reports.notice", owner_id=notice.pk,
                         unit_path=unit.path, label=upload.name)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=notice, unit_path=unit.path,
                 changes={"title": notice.title, "enterprises": len(rows), "files": len(files)})
    contacts = contacts_of([pk for pk, _u in rows])
    notify(contacts, _("新%(k)s：%(t)s") % {"k": notice.get_kind_display(), "t": notice.title},
           url=reverse("reports:notice", args=[notice.pk]), key=f"reports:notice:{notice.pk}")
    return notice


def mark_notice_read(*, actor: Any, notice: Notice, now: dt.datetime | None = None) -> int:
    """The first opening by an enterprise's contact is its read receipt (later openings change nothing)."""
    enterprises: list[int] = list(getattr(actor, "reporting_enterprise_ids", lambda: [])())
    if not enterprises:
        return 0
    return NoticeReceipt.objects.filter(notice=notice, enterprise_id__in=enterprises, read_at__isnull=True) \
        .update(read_at=now or timezone.now(), read_by=actor)


def remind_unread(*, actor: Any, notice: Notice) -> int:
    from django.urls import reverse

    from gonghui.core.notify import notify
    notice = scoping.notices.get_or_404(actor, notice.pk, action=org_scoping.CHANGE)
    unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True).values("enterprise_id")
    contacts = contacts_of(unread)
    told = notify(contacts, _("请阅读：%(t)s") % {"t": notice.title}, url=reverse("reports:notice", args=[notice.pk]),
                  key=f"reports:notice-remind:{notice.pk}:{timezone.now():%Y%m%d%H%M}")
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=notice, unit_path=notice.unit.path,
                 changes={"reminded_unread": told})
    return told
