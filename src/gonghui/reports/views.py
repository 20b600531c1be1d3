"""Pages of reporting: the officials' list of assignments and completeness with drill-down, the missing list
(XLSX, one-click reminder), and the enterprise's phone form."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.core import excel, ratelimit
from gonghui.core.deadlines import local_date
from gonghui.core.http import form_date, form_id, handles_bad_input
from gonghui.core.pagecache import cached_read
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, EnterpriseTag, Unit
from gonghui.orgs.views import official_required
from gonghui.reports import forms, rules, scoping, selectors, services, workbook
from gonghui.reports.models import Assignment, Expected, FormTemplate, Report, RollupFigure, Target


def _today() -> dt.date:
    return local_date(timezone.now())


def _day(request: HttpRequest) -> dt.date:
    raw = (request.GET.get("day") or request.POST.get("day") or "").strip()
    try:
        return dt.date.fromisoformat(raw) if raw else _today()
    except ValueError:
        return _today()


def _unit(request: HttpRequest, assignment: Assignment) -> Unit:
    return selectors.unit_to_read(request.user, assignment, form_id(request.GET.get("unit") or request.POST.get("unit"))
                                  or None)


@official_required
def overview_view(request: HttpRequest) -> HttpResponse:
    """The assignments in reach, with today's reporting and on-time rates for the user's unit (two queries)."""
    unit = request.user.primary_unit
    today = _today()
    found = list(scoping.assignments.filter(request.user).select_related("template", "unit")
                 .filter(end_on__gte=today - dt.timedelta(days=30))[:50])
    ids = [a.pk for a in found]
    expected = dict(Expected.objects.filter(assignment_id__in=ids, unit=unit).values_list("assignment_id", "count"))
    figures: dict[tuple[int, str], int] = {
        (a, k): int(v) for a, k, v in RollupFigure.objects.filter(
            assignment_id__in=ids, unit=unit, period=today, key__in=(services.REPORTED, services.ON_TIME))
        .values_list("assignment_id", "key", "value")}
    rows = [{"a": a, "expected": expected.get(a.pk, 0),
             "reported": figures.get((a.pk, services.REPORTED), 0),
             "reporting_rate": rules.rate(figures.get((a.pk, services.REPORTED), 0), expected.get(a.pk, 0)),
             "on_time_rate": rules.rate(figures.get((a.pk, services.ON_TIME), 0), expected.get(a.pk, 0)),
             "today_is_period": rules.is_period(a.frequency, a.start_on, a.end_on, a.weekday, today)}
            for a in found]
    return render(request, "reports/overview.html", {"rows": rows, "unit": unit, "today": today})


@official_required
@cached_read
def completeness_view(request: HttpRequest, report_task_id: int) -> HttpResponse:
    assignment = scoping.assignments.get_or_404(request.user, report_task_id,
                                                queryset=Assignment.objects.select_related("template", "unit"))
    unit, day = _unit(request, assignment), _day(request)
    rows = selectors.completeness(request.user, assignment, day, unit)
    trend = selectors.trend(request.user, assignment, unit, services.REPORTED, day - dt.timedelta(days=13), day)
    chart = {"labels": [d.strftime("%m-%d") for d, _v in trend], "values": [int(v) for _d, v in trend]}
    items = forms.parse_schema(assignment.template.current().schema)
    labels = {k: k for k in forms.figure_keys(items)}
    for item in items:
        if isinstance(item, forms.Table):
            labels[f"{item.key}.rows"] = _("%(t)s（行数）") % {"t": item.label}
        else:
            labels[item.key] = item.label
    return render(request, "reports/completeness.html", {
        "a": assignment, "unit": unit, "day": day, "rows": rows, "chart": chart,
        "figures": [(labels.get(k, k), v) for k, v in rows[0].totals.items()] if rows else [],
        "missing": selectors.missing(request.user, assignment, day, unit)[:500],
        "suspended": selectors.suspended(request.user, assignment, unit)[:500],
        "late": selectors.late(request.user, assignment, day, unit)[:500],
        "is_period": rules.is_period(assignment.frequency, assignment.start_on, assignment.end_on,
                                     assignment.weekday, day),
        "due": rules.due_at(day, assignment.deadline)})


@official_required
def missing_export_view(request: HttpRequest, report_task_id: int) -> HttpResponse:
    assignment = scoping.assignments.get_or_404(request.user, report_task_id)
    unit, day = _unit(request, assignment), _day(request)
    sheet = excel.Sheet(title="未报企业", columns=(
        excel.Column("name", "企业名称", width=36), excel.Column("credit_code", "统一社会信用代码", width=22),
        excel.Column("unit", "所属工会", width=30), excel.Column("contact", "联系人"),
        excel.Column("phone", "联系电话")))
    data = [{"name": e.name, "credit_code": e.credit_code, "unit": e.unit.name, "contact": e.contact_name,
             "phone": e.contact_phone} for e in selectors.missing(request.user, assignment, day, unit)]
    buffer = io.BytesIO()
    excel.write_rows(sheet, data, buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=missing-{assignment.pk}-{day}.xlsx"
    return response


@official_required
@require_POST
@handles_bad_input
def remind_view(request: HttpRequest, report_task_id: int) -> HttpResponse:
    assignment = scoping.assignments.get_or_404(request.user, report_task_id,
                                                queryset=Assignment.objects.select_related("template"))
    unit, day = _unit(request, assignment), _day(request)
    with ratelimit.limited("sms.fanout", request):
        told = services.remind_missing(actor=request.user, assignment=assignment, period=day, unit=unit)
    messages.success(request, _("已提醒 %(n)s 位企业填报人。") % {"n": told})
    return redirect(f"{request.path.rsplit('remind/', 1)[0]}?unit={unit.pk}&day={day}")


# --- the enterprise's side ---

@login_required
def mine_view(request: HttpRequest) -> HttpResponse:
    """What the enterprise owes today, and whether it is filed."""
    enterprises = request.user.reporting_enterprise_ids()
    today = _today()
    targets = Target.objects.filter(enterprise_id__in=enterprises, assignment__start_on__lte=today,
                                    assignment__end_on__gte=today, since__lte=today) \
        .filter(Q(until__isnull=True) | Q(until__gte=today)).select_related("assignment__template", "enterprise")
    filed = set(Report.objects.filter(enterprise_id__in=enterprises, period=today)
                .values_list("assignment_id", "enterprise_id"))
    rows = [{"t": t, "filed": (t.assignment_id, t.enterprise_id) in filed,
             "due": rules.due_at(today, t.assignment.deadline),
             "owed": rules.is_period(t.assignment.frequency, t.assignment.start_on, t.assignment.end_on,
                                     t.assignment.weekday, today)} for t in targets]
    unread = selectors.notices_for_contact(request.user).filter(read_at__isnull=True).count()
    return render(request, "reports/mine.html", {"rows": rows, "today": today, "official": request.user.is_official,
                                                 "unread": unread})


def _enterprise_for(request: HttpRequest, assignment: Assignment) -> Enterprise:
    raw = form_id(request.GET.get("enterprise") or request.POST.get("enterprise"))
    mine = request.user.reporting_enterprise_ids()
    if not raw and len(mine) == 1:
        raw = mine[0]
    enterprise = Enterprise.objects.filter(pk=raw, pk__in=Target.objects.filter(assignment=assignment)
                                           .values("enterprise_id")).select_related("unit").first()
    if enterprise is None or not services.may_file(request.user, enterprise):
        raise Http404
    return enterprise


def _read_form(items: tuple[forms.Item, ...], post: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in items:
        if isinstance(item, forms.Table):
            rows = []
            for index in range(min(form_id(post.get(f"{item.key}__rows")), forms.MAX_ROWS)):  # "²": none
                rows.append({c.key: (post.getlist(f"{item.key}-{index}-{c.key}") if c.type == "multi"
                                     else post.get(f"{item.key}-{index}-{c.key}", "")) for c in item.columns})
            data[item.key] = rows
        else:
            data[item.key] = post.getlist(item.key) if item.type == "multi" else post.get(item.key, "")
    return data


def _rows_for(items: tuple[forms.Item, ...], data: dict[str, Any], extra: int) -> list[dict[str, Any]]:
    """The form's items with their current values (and table rows, plus `extra` empty ones) for the template."""
    shown = []
    for item in items:
        if isinstance(item, forms.Table):
            rows = [r for r in (data.get(item.key) or []) if isinstance(r, dict)]
            rows += [{} for _i in range(extra)]
            shown.append({"table": item, "rows": [
                {"index": i, "cells": [{"field": c, "name": f"{item.key}-{i}-{c.key}",
                                        "value": _cell_value(r.get(c.key))}
                                       for c in item.columns]} for i, r in enumerate(rows)], "count": len(rows)})
        else:
            value = data.get(item.key)
            shown.append({"field": item, "value": _cell_value(value)})
    return shown


