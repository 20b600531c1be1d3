"""Pages of collective bargaining: the union's desk, the bargaining page both sides share, the phone ballot,
the contract registry and its coverage."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.bargaining import congress, rules, scoping, selectors, services
from gonghui.bargaining.models import (
    Area,
    Ballot,
    Bargaining,
    Clause,
    ClauseTemplate,
    Contract,
    Kind,
    Reach,
    Representative,
    Round,
    Side,
    Vote,
    WageGuideline,
)
from gonghui.core import excel, pdf, ratelimit
from gonghui.core.deadlines import PROVISIONAL_NOTE, local_date, year_basis
from gonghui.core.http import form_count, form_date, form_id, form_moment, handles_bad_input
from gonghui.core.numbers import BadNumber, bounded_decimal
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Level, Unit, User, subtree_q
from gonghui.orgs.views import official_required


def _today() -> date:
    return local_date(timezone.now())


def _int(raw: str | None, label: str, *, required: bool = True) -> int | None:
    # core.numbers: "²" passed isdigit() and crashed int(); full-width digits are read as digits
    return form_count(raw, label, required=required)


def _percent(raw: str | None, label: str) -> Decimal | None:
    """A percentage as the API reads it (-100 to 1000, two places): "1e999" reached the column and 500'd."""
    if not (raw or "").strip():
        return None
    try:
        return bounded_decimal(raw, -100, 1000, 2, label=label)
    except BadNumber as exc:
        raise ValidationError(str(exc)) from exc


def _unit_in_scope(request: HttpRequest) -> Unit:
    """The unit the page is about: ?unit=… inside the user's scope, else their own."""
    raw = request.GET.get("unit") or request.POST.get("unit")
    if raw:
        return org_scoping.units.get_or_404(request.user, form_id(raw))
    unit = request.user.primary_unit
    if unit is None:
        raise Http404
    return unit


def _enterprises_in(user: Any, unit: Unit) -> list[Enterprise]:
    return list(org_scoping.enterprises.filter(user).filter(subtree_q(unit.path, "unit__path"))
                .select_related("unit").order_by("unit__path", "name")[:500])


# --- the union's desk ---

def _provisional_years(dates: list[date | None]) -> set[int]:
    """The years among a list's due dates whose holiday arrangement is provisional: one look-up per distinct year,
    so a list shows the |deadline note without a query per row (bargaining/_due.html)."""
    return {year for year in {d.year for d in dates if d} if year_basis(year) == "provisional"}


@official_required
def overview_view(request: HttpRequest) -> HttpResponse:
    unit = _unit_in_scope(request)
    today = _today()
    open_ = selectors.bargaining_list(request.user).filter(state__in=(*Bargaining.OPEN, Bargaining.State.NO_ANSWER)) \
        .order_by("answer_due_on")[:50]
    pending = selectors.contract_list(request.user).filter(
        state__in=(Contract.State.SIGNED, Contract.State.SUBMITTED, Contract.State.OBJECTED)).order_by("submit_due_on")[:50]
    open_, pending = list(open_), list(pending)
    due = [b.answer_due_on for b in open_] + [c.submit_due_on for c in pending]
    return render(request, "bargaining/overview.html", {
        "unit": unit, "open": open_, "pending": pending, "today": today,
        "provisional": _provisional_years(due), "provisional_note": PROVISIONAL_NOTE,
        "expiring": selectors.expiring(request.user, today=today)[:50],
        "wage_due": selectors.wage_talks_due(request.user, unit, today=today)[:100]})


@official_required
@require_http_methods(["GET", "POST"])
def templates_view(request: HttpRequest) -> HttpResponse:
    """Clause templates: the shipped wording of each content area, and the union's own."""
    unit = _unit_in_scope(request)
    if request.method == "POST":
        try:
            services.save_template(actor=request.user, unit=unit, area=request.POST.get("area", ""),
                                   title=request.POST.get("title", ""), text=request.POST.get("text", ""))
            messages.success(request, _("条款范本已保存。"))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(f"{request.path}?unit={unit.pk}")
    rows = [{"area": value, "label": label, "title": services.template_for(value, unit)[0],
             "text": services.template_for(value, unit)[1],
             "own": ClauseTemplate.objects.filter(area=value, unit=unit).exists()} for value, label in Area.choices]
    return render(request, "bargaining/templates.html", {"unit": unit, "rows": rows})


