"""Pages of membership: joining from a phone, the officials' queue, transfers, the e-card and its scanner page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.core import pdf, ratelimit
from gonghui.core.http import BUSY, form_id, handles_bad_input
from gonghui.core.masking import mask_name
from gonghui.core.net import client_ip
from gonghui.membership import cards, scoping, selectors, services
from gonghui.membership.models import (
    NEW_FORMS,
    CorrectionRequest,
    JoinApplication,
    Membership,
    PhoneRebind,
    Transfer,
)
from gonghui.orgs import auth
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Level, Unit
from gonghui.orgs.totp import qr_svg
from gonghui.orgs.views import official_required


def _open_membership(user: Any) -> Membership | None:
    if not user.is_authenticated:
        return None
    found = Membership.objects.select_related("unit", "person").filter(person__user=user, ended_on__isnull=True).first()
    person = getattr(user, "person", None)
    if found is None and person is not None:
        found = services.membership_from_registry(person=person)
    return found


# --- joining ---

def _find_employer(query: str) -> tuple[Enterprise | None, list[Enterprise]]:
    """An enterprise by its credit code (exact) or name (one match); several matches to choose from."""
    query = query.strip().upper() if len(query.strip()) == 18 else query.strip()
    if not query:
        return None, []
    by_code = Enterprise.objects.select_related("unit").filter(credit_code=query).first()
    if by_code is not None:
        return by_code, []
    matches = list(Enterprise.objects.select_related("unit").filter(name__contains=query).order_by("name")[:10])
    return (matches[0], []) if len(matches) == 1 else (None, matches)


PUBLIC_CODE_PURPOSES = (auth.Purpose.JOIN, auth.Purpose.REBIND, auth.Purpose.REBIND_CANCEL)


def send_code_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    purpose = request.POST.get("purpose") or auth.Purpose.JOIN
    if purpose not in PUBLIC_CODE_PURPOSES:
        return HttpResponse(_("⚠ 未知的验证码用途。"))
    ok, message = auth.send_verification_code(phone=request.POST.get("phone", ""), ip=client_ip(request),
                                              purpose=purpose)
    return HttpResponse(message if ok else f"⚠ {message}")  # shown next to the button (htmx swaps 2xx only)


@require_http_methods(["GET", "POST"])
def join_view(request: HttpRequest) -> HttpResponse:
    """Apply to join from a phone: identity, mobile with a code, employer or new form of work, consent."""
    user = request.user if request.user.is_authenticated else None
    person = getattr(user, "person", None) if user is not None else None
    if user is not None and _open_membership(user) is not None:
        return redirect("membership:mine")
    context: dict[str, Any] = {"new_forms": NEW_FORMS.items(), "post": request.POST, "person": person,
                               "streets": Unit.objects.filter(level=Level.STREET).order_by("code")}
    if request.method == "POST":
        post = request.POST
        employer: Enterprise | None = None
        choices: list[Enterprise] = []
        if not post.get("new_form"):
            if post.get("employer_id"):
                employer = Enterprise.objects.select_related("unit").filter(pk=form_id(post.get("employer_id"))).first()
                context["choices"] = [employer] if employer is not None else []  # kept when shown again
            else:
                employer, choices = _find_employer(post.get("employer", ""))
        if choices:
            context["choices"] = choices
            messages.info(request, _("找到多家单位，请选择您所在的一家。"))
            return render(request, "membership/join.html", context)
        # Abuse limit per person (the account, or for a visitor the number typed) and per address; counted
        # only when the application went in (not reindented into a `with`, to keep this block readable).
        limit_who = ratelimit.who_of(request) or f"phone:{auth.phone_hash(post.get('phone', '').strip())[:32]}"
        try:
            ratelimit.check("membership.application", who=limit_who, ip=client_ip(request))
            place = Unit.objects.filter(pk=form_id(post.get("place")), level=Level.STREET).first()
            if person is None:
                user, application, new_account = services.join_online(
                    name=post.get("name", ""), id_number=post.get("id_number", ""), phone=post.get("phone", ""),
                    code=post.get("code", ""), employer=employer, new_form=post.get("new_form", ""), place=place,
                    job=post.get("job", ""), consent=post.get("consent") == "1", note=post.get("note", ""),
                    wages_main_source=_wages_answer(post))
            else:
                new_account = False
                application = services.apply_to_join(
                    actor=user, person=person, employer=employer, new_form=post.get("new_form", ""), place=place,
                    job=post.get("job", ""), consent=post.get("consent") == "1", note=post.get("note", ""),
                    wages_main_source=_wages_answer(post))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except OperationalError:
            messages.error(request, BUSY)
        else:
            ratelimit.note("membership.application", who=limit_who, ip=client_ip(request))
            if not request.user.is_authenticated:
                if not new_account:  # a joining code never signs in an account that existed before
                    messages.success(request, _("入会申请已提交，由 %(unit)s 办理。请用手机号登录查看进度。")
                                     % {"unit": application.unit.name})
                    return redirect("orgs:login")
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, _("入会申请已提交，由 %(unit)s 办理，%(due)s 前答复。")
                             % {"unit": application.unit.name, "due": application.due_on})
            return redirect("membership:application", join_application_id=application.pk)
    return render(request, "membership/join.html", context)


@login_required
def application_view(request: HttpRequest, join_application_id: int) -> HttpResponse:
    application = scoping.join_applications.get_or_404(request.user, join_application_id,
                                                       queryset=JoinApplication.objects.select_related(
                                                           "person", "unit", "current_unit", "membership"))
    can_decide = application.state == JoinApplication.State.SUBMITTED and scoping.acts_for(
        request.user, application.current_unit)
    template = "membership/application.html"
    return render(request, template, {"application": application, "steps": application.steps.select_related(
        "actor", "unit"), "can_decide": can_decide, "official": request.user.is_official})


@login_required
@require_POST
@handles_bad_input
def resubmit_view(request: HttpRequest, join_application_id: int) -> HttpResponse:
    application = scoping.join_applications.get_or_404(request.user, join_application_id, action=org_scoping.CHANGE)
    services.resubmit(actor=request.user, application=application, note=request.POST.get("note", ""))
    messages.success(request, _("已补充并重新提交。"))
    return redirect("membership:application", join_application_id=application.pk)


# --- the officials' queue ---

@official_required
def queue_view(request: HttpRequest) -> HttpResponse:
    services.escalate_overdue()  # the clock also runs here, not only in the scheduled task
    scoped = scoping.join_applications.filter(request.user).select_related("person", "unit", "current_unit")
    mine = scoping.acting_q(request.user, "current_unit")
    waiting = scoped.filter(mine, state=JoinApplication.State.SUBMITTED).order_by("due_on") if mine is not None \
        else scoped.none()
    recent = scoped.exclude(state=JoinApplication.State.SUBMITTED).order_by("-decided_at")[:50]
    return render(request, "membership/queue.html", {"waiting": waiting, "recent": recent,
                                                     "today": timezone.localdate()})


@official_required
@require_POST
@handles_bad_input
def decide_view(request: HttpRequest, join_application_id: int) -> HttpResponse:
    application = scoping.join_applications.get_or_404(request.user, join_application_id, action=org_scoping.CHANGE)
    if not scoping.acts_for(request.user, application.current_unit):
        raise Http404
    application = services.decide(actor=request.user, application=application,
                                  decision=request.POST.get("decision", ""), reason=request.POST.get("reason", ""))
    messages.success(request, _("已办理：%(s)s。") % {"s": application.get_state_display()})
    return redirect("membership:application", join_application_id=application.pk)


# --- transfers ---

@official_required
def transfers_view(request: HttpRequest) -> HttpResponse:
    scoped = scoping.transfers.filter(request.user).select_related("membership__person", "from_unit__parent", "to_unit")
    open_ = list(scoped.filter(state__in=[Transfer.State.REQUESTED, Transfer.State.ACCEPTED])[:200])
    for transfer in open_:
        transfer.can_accept = transfer.state == Transfer.State.REQUESTED and scoping.acts_for(request.user,
                                                                                              transfer.to_unit)
        transfer.can_release = transfer.state == Transfer.State.ACCEPTED and services.can_release(request.user, transfer)
    return render(request, "membership/transfers.html", {"open": open_, "done": scoped.filter(
        state=Transfer.State.DONE)[:50]})


@official_required
@require_POST
@handles_bad_input
def transfer_action_view(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = scoping.transfers.get_or_404(request.user, transfer_id, action=org_scoping.CHANGE)
    if request.POST.get("action") == "accept":
        if not scoping.acts_for(request.user, transfer.to_unit):
            raise Http404
        services.accept_transfer(actor=request.user, transfer=transfer)
        messages.success(request, _("已接收，等待原工会转出。"))
    elif request.POST.get("action") == "release":
        services.release_transfer(actor=request.user, transfer=transfer)
        messages.success(request, _("已转出，会龄连续计算。"))
    else:
        raise Http404
    return redirect("membership:transfers")


@official_required
@require_POST
@handles_bad_input
def member_action_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = scoping.memberships.get_or_404(request.user, membership_id, action=org_scoping.CHANGE)
    if request.POST.get("action") == "retain":
        services.retain(actor=request.user, membership=membership, reason=request.POST.get("reason", ""))
    elif request.POST.get("action") == "end":
        services.end_membership(actor=request.user, membership=membership, reason=request.POST.get("reason", ""))
    else:
        raise Http404
    messages.success(request, _("会籍已更新。"))
    return redirect("orgs:person_detail", person_id=membership.person_id)


# --- the worker's membership and e-card ---

@login_required
def mine_view(request: HttpRequest) -> HttpResponse:
    membership = _open_membership(request.user)
    context: dict[str, Any] = {"membership": membership,
                               "applications": JoinApplication.objects.filter(person__user=request.user)[:5],
                               "transfers": Transfer.objects.filter(membership__person__user=request.user)[:5]}
    if membership is not None:
        token, expires = cards.issue(membership)
        context.update(token=token, expires=expires, qr=qr_svg(request.build_absolute_uri(
            f"/membership/verify/?t={token}")), unions=Unit.objects.filter(level=Level.GRASSROOTS,
                                                                          status=Unit.Status.ACTIVE).exclude(
            pk=membership.unit_id).order_by("code")[:500])
    return render(request, "membership/mine.html", context)


@login_required
@require_POST
@handles_bad_input
def transfer_request_view(request: HttpRequest) -> HttpResponse:
    membership = _open_membership(request.user)
    if membership is None:
        raise Http404
    to_unit = Unit.objects.filter(pk=form_id(request.POST.get("to_unit")), level=Level.GRASSROOTS).first()
    if to_unit is None:
        raise ValidationError(_("请选择要转入的基层工会。"))
    services.request_transfer(actor=request.user, membership=membership, to_unit=to_unit,
                              reason=request.POST.get("reason", ""))
    messages.success(request, _("转会申请已提交，由 %(u)s 接收。") % {"u": to_unit.name})
    return redirect("membership:mine")


@login_required
def card_pdf_view(request: HttpRequest) -> HttpResponse:
    membership = _open_membership(request.user)
    if membership is None:
        raise Http404
    token, expires = cards.issue(membership)
    content = pdf.render_pdf("membership/card_pdf.html", {
        "membership": membership, "qr": qr_svg(request.build_absolute_uri(f"/membership/verify/?t={token}")),
        "expires": expires})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=card-{membership.number}.pdf"
    return response


# --- the partner's scanner page (public) ---

def verify_view(request: HttpRequest) -> HttpResponse:
    token = (request.GET.get("t") or request.POST.get("t") or "").strip()[:2000]
    verdict = cards.verify(token) if token else None
    shown = None
    if verdict is not None and verdict.membership is not None and verdict.status == cards.VALID:
        shown = {"name": mask_name(verdict.membership.person.name), "union": verdict.membership.unit.name,
                 "status": verdict.membership.get_status_display()}
    return render(request, "membership/verify.html", {"verdict": verdict, "shown": shown, "token": token})


def card_keys_view(request: HttpRequest) -> JsonResponse:
    """The public keys that sign e-card tokens, for offline verification."""
    return JsonResponse({"alg": "Ed25519", "keys": cards.public_keys()})



# --- fixing one's own data ---

@require_http_methods(["GET", "POST"])
def rebind_view(request: HttpRequest) -> HttpResponse:
    """My old number is gone: ask to move my file's login to a new number. Nothing changes at once, and the
    answer is the same whether or not the name and the ID number match a file."""
    if request.method == "POST":
        post = request.POST
        try:
            services.rebind_phone(phone=post.get("phone", ""), code=post.get("code", ""), name=post.get("name", ""),
                                  id_number=post.get("id_number", ""), ip=client_ip(request))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except OperationalError:
            messages.error(request, BUSY)
        else:
            messages.info(request, services.REBIND_ANSWER)
            return redirect("membership:rebind")
    return render(request, "membership/rebind.html", {"post": request.POST})


@require_http_methods(["GET", "POST"])
def rebind_cancel_view(request: HttpRequest) -> HttpResponse:
    """The owner of the old number cancels a change of their login number they did not ask for."""
    if request.method == "POST":
        try:
            cancelled = services.cancel_rebinds_from_old_number(phone=request.POST.get("phone", ""),
                                                                code=request.POST.get("code", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except OperationalError:
            messages.error(request, BUSY)
        else:
            messages.success(request, _("已取消 %(n)d 项待生效的手机号更换。") % {"n": cancelled})
            return redirect("membership:rebind_cancel")
    return render(request, "membership/rebind_cancel.html", {"post": request.POST})


@official_required
def rebinds_view(request: HttpRequest) -> HttpResponse:
    services.apply_due_rebinds()  # the cooling clock also runs here, not only in the scheduled command
    scoped = scoping.rebinds.filter(request.user)
    waiting = scoped.filter(state__in=PhoneRebind.OPEN).select_related("person", "unit")
    return render(request, "membership/rebinds.html", {"held": waiting,
                                                       "done": scoped.exclude(state__in=PhoneRebind.OPEN)
                                                       .select_related("person")[:50]})


@official_required
@require_POST
@handles_bad_input
def rebind_review_view(request: HttpRequest, rebind_id: int) -> HttpResponse:
    record = scoping.rebinds.get_or_404(request.user, rebind_id, action=org_scoping.CHANGE)
    if request.POST.get("cancel") == "1":
        services.cancel_rebind(actor=request.user, record=record, note=request.POST.get("note", ""))
    else:
        services.review_rebind(actor=request.user, record=record, approve=request.POST.get("approve") == "1",
                               note=request.POST.get("note", ""), method=request.POST.get("method", ""))
    messages.success(request, _("已处理。"))
    return redirect("membership:rebinds")


@login_required
@require_http_methods(["GET", "POST"])
def correct_view(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    if request.method == "POST":
        try:
            services.request_correction(actor=request.user, person=person, field=request.POST.get("field", ""),
                                        new_value=request.POST.get("new_value", ""),
                                        reason=request.POST.get("reason", ""), evidence=request.FILES.get("evidence"))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("更正申请已提交，所在工会核实后更正。"))
            return redirect("membership:mine")
    return render(request, "membership/correct.html", {"person": person, "post": request.POST,
                                                       "requests": CorrectionRequest.objects.filter(person=person)})


@official_required
def corrections_view(request: HttpRequest) -> HttpResponse:
    pending = scoping.corrections.filter(request.user).filter(state="submitted").select_related("person", "evidence")
    return render(request, "membership/corrections.html", {"pending": pending})


@official_required
@require_POST
@handles_bad_input
def correction_decide_view(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = scoping.corrections.get_or_404(request.user, correction_id, action=org_scoping.CHANGE)
    if not scoping.acts_for(request.user, correction.unit):
        raise Http404
    services.decide_correction(actor=request.user, request=correction, approve=request.POST.get("approve") == "1",
                               note=request.POST.get("note", ""))
    messages.success(request, _("已处理。"))
    return redirect("membership:corrections")


# --- figures ---

def _acting_unit(request: HttpRequest) -> Unit:
    from gonghui.orgs.session import active_assignment

    assignment = active_assignment(request, officials_only=True)
    if assignment is None:
        raise Http404
    return assignment.unit


@official_required
def figures_view(request: HttpRequest) -> HttpResponse:
    data = selectors.figures(request.user, _acting_unit(request))
    chart = {"labels": [r["month"] for r in data["joins"]], "values": [r["n"] for r in data["joins"]]}
    return render(request, "membership/figures.html", {"f": data, "chart": chart})


@official_required
def figures_export_view(request: HttpRequest) -> HttpResponse:
    import io

    from gonghui.core import excel

    data = selectors.figures(request.user, _acting_unit(request))
    sheet = excel.Sheet(title="会员统计", columns=(
        excel.Column("kind", "维度"), excel.Column("name", "名称", width=36), excel.Column("employees", "职工数", kind="int"),
        excel.Column("members", "会员数", kind="int"), excel.Column("rate", "入会率（%）")))
    rows = [{"kind": "下级工会", **{k: r[k] for k in ("name", "employees", "members")},
             "rate": "" if r["rate"] is None else str(r["rate"])} for r in data["by_unit"]]
    rows += [{"kind": "企业", **{k: r[k] for k in ("name", "employees", "members")},
              "rate": "" if r["rate"] is None else str(r["rate"])} for r in data["by_enterprise"]]
    rows += [{"kind": "每月入会", "name": r["month"], "members": r["n"]} for r in data["joins"]]
    rows += [{"kind": "每月转会", "name": r["month"], "members": r["n"]} for r in data["transfers"]]
    rows += [{"kind": "新就业形态入会", "name": r["kind"], "members": r["n"]} for r in data["new_forms"]]
    buffer = io.BytesIO()
    excel.write_rows(sheet, rows, buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=membership-figures.xlsx"
    return response


def _wages_answer(post: Any) -> bool | None:
    """The joining form's question of 工会法 第三条: are wages the applicant's main source of living?"""
    return {"yes": True, "no": False}.get(post.get("wages_main_source", ""))