def _cell_value(value: Any) -> Any:
    """A value for the input: blank for none, and a masked multi-choice value (["***"] sent back) as the mask."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) and list(value) == ["***"]:
        return "***"
    return value


@login_required
@require_http_methods(["GET", "POST"])
def fill_view(request: HttpRequest, report_task_id: int) -> HttpResponse:
    """Today's form on a phone: every field and table of the form's current version, "no change since
    yesterday" to copy the last report for review, and the corrections of a report already filed."""
    assignment = scoping.assignments.get_or_404(request.user, report_task_id,
                                                queryset=Assignment.objects.select_related("template"))
    enterprise = _enterprise_for(request, assignment)
    day = _day(request)
    items = forms.parse_schema(assignment.template.current().schema)
    existing = Report.objects.filter(assignment=assignment, enterprise=enterprise, period=day).first()
    health = scoping.may_read_health(request.user, enterprise.pk)
    # What the page shows is masked (ID numbers and phones always, health data for a reader not entitled to it):
    # the person filling re-types a full value only to change it; a mask sent back keeps the stored value.
    data: dict[str, Any] = forms.shown_data(items, existing.data, health=health) if existing else {}
    copied = None
    source = existing
    if request.method == "GET" and request.GET.get("copy"):
        copied = services.last_report(request.user, assignment, enterprise, day)
        if copied is not None:
            data = forms.shown_data(items, copied.data, health=health)
    if request.method == "POST":
        try:
            copied_day = dt.date.fromisoformat((request.POST.get("copied_from") or "").strip()[:10])
        except ValueError:
            copied_day = None
        if copied_day is not None and copied_day != day:
            source = Report.objects.filter(assignment=assignment, enterprise=enterprise, period=copied_day).first()
    status = 200
    if request.method == "POST":
        # Shown again as it was sent (masks stay masks; what the person typed is theirs), so a refused submit or
        # "three more rows" never shows a stored value the page did not show before.
        data = _read_form(items, request.POST)
        if request.POST.get("action") == "more":
            return render(request, "reports/fill.html", _fill_context(assignment, enterprise, day, items, data, 3,
                                                                      existing, None, source), status=200)
        try:
            report = services.submit_report(
                actor=request.user, assignment=assignment, enterprise=enterprise, period=day,
                data=forms.restore_sealed(items, data, source.data if source is not None else None))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            status = 422
        else:
            messages.success(request, (_("已报送（迟报）。") if report.late else _("已报送。"))
                             + (_("这是第 %(n)s 次更正。") % {"n": report.revision - 1} if report.revision > 1 else ""))
            return redirect(f"{request.path}?enterprise={enterprise.pk}&day={day}")
    return render(request, "reports/fill.html", _fill_context(assignment, enterprise, day, items, data, 1 if data
                                                              else 3, existing, copied, copied or source),
                  status=status)