# --- starting a bargaining ---

@login_required
@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest) -> HttpResponse:
    """The union (for its enterprises, or a region's) or an employer's representative asks to bargain."""
    official = request.user.is_official
    represented = list(Enterprise.objects.filter(pk__in=request.user.represented_enterprise_ids()))
    if not official and not represented:
        raise Http404
    unit = _unit_in_scope(request) if official else represented[0].unit
    choices = _enterprises_in(request.user, unit) if official else represented
    context = {"official": official, "unit": unit, "enterprises": choices, "kinds": Kind.choices,
               "reaches": Reach.choices, "post": request.POST, "today": _today(),
               "chosen": [form_id(v) for v in request.POST.getlist("enterprises")]}
    if request.method == "POST":
        post = request.POST
        wanted = set(context["chosen"])
        try:
            with ratelimit.limited("bargaining.request", request):
                bargaining = services.request_bargaining(
                    actor=request.user, kind=post.get("kind", ""), reach=post.get("reach", Reach.ENTERPRISE),
                    title=post.get("title", ""), request_text=post.get("request_text", ""),
                    enterprises=[e for e in choices if e.pk in wanted], unit=unit,
                    employer_party=post.get("employer_party", ""),
                    received_on=form_date(post.get("received_on"), _("对方收到日期"), required=False))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return render(request, "bargaining/start.html", context, status=422)
        messages.success(request, _("协商要求已发出，对方应于 %(d)s 前书面回应。") % {"d": bargaining.answer_due_on})
        return redirect("bargaining:detail", bargaining.pk)
    return render(request, "bargaining/start.html", context)


@login_required
def mine_view(request: HttpRequest) -> HttpResponse:
    """An employer's representative's bargainings, a voter's ballots, a worker's contracts in force."""
    bargainings = list(scoping.bargainings.filter(request.user).prefetch_related("enterprises")
                       .order_by("-requested_at")[:50])
    votes = Vote.objects.filter(roll__user=request.user, state=Vote.State.OPEN).select_related("bargaining")
    return render(request, "bargaining/mine.html", {
        "official": request.user.is_official, "bargainings": bargainings, "votes": votes,
        "provisional": _provisional_years([b.answer_due_on for b in bargainings]),
        "provisional_note": PROVISIONAL_NOTE,
        "contracts": selectors.contracts_for_worker(request.user)[:20],
        "is_employer": bool(request.user.represented_enterprise_ids())})


# --- the bargaining page ---

