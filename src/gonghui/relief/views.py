"""Pages of hardship relief. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.core import attachments, excel, ledger, pdf
from gonghui.core.deadlines import local_date
from gonghui.core.http import form_id, handles_bad_input
from gonghui.core.models import PaymentEntry
from gonghui.core.money import positive_yuan
from gonghui.core.numbers import BadNumber, count
from gonghui.core.pagecache import cached_read
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Level, Unit
from gonghui.orgs.session import active_assignment
from gonghui.orgs.views import official_required
from gonghui.relief import rules, scoping, selectors, services
from gonghui.relief.models import (
    Application,
    Contact,
    GrantBatch,
    HardshipFile,
    HouseholdMember,
    IncomeSource,
    Policy,
    Review,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _unit(request: HttpRequest) -> Unit:
    assignment = active_assignment(request, officials_only=True)
    if assignment is None:
        raise Http404
    return assignment.unit


def _date(value: str | None, default: date | None = None) -> date | None:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(_("日期“%(v)s”格式不对，请写成 2020-03-01。") % {"v": value}) from exc


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    year = form_id(value)  # ASCII digits only: "²".isdigit() is true and int("²") was a server error
    return year if 2000 <= year <= 2100 else local_date(timezone.now()).year


# --- the overview: budgets and statistics ---

@official_required
def overview_view(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    stats = selectors.statistics_for(request.user, year)
    chart_months = {"labels": [r["month"] for r in stats["by_month"]],
                    "values": [str(r["total"]) for r in stats["by_month"]]}
    return render(request, "relief/overview.html", {"stats": stats, "chart_months": chart_months, "year": year,
                                                    "budgets": selectors.budget_rows(request.user, year)})


@official_required
def stats_export_view(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    stats = selectors.statistics_for(request.user, year)
    sheet = excel.Sheet(title="救助统计", columns=(
        excel.Column("kind", "维度"), excel.Column("key", "项目", width=36),
        excel.Column("total", "金额（元）", kind="decimal"), excel.Column("n", "笔数", kind="int")))
    rows = [{"kind": "政策", "key": r["name"], "total": r["total"], "n": r["n"]} for r in stats["by_policy"]]
    rows += [{"kind": "月份", "key": r["month"], "total": r["total"]} for r in stats["by_month"]]
    rows += [{"kind": "单位", "key": r["unit__name"], "total": r["total"], "n": r["n"]} for r in stats["by_unit"]]
    rows += [{"kind": "汇总", "key": "救助户数", "n": stats["households"]},
             {"kind": "汇总", "key": "申请到支付天数·中位数", "key2": "", "n": None,
              "total": Decimal(str(stats["median_days"])) if stats["median_days"] is not None else None},
             {"kind": "汇总", "key": "申请到支付天数·90分位",
              "total": Decimal(str(stats["p90_days"])) if stats["p90_days"] is not None else None}]
    with tempfile.TemporaryFile() as handle:
        excel.write_rows(sheet, rows, handle)
        handle.seek(0)
        content = handle.read()
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=relief-{year}.xlsx"
    return response


# --- hardship files ---

@official_required
def file_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    files = selectors.file_list(request.user, query=request.GET.get("q", "").strip()[:30],
                                status=status if status in HardshipFile.Status.values else "",
                                category=category if category in rules.CATEGORY else "",
                                unreviewed_in=local_date(timezone.now()).year if request.GET.get("unreviewed") else None)
    spot = selectors.spot_check(request.user, request.GET.get("spot", ""))
    if spot is not None:
        files = files.filter(id__in=spot.drawn_ids)
    page = Paginator(files, 50).get_page(request.GET.get("page"))
    return render(request, "relief/file_list.html", {"page": page, "statuses": HardshipFile.Status.choices,
                                                     "categories": rules.CATEGORY.items(), "q": request.GET.get("q", ""),
                                                     "spot": spot})


def _members_from(request: HttpRequest) -> list[services.MemberData]:
    post = request.POST
    names = post.getlist("member_name")
    members = []
    for index, name in enumerate(names):
        if not name.strip():
            continue
        try:
            age = count(post.getlist("member_age")[index] or 0, label=_("年龄"), maximum=150)
        except (BadNumber, IndexError) as exc:
            raise ValidationError(_("第 %(n)d 位家庭成员的年龄请填数字。") % {"n": index + 1}) from exc
        members.append(services.MemberData(
            name=name.strip()[:50], relation=_pick(post.getlist("member_relation"), index, "其他"), age=age,
            monthly_income=_pick(post.getlist("member_income"), index, "0") or "0",
            health=_pick(post.getlist("member_health"), index, "")[:200],
            serious_illness=str(index) in post.getlist("member_illness"),
            disability=_pick(post.getlist("member_disability"), index, ""),
            employment=_pick(post.getlist("member_employment"), index, "")[:30],
            schooling=_pick(post.getlist("member_schooling"), index, "")[:30],
            id_number=_pick(post.getlist("member_id_number"), index, "")[:30],
            guardian_name=_pick(post.getlist("member_guardian_name"), index, "")[:50],
            guardian_relation=_pick(post.getlist("member_guardian_relation"), index, "")))
    return members


def _incomes_from(request: HttpRequest) -> list[tuple[str, Any, str]]:
    kinds, amounts = request.POST.getlist("income_kind"), request.POST.getlist("income_monthly")
    return [(kind, amounts[i] if i < len(amounts) else "0", "") for i, kind in enumerate(kinds)
            if kind and i < len(amounts) and amounts[i].strip()]


def _pick(values: list[str], index: int, default: str) -> str:
    return values[index] if index < len(values) else default


@official_required
@require_http_methods(["GET", "POST"])
def file_create_view(request: HttpRequest) -> HttpResponse:
    person = None
    if request.GET.get("person") or request.POST.get("person"):
        person = org_scoping.people.get_or_404(request.user, request.GET.get("person") or request.POST.get("person"),
                                               action=org_scoping.CHANGE)
    if request.method == "POST" and person is not None:
        try:
            file = services.open_file(
                actor=request.user, person=person, members=_members_from(request), incomes=_incomes_from(request),
                causes=request.POST.getlist("causes"), essential_spending=request.POST.get("essential_spending") or "0",
                hardship_costs_annual=request.POST.get("hardship_costs_annual") or "0",
                accident_on=_date(request.POST.get("accident_on")),
                union_help_monthly=request.POST.get("union_help_monthly") or "0")
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("已为 %(name)s 建立困难职工档案。") % {"name": person.name})
            return redirect("relief:file_detail", file_id=file.pk)
    context = {"person": person, "candidates": selectors.people_for_new_file(request.user, request.GET.get("q", ""))
               if person is None else [], "relations": HouseholdMember.RELATIONS,
               "guardian_relations": HouseholdMember.GUARDIAN_RELATIONS, "causes": HardshipFile.CAUSES,
               "income_kinds": IncomeSource.KINDS, "disability": HouseholdMember.DISABILITY, "q": request.GET.get("q", ""),
               "rows": ["本人", "配偶", "子女", "子女"], "income_rows": range(2),
               "person_age": (local_date(timezone.now()) - person.birth_date).days // 365 if person else ""}
    return render(request, "relief/file_form.html", context)


@login_required
def file_detail_view(request: HttpRequest, file_id: int) -> HttpResponse:
    file = selectors.file_detail(request.user, file_id)
    if not request.user.is_official:
        return render(request, "relief/my_file.html", {"file": file, "members": file.members.all(),
                                                       "applications": selectors.own_applications(request.user)})
    today = local_date(timezone.now())
    can_change = scoping.files.can(request.user, org_scoping.CHANGE, file)
    context = {
        "file": file, "members": file.members.all(), "incomes": file.income_sources.all(),
        "flags": file.flags.all(), "contacts": file.contacts.select_related("helper")[:20],
        "problems": file.problems.all(), "reviews": file.reviews.select_related("reviewer"),
        "applications": file.applications.select_related("version__policy"), "today": today,
        "can_change": can_change, "flag_kinds": rules.FLAGS.items(), "categories": rules.CATEGORY.items(),
        "channels": Contact.CHANNELS.items(), "outcomes": Review.OUTCOMES.items(),
        "helpers": selectors.helpers_for(request.user, file) if can_change else [],
        "dibao": services.dibao_on(file.unit, today), "exit_proposed": services.exit_proposed(file),
        "resolution_proposed": services.resolution_proposed(file),
        "account_verified": ledger.is_verified(file.person_id, file.person.bank_account),
        "incomes_by_month": file.monthly_incomes.all()[:12], "policies": Policy.objects.order_by("code"),
        "history": org_scoping.audit_events.filter(request.user).filter(
            object_type="relief.hardshipfile", object_id=str(file.pk))[:30],
    }
    return render(request, "relief/file_detail.html", context)


FILE_ACTIONS = ("confirm_category", "add_flag", "assign_helper", "log_contact", "exit", "review", "monthly_income",
                "end_flag")


@official_required
@require_POST
@handles_bad_input
def file_action_view(request: HttpRequest, file_id: int) -> HttpResponse:
    file = scoping.files.get_or_404(request.user, file_id, action=org_scoping.CHANGE)
    action = request.POST.get("action", "")
    post = request.POST
    if action == "confirm_category":
        services.confirm_category(actor=request.user, file=file, category=post.get("category", ""),
                                  reason=post.get("reason", ""))
        messages.success(request, _("困难类别已确认。"))
    elif action == "add_flag":
        services.add_flag(actor=request.user, file=file, kind=post.get("kind", ""),
                          starts_on=_date(post.get("starts_on"), local_date(timezone.now())),
                          ends_on=_date(post.get("ends_on")), note=post.get("note", ""))
        messages.success(request, _("已添加监测标记。"))
    elif action == "end_flag":
        flag = scoping.flags.get_or_404(request.user, post.get("flag"), action=org_scoping.CHANGE)
        if flag.file_id != file.pk:
            raise Http404
        services.end_flag(actor=request.user, flag=flag, on=_date(post.get("on"), local_date(timezone.now())))
        messages.success(request, _("监测标记已结束。"))
    elif action == "assign_helper":
        helper = org_scoping.users.get_or_404(request.user, post.get("helper"))
        services.assign_helper(actor=request.user, file=file, helper=helper)
        messages.success(request, _("已指定帮扶责任人：%(name)s。") % {"name": helper})
    elif action == "log_contact":
        services.log_contact(actor=request.user, file=file, on=_date(post.get("on"), local_date(timezone.now())),
                             channel=post.get("channel", ""), notes=post.get("notes", ""),
                             problems=post.get("problems", "").splitlines())
        messages.success(request, _("联系记录已保存。"))
    elif action == "exit":
        services.exit_file(actor=request.user, file=file, status=post.get("status", ""), reason=post.get("reason", ""))
        messages.success(request, _("档案已退出。"))
    elif action == "review":
        services.review_file(actor=request.user, file=file, year=local_date(timezone.now()).year,
                             outcome=post.get("outcome", ""), notes=post.get("notes", ""),
                             spot_checked=post.get("spot_checked") == "1")
        messages.success(request, _("年审已记录。"))
    elif action == "monthly_income":
        month = _date((post.get("month") or "") + "-01" if len(post.get("month") or "") == 7 else post.get("month"))
        if month is None:
            raise ValidationError(_("请选择月份。"))
        proposed = services.record_monthly_income(actor=request.user, file=file, month=month,
                                                  per_head=post.get("per_head") or "")
        messages.success(request, _("已记录。系统建议：已连续 6 个月高于低保，可办理脱困。") if proposed else _("已记录。"))
    else:
        raise Http404
    return redirect("relief:file_detail", file_id=file.pk)


@official_required
@require_POST
@handles_bad_input
def problem_resolve_view(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = scoping.problems.get_or_404(request.user, problem_id, action=org_scoping.CHANGE)
    services.resolve_problem(actor=request.user, problem=problem, outcome=request.POST.get("outcome", ""))
    messages.success(request, _("问题已办结。"))
    return redirect("relief:file_detail", file_id=problem.file_id)


@official_required
def monitoring_view(request: HttpRequest) -> HttpResponse:
    return render(request, "relief/monitoring.html", selectors.monitoring(request.user))


@official_required
@require_POST
@handles_bad_input
def spot_check_view(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    year = local_date(timezone.now()).year
    files = scoping.files.filter(request.user).filter(status__in=HardshipFile.OPEN, unit__path__startswith=unit.path)
    check = services.draw_spot_check(actor=request.user, unit=unit, year=year, files=files)
    messages.success(request, _("已从 %(n)d 份在档档案中随机抽取 %(k)d 份（%(share)s%%）。")
                     % {"n": check.population, "k": len(check.drawn_ids), "share": int(check.share * 100)})
    return redirect(f"{_url('relief:file_list')}?spot={check.pk}")


def _url(name: str, **kwargs: Any) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)


# --- applications ---

@official_required
@cached_read
def application_list_view(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    to_decide = selectors.application_list(request.user, mine_to_decide=True)
    apps = selectors.application_list(request.user, state=state if state in Application.State.values else "")
    page = Paginator(apps, 50).get_page(request.GET.get("page"))
    return render(request, "relief/application_list.html", {"page": page, "to_decide": to_decide,
                                                            "states": Application.State.choices, "state": state})


@login_required
@require_http_methods(["GET", "POST"])
def apply_view(request: HttpRequest, file_id: int | None = None) -> HttpResponse:
    """A worker applies for themselves (their file pre-fills it), or an official records it for them."""
    if file_id is not None:
        file = scoping.files.get_or_404(request.user, file_id, action=org_scoping.CHANGE)
        channel = "official"
    else:
        file = selectors.own_files(request.user).filter(status__in=HardshipFile.OPEN).first()
        channel = "self"
        if file is None:
            return render(request, "relief/apply.html", {"no_file": True})
    policies = Policy.objects.filter(code__in=["cq-temp-acute", "cq-temp-outpatient", "cq-temp-other"]).order_by("code")
    if request.method == "POST":
        policy = policies.filter(pk=form_id(request.POST.get("policy"))).first()
        if policy is None:
            messages.error(request, _("请选择救助项目。"))
        else:
            try:
                application = services.submit_application(
                    actor=request.user, file=file, policy=policy, self_paid=request.POST.get("self_paid") or None,
                    requested=request.POST.get("requested") or None, description=request.POST.get("description", ""),
                    bank_account=request.POST.get("bank_account", ""), uploads=request.FILES.getlist("attachments"),
                    channel=channel)
            except ValidationError as error:
                _errors(request, error)
            else:
                messages.success(request, _("申请已提交，编号 %(n)s。") % {"n": application.number})
                return redirect("relief:application_detail", application_id=application.pk)
    return render(request, "relief/apply.html", {
        "file": file, "policies": policies, "post": request.POST, "max_mb": attachments_max_mb(),
        "base_template": "console_base.html" if channel == "official" else ""})


def attachments_max_mb() -> int:
    from django.conf import settings

    return settings.GONGHUI_ATTACHMENT_MAX_MB


@login_required
def application_detail_view(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_detail(request.user, application_id)
    context = {"application": application, "steps": application.steps.select_related("actor", "unit"),
               "attachments": selectors.attachments_of(application),
               "objections": application.objections.select_related("raised_by"),
               "payable_from": services.payable_from(application),
               "entry": PaymentEntry.objects.filter(idempotency_key=application.payment_key).first()
               if application.payment_key else None}
    if not request.user.is_official or application.person.user_id == request.user.pk:
        return render(request, "relief/my_application.html", context)
    context.update(can_decide=application.state == Application.State.SUBMITTED
                   and org_scoping.acts_for(request.user, application.current_unit),
                   can_pay=scoping.applications.can(request.user, "pay", application),
                   account_changeable=[str(s) for s in services.payees.CHANGEABLE],
                   duplicates=application.duplicate_flags.all())
    return render(request, "relief/application_detail.html", context)


@login_required
def attachment_view(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_detail(request.user, application_id)
    attachment = selectors.attachments_of(application).filter(pk=request.GET.get("a") or 0).first()
    if attachment is None:
        raise Http404
    return attachments.inline_response(attachment)


@official_required
@require_POST
@handles_bad_input
def decide_view(request: HttpRequest, application_id: int) -> HttpResponse:
    application = scoping.applications.get_or_404(request.user, application_id, action=scoping.DECIDE)
    if not org_scoping.acts_for(request.user, application.current_unit):
        raise Http404
    application = services.decide_application(actor=request.user, application=application,
                                              decision=request.POST.get("decision", ""),
                                              reason=request.POST.get("reason", ""))
    messages.success(request, _("已处理，申请当前为“%(state)s”。") % {"state": application.get_state_display()})
    return redirect("relief:application_detail", application_id=application.pk)


@official_required
@require_POST
@handles_bad_input
def duplicate_view(request: HttpRequest, application_id: int) -> HttpResponse:
    application = scoping.applications.get_or_404(request.user, application_id, action=scoping.DECIDE)
    flag = application.duplicate_flags.filter(pk=form_id(request.POST.get("flag"))).first()
    if flag is None:
        raise Http404
    services.clear_duplicate_flag(actor=request.user, flag=flag, reason=request.POST.get("reason", ""))
    messages.success(request, _("已记录核实情况。"))
    return redirect("relief:application_detail", application_id=application.pk)


@official_required
@require_POST
@handles_bad_input
def release_view(request: HttpRequest, application_id: int) -> HttpResponse:
    application = scoping.applications.get_or_404(request.user, application_id, action="pay")
    entry = services.release_payment(actor=request.user, application=application)
    messages.success(request, _("已生成支付分录 %(n)s，待导出银行代发文件。") % {"n": entry.number})
    return redirect("relief:application_detail", application_id=application.pk)


@login_required
@require_POST
@handles_bad_input
def resubmit_view(request: HttpRequest, application_id: int) -> HttpResponse:
    application = scoping.applications.get_or_404(request.user, application_id, action=org_scoping.CHANGE)
    if application.person.user_id != request.user.pk and application.channel == "self":
        raise Http404
    services.resubmit_application(actor=request.user, application=application,
                                  description=request.POST.get("description", ""),
                                  uploads=request.FILES.getlist("attachments"),
                                  self_paid=request.POST.get("self_paid") or None)
    messages.success(request, _("已补充材料并重新提交。"))
    return redirect("relief:application_detail", application_id=application.pk)


@official_required
def approval_form_view(request: HttpRequest, application_id: int) -> HttpResponse:
    """The printable approval form (审批表), as PDF."""
    application = selectors.application_detail(request.user, application_id)
    content = pdf.render_pdf("relief/approval_form.html", {
        "application": application, "steps": application.steps.select_related("actor", "unit"),
        "members": application.file.members.all(), "printed_at": timezone.localtime()})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename={application.number}.pdf"
    return response


@official_required
@require_POST
@handles_bad_input
def objection_resolve_view(request: HttpRequest, objection_id: int) -> HttpResponse:
    objection = scoping.objections.get_or_404(request.user, objection_id, action=org_scoping.CHANGE)
    services.resolve_objection(actor=request.user, objection=objection, upheld=request.POST.get("upheld") == "1",
                               resolution=request.POST.get("resolution", ""))
    messages.success(request, _("异议已处理。"))
    return redirect("relief:application_detail", application_id=objection.application_id)


# --- the worker's side ---

@login_required
def my_relief_view(request: HttpRequest) -> HttpResponse:
    return render(request, "relief/my_relief.html", {"files": selectors.own_files(request.user),
                                                     "applications": selectors.own_applications(request.user),
                                                     "notices": selectors.notices_for_member(request.user)[:5]})


@login_required
def notices_view(request: HttpRequest) -> HttpResponse:
    return render(request, "relief/notices.html", {"notices": selectors.notices_for_member(request.user)})


@login_required
@require_POST
@handles_bad_input
def object_view(request: HttpRequest, application_id: int) -> HttpResponse:
    application = scoping.applications.get_or_404(request.user, application_id, action=scoping.OBJECT)
    services.raise_objection(actor=request.user, application=application, text=request.POST.get("text", ""))
    messages.success(request, _("您的异议已记录，工会将核实处理。"))
    return redirect("relief:notices")


# --- policies ---

@official_required
def policy_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "relief/policy_list.html", {"policies": selectors.policy_list(request.user)})


@official_required
@require_http_methods(["GET", "POST"])
def version_detail_view(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.version_detail(request.user, version_id)
    can_change = selectors.can_change_policy(request.user, version)
    if request.method == "POST":
        if not can_change:
            raise Http404
        try:
            spec = _tiers_from(request, version.spec) if "tier_from" in request.POST else \
                json.loads(request.POST.get("spec", ""))
            services.update_draft(actor=request.user, version=version, spec=spec,
                                  effective_from=_date(request.POST.get("effective_from"), version.effective_from),
                                  notice_days=count(request.POST.get("notice_days") or 0, label=_("公示天数"),
                                                    maximum=365),
                                  escalate_above=positive_yuan(request.POST["escalate_above"])
                                  if request.POST.get("escalate_above") else None,
                                  note=request.POST.get("note", ""))
        except BadNumber as error:  # before ValueError: the reason says which number and why
            messages.error(request, str(error))
        except (json.JSONDecodeError, ValueError, ArithmeticError):
            messages.error(request, _("规则不是有效的 JSON，或数字格式不对，未保存。"))
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("草稿已保存。"))
            return redirect("relief:version_detail", version_id=version.pk)
    simulation = selectors.simulate(request.user, version) if request.GET.get("simulate") else None
    levels = " → ".join(str(Level(n).label) for n in version.review_levels if n in Level.values)
    return render(request, "relief/version_detail.html", {
        "version": version, "can_change": can_change, "simulation": simulation,
        "spec_text": request.POST.get("spec") or json.dumps(version.spec, ensure_ascii=False, indent=2),
        "versions": version.policy.versions.order_by("-number"), "levels": levels})


def _tiers_from(request: HttpRequest, spec: dict[str, Any]) -> dict[str, Any]:
    """The draft's spec with the tier table as edited in the page (empty rows dropped)."""
    starts, amounts = request.POST.getlist("tier_from"), request.POST.getlist("tier_amount")
    tiers = [{"from": start.strip(), "amount": amount.strip()} for start, amount in zip(starts, amounts, strict=False)
             if start.strip() or amount.strip()]
    edited = json.loads(json.dumps(spec))
    edited.setdefault("amount", {})["tiers"] = tiers
    return edited