def _fill_context(assignment: Assignment, enterprise: Enterprise, day: dt.date, items: tuple[forms.Item, ...],
                  data: dict[str, Any], extra: int, existing: Report | None, copied: Report | None,
                  source: Report | None = None) -> dict[str, Any]:
    return {"copied_from": source.period if source is not None and source.period != day else None,
            "official": False, "a": assignment, "enterprise": enterprise, "day": day, "shown": _rows_for(
        items, data, extra), "existing": existing, "copied": copied, "types": forms.TYPES,
        "due": rules.due_at(day, assignment.deadline),
        "locked": services.is_locked(assignment, enterprise, day, _today())}


@official_required
@require_http_methods(["GET", "POST"])
def assign_view(request: HttpRequest) -> HttpResponse:
    """An official asks the enterprises of their unit (or a unit below) to file a form."""
    from gonghui.orgs.models import Industry

    raw_unit = request.GET.get("unit") or request.POST.get("unit")
    unit = org_scoping.units.get_or_404(request.user, form_id(raw_unit)) if raw_unit else request.user.primary_unit
    if unit is None:
        raise Http404
    templates = FormTemplate.objects.filter(active=True).filter(
        Q(unit__isnull=True) | Q(unit_id__in=[*unit.ancestor_ids, unit.pk])).order_by("unit_id", "code")
    today = _today()
    context = {"unit": unit, "templates": templates, "frequencies": Assignment.Frequency.choices,
               "industries": Industry.choices, "post": request.POST, "today": today,
               "chosen": request.GET.get("template", ""), "tags": EnterpriseTag.objects.all(),
               "weekdays": list(enumerate(("周一", "周二", "周三", "周四", "周五", "周六", "周日")))}
    if request.method == "POST":
        post = request.POST
        try:
            template = templates.filter(pk=form_id(post.get("template"))).first()
            if template is None:
                raise ValidationError(_("请选择表单。"))
            try:
                start_on = dt.date.fromisoformat(post.get("start_on", ""))
                end_on = dt.date.fromisoformat(post.get("end_on", ""))
                deadline = dt.time.fromisoformat(post.get("deadline") or "10:00")
            except ValueError as exc:
                raise ValidationError(_("请填写有效的开始、结束日期和截止时间。")) from exc
            lock = post.get("lock_after_days", "3")
            weekday = post.get("weekday", "")
            assignment = services.assign(
                actor=request.user, template=template, unit=unit, start_on=start_on, end_on=end_on,
                frequency=post.get("frequency", ""), weekday=int(weekday) if weekday.isdigit() else None,
                deadline=deadline, lock_after_days=int(lock) if lock.isdigit() and len(lock) < 3 else -1,
                industry=post.get("industry", "")[:1],
                tag=EnterpriseTag.objects.filter(pk=form_id(post.get("tag"))).first() if post.get("tag") else None)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return render(request, "reports/assign.html", context, status=422)
        messages.success(request, _("已下发：%(n)s 家企业须填报。") % {"n": assignment.targets.count()})
        return redirect("reports:completeness", assignment.pk)
    return render(request, "reports/assign.html", context)


