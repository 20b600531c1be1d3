"""Pages of mediation: the worker's application on a phone, the case page every side shares, the body's desk."""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.core import attachments, excel, pdf, ratelimit
from gonghui.core.deadlines import add_days, local_date
from gonghui.core.http import form_date, form_id, form_moment, handles_bad_input
from gonghui.mediation import rules, scoping, selectors, services, suspensions
from gonghui.mediation.models import (
    AgreedPayment,
    Agreement,
    Case,
    Category,
    LimitationInterruption,
    MediationBody,
    MediatorSeat,
    Message,
    Negotiation,
    Party,
    Session,
)
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, User
from gonghui.orgs.views import official_required


def _today() -> date:
    return local_date(timezone.now())


def _employer(raw: str | None) -> Enterprise:
    raw = (raw or "").strip()
    found = Enterprise.objects.select_related("unit").filter(credit_code=raw.upper()).first() if len(raw) == 18 else None
    if found is None and raw:
        matches = list(Enterprise.objects.select_related("unit").filter(name=raw)[:2])
        found = matches[0] if len(matches) == 1 else None
    if found is None:
        raise ValidationError(_("找不到该用人单位：请填写完整的单位名称或统一社会信用代码。"))
    return found


def _body(raw: str | None) -> MediationBody:
    body = MediationBody.objects.select_related("unit").filter(pk=form_id(raw), active=True).first()
    if body is None:
        raise ValidationError(_("请选择调解组织。"))
    return body


def _base(request: HttpRequest) -> dict[str, Any]:
    return {"official": request.user.is_official}


# --- the worker and the employer's representative ---

@login_required
def mine_view(request: HttpRequest) -> HttpResponse:
    """A party's own cases and negotiations (a worker, or an employer's representative)."""
    cases = scoping.cases.filter(request.user, action=scoping.PARTY).select_related("body", "employer") \
        .order_by("-received_at")[:50]
    negotiations = scoping.negotiations.filter(request.user, action=scoping.PARTY).select_related("employer") \
        .order_by("-requested_at")[:20]
    is_employer = bool(request.user.represented_enterprise_ids())
    return render(request, "mediation/mine.html", {**_base(request), "cases": cases, "negotiations": negotiations,
                                                   "is_employer": is_employer,
                                                   "has_file": getattr(request.user, "person", None) is not None})


