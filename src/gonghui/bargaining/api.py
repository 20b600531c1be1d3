"""API routes of collective bargaining under /api/v1/bargaining: the same services, selectors and scoping as
the pages — every action on the pages has its route here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.api.errors import ApiError
from gonghui.api.pagination import Page
from gonghui.api.types import HEADS_MAX, Id, Percent, Yuan
from gonghui.bargaining import scoping, selectors, services
from gonghui.bargaining.models import (
    Area,
    Bargaining,
    Clause,
    ClauseTemplate,
    Contract,
    Representative,
    Round,
    Vote,
)
from gonghui.core import ratelimit
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Unit, User

router = Router(tags=["bargaining"])


class BargainingOut(Schema):
    id: int
    number: str
    kind: str
    reach: str
    title: str
    unit_id: int
    employer_party: str
    enterprise_ids: list[int]
    requested_by_side: str
    request_text: str
    received_on: date
    answer_due_on: date
    answered_at: datetime | None
    answer: str
    state: str
    term_months: int
    headcount: int | None
    average_wage: Decimal | None
    last_rise_pct: Decimal | None
    worker_signed_at: datetime | None
    employer_signed_at: datetime | None

    @staticmethod
    def resolve_enterprise_ids(obj: Bargaining) -> list[int]:
        return [e.pk for e in obj.enterprises.all()]


class RepresentativeOut(Schema):
    id: int
    side: str
    name: str
    title: str
    chief: bool
    outside_expert: bool
    contract_ends_on: date | None
    vacated_on: date | None


class RoundOut(Schema):
    id: int
    number: int
    starts_at: datetime
    minutes_long: int
    meeting_url: str
    place: str
    agenda: str
    minutes: str


class ClauseOut(Schema):
    id: int
    area: str
    title: str
    worker_proposal: str
    employer_proposal: str
    text: str
    state: str


class VoteOut(Schema):
    id: int
    body: str
    opens_at: datetime
    closes_at: datetime
    electorate: int
    paper_voters: int
    paper_yes: int | None
    paper_no: int | None
    paper_abstain: int | None
    voted: int
    quorum_needed: int
    yes_needed: int
    state: str
    present: int | None
    yes: int | None
    no: int | None
    abstain: int | None
    tally_digest: str

    @staticmethod
    def resolve_voted(obj: Vote) -> int:
        return selectors.turnout(obj).voted

    @staticmethod
    def resolve_quorum_needed(obj: Vote) -> int:
        return selectors.turnout(obj).quorum_needed

    @staticmethod
    def resolve_yes_needed(obj: Vote) -> int:
        return selectors.turnout(obj).yes_needed


class ContractOut(Schema):
    id: int
    number: str
    kind: str
    reach: str
    title: str
    unit_id: int
    employer_party: str
    worker_chief: str
    employer_chief: str
    signed_on: date
    submit_due_on: date
    submitted_on: date | None
    received_on: date | None
    objection: str
    effective_from: date | None
    expires_on: date | None
    term_months: int
    state: str
    covered_enterprise_ids: list[int]
    covered_workers: int
    bargaining_id: int | None
    renews_id: int | None

    @staticmethod
    def resolve_covered_enterprise_ids(obj: Contract) -> list[int]:
        return [c.enterprise_id for c in obj.coverage.all()]

    @staticmethod
    def resolve_covered_workers(obj: Contract) -> int:
        return sum(c.workers for c in obj.coverage.all())


def _enterprises(user: Any, ids: list[int]) -> list[Enterprise]:
    """Enterprises the caller reaches (as an official, or the one they represent); others are unknown."""
    reachable = org_scoping.enterprises.filter(user).filter(pk__in=ids) | Enterprise.objects.filter(
        pk__in=[i for i in ids if i in user.represented_enterprise_ids()])
    found = list(reachable.select_related("unit").distinct())
    if len(found) != len(set(ids)):
        raise ApiError(422, "invalid", "找不到所列的企业。")
    return found


class RequestIn(Schema):
    kind: Literal["comprehensive", "wages", "women", "safety", "other"]
    reach: Literal["enterprise", "regional", "industry"] = "enterprise"
    title: str = Field(..., max_length=200)
    request_text: str = Field(..., max_length=10000)
    enterprise_ids: list[Id] = Field(..., min_length=1, max_length=2000)
    unit_id: int | None = None
    employer_party: str = Field("", max_length=200)
    received_on: date | None = None


@router.post("/bargainings", response={201: BargainingOut}, summary="Ask in writing to bargain (either side)")
def request_bargaining(request: HttpRequest, payload: RequestIn) -> Any:
    unit = org_scoping.units.get_or_404(request.user, payload.unit_id) if payload.unit_id else None
    with ratelimit.limited("bargaining.request", request):
        bargaining = services.request_bargaining(
            actor=request.user, kind=payload.kind, reach=payload.reach, title=payload.title,
            request_text=payload.request_text, enterprises=_enterprises(request.user, payload.enterprise_ids),
            unit=unit, employer_party=payload.employer_party, received_on=payload.received_on)
    return Status(201, bargaining)


@router.get("/bargainings", response=list[BargainingOut], summary="Bargainings you take part in or oversee")
@paginate(Page)
def bargainings(request: HttpRequest, state: str = "") -> Any:
    return selectors.bargaining_list(request.user, state=state).order_by("-requested_at")


@router.get("/bargainings/{bargaining_id}", response=BargainingOut, summary="One bargaining")
def bargaining(request: HttpRequest, bargaining_id: int) -> Any:
    return selectors.bargaining_detail(request.user, bargaining_id)


@router.get("/bargainings/{bargaining_id}/representatives", response=list[RepresentativeOut],
            summary="The representatives of both sides")
def representatives(request: HttpRequest, bargaining_id: int) -> Any:
    return list(selectors.bargaining_detail(request.user, bargaining_id).representatives.all())


class SeatIn(Schema):
    side: Literal["worker", "employer"]
    name: str = Field(..., max_length=50)
    title: str = Field("", max_length=100)
    chief: bool = False
    outside_expert: bool = False
    delegation: str = Field("", max_length=200)
    contract_ends_on: date | None = None


@router.post("/bargainings/{bargaining_id}/representatives", response={201: RepresentativeOut},
             summary="Name a representative of your side")
def seat(request: HttpRequest, bargaining_id: int, payload: SeatIn) -> Any:
    found = selectors.bargaining_detail(request.user, bargaining_id)
    return Status(201, services.seat_representative(actor=request.user, bargaining=found,
                                                    seating=services.Seating(**payload.dict())))


class VacateIn(Schema):
    representative_id: int
    reason: str = Field(..., max_length=200)


@router.post("/bargainings/{bargaining_id}/vacancies", response=RepresentativeOut,
             summary="A seat falls vacant (to be filled within 15 days)")
def vacate(request: HttpRequest, bargaining_id: int, payload: VacateIn) -> Any:
    found = selectors.bargaining_detail(request.user, bargaining_id)
    seat_ = Representative.objects.filter(bargaining=found, pk=payload.representative_id).first()
    if seat_ is None:
        raise ApiError(404, "not_found", "未找到该对象。")
    return services.vacate_seat(actor=request.user, representative=seat_, reason=payload.reason)


@router.get("/bargainings/{bargaining_id}/rounds", response=list[RoundOut], summary="The rounds")
def rounds(request: HttpRequest, bargaining_id: int) -> Any:
    return list(selectors.bargaining_detail(request.user, bargaining_id).rounds.all())


class RoundIn(Schema):
    starts_at: datetime
    agenda: str = Field(..., max_length=5000)
    meeting_url: str = Field("", max_length=300)
    place: str = Field("", max_length=200)
    minutes_long: int = Field(120, ge=15, le=600)


@router.post("/bargainings/{bargaining_id}/rounds", response={201: RoundOut}, summary="Schedule a round")
def schedule_round(request: HttpRequest, bargaining_id: int, payload: RoundIn) -> Any:
    found = selectors.bargaining_detail(request.user, bargaining_id)
    return Status(201, services.schedule_round(actor=request.user, bargaining=found, **payload.dict()))


class RoundMinutesIn(Schema):
    minutes: str = Field(..., max_length=20000)


@router.put("/rounds/{round_id}/minutes", response=RoundOut, summary="Write a round's minutes")
def minutes(request: HttpRequest, round_id: int, payload: RoundMinutesIn) -> Any:
    found = scoping.rounds.get_or_404(request.user, round_id, action=scoping.CHANGE,
                                      queryset=Round.objects.select_related("bargaining__unit"))
    return services.record_minutes(actor=request.user, round_=found, minutes=payload.minutes)


@router.get("/bargainings/{bargaining_id}/clauses", response=list[ClauseOut], summary="The clauses")
def clauses(request: HttpRequest, bargaining_id: int) -> Any:
    return list(selectors.bargaining_detail(request.user, bargaining_id).clauses.all())


class ClauseIn(Schema):
    area: Literal["pay", "hours", "rest", "safety", "welfare", "protection", "training", "contracts", "discipline",
                  "redundancy", "term", "procedure", "disputes", "liability", "other"]
    title: str = Field("", max_length=100)


@router.post("/bargainings/{bargaining_id}/clauses", response={201: ClauseOut},
             summary="Add a clause (starting from the area's template)")
def add_clause(request: HttpRequest, bargaining_id: int, payload: ClauseIn) -> Any:
    found = selectors.bargaining_detail(request.user, bargaining_id)
    return Status(201, services.save_clause(actor=request.user, bargaining=found, area=payload.area,
                                            title=payload.title))


class ClauseChangeIn(Schema):
    clause_id: int
    text: str | None = Field(None, max_length=20000)
    worker_proposal: str | None = Field(None, max_length=20000)
    employer_proposal: str | None = Field(None, max_length=20000)
    state: Literal["open", "agreed", "withdrawn"] | None = None


@router.patch("/bargainings/{bargaining_id}/clauses", response=ClauseOut,
              summary="Record a clause's proposals, text or state")
def change_clause(request: HttpRequest, bargaining_id: int, payload: ClauseChangeIn) -> Any:
    found = selectors.bargaining_detail(request.user, bargaining_id)
    clause = Clause.objects.filter(bargaining=found, pk=payload.clause_id).first()
    if clause is None:
        raise ApiError(404, "not_found", "未找到该对象。")
    return services.save_clause(actor=request.user, bargaining=found, clause=clause,
                                **{k: v for k, v in payload.dict(exclude={"clause_id"}).items() if v is not None})


@router.get("/bargainings/{bargaining_id}/draft", response=dict, summary="The draft assembled from agreed clauses")
def draft(request: HttpRequest, bargaining_id: int) -> Any:
    found = selectors.bargaining_detail(request.user, bargaining_id)
    return {"version": found.draft_version, "text": selectors.draft_text(found),
            "rounds": [{"number": d.number, "text": d.text, "diff": [{"kind": k, "line": line} for k, line in d.diff]}
                       for d in selectors.drafts_by_round(found)]}


class ActIn(Schema):
    action: Literal["agree", "refuse", "election", "wage_data", "term", "tally", "sign", "abandon"]
    text: str = Field("", max_length=10000)
    consenting: int = Field(0, ge=0, le=HEADS_MAX)
    workforce: int = Field(0, ge=0, le=HEADS_MAX)
    headcount: int | None = Field(None, ge=0, le=HEADS_MAX)
    average_wage: Yuan = ""
    last_rise_pct: Percent | None = None
    term_months: int = Field(0, ge=0, le=120)
    side: Literal["worker", "employer"] | None = None


@router.post("/bargainings/{bargaining_id}/transitions", response=BargainingOut,
             summary="Answer, record the election, the wage data or the term, count the vote, sign, abandon")
def act(request: HttpRequest, bargaining_id: int, payload: ActIn) -> Any:
    found = selectors.bargaining_detail(request.user, bargaining_id)
    actor, action = request.user, payload.action
    if action in ("agree", "refuse"):
        services.answer_request(actor=actor, bargaining=found, agree=action == "agree", answer=payload.text)
    elif action == "election":
        services.record_worker_election(actor=actor, bargaining=found, consenting=payload.consenting,
                                        workforce=payload.workforce)
    elif action == "wage_data":
        services.record_wage_data(actor=actor, bargaining=found, headcount=payload.headcount,
                                  average_wage=payload.average_wage, last_rise_pct=payload.last_rise_pct)
    elif action == "term":
        services.set_term(actor=actor, bargaining=found, term_months=payload.term_months)
    elif action == "tally":
        services.tally_vote(actor=actor, bargaining=found)
    elif action == "sign":
        services.sign(actor=actor, bargaining=found, side=payload.side)
    else:
        services.abandon(actor=actor, bargaining=found, reason=payload.text)
    return selectors.bargaining_detail(actor, found.pk)


class VoteIn(Schema):
    body: Literal["congress", "all_staff"]
    voter_ids: list[Id] = Field(..., max_length=5000)
    paper_voters: int = Field(0, ge=0, le=100000)  # representatives voting on paper in the hall (规定 第三十六条)
    opens_at: datetime | None = None
    closes_at: datetime


@router.post("/bargainings/{bargaining_id}/vote", response={201: VoteOut},
             summary="Put the draft to the workers' congress or all staff")
def open_vote(request: HttpRequest, bargaining_id: int, payload: VoteIn) -> Any:
    from django.utils import timezone

    found = scoping.bargainings.get_or_404(request.user, bargaining_id, action=scoping.CHANGE)
    voters = list(User.objects.filter(pk__in=payload.voter_ids, person__employer__in=found.enterprises.all()))
    if len(voters) != len(set(payload.voter_ids)):
        raise ApiError(422, "invalid", "投票人须是涉及企业的职工。")
    return Status(201, services.open_vote(actor=request.user, bargaining=found, body=payload.body, voters=voters,
                                          paper_voters=payload.paper_voters, opens_at=payload.opens_at or timezone.now(),
                                          closes_at=payload.closes_at))


class PaperIn(Schema):
    yes: int = Field(..., ge=0, le=100000)
    no: int = Field(..., ge=0, le=100000)
    abstain: int = Field(..., ge=0, le=100000)
    signed_record: str = Field(..., max_length=300)


@router.post("/bargainings/{bargaining_id}/vote/paper", response=VoteOut,
             summary="Enter the count of the paper ballots cast in the hall, with the signed record")
def paper_ballots(request: HttpRequest, bargaining_id: int, payload: PaperIn) -> Any:
    from gonghui.bargaining import congress

    found = scoping.bargainings.get_or_404(request.user, bargaining_id, action=scoping.CHANGE)
    return congress.record_paper_ballots(actor=request.user, bargaining=found, yes=payload.yes, no=payload.no,
                                         abstain=payload.abstain, signed_record=payload.signed_record)


@router.get("/bargainings/{bargaining_id}/vote", response=VoteOut, summary="The vote: turnout live, result after")
def vote(request: HttpRequest, bargaining_id: int) -> Any:
    found = scoping.bargainings.get_or_404(request.user, bargaining_id)
    current = found.votes.order_by("-opens_at").first()
    if current is None:
        raise ApiError(404, "not_found", "未找到该对象。")
    return current


class BallotIn(Schema):
    choice: Literal["yes", "no", "abstain"]


class BallotReceiptOut(Schema):
    receipt: str


@router.post("/bargainings/{bargaining_id}/ballots", response={201: BallotReceiptOut},
             summary="Cast your secret ballot; keep the receipt")
def cast(request: HttpRequest, bargaining_id: int, payload: BallotIn) -> Any:
    found = scoping.bargainings.get_or_404(request.user, bargaining_id, action=scoping.VOTE)
    return Status(201, {"receipt": services.cast_ballot(actor=request.user, bargaining=found, choice=payload.choice)})


class ReceiptIn(Schema):
    receipt: str = Field(..., max_length=40)


@router.post("/bargainings/{bargaining_id}/ballots/check", response=dict, summary="Was my ballot counted?")
def check(request: HttpRequest, bargaining_id: int, payload: ReceiptIn) -> Any:
    found = scoping.bargainings.get_or_404(request.user, bargaining_id, action=scoping.VOTE)
    current = found.votes.order_by("-opens_at").first()
    if current is None:
        raise ApiError(404, "not_found", "未找到该对象。")
    return {"counted": current.ballots.filter(receipt_hash=services.receipt_hash(current, payload.receipt)).exists()}


@router.get("/contracts", response=list[ContractOut], summary="The contract registry in your scope")
@paginate(Page)
def contracts(request: HttpRequest, kind: str = "", state: str = "", q: str = "") -> Any:
    return selectors.contract_list(request.user, kind=kind, state=state, query=q[:50]).prefetch_related("coverage")


@router.get("/contracts/{contract_id}", response=ContractOut, summary="One contract")
def contract(request: HttpRequest, contract_id: int) -> Any:
    return selectors.contract_detail(request.user, contract_id)


class CoveredIn(Schema):
    enterprise_id: int
    workers: int = Field(0, ge=0, le=HEADS_MAX)


class RegisterIn(Schema):
    unit_id: int
    kind: Literal["comprehensive", "wages", "women", "safety", "other"]
    reach: Literal["enterprise", "regional", "industry"]
    title: str = Field(..., max_length=200)
    employer_party: str = Field(..., max_length=200)
    covered: list[CoveredIn] = Field(..., min_length=1, max_length=5000)
    signed_on: date
    term_months: int = Field(..., ge=12, le=36)
    text: str = Field("", max_length=100000)
    worker_chief: str = Field("", max_length=50)
    employer_chief: str = Field("", max_length=50)
    submitted_on: date | None = None
    effective_from: date | None = None


@router.post("/contracts", response={201: ContractOut}, summary="Enter a contract signed on paper")
def register(request: HttpRequest, payload: RegisterIn) -> Any:
    unit: Unit = org_scoping.units.get_or_404(request.user, payload.unit_id)
    found = {e.pk: e for e in _enterprises(request.user, [c.enterprise_id for c in payload.covered])}
    data = payload.dict(exclude={"unit_id", "covered"})
    return Status(201, services.register_contract(
        actor=request.user, unit=unit, covered=[services.Covered(enterprise=found[c.enterprise_id], workers=c.workers)
                                                for c in payload.covered], **data))


class ContractActIn(Schema):
    action: Literal["submit", "objection", "approved", "renew"]
    submitted_on: date | None = None
    received_on: date | None = None
    authority: str = Field("", max_length=100)
    text: str = Field("", max_length=10000)
    approved_on: date | None = None


@router.post("/contracts/{contract_id}/transitions", response=ContractOut,
             summary="Record the submission, the review (objection or approval), or ask to renew")
def contract_act(request: HttpRequest, contract_id: int, payload: ContractActIn) -> Any:
    found = selectors.contract_detail(request.user, contract_id)
    if payload.action == "submit":
        if payload.submitted_on is None:
            raise ApiError(422, "invalid", "请填写报送日期。")
        services.record_submission(actor=request.user, contract=found, submitted_on=payload.submitted_on,
                                   received_on=payload.received_on, authority=payload.authority)
    elif payload.action == "objection":
        services.record_review(actor=request.user, contract=found, objection=payload.text or " ")
    elif payload.action == "approved":
        services.record_review(actor=request.user, contract=found, approved_on=payload.approved_on)
    else:
        services.request_renewal(actor=request.user, contract=found, request_text=payload.text)
    return selectors.contract_detail(request.user, found.pk)


class CoverageOut(Schema):
    unit_id: int
    unit_name: str
    enterprises_with_union: int
    covered: int
    rate: float
    workers: int
    by_kind: dict[str, int]


@router.get("/coverage", response=list[CoverageOut], summary="Coverage by valid contracts, per unit")
def coverage(request: HttpRequest, unit_id: int | None = None) -> Any:
    user = request.user
    unit = org_scoping.units.get_or_404(user, unit_id) if unit_id else user.primary_unit
    if unit is None:
        raise ApiError(404, "not_found", "未找到该对象。")
    return [{"unit_id": r.unit.pk, "unit_name": r.unit.name, "enterprises_with_union": r.enterprises_with_union,
             "covered": r.covered, "rate": r.rate, "workers": r.workers, "by_kind": r.by_kind}
            for r in selectors.coverage(user, unit)]


class TemplateOut(Schema):
    area: str
    title: str
    text: str
    own: bool


@router.get("/templates", response=list[TemplateOut], summary="Clause templates as your union sees them")
def templates(request: HttpRequest, unit_id: int | None = None) -> Any:
    unit = org_scoping.units.get_or_404(request.user, unit_id) if unit_id else request.user.primary_unit
    if unit is None:
        raise ApiError(404, "not_found", "未找到该对象。")
    own = set(ClauseTemplate.objects.filter(unit=unit).values_list("area", flat=True))
    return [{"area": area, "title": title, "text": text, "own": area in own}
            for area, (title, text) in ((a, services.template_for(a, unit)) for a in Area.values)]


class TemplateIn(Schema):
    unit_id: int
    area: Literal["pay", "hours", "rest", "safety", "welfare", "protection", "training", "contracts", "discipline",
                  "redundancy", "term", "procedure", "disputes", "liability", "other"]
    title: str = Field(..., max_length=100)
    text: str = Field(..., max_length=20000)


@router.put("/templates", response=TemplateOut, summary="Keep your union's own wording of a content area")
def save_template(request: HttpRequest, payload: TemplateIn) -> Any:
    unit = org_scoping.units.get_or_404(request.user, payload.unit_id)
    saved = services.save_template(actor=request.user, unit=unit, area=payload.area, title=payload.title,
                                   text=payload.text)
    return {"area": saved.area, "title": saved.title, "text": saved.text, "own": True}