# --- the form as a spreadsheet ---

def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def fill_excel_view(request: HttpRequest, report_task_id: int) -> HttpResponse:
    """The same form through the Excel pipeline: the template generated from the form (or the day's report as
    filed, to correct it in Excel), and the upload — every problem by row, column and reason, nothing filed
    until the sheet is clean."""
    assignment = scoping.assignments.get_or_404(request.user, report_task_id,
                                                queryset=Assignment.objects.select_related("template"))
    enterprise = _enterprise_for(request, assignment)
    day = _day(request)
    items = forms.parse_schema(assignment.template.current().schema)
    name = assignment.template.name
    try:
        sheet = workbook.sheet_for(name, items)
    except workbook.NotFlat as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('reports:fill', args=[assignment.pk])}?enterprise={enterprise.pk}&day={day}")
    if request.method == "GET":
        existing = Report.objects.filter(assignment=assignment, enterprise=enterprise, period=day).first()
        if existing is not None and request.GET.get("filled"):
            # Masked as the form page is; a mask left unchanged in the upload keeps the stored value.
            health = scoping.may_read_health(request.user, enterprise.pk)
            buffer = io.BytesIO()
            excel.write_rows(sheet, workbook.rows_of(
                items, existing.data if health else forms.shown_data(items, existing.data, health=False),
                masked=True), buffer)
            return _xlsx_response(buffer.getvalue(), f"{name}-{enterprise.name}-{day}.xlsx")
        return _xlsx_response(excel.template(sheet), f"{name}-模板.xlsx")
    upload = request.FILES.get("file")
    context = {"a": assignment, "enterprise": enterprise, "day": day, "problems": []}
    if upload is None:
        messages.error(request, _("请选择要上传的 Excel 文件。"))
        return render(request, "reports/fill_excel.html", context, status=422)
    if upload.size > settings.GONGHUI_REPORT_UPLOAD_TASK_KB * 1024:
        # A large workbook is checked and filed as a job: a progress bar, and its problems in the annotated
        # copy of the file, not an error page of megabytes.
        from gonghui.orgs import imports
        from gonghui.reports import tasks

        try:
            source = imports.save_upload(upload.chunks(), upload.name or "report.xlsx")
        except excel.FileRefused as error:
            messages.error(request, str(error))
            return render(request, "reports/fill_excel.html", context, status=422)
        job = tasks.start_upload(actor=request.user, assignment=assignment, enterprise=enterprise, day=day,
                                 source=source, source_name=upload.name or "report.xlsx")
        messages.info(request, _("文件较大，已转为后台检查和报送，完成后可在此查看结果。"))
        return redirect("orgs:job_detail", job_id=job.pk)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        try:
            existing = Report.objects.filter(assignment=assignment, enterprise=enterprise, period=day).first()
            data, problems = workbook.read_report(Path(handle.name), name, items,
                                                  stored=existing.data if existing is not None else None)
        except excel.FileRefused as error:
            messages.error(request, str(error))
            return render(request, "reports/fill_excel.html", context, status=422)
    if not problems:
        try:
            report = services.submit_report(actor=request.user, assignment=assignment, enterprise=enterprise,
                                            period=day, data=data, channel="excel")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return render(request, "reports/fill_excel.html", context, status=422)
        messages.success(request, _("已通过 Excel 报送%(late)s。") % {"late": _("（迟报）") if report.late else ""})
        return redirect(f"{reverse('reports:fill', args=[assignment.pk])}?enterprise={enterprise.pk}&day={day}")
    # The first problems on the page (a page, not a file of megabytes); the count says how many there are.
    context["problems"], context["problem_count"] = problems[:INLINE_PROBLEMS], len(problems)
    return render(request, "reports/fill_excel.html", context, status=422)