@login_required
def detail_view(request: HttpRequest, bargaining_id: int) -> HttpResponse:
    bargaining = selectors.bargaining_detail(request.user, bargaining_id)
    is_union = scoping.bargainings.can(request.user, scoping.CHANGE, bargaining)
    is_employer = not is_union and scoping.bargainings.can(request.user, scoping.EMPLOYER, bargaining)
    # A voter (not a side) reads the draft on the ballot page.
    if not (is_union or is_employer) and scoping.bargainings.can(request.user, scoping.VOTE, bargaining):
        return redirect("bargaining:vote", bargaining.pk)
    today = _today()
    representatives = list(bargaining.representatives.select_related("person"))
    answering = Side.EMPLOYER if bargaining.requested_by_side == Side.WORKER else Side.WORKER
    employer_has_accounts = bool(services.employer_users(bargaining))
    vote = bargaining.votes.order_by("-opens_at").first()
    enterprise = bargaining.enterprises.select_related("unit").first()
    city = next((u for u in Unit.objects.filter(id__in=enterprise.unit.ancestor_ids, level=Level.CITY)), None) \
        if enterprise else None
    guideline = WageGuideline.objects.filter(unit=city, year__lte=today.year).order_by("-year").first() if city else None
    may_answer = bargaining.state in (Bargaining.State.REQUESTED, Bargaining.State.NO_ANSWER) and (
        (answering == Side.EMPLOYER and (is_employer or (is_union and not employer_has_accounts)))
        or (answering == Side.WORKER and is_union))
    return render(request, "bargaining/detail.html", {
        "official": request.user.is_official, "b": bargaining, "is_union": is_union, "is_employer": is_employer,
        "enterprises": bargaining.enterprises.select_related("unit"), "today": today,
        "workers": [r for r in representatives if r.side == Side.WORKER],
        "employers": [r for r in representatives if r.side == Side.EMPLOYER],
        "problems": services.seat_problems(bargaining), "rounds": bargaining.rounds.all(),
        "clauses": bargaining.clauses.all(), "areas": Area.choices, "clause_states": Clause.State.choices,
        "drafts": selectors.drafts_by_round(bargaining), "draft": selectors.draft_text(bargaining),
        "vote": vote, "turnout": selectors.turnout(vote) if vote else None, "vote_bodies": Vote.Body.choices,
        "steps": bargaining.steps.select_related("actor"), "may_answer": may_answer,
        "record_employer": is_union and not employer_has_accounts, "guideline": guideline,
        "contract": Contract.objects.filter(bargaining=bargaining).first(),
        "candidates": _voter_candidates(bargaining) if is_union and bargaining.state == Bargaining.State.TALKING else [],
        "needs_election": services.needs_election(bargaining),
        "contract_warnings": [r for r in representatives if r.side == Side.WORKER and rules.contract_ends_inside(
            r.contract_ends_on, bargaining.started_on or today, None) and r.vacated_on is None],
    })


def _voter_candidates(bargaining: Bargaining) -> list[User]:
    """Accounts of the workers of the bargaining's enterprises: the congress representatives are picked from them."""
    enterprises = bargaining.enterprises.values("pk")
    return list(User.objects.filter(person__employer__in=enterprises, is_active=True).order_by("person__name")[:1000])


def _seating(user: Any, post: Any, side: str) -> services.Seating:
    """A seat from the form; a worker representative may be named by ID number from the union's own registry."""
    person = None
    raw_id = (post.get("id_number") or "").strip()
    if raw_id:
        from gonghui.core.crypto import lookup_hash
        from gonghui.orgs import rules as org_rules

        try:
            number = org_rules.parse_id_number(raw_id).number
        except org_rules.InvalidNumber as exc:
            raise ValidationError(str(exc)) from exc
        person = org_scoping.people.filter(user).filter(id_hash=lookup_hash(number, "id")).first()
        if person is None:
            raise ValidationError(_("本工会的职工档案中没有这个身份证号；请核对，或只填写姓名。"))
    return services.Seating(side=side, name=post.get("name", "") or (person.name if person else ""), person=person,
                            title=post.get("title", ""), chief=post.get("chief") == "1",
                            outside_expert=post.get("outside_expert") == "1", delegation=post.get("delegation", ""),
                            contract_ends_on=form_date(post.get("contract_ends_on"), _("劳动合同到期日"), required=False))