@login_required
@require_http_methods(["GET", "POST"])
def apply_view(request: HttpRequest) -> HttpResponse:
    """The worker applies in writing from their phone."""
    person = getattr(request.user, "person", None)
    employer = person.employer if person is not None else None
    bodies = services.bodies_for_dispute(employer.unit if employer is not None else person.unit, employer) \
        if person is not None else []
    negotiation = None
    if request.GET.get("negotiation") or request.POST.get("negotiation"):
        negotiation = scoping.negotiations.filter(request.user, action=scoping.PARTY).filter(
            pk=form_id(request.GET.get("negotiation") or request.POST.get("negotiation"))).first()
    context = {**_base(request), "bodies": bodies, "categories": Category.choices, "person": person,
               "employer": employer, "post": request.POST, "negotiation": negotiation, "today": _today(),
               "employer_name": employer.name if employer is not None else ""}
    if request.method == "POST":
        post = request.POST
        try:
            with ratelimit.limited("mediation.case", request):
                case = services.apply_online(
                    actor=request.user, body=_body(post.get("body")),
                    employer=_employer(post.get("employer")) if post.get("employer") else employer or _employer(""),
                    category=post.get("category", ""), claims=post.get("claims", ""), facts=post.get("facts", ""),
                    knew_on=form_date(post.get("knew_on"), _("知道权利被侵害的日期")),
                    employment_ended_on=form_date(post.get("employment_ended_on"), "", required=False),
                    amount_claimed=post.get("amount_claimed") or None, negotiation=negotiation,
                    employer_reason=post.get("employer_reason", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("调解申请已提交（%(no)s），%(body)s将于 %(due)s 前决定是否受理。")
                             % {"no": case.number, "body": case.body.name, "due": case.accept_due_on})
            return redirect("mediation:case", case_id=case.pk)
    return render(request, "mediation/apply.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def negotiate_view(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    if request.method == "POST":
        try:
            if person is None:
                raise ValidationError(_("请先完善本人档案（实名）后再发起协商。"))
            with ratelimit.limited("mediation.negotiation", request):
                negotiation = services.request_negotiation(
                    actor=request.user, person=person,
                    employer=_employer(request.POST.get("employer")) if request.POST.get("employer") else
                    (person.employer or _employer("")),
                    category=request.POST.get("category", ""), claims=request.POST.get("claims", ""),
                    union_assist=request.POST.get("union_assist") == "1")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已向用人单位发出协商请求，对方须于 %(due)s 前回应。") % {"due": negotiation.reply_due_on})
            return redirect("mediation:negotiation", negotiation_id=negotiation.pk)
    employer = person.employer if person is not None else None
    return render(request, "mediation/negotiate.html", {**_base(request), "person": person,
                                                        "employer_name": employer.name if employer else "",
                                                        "categories": Category.choices, "post": request.POST})


@login_required
def negotiation_view(request: HttpRequest, negotiation_id: int) -> HttpResponse:
    negotiation = scoping.negotiations.get_or_404(request.user, negotiation_id, queryset=Negotiation.objects.select_related(
        "employer", "person"))
    today = _today()
    is_employer = negotiation.employer_id in request.user.represented_enterprise_ids()
    is_worker = negotiation.person.user_id == request.user.pk
    return render(request, "mediation/negotiation.html", {
        **_base(request), "negotiation": negotiation, "is_employer": is_employer, "is_worker": is_worker,
        "overdue": negotiation.state == Negotiation.State.REQUESTED and today > negotiation.reply_due_on})


@login_required
@require_POST
@handles_bad_input
def negotiation_act_view(request: HttpRequest, negotiation_id: int) -> HttpResponse:
    negotiation = scoping.negotiations.get_or_404(request.user, negotiation_id, action=scoping.PARTY)
    action, post = request.POST.get("action", ""), request.POST
    if action in ("agree", "refuse"):
        services.answer_negotiation(actor=request.user, negotiation=negotiation, agree=action == "agree",
                                    answer=post.get("answer", ""))
    elif action == "settlement":
        services.write_settlement(actor=request.user, negotiation=negotiation, terms=post.get("terms", ""))
    elif action == "sign":
        services.sign_settlement(actor=request.user, negotiation=negotiation)
    elif action == "end":
        services.end_negotiation(actor=request.user, negotiation=negotiation)
    else:
        raise Http404
    messages.success(request, _("已办理。"))
    return redirect("mediation:negotiation", negotiation_id=negotiation.pk)


# --- the case page, shared by every side ---

@login_required
def case_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_detail(request.user, case_id)
    if case.is_open or case.state == Case.State.AGREED:
        services.apply_clocks(case)  # the clocks also run when anyone looks, not only in the nightly task
        case = selectors.case_detail(request.user, case_id)
    today = _today()
    sides = scoping.party_sides(request.user, case)
    staff = scoping.cases.can(request.user, scoping.CHANGE, case)
    agreement = Agreement.objects.filter(case=case).prefetch_related("payments").first()
    mine = case.parties.filter(kind=Party.Kind.WORKER, person__user=request.user).first() if sides else None
    worker_confirmed = set()
    if agreement:
        worker_confirmed = set(agreement.worker_confirmations.filter(version=agreement.version)
                               .values_list("party_id", flat=True))
    payments = []
    if agreement:
        for payment in agreement.payments.all():
            payment.order_open = payment.reported_unpaid_at is not None and rules.payment_order_open(
                kind=payment.kind, due_on=payment.due_on, paid_on=payment.paid_on, today=today)
            payment.overdue = payment.paid_on is None and today > payment.due_on
            payments.append(payment)
    effective = agreement is not None and agreement.effective_at is not None
    return render(request, "mediation/case.html", {
        **_base(request), "case": case, "today": today, "now": timezone.now(), "sides": sides, "staff": staff,
        "is_worker": "worker" in sides, "is_employer": "employer" in sides,
        "parties": case.parties.select_related("person"),
        "required": {p.pk for p in services.required_worker_parties(case)} if agreement else set(),
        "sessions": case.sessions.filter(cancelled=False), "thread": selectors.thread(request.user, case),
        "steps": case.steps.select_related("actor"), "agreement": agreement, "payments": payments,
        "worker_confirmed": worker_confirmed, "mine": mine,
        "i_confirmed": mine is not None and mine.pk in worker_confirmed,
        "worker_side_confirmed": agreement is not None and services.worker_side_confirmed(agreement),
        "pending_extension": case.extensions.filter(applied_at__isnull=True).first(),
        "limitation": selectors.limitation_of(case, today),
        "limitation_at_application": selectors.limitation_before_application(case),
        "review_until": add_days(agreement.effective_at, rules.REVIEW_DAYS) if effective else None,
        "seats": MediatorSeat.objects.filter(body=case.body, active=True).select_related("user", "employer")
        if staff else [],
        "audiences": Message.Audience.choices, "modes": Session.Mode.choices, "payment_kinds": AgreedPayment.Kind.choices,
        "warning": getattr(case, "warning", None) if staff else None,
        "suspensions": case.suspensions.all(), "interruptions": case.interruptions.all(),
        "interruption_kinds": LimitationInterruption.Kind.choices,
    })


def _payment_terms(post: Any) -> list[services.PaymentTerm]:
    terms = []
    for kind, amount, due in zip(post.getlist("payment_kind"), post.getlist("payment_amount"),
                                 post.getlist("payment_due"), strict=False):
        if not amount.strip():
            continue
        terms.append(services.PaymentTerm(kind=kind, amount=amount, due_on=form_date(due, _("约定支付日期"))))
    return terms


def _applicants(post: Any) -> list[services.Applicant]:
    rows = []
    for name, number, phone in zip(post.getlist("applicant_name"), post.getlist("applicant_id"),
                                   post.getlist("applicant_phone"), strict=False):
        if name.strip() or number.strip():
            rows.append(services.Applicant(name=name, id_number=number, phone=phone))
    return rows


@login_required
@require_POST
@handles_bad_input
def case_act_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every action on the case page: one service each; the service checks who may do it."""
    case = scoping.cases.get_or_404(request.user, case_id)
    action, post, actor = request.POST.get("action", ""), request.POST, request.user
    done = _("已办理。")
    if action == "employer_agree" or action == "employer_refuse":
        services.answer_mediation(actor=actor, case=case, agree=action == "employer_agree", note=post.get("note", ""))
    elif action == "confirm_record":
        services.confirm_record(actor=actor, case=case, in_person_by_staff=post.get("in_person") == "1")
    elif action in ("accept", "not_accept"):
        services.decide_acceptance(actor=actor, case=case, accept=action == "accept", reason=post.get("reason", ""),
                                   employer_checked=post.get("employer_checked") == "1",
                                   in_scope=post.get("in_scope") == "1")
    elif action == "assign":
        mediator = User.objects.filter(pk=form_id(post.get("mediator"))).first()
        if mediator is None:
            raise ValidationError(_("请选择调解员。"))
        services.assign_mediator(actor=actor, case=case, mediator=mediator, declaration=post.get("declaration", ""),
                                 reason=post.get("reason", ""))
    elif action == "add_workers":
        services.add_workers(actor=actor, case=case, applicants=_applicants(post))
    elif action == "add_participant":
        services.add_participant(actor=actor, case=case, side=post.get("side", ""), kind=post.get("kind", ""),
                                 name=post.get("name", ""), phone=post.get("phone", ""))
    elif action == "schedule":
        minutes = form_id(post.get("minutes_long")) or 60
        services.schedule_session(actor=actor, case=case, mode=post.get("mode", ""),
                                  starts_at=form_moment(post.get("starts_at"), _("调解时间")), place=post.get("place", ""),
                                  minutes_long=minutes)
        done = _("已安排调解，已通知双方。")
    elif action == "cancel_session":
        session = Session.objects.filter(pk=form_id(post.get("session")), case_id=case.pk).first()
        if session is None:
            raise Http404
        services.cancel_session(actor=actor, session=session, reason=post.get("reason", ""))
        done = _("已取消，已通知双方。")
    elif action == "minutes":
        session = Session.objects.filter(pk=form_id(post.get("session")), case_id=case.pk).first()
        if session is None:
            raise Http404
        services.record_minutes(actor=actor, session=session, minutes=post.get("minutes", ""))
    elif action == "message":
        services.post_message(actor=actor, case=case, text=post.get("text", ""), audience=post.get("audience", "all"),
                              upload=request.FILES.get("evidence"))
        done = _("已发送。")
    elif action == "propose_extension":
        services.propose_extension(actor=actor, case=case, days=form_id(post.get("days")))
    elif action == "agree_extension":
        services.agree_extension(actor=actor, case=case)
    elif action == "draft":
        services.draft_agreement(actor=actor, case=case, terms=post.get("terms", ""), payments=_payment_terms(post))
        done = _("协议已拟定，已请双方确认。")
    elif action == "confirm":
        services.confirm_agreement(actor=actor, case=case)
        done = _("您已确认调解协议。")
    elif action == "seal":
        services.sign_and_seal(actor=actor, case=case)
        done = _("调解协议已生效。")
    elif action in ("paid", "unpaid"):
        services.report_payment(actor=actor, case=case, payment_id=form_id(post.get("payment")), paid=action == "paid",
                                paid_on=form_date(post.get("paid_on"), "", required=False))
    elif action == "withdraw":
        services.withdraw(actor=actor, case=case, reason=post.get("reason", ""))
    elif action == "not_mediated":
        services.end_not_mediated(actor=actor, case=case, reason=post.get("reason", ""))
    elif action == "acknowledge":
        services.acknowledge_warning(actor=actor, case=case)
    elif action == "record_suspension":
        suspensions.record_suspension(actor=actor, case=case, reason=post.get("reason", ""),
                                      starts_on=form_date(post.get("starts_on"), _("中止开始之日")),
                                      ends_on=form_date(post.get("ends_on"), "", required=False),
                                      evidence=post.get("evidence", ""))
        done = _("已登记时效中止。")
    elif action == "end_suspension":
        suspensions.end_suspension(actor=actor, case=case, suspension_id=form_id(post.get("suspension")),
                                   ends_on=form_date(post.get("ends_on"), _("中止原因消除之日")))
        done = _("已登记中止原因消除，时效继续计算。")
    elif action == "record_interruption":
        suspensions.record_interruption(actor=actor, case=case, kind=post.get("kind", ""),
                                        occurred_on=form_date(post.get("occurred_on"), _("中断之日")),
                                        evidence=post.get("evidence", ""))
        done = _("已登记时效中断。")
    else:
        raise Http404
    messages.success(request, done)
    return redirect("mediation:case", case_id=case.pk)


DOCUMENTS = {
    "agreement": _("调解协议书"),
    "not-accepted": _("不予受理通知书"),
    "not-mediated": _("调解不成告知书"),
    "payment-order": _("申请支付令指引"),
    "review-request": _("仲裁审查申请书"),
}


@login_required
def document_view(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """The printable papers of a case, each only once the case is at the stage where it exists."""
    case = selectors.case_detail(request.user, case_id)
    if kind not in DOCUMENTS:
        raise Http404
    agreement = Agreement.objects.filter(case=case).prefetch_related("payments").first()
    today = _today()
    ready = {
        "agreement": agreement is not None and agreement.effective_at is not None,
        "not-accepted": case.state == Case.State.NOT_ACCEPTED,
        "not-mediated": case.state == Case.State.NOT_MEDIATED,
        "payment-order": agreement is not None and agreement.effective_at is not None and any(
            p.reported_unpaid_at and rules.payment_order_open(kind=p.kind, due_on=p.due_on, paid_on=p.paid_on, today=today)
            for p in agreement.payments.all()),
        "review-request": agreement is not None and agreement.effective_at is not None
        and today <= add_days(agreement.effective_at, rules.REVIEW_DAYS),  # 协商调解规定 (joint review within 15 days)
    }
    if not ready[kind]:
        raise Http404
    seal = None
    if kind == "agreement" and case.body.seal_id:
        seal_file = attachments.path_of(case.body.seal)
        if seal_file.exists():
            seal = f"data:{case.body.seal.content_type};base64,{base64.b64encode(seal_file.read_bytes()).decode()}"
    workers = case.parties.filter(kind=Party.Kind.WORKER).select_related("person")
    confirmations = {c.party_id: c.at for c in agreement.worker_confirmations.filter(version=agreement.version)} \
        if agreement else {}
    content = pdf.render_pdf("mediation/document_pdf.html", {
        "kind": kind, "title": DOCUMENTS[kind], "case": case, "agreement": agreement, "seal": seal,
        "workers": [{"party": w, "confirmed_at": confirmations.get(w.pk)} for w in workers],
        "agents": case.parties.exclude(kind=Party.Kind.WORKER),
        "payments": agreement.payments.all() if agreement else [], "today": today,
        "unpaid": [p for p in agreement.payments.all() if p.reported_unpaid_at and p.paid_on is None and
                   p.kind in rules.PAYMENT_ORDER_KINDS] if agreement else [],
        "review_until": add_days(agreement.effective_at, rules.REVIEW_DAYS) if kind == "review-request" else None,
        "provisional_years": selectors.provisional_years(),
    })
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename={case.number}-{kind}.pdf"
    return response


@login_required
def session_ics_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session as a calendar invitation (.ics) for the phone's calendar."""
    from datetime import timedelta

    from icalendar import Calendar, Event

    session = scoping.sessions.get_or_404(request.user, session_id, queryset=Session.objects.select_related(
        "case__body"))
    calendar = Calendar()
    calendar.add("prodid", "-//Gonghui//mediation//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"mediation-session-{session.pk}@gonghui")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.starts_at + timedelta(minutes=session.minutes_long))
    event.add("summary", f"{_('劳动争议调解')} {session.case.number}")
    event.add("location", session.place)
    event.add("description", f"{session.case.body.name} · {session.get_mode_display()} · {session.place}")
    if session.mode == Session.Mode.ONLINE:
        event.add("url", session.place)
    calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=mediation-{session.pk}.ics"
    return response


@login_required
def evidence_view(request: HttpRequest, message_id: int) -> FileResponse:
    message = scoping.messages.get_or_404(request.user, message_id, queryset=Message.objects.select_related("evidence"))
    if message.evidence is None:
        raise Http404
    path = attachments.path_of(message.evidence)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), content_type=message.evidence.content_type, as_attachment=False,
                        filename=message.evidence.name)


# --- the body's desk ---

@official_required
def overview_view(request: HttpRequest) -> HttpResponse:
    today = _today()
    return render(request, "mediation/overview.html", {
        "open": selectors.case_list(request.user, state="open")[:100],
        "overdue": selectors.overdue(request.user, today), "warnings": selectors.warnings(request.user)[:50],
        "assisting": selectors.negotiations_for(request.user).filter(union_assist=True, state__in=Negotiation.OPEN)[:50],
        "today": today, "bodies": selectors.bodies_for(request.user)[:50],
        "provisional_years": selectors.provisional_years()})


@official_required
def case_list_view(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list(request.user, state=request.GET.get("state", ""),
                                category=request.GET.get("category", ""), body_id=form_id(request.GET.get("body")),
                                query=request.GET.get("q", "").strip()[:50])
    return render(request, "mediation/case_list.html", {
        "cases": cases[:200], "states": Case.State.choices, "categories": Category.choices,
        "bodies": selectors.bodies_for(request.user), "get": request.GET,
        "provisional_years": selectors.provisional_years()})


@official_required
@require_http_methods(["GET", "POST"])
def record_view(request: HttpRequest) -> HttpResponse:
    """The body's staff write down an oral application (调解仲裁法 第十二条)."""
    bodies = [b for b in selectors.bodies_for(request.user).filter(active=True) if scoping.is_staff_of(request.user, b.unit)]
    if request.method == "POST":
        post = request.POST
        try:
            case = services.record_oral_application(
                actor=request.user, body=_body(post.get("body")), applicants=_applicants(post),
                employer=_employer(post.get("employer")), category=post.get("category", ""),
                claims=post.get("claims", ""), facts=post.get("facts", ""),
                knew_on=form_date(post.get("knew_on"), _("知道权利被侵害的日期")),
                employment_ended_on=form_date(post.get("employment_ended_on"), "", required=False),
                amount_claimed=post.get("amount_claimed") or None)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已记录口头申请 %(no)s，请申请人确认记录。") % {"no": case.number})
            return redirect("mediation:case", case_id=case.pk)
    return render(request, "mediation/record.html", {"bodies": bodies, "categories": Category.choices,
                                                     "post": request.POST, "rows": range(3)})


@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def bodies_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        from gonghui.orgs.models import Unit

        unit = org_scoping.units.get_or_404(request.user, form_id(request.POST.get("unit")), action=org_scoping.CHANGE)
        enterprise = None
        if request.POST.get("enterprise"):
            enterprise = org_scoping.enterprises.filter(request.user).filter(
                credit_code=request.POST["enterprise"].strip().upper()).first()
            if enterprise is None:
                raise ValidationError(_("找不到该企业（请填写统一社会信用代码）。"))
        body = services.create_body(actor=request.user, unit=Unit.objects.get(pk=unit.pk),
                                    name=request.POST.get("name", ""), kind=request.POST.get("kind", ""),
                                    arbitration_commission=request.POST.get("arbitration_commission", ""),
                                    enterprise=enterprise, address=request.POST.get("address", ""),
                                    phone=request.POST.get("phone", ""))
        messages.success(request, _("已建立调解组织。"))
        return redirect("mediation:body", body_id=body.pk)
    units = org_scoping.units.filter(request.user, action=org_scoping.CHANGE).order_by("path")[:300]
    return render(request, "mediation/bodies.html", {"bodies": selectors.bodies_for(request.user),
                                                     "kinds": MediationBody.Kind.choices, "units": units})


@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def body_view(request: HttpRequest, body_id: int) -> HttpResponse:
    body = scoping.bodies.get_or_404(request.user, body_id)
    can_change = scoping.bodies.can(request.user, scoping.CHANGE, body)
    if request.method == "POST":
        if not can_change:
            raise Http404
        if request.POST.get("action") == "seal":
            upload = request.FILES.get("seal")
            if upload is None:
                raise ValidationError(_("请选择印章图片。"))
            services.set_seal(actor=request.user, body=body, upload=upload)
        elif request.POST.get("action") == "mediator":
            user = org_scoping.users.filter(request.user).filter(username=request.POST.get("username", "").strip()).first()
            if user is None:
                raise ValidationError(_("找不到该账号。"))
            employer = None
            if request.POST.get("employer"):
                employer = Enterprise.objects.filter(credit_code=request.POST["employer"].strip().upper()).first()
            services.add_mediator(actor=request.user, body=body, user=user, employer=employer)
        else:
            raise Http404
        messages.success(request, _("已保存。"))
        return redirect("mediation:body", body_id=body.pk)
    return render(request, "mediation/body.html", {
        "body": body, "can_change": can_change,
        "seats": body.seats.filter(active=True).select_related("user", "employer"),
        "cases": selectors.case_list(request.user, body_id=body.pk)[:50],
        "provisional_years": selectors.provisional_years()})


@official_required
def seal_view(request: HttpRequest, body_id: int) -> FileResponse:
    body = scoping.bodies.get_or_404(request.user, body_id, queryset=MediationBody.objects.select_related("seal"))
    if body.seal is None or not attachments.path_of(body.seal).exists():
        raise Http404
    return FileResponse(attachments.path_of(body.seal).open("rb"), content_type=body.seal.content_type)


def _period(request: HttpRequest) -> tuple[date | None, date | None]:
    try:
        start = date.fromisoformat(request.GET["start"]) if request.GET.get("start") else None
        end = date.fromisoformat(request.GET["end"]) if request.GET.get("end") else None
    except ValueError:
        return None, None
    return start, end


@official_required
def figures_view(request: HttpRequest) -> HttpResponse:
    start, end = _period(request)
    data = selectors.figures(request.user, start=start, end=end)
    chart = {"labels": [r["label"] for r in data.by_category], "values": [r["n"] for r in data.by_category]}
    return render(request, "mediation/figures.html", {"data": data, "chart": chart, "start": start, "end": end,
                                                      "states": Case.State.choices})


@official_required
def figures_export_view(request: HttpRequest) -> HttpResponse:
    start, end = _period(request)
    data = selectors.figures(request.user, start=start, end=end)
    sheet = excel.Sheet(title="调解统计", columns=(
        excel.Column("kind", "维度"), excel.Column("name", "名称", width=36), excel.Column("n", "案件数", kind="int"),
        excel.Column("agreed", "达成协议", kind="int"), excel.Column("extra", "其他")))
    rows: list[dict[str, Any]] = [
        {"kind": "合计", "name": "全部案件", "n": data.total, "agreed": data.agreed,
         "extra": f"调解成功率 {data.agreement_rate if data.agreement_rate is not None else '—'}%；"
                  f"结案天数中位数 {data.median_days if data.median_days is not None else '—'}；"
                  f"协议金额 {data.amount_agreed}；已履行 {data.amount_paid}；集体争议 {data.collective}"}]
    labels = dict(Case.State.choices)
    rows += [{"kind": "状态", "name": str(labels.get(k, k)), "n": n} for k, n in data.by_state.items()]
    rows += [{"kind": "争议类别", "name": r["label"], "n": r["n"], "agreed": r["agreed"]} for r in data.by_category]
    rows += [{"kind": "调解组织", "name": f"{r['body__name']}（{r['unit__name']}）", "n": r["n"], "agreed": r["agreed"],
              "extra": f"调解不成 {r['not_mediated']}"} for r in data.by_body]
    buffer = io.BytesIO()
    excel.write_rows(sheet, rows, buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=mediation-figures.xlsx"
    return response
