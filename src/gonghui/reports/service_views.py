"""Pages of the return-to-work services: health follow-up, supplies, service visits (望闻问切), notices with read
receipts, and the enterprises back at work per street. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.core import attachments, ratelimit
from gonghui.core.deadlines import local_date
from gonghui.core.http import form_count, form_date, form_id, handles_bad_input
from gonghui.core.models import Attachment
from gonghui.core.numbers import BadNumber, finite_decimal
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Industry, Role, Unit, User
from gonghui.orgs.views import official_required
from gonghui.reports import rules, scoping, selectors, services
from gonghui.reports.models import (
    Isolation,
    Notice,
    PlannedVisit,
    ServiceTeam,
    Supplier,
    SupplyItem,
    SupplyOrder,
    SupplyRequest,
    Visit,
    VisitIssue,
)


def _today() -> dt.date:
    return local_date(timezone.now())


def _home_unit(request: HttpRequest) -> Unit:
    raw = request.GET.get("unit") or request.POST.get("unit")
    unit = org_scoping.units.get_or_404(request.user, form_id(raw)) if raw else request.user.primary_unit
    if unit is None:
        raise Http404
    return unit


def staff_reaching(actor: Any, unit: Unit) -> QuerySet[User]:
    """Who may follow up, join a team or own an issue at a unit: its chair, and the officials and social workers
    of the unit or a unit above it — among the accounts the actor reaches."""
    holders = Q(role_assignments__role__in=(Role.OFFICIAL, Role.SOCIAL_WORKER),
                role_assignments__unit_id__in=[*unit.ancestor_ids, unit.pk]) | \
        Q(role_assignments__role=Role.CHAIR, role_assignments__unit_id=unit.pk)
    return org_scoping.users.filter(actor).filter(holders, is_active=True, role_assignments__revoked_at__isnull=True) \
        .distinct().order_by("username")


def _pick_user(actor: Any, unit: Unit, raw: str | None) -> User | None:
    return staff_reaching(actor, unit).filter(pk=form_id(raw)).first() if raw else None


# --- health follow-up ---

@official_required
def health_view(request: HttpRequest) -> HttpResponse:
    """People under observation now, and the home isolations whose daily check is overdue."""
    today = _today()
    return render(request, "reports/health.html", {
        "today": today, "overdue": selectors.overdue_checks(request.user, today),
        "current": selectors.isolations(request.user, today)[:500]})


@login_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def isolation_view(request: HttpRequest, isolation_id: int) -> HttpResponse:
    isolation = scoping.isolations.get_or_404(request.user, isolation_id, queryset=Isolation.objects.select_related(
        "person", "enterprise", "unit", "follow_up_by"))
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "check":
            raw = (request.POST.get("temperature") or "").strip()
            try:  # core.numbers: NaN, Infinity, 1e999, "³⁶" refused with the reason; the service checks 34–43
                temperature = finite_decimal(raw, label=_("体温")) if raw else None
            except BadNumber as exc:
                raise ValidationError(_("体温请填数字，例如 36.5。") + str(exc)) from exc
            services.record_check(actor=request.user, isolation=isolation,
                                  day=form_date(request.POST.get("day"), _("日期")) or _today(),
                                  temperature=temperature, well=request.POST.get("well") == "yes",
                                  note=request.POST.get("note", ""))
            messages.success(request, _("已登记跟进。"))
        elif action == "assign":
            person = _pick_user(request.user, isolation.unit, request.POST.get("follow_up_by"))
            if person is None:
                raise ValidationError(_("请选择跟进人。"))
            services.assign_follow_up(actor=request.user, isolation=isolation, follow_up_by=person)
            messages.success(request, _("已指定跟进人。"))
        elif action == "end":
            services.end_isolation(actor=request.user, isolation=isolation,
                                   end_on=form_date(request.POST.get("end_on"), _("结束日期")) or _today())
            messages.success(request, _("已登记结束日期。"))
        else:
            raise ValidationError(_("未知操作。"))
        return redirect("reports:isolation", isolation_id=isolation.pk)
    today = _today()
    checks = list(isolation.checks.select_related("by"))
    checked = {c.day for c in checks}
    return render(request, "reports/isolation.html", {
        "i": isolation, "today": today, "checks": checks,
        "readings": isolation.person.health_readings.filter(day__gte=isolation.start_on).select_related("report")[:60],
        "overdue": rules.overdue_check_days(isolation.start_on, isolation.end_on, checked, today)
        if isolation.kind == Isolation.Kind.HOME else [],
        "staff": staff_reaching(request.user, isolation.unit) if request.user.is_official else [],
        "may_change": scoping.isolations.can(request.user, org_scoping.CHANGE, isolation),
        "official": request.user.is_official})


# --- supplies ---

@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def supplies_view(request: HttpRequest) -> HttpResponse:
    unit = _home_unit(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "item":
            item = services.add_supply_item(actor=request.user, name=request.POST.get("name", ""),
                                            measure=request.POST.get("measure", ""))
            messages.success(request, _("已添加物资“%(n)s”。") % {"n": item.name})
        elif action == "supplier":
            items = list(SupplyItem.objects.filter(pk__in=[form_id(v) for v in request.POST.getlist("items")]))
            services.add_supplier(actor=request.user, unit=unit, name=request.POST.get("name", ""),
                                  contact_name=request.POST.get("contact_name", ""),
                                  contact_phone=request.POST.get("contact_phone", ""), items=items)
            messages.success(request, _("已添加供应商。"))
        elif action == "consolidate":
            item = SupplyItem.objects.filter(pk=form_id(request.POST.get("item"))).first()
            if item is None:
                raise ValidationError(_("请选择物资。"))
            supplier = Supplier.objects.filter(pk=form_id(request.POST.get("supplier"))).first()
            order = services.consolidate_order(actor=request.user, unit=unit, item=item, supplier=supplier)
            messages.success(request, _("已汇总下单：%(i)s %(q)s%(m)s。") % {"i": item.name, "q": order.quantity,
                                                                         "m": item.measure})
            return redirect("reports:supply_order", supply_order_id=order.pk)
        else:
            raise ValidationError(_("未知操作。"))
        return redirect(f"{request.path}?unit={unit.pk}")
    return render(request, "reports/supplies.html", {
        "unit": unit, "totals": selectors.supply_totals(request.user, unit),
        "pending": selectors.supply_requests(request.user, unit, pending_only=True)[:300],
        "orders": scoping.supply_orders.filter(request.user).select_related("item", "supplier", "unit")[:100],
        "suppliers": Supplier.objects.filter(unit_id__in=[*unit.ancestor_ids, unit.pk]).prefetch_related("items"),
        "items": SupplyItem.objects.filter(active=True)})


@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def supply_order_view(request: HttpRequest, supply_order_id: int) -> HttpResponse:
    order = scoping.supply_orders.get_or_404(request.user, supply_order_id,
                                             queryset=SupplyOrder.objects.select_related("item", "supplier", "unit"))
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "receive":
            services.receive_order(actor=request.user, order=order,
                                   quantity=form_count(request.POST.get("quantity"), _("数量"), required=False))
            messages.success(request, _("已登记到货。"))
        elif action in ("allocate", "deliver"):
            supply = scoping.supply_requests.get_or_404(request.user, form_id(request.POST.get("request")),
                                                        queryset=SupplyRequest.objects.filter(order=order))
            if action == "allocate":
                services.allocate_supplies(actor=request.user, request=supply,
                                           quantity=form_count(request.POST.get("quantity"), _("数量")))
                messages.success(request, _("已分配。"))
            else:
                services.deliver_supplies(actor=request.user, request=supply)
                messages.success(request, _("已登记送达。"))
        else:
            raise ValidationError(_("未知操作。"))
        return redirect("reports:supply_order", supply_order_id=order.pk)
    lines = order.requests.select_related("enterprise", "unit").order_by("unit__path", "enterprise__name")
    return render(request, "reports/supply_order.html", {
        "order": order, "lines": lines, "allocated": sum(r.allocated for r in lines)})


@login_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def supply_request_view(request: HttpRequest) -> HttpResponse:
    """An enterprise asks the street for supplies (on a phone) and follows its requests."""
    mine = list(request.user.reporting_enterprise_ids())
    enterprises = Enterprise.objects.filter(pk__in=mine)
    if not mine:
        raise Http404
    if request.method == "POST":
        enterprise = enterprises.filter(pk=form_id(request.POST.get("enterprise"))).first() or \
            (enterprises.first() if len(mine) == 1 else None)
        item = SupplyItem.objects.filter(pk=form_id(request.POST.get("item")), active=True).first()
        if enterprise is None or item is None:
            raise ValidationError(_("请选择企业和物资。"))
        services.request_supplies(actor=request.user, enterprise=enterprise, item=item,
                                  quantity=form_count(request.POST.get("quantity"), _("数量")),
                                  note=request.POST.get("note", ""))
        messages.success(request, _("已提交申请，街道汇总后统一采购分配。"))
        return redirect("reports:supply_request")
    return render(request, "reports/supply_request.html", {
        "enterprises": enterprises, "items": SupplyItem.objects.filter(active=True),
        "requests": scoping.supply_requests.filter(request.user).filter(enterprise_id__in=mine)
        .select_related("item", "enterprise")[:100]})


# --- service visits ---

@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def visits_view(request: HttpRequest) -> HttpResponse:
    unit = _home_unit(request)
    teams = ServiceTeam.objects.filter(unit_id__in=org_scoping.units.filter(request.user).values("pk")) \
        .select_related("leader", "unit").prefetch_related("members")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "team":
            staff = staff_reaching(request.user, unit)
            members = list(staff.filter(pk__in=[form_id(v) for v in request.POST.getlist("members")]))
            services.create_team(actor=request.user, unit=unit, name=request.POST.get("name", ""),
                                 leader=_pick_user(request.user, unit, request.POST.get("leader")), members=members)
            messages.success(request, _("已建立服务队。"))
        elif action == "plan":
            chosen = list(teams.filter(pk__in=[form_id(v) for v in request.POST.getlist("teams")]))
            plan = services.plan_visits(
                actor=request.user, unit=unit, name=request.POST.get("name", ""), teams=chosen,
                start_on=form_date(request.POST.get("start_on"), _("开始日期")) or _today(),
                end_on=form_date(request.POST.get("end_on"), _("完成日期")) or _today(),
                industry=request.POST.get("industry", "")[:1])
            messages.success(request, _("已制定走访计划。"))
            return redirect("reports:visit_plan", visit_plan_id=plan.pk)
        else:
            raise ValidationError(_("未知操作。"))
        return redirect(f"{request.path}?unit={unit.pk}")
    today = _today()
    return render(request, "reports/visits.html", {
        "unit": unit, "teams": teams, "today": today, "staff": staff_reaching(request.user, unit),
        "plans": scoping.visit_plans.filter(request.user).select_related("unit")[:50],
        "visits": scoping.visits.filter(request.user).select_related("enterprise", "team")[:50],
        "issues": selectors.open_issues(request.user, today)[:300], "industries": Industry.choices})


@official_required
def visit_plan_view(request: HttpRequest, visit_plan_id: int) -> HttpResponse:
    plan = scoping.visit_plans.get_or_404(request.user, visit_plan_id)
    todo = PlannedVisit.objects.filter(plan=plan, visit__isnull=True).select_related("team", "enterprise__unit") \
        .order_by("team__name", "enterprise__name")[:1000]
    return render(request, "reports/visit_plan.html", {
        "plan": plan, "progress": selectors.plan_progress(request.user, plan), "todo": todo})


@official_required
@require_http_methods(["GET", "POST"])
def visit_new_view(request: HttpRequest) -> HttpResponse:
    """The four parts of a visit, and the difficulties found, each with its category, owner and date."""
    raw = request.GET.get("enterprise") or request.POST.get("enterprise")
    enterprise = org_scoping.enterprises.get_or_404(request.user, form_id(raw),
                                                    queryset=Enterprise.objects.select_related("unit"))
    staff = staff_reaching(request.user, enterprise.unit)
    teams = ServiceTeam.objects.filter(unit_id__in=[*enterprise.unit.ancestor_ids, enterprise.unit.pk])
    context = {"e": enterprise, "staff": staff, "teams": teams, "categories": VisitIssue.Category.choices,
               "post": request.POST, "today": _today(), "issue_rows": range(3)}
    if request.method == "POST":
        post = request.POST
        try:
            issues = []
            for index in range(3):
                description = post.get(f"issue-{index}-description", "").strip()
                if not description:
                    continue
                issues.append({"category": post.get(f"issue-{index}-category", ""), "description": description,
                               "owner": _pick_user(request.user, enterprise.unit, post.get(f"issue-{index}-owner")),
                               "due_on": form_date(post.get(f"issue-{index}-due_on"), _("解决时限"))})
            visit = services.record_visit(
                actor=request.user, enterprise=enterprise,
                visited_on=form_date(post.get("visited_on"), _("走访日期")) or _today(),
                team=teams.filter(pk=form_id(post.get("team"))).first(), looked=post.get("looked", ""),
                heard=post.get("heard", ""), asked=post.get("asked", ""), agreed=post.get("agreed", ""),
                issues=issues)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return render(request, "reports/visit_new.html", context, status=422)
        messages.success(request, _("已记录走访。"))
        return redirect("reports:visit", visit_id=visit.pk)
    return render(request, "reports/visit_new.html", context)


@official_required
def visit_view(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = scoping.visits.get_or_404(request.user, visit_id,
                                      queryset=Visit.objects.select_related("enterprise", "team", "by"))
    return render(request, "reports/visit.html", {
        "v": visit, "today": _today(),
        "issues": scoping.visit_issues.filter(request.user).filter(visit=visit).select_related("owner")})


@official_required
@require_POST
@handles_bad_input
def resolve_issue_view(request: HttpRequest, visit_issue_id: int) -> HttpResponse:
    issue = scoping.visit_issues.get_or_404(request.user, visit_issue_id, action=org_scoping.CHANGE)
    services.resolve_issue(actor=request.user, issue=issue, resolution=request.POST.get("resolution", ""))
    messages.success(request, _("已登记解决。"))
    return redirect("reports:visit", visit_id=issue.visit_id)


# --- notices ---

@login_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def notices_view(request: HttpRequest) -> HttpResponse:
    """Officials: the notices in reach with their read counts, and publishing one. Contacts: their inbox."""
    if not request.user.is_official:
        if request.method == "POST" or not request.user.reporting_enterprise_ids():
            raise Http404
        return render(request, "reports/notice_inbox.html",
                      {"receipts": selectors.notices_for_contact(request.user)[:100]})
    unit = _home_unit(request)
    if request.method == "POST":
        with ratelimit.limited("sms.fanout", request):
            notice = services.publish_notice(
                actor=request.user, unit=unit, title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                kind=request.POST.get("kind", Notice.Kind.NOTICE), files=request.FILES.getlist("files"),
                industry=request.POST.get("industry", "")[:1])
        messages.success(request, _("已发布到 %(n)s 家企业。") % {"n": notice.receipts.count()})
        return redirect("reports:notice", notice_id=notice.pk)
    return render(request, "reports/notices.html", {
        "unit": unit, "notices": selectors.notice_list(request.user)[:100], "kinds": Notice.Kind.choices,
        "industries": Industry.choices, "max_mb": attachments_max_mb()})


def attachments_max_mb() -> int:
    from django.conf import settings

    return int(settings.GONGHUI_ATTACHMENT_MAX_MB)


def _files_of(notice: Notice) -> QuerySet[Attachment]:
    return Attachment.objects.filter(owner_type="reports.notice", owner_id=notice.pk).order_by("pk")


@login_required
def notice_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = scoping.notices.get_or_404(request.user, notice_id, queryset=Notice.objects.select_related("unit"))
    services.mark_notice_read(actor=request.user, notice=notice)
    context: dict[str, Any] = {"n": notice, "files": _files_of(notice), "official": request.user.is_official}
    if request.user.is_official:
        found = list(selectors.receipts(request.user, notice))
        context.update(read=[r for r in found if r.read_at], unread=[r for r in found if not r.read_at],
                       may_remind=scoping.notices.can(request.user, org_scoping.CHANGE, notice))
    return render(request, "reports/notice.html", context)


@login_required
def notice_file_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = scoping.notices.get_or_404(request.user, notice_id)
    attachment = _files_of(notice).filter(pk=form_id(request.GET.get("a"))).first()
    if attachment is None:
        raise Http404
    return attachments.inline_response(attachment)


@official_required
@require_POST
@handles_bad_input
def notice_remind_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = scoping.notices.get_or_404(request.user, notice_id, action=org_scoping.CHANGE)
    with ratelimit.limited("sms.fanout", request):
        told = services.remind_unread(actor=request.user, notice=notice)
    messages.success(request, _("已提醒 %(n)s 位企业联系人。") % {"n": told})
    return redirect("reports:notice", notice_id=notice.pk)


# --- back at work (复工) ---

@official_required
def back_to_work_view(request: HttpRequest) -> HttpResponse:
    unit, today = _home_unit(request), _today()
    trend = selectors.resumption_trend(request.user, unit, today - dt.timedelta(days=29), today)
    return render(request, "reports/back_to_work.html", {
        "unit": unit, "today": today, "rows": selectors.back_to_work(request.user, unit, today),
        "chart": {"labels": [d.strftime("%m-%d") for d, _n in trend], "values": [n for _d, n in trend]}})