@login_required
@require_POST
@handles_bad_input
def act_view(request: HttpRequest, bargaining_id: int) -> HttpResponse:
    bargaining = selectors.bargaining_detail(request.user, bargaining_id)
    post, actor, action = request.POST, request.user, request.POST.get("action", "")
    if action in ("agree", "refuse"):
        services.answer_request(actor=actor, bargaining=bargaining, agree=action == "agree", answer=post.get("answer", ""))
    elif action == "seat":
        services.seat_representative(actor=actor, bargaining=bargaining, seating=_seating(actor, post, post.get("side", "")))
    elif action == "vacate":
        seat = Representative.objects.filter(bargaining=bargaining, pk=form_id(post.get("representative"))).first()
        if seat is None:
            raise ValidationError(_("请选择代表。"))
        services.vacate_seat(actor=actor, representative=seat, reason=post.get("reason", ""))
    elif action == "election":
        services.record_worker_election(actor=actor, bargaining=bargaining,
                                        consenting=_int(post.get("consenting"), _("同意人数")) or 0,
                                        workforce=_int(post.get("workforce"), _("职工总数")) or 0)
    elif action == "round":
        services.schedule_round(actor=actor, bargaining=bargaining, starts_at=form_moment(post.get("starts_at"), _("开始时间")),
                                agenda=post.get("agenda", ""), meeting_url=post.get("meeting_url", ""),
                                place=post.get("place", ""), minutes_long=_int(post.get("minutes_long"), _("时长")) or 0)
    elif action == "minutes":
        round_ = scoping.rounds.get_or_404(actor, form_id(post.get("round")), action=scoping.CHANGE)
        if round_.bargaining_id != bargaining.pk:
            raise Http404
        services.record_minutes(actor=actor, round_=round_, minutes=post.get("minutes", ""))
    elif action == "add_clause":
        services.save_clause(actor=actor, bargaining=bargaining, area=post.get("area", ""), title=post.get("title", ""))
    elif action == "clause":
        clause = Clause.objects.filter(bargaining=bargaining, pk=form_id(post.get("clause"))).first()
        if clause is None:
            raise ValidationError(_("请选择条款。"))
        fields = {k: post[k] for k in ("text", "worker_proposal", "employer_proposal", "state") if k in post}
        services.save_clause(actor=actor, bargaining=bargaining, clause=clause, **fields)
    elif action == "wage_data":
        services.record_wage_data(actor=actor, bargaining=bargaining,
                                  headcount=_int(post.get("headcount"), _("职工人数"), required=False),
                                  average_wage=post.get("average_wage", ""),
                                  last_rise_pct=_percent(post.get("last_rise_pct"), _("上年工资增幅")))
    elif action == "term":
        services.set_term(actor=actor, bargaining=bargaining, term_months=_int(post.get("term_months"), _("期限")) or 0)
    elif action == "open_vote":
        wanted = {form_id(v) for v in post.getlist("voters")}
        voters = [u for u in _voter_candidates(bargaining) if u.pk in wanted]
        services.open_vote(actor=actor, bargaining=bargaining, body=post.get("body", ""), voters=voters,
                           paper_voters=_int(post.get("paper_voters"), _("书面表决人数"), required=False) or 0,
                           opens_at=form_moment(post.get("opens_at"), _("开始时间")) if post.get("opens_at") else timezone.now(),
                           closes_at=form_moment(post.get("closes_at"), _("截止时间")))
    elif action == "paper_ballots":
        congress.record_paper_ballots(
            actor=actor, bargaining=bargaining, yes=_int(post.get("paper_yes"), _("书面同意票")) or 0,
            no=_int(post.get("paper_no"), _("书面不同意票")) or 0,
            abstain=_int(post.get("paper_abstain"), _("书面弃权票")) or 0, signed_record=post.get("signed_record", ""))
    elif action == "tally":
        services.tally_vote(actor=actor, bargaining=bargaining)
    elif action == "sign":
        services.sign(actor=actor, bargaining=bargaining, side=post.get("side") or None)
    elif action == "abandon":
        services.abandon(actor=actor, bargaining=bargaining, reason=post.get("reason", ""))
    else:
        raise ValidationError(_("未知的操作。"))
    messages.success(request, _("已保存。"))
    return redirect("bargaining:detail", bargaining.pk)