@official_required
@require_POST
@handles_bad_input
def version_action_view(request: HttpRequest, version_id: int) -> HttpResponse:
    version = scoping.versions.get_or_404(request.user, version_id, action=org_scoping.CHANGE)
    if request.POST.get("action") == "publish":
        services.publish_version(actor=request.user, version=version)
        messages.success(request, _("已发布，自 %(d)s 起生效。") % {"d": version.effective_from})
        return redirect("relief:version_detail", version_id=version.pk)
    if request.POST.get("action") == "draft":
        draft = services.draft_version(actor=request.user, policy=version.policy, spec=version.spec,
                                       effective_from=local_date(timezone.now()), note=version.note)
        messages.success(request, _("已从第 %(n)d 版复制出草稿，修改后可先测算再发布。") % {"n": version.number})
        return redirect("relief:version_detail", version_id=draft.pk)
    raise Http404


# --- budgets, batch grants ---

@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def budget_list_view(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    if request.method == "POST":
        unit = _unit(request)
        if not services.may_manage_funds(request.user, unit):  # no fund rights: as if the page took no posts
            raise Http404
        policy = Policy.objects.filter(pk=form_id(request.POST.get("policy"))).first()
        if policy is None:
            raise ValidationError(_("请选择政策。"))
        kind = request.POST.get("kind", "")
        if kind in ("allocate", "top_up") and not (request.user.is_superuser or unit.level <= Level.CITY):
            raise ValidationError(_("资金由市级及以上工会下达；请向上级申请，或由上级下拨。"))
        to_unit = None
        if request.POST.get("to_unit"):
            to_unit = org_scoping.units.get_or_404(request.user, request.POST.get("to_unit"))
        services.move_budget(actor=request.user, unit=unit, policy=policy, year=year,
                             amount=request.POST.get("amount", ""), kind=kind, to_unit=to_unit,
                             note=request.POST.get("note", ""))
        messages.success(request, _("资金已登记。"))
        return redirect(f"{_url('relief:budget_list')}?year={year}")
    return render(request, "relief/budget_list.html", {
        "rows": selectors.budget_rows(request.user, year), "year": year, "policies": Policy.objects.order_by("code"),
        "dibao": selectors.dibao_standards(request.user), "cities": selectors.cities_for_dibao(request.user),
        "children": org_scoping.units.filter(request.user).filter(parent=_unit(request)).order_by("code"),
        "batches": selectors.batch_list(request.user)[:20]})


@official_required
@require_POST
@handles_bad_input
def dibao_view(request: HttpRequest) -> HttpResponse:
    """A city's new 低保 standard from a date: officials of the city or above."""
    city = selectors.cities_for_dibao(request.user).filter(pk=form_id(request.POST.get("city"))).first()
    if city is None:
        raise ValidationError(_("请选择城市（市级工会）。只有市级及以上工会的干部可以设置低保标准。"))
    day = _date(request.POST.get("effective_from"))
    if day is None:
        raise ValidationError(_("请填写起始日期。"))
    services.set_dibao(actor=request.user, city=city, monthly=request.POST.get("monthly", ""), effective_from=day)
    messages.success(request, _("%(city)s 的低保标准已登记，自 %(day)s 起执行。") % {"city": city.name, "day": day})
    return redirect("relief:budget_list")


@official_required
@require_POST
@handles_bad_input
def batch_create_view(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    if not services.may_manage_funds(request.user, unit):  # no fund rights: as if the page were not there
        raise Http404
    policy = Policy.objects.filter(pk=form_id(request.POST.get("policy"))).first()
    if policy is None:
        raise ValidationError(_("请选择政策。"))
    batch = services.preview_batch(actor=request.user, unit=unit, policy=policy)
    return redirect("relief:batch_detail", grant_batch_id=batch.pk)


@official_required
def batch_detail_view(request: HttpRequest, grant_batch_id: int) -> HttpResponse:
    batch = scoping.grant_batches.get_or_404(request.user, grant_batch_id, queryset=GrantBatch.objects.select_related(
        "version__policy", "unit", "job", "created_by", "approved_by"))
    template = "relief/batch_detail.html#progress" if request.htmx else "relief/batch_detail.html"
    return render(request, template, {"batch": batch, "job": batch.job})


@official_required
@require_POST
@handles_bad_input
def batch_approve_view(request: HttpRequest, grant_batch_id: int) -> HttpResponse:
    batch = scoping.grant_batches.get_or_404(request.user, grant_batch_id, action=org_scoping.CHANGE)
    services.approve_batch(actor=request.user, batch=batch)
    messages.success(request, _("已批准，正在生成支付分录。"))
    return redirect("relief:batch_detail", grant_batch_id=batch.pk)


# --- the payments ledger ---

@official_required
def payment_list_view(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    entries = selectors.payments(request.user, state=state if state in PaymentEntry.State.values else "")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    scoped = selectors.payments(request.user)
    return render(request, "relief/payment_list.html", {
        "page": page, "states": PaymentEntry.State.choices, "state": state,
        "by_policy": ledger.totals(scoped, "purpose_code"), "by_month": ledger.totals(scoped, "month"),
        "bank_batches": selectors.bank_batches(request.user)[:20],
        "account_changes": selectors.pending_account_changes(request.user)[:50],
        "pending": scoped.filter(state=PaymentEntry.State.PENDING).count()})


@official_required
@require_POST
@handles_bad_input
def bank_export_view(request: HttpRequest) -> HttpResponse:
    entries = org_scoping.payments.filter(request.user, action=org_scoping.CHANGE)
    batch, content = ledger.export_bank_file(actor=request.user, entries=entries, unit=_unit(request))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=bank-{batch}.xlsx"
    return response


@official_required
@require_http_methods(["GET", "POST"])
def bank_batch_view(request: HttpRequest, bank_batch_id: int) -> HttpResponse:
    batch = org_scoping.bank_batches.get_or_404(request.user, bank_batch_id)
    result = None
    if request.method == "POST" and request.POST.get("action") == "confirm":
        batch = org_scoping.bank_batches.get_or_404(request.user, bank_batch_id, action=org_scoping.CHANGE)
        try:
            confirmed = ledger.confirm_bank_return(actor=request.user, batch=batch)
        except ledger.LedgerError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("回盘已确认：成功 %(p)d 笔，失败 %(f)d 笔。")
                             % {"p": confirmed.paid, "f": confirmed.failed})
        batch.refresh_from_db()
    elif request.method == "POST":
        batch = org_scoping.bank_batches.get_or_404(request.user, bank_batch_id, action=org_scoping.CHANGE)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择银行回盘文件。"))
        else:
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    result = ledger.import_bank_return(actor=request.user, batch=batch, path=Path(handle.name))
                except (excel.FileRefused, ledger.LedgerError) as error:
                    messages.error(request, str(error))
            if result is not None and not result.problems:
                messages.success(request, _("回盘已核对无误（成功 %(p)d 笔，失败 %(f)d 笔），须由另一位工作人员确认后生效。")
                                 % {"p": result.paid, "f": result.failed})
            elif result is not None:
                messages.error(request, _("回盘文件有 %(n)d 处问题，未导入任何一笔，请核对后重传。") % {"n": len(result.problems)})
        batch.refresh_from_db()
    return render(request, "relief/bank_batch.html", {"batch": batch, "result": result,
                                                      "entries": batch.entries.order_by("id")[:500]})


@official_required
@require_POST
@handles_bad_input
def payment_action_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = org_scoping.payments.get_or_404(request.user, entry_id, action=org_scoping.CHANGE)
    if request.POST.get("action") == "reverse":
        reversal = ledger.reverse_entry(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
        messages.success(request, _("已冲正，冲正分录 %(n)s。") % {"n": reversal.number})
    elif request.POST.get("action") == "retry":  # the same account again (a transient failure at the bank)
        new = ledger.retry_failed(actor=request.user, entry=entry, reason=request.POST.get("reason", "") or _("重新支付"))
        messages.success(request, _("已重新生成支付分录 %(n)s。") % {"n": new.number})
    elif request.POST.get("action") == "reroute":  # another account: waits for a second official
        services.request_payment_account_change(actor=request.user, entry=entry,
                                                account=request.POST.get("bank_account", ""),
                                                reason=request.POST.get("reason", ""))
        messages.success(request, _("收款账号变更已提交，须由另一位工作人员复核后生效。"))
    else:
        raise Http404
    return redirect(f"{_url('relief:payment_list')}?state=")


@official_required
@require_POST
@handles_bad_input
def account_change_view(request: HttpRequest, account_change_id: int) -> HttpResponse:
    """A second official approves or refuses a request to pay elsewhere."""
    change = scoping.account_changes.get_or_404(request.user, account_change_id, action=org_scoping.CHANGE)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "refuse"):
        raise Http404
    services.decide_account_change(actor=request.user, change=change, approve=decision == "approve",
                                   note=request.POST.get("note", ""))
    messages.success(request, _("收款账号变更已批准。") if decision == "approve" else _("收款账号变更已驳回。"))
    return redirect(f"{_url('relief:payment_list')}?state=")


@official_required
@require_POST
@handles_bad_input
def application_account_view(request: HttpRequest, application_id: int) -> HttpResponse:
    """Ask to pay a submitted application to another account (a second official decides)."""
    application = scoping.applications.get_or_404(request.user, application_id, action="pay")
    services.request_application_account_change(actor=request.user, application=application,
                                                account=request.POST.get("bank_account", ""),
                                                reason=request.POST.get("reason", ""))
    messages.success(request, _("收款账号变更已提交，须由另一位工作人员复核后生效。"))
    return redirect("relief:application_detail", application_id=application.pk)


@official_required
@require_POST
@handles_bad_input
def verify_account_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """The union confirms the account on a person's file is theirs (officials and chairs of the person's unit)."""
    person = org_scoping.people.get_or_404(request.user, person_id, action=org_scoping.CHANGE)
    services.verify_payee_account(actor=request.user, person=person, how=request.POST.get("how", ""))
    messages.success(request, _("收款账号已核实。"))
    return redirect(request.META.get("HTTP_REFERER") or _url("relief:payment_list"))
