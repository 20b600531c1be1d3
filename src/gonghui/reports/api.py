"""API routes of reporting and the return-to-work services under /api/v1/reports: the same services, selectors
and scoping as the pages. Report contents go and come as the form's JSON ({"field": value, "table": [{…}]})."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.api.errors import ApiError
from gonghui.api.pagination import Page
from gonghui.api.types import Quantity, Temperature
from gonghui.core import ratelimit
from gonghui.core.deadlines import local_date
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise
from gonghui.reports import forms, scoping, selectors, services
from gonghui.reports.models import Assignment, Isolation, Report, SupplyItem, VisitIssue

router = Router(tags=["reports"])


def _today() -> date:
    return local_date(timezone.now())


def _day(raw: str) -> date:
    """A `day` query parameter (YYYY-MM-DD), today when absent."""
    if not raw:
        return _today()
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ApiError(422, "invalid", _("日期格式应为 YYYY-MM-DD。")) from exc


def _assignment(request: HttpRequest, report_task_id: int) -> Assignment:
    return scoping.assignments.get_or_404(request.user, report_task_id,
                                          queryset=Assignment.objects.select_related("template", "unit"))


class AssignmentOut(Schema):
    id: int
    form_code: str = Field(..., alias="template.code")
    form_name: str = Field(..., alias="template.name")
    unit_id: int
    frequency: str
    weekday: int | None
    # A wall-clock time in Beijing, "HH:MM": OpenAPI's "time" format (RFC 3339) would demand an offset.
    deadline: str = Field(..., pattern=r"^\d{2}:\d{2}$", description="每期截止时间（北京时间，HH:MM）")
    start_on: date
    end_on: date
    lock_after_days: int

    @staticmethod
    def resolve_deadline(obj: Any) -> str:
        return obj.deadline.strftime("%H:%M")


@router.get("/assignments", response=list[AssignmentOut], summary="The assignments you file under or oversee")
@paginate(Page)
def assignments(request: HttpRequest) -> Any:
    return scoping.assignments.filter(request.user).select_related("template").order_by("-start_on", "-pk")


class FormOut(Schema):
    code: str
    name: str
    version: int
    approval_step: bool
    items: list[dict[str, Any]] = Field(..., description="the fields and tables, as the form engine reads them")


@router.get("/assignments/{report_task_id}/form", response=FormOut, summary="The form to fill (current version)")
def form(request: HttpRequest, report_task_id: int) -> Any:
    template = _assignment(request, report_task_id).template
    version = template.current()
    return {"code": template.code, "name": template.name, "version": version.number,
            "approval_step": template.approval_step, "items": version.schema}


class ReportIn(Schema):
    enterprise_id: int
    period: date
    data: dict[str, Any]


class ReportOut(Schema):
    id: int
    enterprise_id: int
    period: date
    version: int = Field(..., alias="version.number")
    revision: int
    state: str
    late: bool
    channel: str
    submitted_at: datetime
    updated_at: datetime
    review_comment: str
    data: dict[str, Any] = Field(..., description="ID numbers and phones masked; health data masked unless the "
                                                  "caller follows the people up (union official) or filed it")

    @staticmethod
    def resolve_data(obj: Any, context: Any) -> dict[str, Any]:
        user = getattr(context["request"], "user", None) if context else None
        return forms.shown_data(forms.parse_schema(obj.version.schema), obj.data,
                                health=scoping.may_read_health(user, obj.enterprise_id))


@router.post("/assignments/{report_task_id}/reports", response={201: ReportOut},
             summary="File (or correct) one enterprise's report for one period")
def submit(request: HttpRequest, report_task_id: int, payload: ReportIn) -> Any:
    assignment = _assignment(request, report_task_id)
    enterprise = Enterprise.objects.filter(pk=payload.enterprise_id).select_related("unit").first()
    if enterprise is None or not services.may_file(request.user, enterprise):
        raise Http404
    return Status(201, services.submit_report(actor=request.user, assignment=assignment, enterprise=enterprise,
                                              period=payload.period, data=payload.data, channel="api"))


@router.get("/assignments/{report_task_id}/reports", response=list[ReportOut],
            summary="The reports of one period you may read (officials: their enterprises; a contact: its own)")
@paginate(Page)
def reports(request: HttpRequest, report_task_id: int, day: str = "") -> Any:
    assignment = _assignment(request, report_task_id)
    reachable = list(request.user.reporting_enterprise_ids())
    enterprises = org_scoping.enterprises.filter(request.user).values("pk")
    found = Report.objects.filter(assignment=assignment, period=_day(day)).select_related("version")
    return (found.filter(enterprise_id__in=enterprises) | found.filter(enterprise_id__in=reachable)) \
        .order_by("enterprise_id")


class CompletenessOut(Schema):
    unit_id: int
    unit_name: str
    expected: int
    reported: int
    on_time: int
    missing: int
    late: int
    reporting_rate: Decimal | None
    on_time_rate: Decimal | None
    totals: dict[str, Decimal]


@router.get("/assignments/{report_task_id}/completeness", response=list[CompletenessOut],
            summary="Reporting and on-time rates of a unit and each unit below it, with the rolled-up figures")
def completeness(request: HttpRequest, report_task_id: int, day: str = "",
                 unit_id: int | None = None) -> Any:
    if not request.user.is_official:
        raise Http404
    assignment = _assignment(request, report_task_id)
    rows = selectors.completeness(request.user, assignment, _day(day), selectors.unit_to_read(request.user, assignment, unit_id))
    return [{"unit_id": r.unit.pk, "unit_name": r.unit.name, "expected": r.expected, "reported": r.reported,
             "on_time": r.on_time, "missing": r.missing, "late": r.late, "reporting_rate": r.reporting_rate,
             "on_time_rate": r.on_time_rate, "totals": r.totals} for r in rows]


class MissingEnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    unit_id: int


@router.get("/assignments/{report_task_id}/missing", response=list[MissingEnterpriseOut],
            summary="The enterprises that have not filed a period's report")
@paginate(Page)
def missing(request: HttpRequest, report_task_id: int, day: str = "", unit_id: int | None = None) -> Any:
    if not request.user.is_official:
        raise Http404
    assignment = _assignment(request, report_task_id)
    return selectors.missing(request.user, assignment, _day(day), selectors.unit_to_read(request.user, assignment, unit_id))


class RemindIn(Schema):
    day: str = ""
    unit_id: int | None = None


class Told(Schema):
    told: int


@router.post("/assignments/{report_task_id}/remind", response=Told, summary="Remind the enterprises still missing")
def remind(request: HttpRequest, report_task_id: int, payload: RemindIn) -> Any:
    if not request.user.is_official:
        raise Http404
    assignment = _assignment(request, report_task_id)
    unit = selectors.unit_to_read(request.user, assignment, payload.unit_id)
    with ratelimit.limited("sms.fanout", request):
        told = services.remind_missing(actor=request.user, assignment=assignment, period=payload.day or _today(),
                                       unit=unit)
    return {"told": told}


# --- health follow-up ---

class OverdueOut(Schema):
    isolation_id: int
    person_name: str
    id_masked: str
    enterprise_id: int
    follow_up_by_id: int | None
    days: list[date]


@router.get("/isolations/overdue", response=list[OverdueOut],
            summary="People in home isolation whose daily check is overdue")
def overdue(request: HttpRequest) -> Any:
    return [{"isolation_id": o.isolation.pk, "person_name": o.isolation.person.name,
             "id_masked": o.isolation.person.id_masked, "enterprise_id": o.isolation.enterprise_id,
             "follow_up_by_id": o.isolation.follow_up_by_id, "days": o.days}
            for o in selectors.overdue_checks(request.user, _today())]


class CheckIn(Schema):
    day: date
    temperature: Temperature | None = None
    well: bool = True
    note: str = Field("", max_length=500)


class CheckOut(Schema):
    id: int
    day: date


@router.post("/isolations/{isolation_id}/checks", response={201: CheckOut}, summary="Record the day's check")
def check(request: HttpRequest, isolation_id: int, payload: CheckIn) -> Any:
    isolation = scoping.isolations.get_or_404(request.user, isolation_id, action=scoping.CHECK,
                                              queryset=Isolation.objects.select_related("unit"))
    return Status(201, services.record_check(actor=request.user, isolation=isolation, day=payload.day,
                                             temperature=payload.temperature, well=payload.well, note=payload.note))


# --- supplies ---

class SupplyTotalOut(Schema):
    item: str
    measure: str
    enterprises: int
    requested: int
    ordered: int
    allocated: int
    delivered: int


@router.get("/supplies/totals", response=list[SupplyTotalOut], summary="Supplies asked, ordered, allocated, delivered")
def supply_totals(request: HttpRequest, unit_id: int | None = None) -> Any:
    unit = org_scoping.units.get_or_404(request.user, unit_id) if unit_id else request.user.primary_unit
    if unit is None:
        raise Http404
    return [{"item": t.item.name, "measure": t.item.measure, "enterprises": t.enterprises, "requested": t.requested,
             "ordered": t.ordered, "allocated": t.allocated, "delivered": t.delivered}
            for t in selectors.supply_totals(request.user, unit)]


class SupplyRequestIn(Schema):
    enterprise_id: int
    item: str = Field(..., max_length=50, description="the catalogue's name, e.g. 口罩")
    quantity: Quantity
    note: str = Field("", max_length=200)


class SupplyRequestOut(Schema):
    id: int
    enterprise_id: int
    quantity: int
    allocated: int
    order_id: int | None
    delivered_at: datetime | None


@router.post("/supplies/requests", response={201: SupplyRequestOut}, summary="An enterprise asks for supplies")
def request_supplies(request: HttpRequest, payload: SupplyRequestIn) -> Any:
    enterprise = Enterprise.objects.filter(pk=payload.enterprise_id).select_related("unit").first()
    item = SupplyItem.objects.filter(name=payload.item, active=True).first()
    if enterprise is None or item is None or not services.may_file(request.user, enterprise):
        raise Http404
    return Status(201, services.request_supplies(actor=request.user, enterprise=enterprise, item=item,
                                                 quantity=payload.quantity, note=payload.note))


# --- visits ---

class IssueOut(Schema):
    id: int
    visit_id: int
    enterprise_id: int
    category: str
    description: str
    owner_id: int
    due_on: date
    state: str
    overdue: bool


@router.get("/visit-issues", response=list[IssueOut], summary="Open difficulties found on visits, overdue first")
@paginate(Page)
def issues(request: HttpRequest) -> Any:
    return selectors.open_issues(request.user, _today())


class ResolveIn(Schema):
    resolution: str = Field(..., max_length=2000)


@router.post("/visit-issues/{visit_issue_id}/resolve", response=IssueOut, summary="Record how an issue was resolved")
def resolve(request: HttpRequest, visit_issue_id: int, payload: ResolveIn) -> Any:
    issue = scoping.visit_issues.get_or_404(request.user, visit_issue_id, action=org_scoping.CHANGE,
                                            queryset=VisitIssue.objects.select_related("unit"))
    resolved = services.resolve_issue(actor=request.user, issue=issue, resolution=payload.resolution)
    resolved.overdue = False
    return resolved


# --- notices ---

class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    unit_id: int
    published_at: datetime


@router.get("/notices", response=list[NoticeOut], summary="Notices and policy packs you publish or receive")
@paginate(Page)
def notices(request: HttpRequest) -> Any:
    return scoping.notices.filter(request.user).order_by("-published_at", "-pk")


class ReadReceiptOut(Schema):
    enterprise_id: int
    enterprise_name: str = Field(..., alias="enterprise.name")
    read_at: datetime | None


@router.get("/notices/{notice_id}/receipts", response=list[ReadReceiptOut],
            summary="Read receipts of the enterprises you reach (read_at null: unread)")
@paginate(Page)
def receipts(request: HttpRequest, notice_id: int) -> Any:
    if not request.user.is_official:
        raise Http404
    return selectors.receipts(request.user, scoping.notices.get_or_404(request.user, notice_id))


@router.post("/notices/{notice_id}/read", response=Told, summary="An enterprise's contact has read the notice")
def read(request: HttpRequest, notice_id: int) -> Any:
    return {"told": services.mark_notice_read(actor=request.user,
                                              notice=scoping.notices.get_or_404(request.user, notice_id))}