@login_required
def round_ics_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round as a calendar invitation (.ics) with its online meeting link."""
    from datetime import timedelta

    from icalendar import Calendar, Event

    round_ = scoping.rounds.get_or_404(request.user, round_id, queryset=Round.objects.select_related("bargaining"))
    calendar = Calendar()
    calendar.add("prodid", "-//Gonghui//bargaining//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"bargaining-round-{round_.pk}@gonghui")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", round_.starts_at)
    event.add("dtend", round_.starts_at + timedelta(minutes=round_.minutes_long))
    event.add("summary", _("集体协商 %(n)s 第 %(r)s 轮") % {"n": round_.bargaining.number, "r": round_.number})
    event.add("location", round_.meeting_url or round_.place)
    event.add("description", f"{round_.bargaining.title}\n{round_.agenda}")
    if round_.meeting_url:
        event.add("url", round_.meeting_url)
    calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=bargaining-round-{round_.pk}.ics"
    return response


# --- the ballot, on a phone ---

@login_required
@require_http_methods(["GET", "POST"])
def vote_view(request: HttpRequest, bargaining_id: int) -> HttpResponse:
    bargaining = scoping.bargainings.get_or_404(request.user, bargaining_id, action=scoping.VOTE)
    vote = bargaining.votes.order_by("-opens_at").first()
    if vote is None:
        raise Http404
    receipt, checked = None, None
    if request.method == "POST" and request.POST.get("action") == "check":
        value = request.POST.get("receipt", "")[:40]
        checked = {"receipt": value, "counted": vote.ballots.filter(receipt_hash=services.receipt_hash(vote, value))
                   .exists()}
    elif request.method == "POST":
        try:
            receipt = services.cast_ballot(actor=request.user, bargaining=bargaining, choice=request.POST.get("choice", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("bargaining:vote", bargaining.pk)
    lines = services.tally_lines(vote) if vote.state != Vote.State.OPEN else []
    return render(request, "bargaining/vote.html", {
        "official": False, "b": bargaining, "vote": vote, "turnout": selectors.turnout(vote),
        "me": selectors.my_voter(request.user, vote), "receipt": receipt, "checked": checked,
        "choices": Ballot.Choice.choices, "now": timezone.now(), "lines": lines,
        "digest_ok": not lines or services.tally_digest(lines) == vote.tally_digest})


# --- the registry ---

@official_required
def contracts_view(request: HttpRequest) -> HttpResponse:
    kind, state, query = request.GET.get("kind", ""), request.GET.get("state", ""), request.GET.get("q", "")[:50]
    found = selectors.contract_list(request.user, kind=kind if kind in Kind.values else "",
                                    state=state if state in Contract.State.values else "", query=query)
    return render(request, "bargaining/contracts.html", {
        "contracts": found.prefetch_related("coverage__enterprise")[:200], "kinds": Kind.choices,
        "states": Contract.State.choices, "kind": kind, "state": state, "q": query})


def _xlsx(sheet: excel.Sheet, rows: list[dict[str, Any]], filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    excel.write_rows(sheet, rows, buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@official_required
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """Enter a contract signed on paper into the registry."""
    unit = _unit_in_scope(request)
    choices = _enterprises_in(request.user, unit)
    context = {"unit": unit, "enterprises": choices, "kinds": Kind.choices, "reaches": Reach.choices,
               "post": request.POST, "chosen": [form_id(v) for v in request.POST.getlist("enterprises")]}
    if request.method == "POST":
        post = request.POST
        wanted = set(context["chosen"])
        try:
            contract = services.register_contract(
                actor=request.user, unit=unit, kind=post.get("kind", ""), reach=post.get("reach", ""),
                title=post.get("title", ""), employer_party=post.get("employer_party", ""),
                covered=[services.Covered(enterprise=e, workers=e.employees or 0) for e in choices if e.pk in wanted],
                signed_on=form_date(post.get("signed_on"), _("签字日期")),  # type: ignore[arg-type]
                term_months=_int(post.get("term_months"), _("期限（月）")) or 0, text=post.get("text", ""),
                worker_chief=post.get("worker_chief", ""), employer_chief=post.get("employer_chief", ""),
                submitted_on=form_date(post.get("submitted_on"), _("报送日期"), required=False),
                effective_from=form_date(post.get("effective_from"), _("生效日期"), required=False))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return render(request, "bargaining/register.html", context, status=422)
        messages.success(request, _("合同已登记：%(n)s") % {"n": contract.number})
        return redirect("bargaining:contract", contract.pk)
    return render(request, "bargaining/register.html", context)


@login_required
def contract_view(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = selectors.contract_detail(request.user, contract_id)
    is_union = scoping.contracts.can(request.user, scoping.CHANGE, contract)
    is_employer = not is_union and scoping.contracts.can(request.user, scoping.EMPLOYER, contract)
    today = _today()
    return render(request, "bargaining/contract.html", {
        "official": request.user.is_official, "c": contract, "is_union": is_union, "is_employer": is_employer,
        "coverage": contract.coverage.select_related("enterprise__unit"), "today": today,
        "renewal_open": contract.expires_on is not None and rules.renewal_open(contract.expires_on, today),
        "review_ends": (rules.in_force_on(contract.review_ends_on) if contract.review_ends_on
                        else rules.in_force_from(contract.received_on) if contract.received_on else None),
        "renewals": contract.renewals.all(), "renewed_by": contract.renewed_by.all()})


@login_required
@require_POST
@handles_bad_input
def contract_act_view(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = selectors.contract_detail(request.user, contract_id)
    post, action = request.POST, request.POST.get("action", "")
    if action == "submit":
        services.record_submission(actor=request.user, contract=contract,
                                   submitted_on=form_date(post.get("submitted_on"), _("报送日期")),  # type: ignore[arg-type]
                                   received_on=form_date(post.get("received_on"), _("收到日期"), required=False),
                                   authority=post.get("authority", ""))
    elif action == "objection":
        services.record_review(actor=request.user, contract=contract, objection=post.get("objection", "") or " ")
    elif action == "approved":
        services.record_review(actor=request.user, contract=contract,
                               approved_on=form_date(post.get("approved_on"), _("审查同意日期")))
    elif action == "renew":
        bargaining = services.request_renewal(actor=request.user, contract=contract,
                                              request_text=post.get("request_text", ""))
        messages.success(request, _("续订要求已发出。"))
        return redirect("bargaining:detail", bargaining.pk)
    else:
        raise ValidationError(_("未知的操作。"))
    messages.success(request, _("已保存。"))
    return redirect("bargaining:contract", contract.pk)


@login_required
def contract_pdf_view(request: HttpRequest, contract_id: int) -> HttpResponse:
    """The contract's text with both chiefs' signatures and the vote, as a printable PDF."""
    contract = selectors.contract_detail(request.user, contract_id)
    content = pdf.render_pdf("bargaining/contract_pdf.html", {
        "c": contract, "coverage": contract.coverage.select_related("enterprise"),
        "articles": [block for block in contract.text.split("\n第") if block.strip()]})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename={contract.number}.pdf"
    return response


@official_required
def coverage_view(request: HttpRequest) -> HttpResponse:
    unit = _unit_in_scope(request)
    rows = selectors.coverage(request.user, unit)
    chart = {"labels": [r.unit.name for r in rows[1:]], "values": [r.covered for r in rows[1:]]}
    return render(request, "bargaining/coverage.html", {
        "unit": unit, "rows": rows, "kinds": Kind.choices, "chart": chart,
        "uncovered": selectors.uncovered(request.user, unit)[:300]})


@official_required
def coverage_export_view(request: HttpRequest) -> HttpResponse:
    unit = _unit_in_scope(request)
    rows = selectors.coverage(request.user, unit)
    kind_columns = tuple(excel.Column(f"k_{k}", str(label), kind="int") for k, label in Kind.choices)
    sheet = excel.Sheet(title="集体合同覆盖", columns=(
        excel.Column("unit", "工会", width=36), excel.Column("with_union", "建会企业", kind="int"),
        excel.Column("covered", "有效合同覆盖企业", kind="int"), excel.Column("rate", "覆盖率（%）"),
        excel.Column("workers", "覆盖职工", kind="int"), *kind_columns))
    data = [{"unit": r.unit.name, "with_union": r.enterprises_with_union, "covered": r.covered, "rate": str(r.rate),
             "workers": r.workers, **{f"k_{k}": r.by_kind.get(k, 0) for k in Kind.values}} for r in rows]
    data += [{"unit": f"未覆盖：{e.name}（{e.unit.name}）"} for e in selectors.uncovered(request.user, unit)]
    return _xlsx(sheet, data, "bargaining-coverage.xlsx")