INLINE_PROBLEMS = 200


@official_required
def consolidated_view(request: HttpRequest, report_task_id: int) -> HttpResponse:
    """The day's reports in the form's own layout, the way a street sends them upward (personal data masked);
    large ones become a job with a progress bar."""
    from gonghui.core.models import Job
    from gonghui.reports import tasks

    assignment = scoping.assignments.get_or_404(request.user, report_task_id,
                                                queryset=Assignment.objects.select_related("template"))
    unit, day = _unit(request, assignment), _day(request)
    try:
        result = tasks.export_consolidated(actor=request.user, assignment=assignment, day=day, unit=unit)
    except workbook.NotFlat as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('reports:completeness', args=[assignment.pk])}?unit={unit.pk}&day={day}")
    if isinstance(result, Job):
        messages.info(request, _("报表较多，已转为后台导出，完成后可在此下载。"))
        return redirect("orgs:job_detail", job_id=result.pk)
    response = FileResponse(result.open("rb"), as_attachment=True,
                            filename=f"{assignment.template.name}-{unit.name}-{day}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return response


# --- building a form ---

BUILDER_ROWS = 8


@official_required
def forms_view(request: HttpRequest) -> HttpResponse:
    """The forms an official can assign: the shipped ones, their union's and those of the unions above."""
    unit = request.user.primary_unit
    above = [*unit.ancestor_ids, unit.pk] if unit else []
    found = (scoping.form_templates.filter(request.user) | FormTemplate.objects.filter(unit_id__in=above)) \
        .select_related("unit").distinct().order_by("unit_id", "code")
    return render(request, "reports/forms.html", {"templates": found})


def _builder_rows(post: Any) -> list[dict[str, Any]]:
    count = form_id(post.get("rows"))  # a row count: ASCII digits, anything else none ("²" was a 500)
    names = ("key", "label", "type", "choices", "minimum", "maximum", "help", "max_length", "pattern", "table",
             "table_key", "table_min_rows")
    return [{**{n: post.get(f"f-{i}-{n}", "") for n in names}, "required": post.get(f"f-{i}-required") == "on"}
            for i in range(min(count, 300))]


@official_required
@require_http_methods(["GET", "POST"])
def form_builder_view(request: HttpRequest, form_template_id: int | None = None) -> HttpResponse:
    """Build a form from rows — one per field, a table's columns naming their table — or change one (a new
    version: reports already filed keep theirs). `?copy=` starts from another form (a shipped one, say)."""
    template = None
    if form_template_id is not None:
        template = scoping.form_templates.get_or_404(request.user, form_template_id, action=org_scoping.CHANGE)
        if template.unit_id is None and not request.user.is_superuser:
            raise Http404
    source = template
    if source is None and request.GET.get("copy"):
        source = scoping.form_templates.get_or_404(request.user, form_id(request.GET.get("copy")))
    unit = request.user.primary_unit
    if unit is None:
        raise Http404
    rows = forms.rows_from_schema(source.current().schema) if source else []
    name = (source.name if template else (_("%(n)s（本会版）") % {"n": source.name} if source else ""))
    description = source.description if source else ""
    status = 200
    if request.method == "POST":
        rows = _builder_rows(request.POST)
        name, description = request.POST.get("name", "").strip(), request.POST.get("description", "").strip()
        if request.POST.get("action") != "more":
            schema = forms.schema_from_rows(rows)
            try:
                if template is not None:
                    services.revise_template(actor=request.user, template=template, schema=schema)
                    messages.success(request, _("已保存为新版本；已报送的报表保留原版本。"))
                    return redirect("reports:forms")
                if not name:
                    raise ValidationError(_("请填写表单名称。"))
                created = services.create_template(
                    actor=request.user, unit=unit, code=_form_code(unit, name), name=name, schema=schema,
                    description=description, approval_step=request.POST.get("approval_step") == "on")
                messages.success(request, _("已建立表单“%(n)s”，可以下发填报了。") % {"n": created.name})
                return redirect(f"{reverse('reports:assign')}?template={created.pk}")
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                status = 422
    extra = BUILDER_ROWS if request.method == "GET" or request.POST.get("action") == "more" else 0
    shown = rows + [{"type": "text"} for _i in range(extra if rows else BUILDER_ROWS)]
    return render(request, "reports/form_builder.html", {
        "template": template, "rows": shown, "name": name, "description": description, "types": forms.TYPES,
        "approval_step": bool(source and source.approval_step)}, status=status)


def _form_code(unit: Unit, name: str) -> str:
    base = f"u{unit.pk}-{forms.key_for(name, set()).replace('_', '-')}"[:36]
    code, number = base, 2
    while FormTemplate.objects.filter(code=code).exists():
        code, number = f"{base}-{number}", number + 1
    return code


# --- the filed reports: review (the street's approval step) and reopening ---

@official_required
def filed_list_view(request: HttpRequest, report_task_id: int) -> HttpResponse:
    """The reports of a day at and below a unit, with their state: what is still to review (or approve) first."""
    assignment = scoping.assignments.get_or_404(request.user, report_task_id,
                                                queryset=Assignment.objects.select_related("template"))
    unit, day = _unit(request, assignment), _day(request)
    state = request.GET.get("state", "")
    found = scoping.filed_reports.filter(request.user).filter(
        assignment=assignment, period=day, unit__path__startswith=unit.path).select_related("enterprise", "unit")
    if state in Report.State.values:
        found = found.filter(state=state)
    return render(request, "reports/filed_list.html", {
        "a": assignment, "unit": unit, "day": day, "reports": found.order_by("state", "unit__path")[:1000],
        "states": Report.State.choices, "state": state})


def _masked(items: tuple[forms.Item, ...], data: dict[str, Any], *, health: bool) -> list[dict[str, Any]]:
    """A report for the page: labels and values, personal data masked (as in the consolidated table), health data
    too for a reader who does not follow the people up (`scoping.may_read_health`)."""
    data = forms.shown_data(items, data, health=health)
    result: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, forms.Table):
            result.append({"table": item, "rows": [[workbook.cell(c, row.get(c.key), True) for c in item.columns]
                                                   for row in data.get(item.key) or []]})
        else:
            result.append({"field": item, "value": workbook.cell(item, data.get(item.key), True)})
    return result


