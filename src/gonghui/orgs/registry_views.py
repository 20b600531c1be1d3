"""Pages of the registry: people (一人一档), enterprises, spreadsheet imports and exports, jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.core import excel
from gonghui.core.deadlines import local_date
from gonghui.core.http import BUSY, handles_bad_input
from gonghui.core.models import Job
from gonghui.orgs import ages, exports, imports, person_sections, scoping, selectors, services
from gonghui.orgs.forms import EnterpriseForm, ImportForm, OwnContactForm, PersonForm
from gonghui.orgs.models import Consent, Enterprise, Person, Role, Tag
from gonghui.orgs.views import _apply_errors, official_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PRIVACY_VERSION = "2026-11"


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _people_filters(request: HttpRequest) -> dict[str, Any]:
    unit = request.GET.get("unit", "")
    membership = request.GET.get("membership", "")
    return {
        "query": request.GET.get("q", "").strip()[:50],
        "unit": int(unit) if unit.isascii() and unit.isdigit() else None,
        "tag": request.GET.get("tag", "")[:30],
        "membership": membership if membership in Person.Membership.values else "",
    }


def _resolve(request: HttpRequest, filters: dict[str, Any]) -> dict[str, Any]:
    resolved = dict(filters)
    resolved["unit"] = scoping.units.get_or_404(request.user, filters["unit"]) if filters.get("unit") else None
    return resolved


# --- People ---

@official_required
def person_list_view(request: HttpRequest) -> HttpResponse:
    filters = _people_filters(request)
    people = selectors.people_list(request.user, **_resolve(request, filters))
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "tags": Tag.objects.all(), "memberships": Person.Membership.choices,
               "units": selectors.unit_list(request.user).filter(level__lte=6)[:500], "q": filters["query"],
               "querystring": request.GET.urlencode()}
    template = "orgs/person_list.html#person-rows" if request.htmx else "orgs/person_list.html"
    return render(request, template, context)


@official_required
def person_export_view(request: HttpRequest) -> HttpResponse:
    filters = _people_filters(request)
    full = request.GET.get("full") == "1"
    result = exports.export(actor=request.user, what="people", filters=filters, full=full)
    if isinstance(result, Job):
        messages.info(request, _("名单较长，已转为后台导出，完成后可在此下载。"))
        return redirect("orgs:job_detail", job_id=result.pk)
    return _xlsx(result, _("职工名单.xlsx"))


@official_required
@require_http_methods(["GET", "POST"])
def person_create_view(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, units=exports.unit_choices(request.user),
                      enterprises=selectors.enterprise_list(request.user), initial={"basis": "duty"})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        guardian = form.pop_guardian(data)
        try:
            person = services.create_person(actor=request.user, guardian=guardian, channel="page", **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已为“%(name)s”建档。") % {"name": person.name})
            return redirect("orgs:person_detail", person_id=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "title": _("新建职工档案")})


@official_required
@require_http_methods(["GET", "POST"])
def person_edit_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = scoping.people.get_or_404(request.user, person_id, action=scoping.CHANGE)
    initial = {f: getattr(person, f) for f in services.PERSON_FIELDS}
    initial.update(unit=person.unit, employer=person.employer, tags=list(person.tags.all()))
    form = PersonForm(request.POST or None, units=exports.unit_choices(request.user),
                      enterprises=selectors.enterprise_list(request.user), initial=initial, editing=True,
                      stored={f: getattr(person, f) for f in PersonForm.sealed})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.update_person(actor=request.user, person=person, tags=data.pop("tags"), unit=data.pop("unit"),
                                   employer=data.pop("employer"), **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:person_detail", person_id=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "title": _("修改职工档案"), "person": person})


@official_required
def person_detail_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_detail(request.user, person_id)
    return render(request, "orgs/person_detail.html", {
        "person": person,
        "history": selectors.person_history(request.user, person)[:50],
        "can_change": scoping.people.can(request.user, scoping.CHANGE, person),
        "can_reveal": scoping.people.can(request.user, "reveal", person),
        "consents": person.consents.all(),
        "sections": person_sections.for_person(request.user, person),
        "age": ages.age_on(person.birth_date, local_date(timezone.now())),
        "age_flags": ages.file_flags(person.birth_date, local_date(timezone.now())),
        "guardian_consents": person.guardian_consents.select_related("recorded_by"),
    })


@official_required
@require_POST
def person_reveal_view(request: HttpRequest, person_id: int) -> HttpResponse:
    field = request.POST.get("field", "")
    if field not in services.REVEALABLE:
        raise Http404
    person = scoping.people.get_or_404(request.user, person_id, action="reveal")
    value = services.reveal_person_field(actor=request.user, person=person, field=field,
                                        reason=request.POST.get("reason", "")[:200])
    return render(request, "orgs/person_detail.html#revealed", {"field": field, "value": value})


# --- Identity: the union's verification, and records other streets named by ID number ---

@official_required
@require_http_methods(["GET", "POST"])
def person_verify_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Record that the union verified this person (ID card in person, or video); optionally bind their login."""
    from gonghui.orgs import identity

    person = scoping.people.get_or_404(request.user, person_id, action=scoping.CHANGE)
    if request.method == "POST":
        try:
            identity.verify_by_union(actor=request.user, person=person, method=request.POST.get("method", ""),
                                     evidence=request.POST.get("evidence", ""), phone=request.POST.get("phone", ""),
                                     phone_code=request.POST.get("phone_code", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except OperationalError:
            messages.error(request, BUSY)
        else:
            messages.success(request, _("已记录身份核验。"))
            return redirect("orgs:person_detail", person_id=person.pk)
    return render(request, "orgs/person_verify.html", {
        "person": person, "verifications": person.verifications.select_related("verified_by")[:20],
        "post": request.POST})


@official_required
def person_links_view(request: HttpRequest) -> HttpResponse:
    links = scoping.people_links.filter(request.user).select_related("person")
    return render(request, "orgs/person_links.html", {
        "pending": links.filter(state="pending")[:200], "decided": links.exclude(state="pending")[:50]})


@official_required
@require_POST
@handles_bad_input
def person_link_decide_view(request: HttpRequest, link_id: int) -> HttpResponse:
    from gonghui.orgs import identity

    link = scoping.people_links.get_or_404(request.user, link_id, action=scoping.CHANGE)
    identity.decide_link(actor=request.user, link=link, confirm=request.POST.get("confirm") == "1",
                         note=request.POST.get("note", ""))
    messages.success(request, _("已处理。"))
    return redirect("orgs:person_links")


# --- Enterprises ---

@official_required
def enterprise_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = {"query": request.GET.get("q", "").strip()[:50],
               "status": status if status in Enterprise.Status.values else ""}
    enterprises = selectors.enterprise_list(request.user, **filters)
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "statuses": Enterprise.Status.choices, "q": filters["query"],
               "querystring": request.GET.urlencode()}
    template = "orgs/enterprise_list.html#enterprise-rows" if request.htmx else "orgs/enterprise_list.html"
    return render(request, template, context)


@official_required
def enterprise_export_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = {"query": request.GET.get("q", "").strip()[:50],
               "status": status if status in Enterprise.Status.values else ""}
    result = exports.export(actor=request.user, what="enterprises", filters=filters)
    if isinstance(result, Job):
        return redirect("orgs:job_detail", job_id=result.pk)
    return _xlsx(result, _("企业名录.xlsx"))


@official_required
@require_http_methods(["GET", "POST"])
def enterprise_create_view(request: HttpRequest) -> HttpResponse:
    form = EnterpriseForm(request.POST or None, units=exports.unit_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.create_enterprise(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已登记“%(name)s”。") % {"name": enterprise.name})
            return redirect("orgs:enterprise_detail", enterprise_id=enterprise.pk)
    return render(request, "orgs/enterprise_form.html", {"form": form, "title": _("登记企业")})


@official_required
@require_http_methods(["GET", "POST"])
def enterprise_detail_view(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_detail(request.user, enterprise_id)
    can_change = scoping.enterprises.can(request.user, scoping.CHANGE, enterprise)
    initial = {f: getattr(enterprise, f) for f in services.ENTERPRISE_FIELDS} | {
        "tags": "、".join(enterprise.tags.values_list("name", flat=True))}
    form = EnterpriseForm(request.POST or None, units=exports.unit_choices(request.user), initial=initial,
                          editing=True) if can_change else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.update_enterprise(actor=request.user, enterprise=enterprise, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("已保存。"))
                return redirect("orgs:enterprise_detail", enterprise_id=enterprise.pk)
    people = selectors.people_list(request.user).filter(employer=enterprise)[:50]
    representatives = enterprise.representatives.filter(revoked_at__isnull=True).select_related("user")
    return render(request, "orgs/enterprise_detail.html", {"enterprise": enterprise, "form": form, "people": people,
                                                           "representatives": representatives})


@official_required
@require_POST
@handles_bad_input
def enterprise_representative_view(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Appoint an account that acts for this enterprise: its representative (用人单位代表) or the contact who
    files its daily reports (企业填报员)."""
    enterprise = scoping.enterprises.get_or_404(request.user, enterprise_id, action=scoping.CHANGE)
    role = request.POST.get("role") or Role.EMPLOYER_REP
    user = services.appoint_employer_representative(
        actor=request.user, enterprise=enterprise, username=request.POST.get("username", ""),
        display_name=request.POST.get("display_name", ""), phone=request.POST.get("phone", ""), role=role)
    messages.success(request, _("已指定 %(name)s 为%(role)s。") % {"name": user, "role": Role(role).label})
    return redirect("orgs:enterprise_detail", enterprise_id=enterprise.pk)


# --- Imports and jobs ---

KINDS = {"people": ("people.import", imports.PEOPLE), "enterprises": ("enterprises.import", imports.ENTERPRISES)}


@official_required
def import_template_view(request: HttpRequest, what: str) -> HttpResponse:
    if what not in KINDS:
        raise Http404
    sheet = KINDS[what][1]
    return _xlsx(excel.template(sheet), f"{sheet.title}.xlsx")


@official_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest, what: str) -> HttpResponse:
    if what not in KINDS:
        raise Http404
    kind, sheet = KINDS[what]
    form = ImportForm(request.POST or None, request.FILES or None, units=exports.unit_choices(request.user))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            source = imports.save_upload(upload.chunks(), upload.name)
        except excel.FileRefused as refused:
            form.add_error("file", str(refused))
        else:
            job = imports.start_import(actor=request.user, kind=kind, unit=form.cleaned_data["unit"], source=source,
                                       source_name=upload.name, mode="validate")
            return redirect("orgs:job_detail", job_id=job.pk)
    return render(request, "orgs/import.html", {"form": form, "what": what, "sheet": sheet})


@login_required
def job_detail_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_detail(request.user, job_id)
    context = {"job": job, "problems": job.problems[:200]}
    if request.htmx:
        return render(request, "orgs/job_detail.html#job-status", context)
    return render(request, "orgs/job_detail.html", context)


@login_required
@require_POST
def job_commit_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """Import the checked file: all rows if it is clean, or the clean rows if the user accepts that."""
    job = selectors.job_detail(request.user, job_id)
    if not job.kind.endswith(".import") or job.state != Job.State.DONE or job.params.get("mode") != "validate":
        raise Http404
    accept_clean = request.POST.get("accept_clean") == "1"
    unit = scoping.units.get_or_404(request.user, job.params["unit"], action=scoping.CHANGE)
    try:
        second = imports.start_import(actor=request.user, kind=job.kind, unit=unit, source=job.source_file,
                                      source_name=job.source_name, mode="commit", accept_clean=accept_clean)
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect("orgs:job_detail", job_id=second.pk)


@login_required
def job_annotated_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """The uploaded file back, with the bad cells highlighted and a reason column."""
    job = selectors.job_detail(request.user, job_id)
    path = Path(settings.MEDIA_ROOT) / job.source_file
    if not job.kind.endswith(".import") or not job.source_file or not path.exists():
        raise Http404
    try:
        excel.check_file(path)  # a refused upload (not a workbook) has no cells to mark
    except excel.FileRefused as refused:
        raise Http404 from refused
    from io import BytesIO

    buffer = BytesIO()
    excel.annotate(path, job.problems, buffer)
    stem = Path(job.source_name).stem or "import"
    return _xlsx(buffer.getvalue(), f"{stem}-错误标注.xlsx")


@login_required
def job_result_view(request: HttpRequest, job_id: int) -> FileResponse:
    job = selectors.job_detail(request.user, job_id)
    path = Path(settings.MEDIA_ROOT) / job.result_file
    if not job.result_file or not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{job.kind.split('.')[0]}-{job.pk}.xlsx",
                        content_type=XLSX)


# --- The worker's own file ---

@login_required
@require_http_methods(["GET", "POST"])
def my_file_view(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person(request.user)
    form = None
    if person is not None:
        form = OwnContactForm(request.POST or None, initial={
            "residence": person.residence, "emergency_name": person.emergency_name},
            stored={"phone": person.phone, "emergency_phone": person.emergency_phone})
        if request.method == "POST" and form.is_valid():
            try:
                services.update_own_person_contact(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            except OperationalError:
                form.add_error(None, BUSY)
            else:
                messages.success(request, _("联系方式已更新。"))
                return redirect("orgs:my_file")
    return render(request, "orgs/my_file.html", {
        "person": person, "form": form,
        "reveals": selectors.person_reveals(person)[:20] if person else [],
        "consents": person.consents.all() if person else [],
        "privacy_version": PRIVACY_VERSION,
    })


@login_required
@require_POST
def consent_view(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person(request.user)
    if person is None:
        raise Http404
    action = request.POST.get("action")
    if action == "grant":
        purpose = request.POST.get("purpose", "")
        if purpose not in dict(CONSENT_PURPOSES):
            raise Http404
        if not person.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists():
            services.record_consent(actor=request.user, person=person, purpose=purpose,
                                    wording_version=PRIVACY_VERSION, channel=Consent.Channel.APP)
        messages.success(request, _("已记录您的同意。"))
    elif action == "withdraw":
        consent = person.consents.filter(pk=request.POST.get("consent") or 0).first()
        if consent is None:
            raise Http404
        services.withdraw_consent(actor=request.user, consent=consent)
        messages.success(request, _("已撤回同意。此后不再为该用途处理您的相关信息。"))
    return redirect("orgs:my_file")


CONSENT_PURPOSES = (
    ("sensitive", _("处理我的身份证号、银行账号等敏感个人信息，用于帮扶救助和会员服务")),
    ("health", _("处理我的健康信息，用于医疗互助和疫情防控服务")),
)


def privacy_view(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/privacy.html", {"version": PRIVACY_VERSION, "purposes": CONSENT_PURPOSES})