@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def filed_report_view(request: HttpRequest, filed_report_id: int) -> HttpResponse:
    report = scoping.filed_reports.get_or_404(request.user, filed_report_id, queryset=Report.objects.select_related(
        "assignment__template", "enterprise__unit", "version", "reviewed_by", "submitted_by"))
    if request.method == "POST":
        if request.POST.get("action") == "reopen":
            until = form_date(request.POST.get("until"), _("开放至"))
            services.reopen(actor=request.user, assignment=report.assignment, enterprise=report.enterprise,
                            period=report.period, until=until or _today(), reason=request.POST.get("reason", ""))
            messages.success(request, _("已为该企业重新开放此报告期。"))
        else:
            report = services.review_report(actor=request.user, report=report, verdict=request.POST.get("verdict", ""),
                                            comment=request.POST.get("comment", ""))
            messages.success(request, _("已审核：%(s)s。") % {"s": report.get_state_display()})
        return redirect("reports:filed_report", filed_report_id=report.pk)
    today = _today()
    revisions = report.revisions.select_related("by").order_by("-number")
    return render(request, "reports/filed_report.html", {
        "r": report, "shown": _masked(forms.parse_schema(report.version.schema), report.data,
                                      health=scoping.may_read_health(request.user, report.enterprise_id)),
        "revisions": revisions, "today": today,
        "locked": services.is_locked(report.assignment, report.enterprise, report.period, today),
        "may_review": org_scoping.enterprises.can(request.user, org_scoping.CHANGE, report.enterprise),
        "verdicts": [(Report.State.ACCEPTED, _("审批同意") if report.assignment.template.approval_step else _("审核通过")),
                     (Report.State.HAS_ISSUES, _("有问题，退回修改")),
                     (Report.State.REJECTED, _("不同意") if report.assignment.template.approval_step else _("不予通过"))]})
