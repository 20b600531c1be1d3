"""API routes of mediation under /api/v1/mediation: the same services, selectors and scoping as the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.api.errors import ApiError
from gonghui.api.pagination import Page
from gonghui.api.types import Yuan
from gonghui.core import ratelimit
from gonghui.core.deadlines import local_date
from gonghui.mediation import scoping, selectors, services
from gonghui.mediation.models import (
    AgreedPayment,
    Agreement,
    Case,
    MediationBody,
    Message,
    Negotiation,
    Party,
)
from gonghui.orgs.models import Enterprise, User

router = Router(tags=["mediation"])


class BodyOut(Schema):
    id: int
    name: str
    kind: str
    unit_id: int
    arbitration_commission: str
    has_seal: bool

    @staticmethod
    def resolve_has_seal(obj: MediationBody) -> bool:
        return obj.seal_id is not None


class CaseOut(Schema):
    id: int
    number: str
    body_id: int
    employer_id: int
    employer_name: str
    category: str
    channel: str
    state: str
    claims: str
    facts: str
    employer_reason: str = Field("", description="why the employer is not the one on the applicant's file; "
                                                 "the body checks it before accepting")
    amount_claimed: Decimal | None
    knew_on: date
    received_at: datetime
    accept_due_on: date
    arbitration_open_on: date
    accepted_on: date | None
    mediation_ends_on: date | None
    mediator_id: int | None
    collective: bool
    limitation_state: str
    limitation_ends_on: date | None

    @staticmethod
    def resolve_employer_name(obj: Case) -> str:
        return obj.employer.name

    @staticmethod
    def resolve_limitation_state(obj: Case, context: Any = None) -> str:
        return _limitation(obj, context).state

    @staticmethod
    def resolve_limitation_ends_on(obj: Case, context: Any = None) -> date | None:
        return _limitation(obj, context).ends_on


def _limitation(obj: Case, context: Any) -> Any:
    """The case's limitation, once per case; the calendar is read once per request (a list stays flat)."""
    found = getattr(obj, "_limitation", None)
    if found is None:
        request = (context or {}).get("request")
        calendar = getattr(request, "_mediation_calendar", None)
        if calendar is None:
            calendar = selectors.whole_calendar()
            if request is not None:
                request._mediation_calendar = calendar
        found = obj._limitation = selectors.limitation_of(obj, local_date(datetime.now().astimezone()), calendar)
    return found


class PartyOut(Schema):
    id: int
    side: str
    kind: str
    name: str
    representative: bool
    id_masked: str | None = None

    @staticmethod
    def resolve_id_masked(obj: Party) -> str | None:
        return obj.person.id_masked if obj.person_id else None


class SessionOut(Schema):
    id: int
    mode: str
    starts_at: datetime
    minutes_long: int
    place: str
    minutes: str


class MessageOut(Schema):
    id: int
    author: str
    audience: str
    text: str
    at: datetime
    has_evidence: bool

    @staticmethod
    def resolve_author(obj: Message) -> str:
        return str(obj.author)

    @staticmethod
    def resolve_has_evidence(obj: Message) -> bool:
        return obj.evidence_id is not None


class PaymentOut(Schema):
    id: int
    kind: str
    amount: Decimal
    due_on: date
    paid_on: date | None
    reported_unpaid_at: datetime | None


class AgreementOut(Schema):
    version: int
    terms: str
    employer_confirmed_at: datetime | None
    worker_side_confirmed: bool
    mediator_signed_at: datetime | None
    effective_at: datetime | None
    payments: list[PaymentOut]

    @staticmethod
    def resolve_worker_side_confirmed(obj: Agreement) -> bool:
        return services.worker_side_confirmed(obj)

    @staticmethod
    def resolve_payments(obj: Agreement) -> list[AgreedPayment]:
        return list(obj.payments.all())


class NegotiationOut(Schema):
    id: int
    number: str
    employer_id: int
    category: str
    claims: str
    union_assist: bool
    state: str
    reply_due_on: date
    answer: str
    settlement: str


def _employer(employer_id: int) -> Enterprise:
    employer = Enterprise.objects.select_related("unit").filter(pk=employer_id).first()
    if employer is None:
        raise ApiError(422, "invalid", "找不到该用人单位。")
    return employer


def _body(body_id: int) -> MediationBody:
    body = MediationBody.objects.select_related("unit").filter(pk=body_id, active=True).first()
    if body is None:
        raise ApiError(422, "invalid", "找不到该调解组织。")
    return body


@router.get("/bodies", response=list[BodyOut], summary="Mediation bodies a worker may apply to, or in your scope")
def bodies(request: HttpRequest) -> Any:
    if request.user.is_official:
        return list(selectors.bodies_for(request.user))
    return list(MediationBody.objects.filter(active=True).order_by("unit__path", "name"))


class ApplicantIn(Schema):
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=30)
    phone: str = Field("", max_length=20)


class CaseIn(Schema):
    body_id: int
    employer_id: int
    category: str
    claims: str = Field(..., max_length=5000)
    facts: str = Field(..., max_length=5000)
    knew_on: date
    employment_ended_on: date | None = None
    amount_claimed: Yuan | None = None
    negotiation_id: int | None = None
    employer_reason: str = Field("", max_length=1000,
                                 description="a worker applying against an employer other than their own: why")
    oral_applicants: list[ApplicantIn] = Field(default_factory=list,
                                               description="staff recording an oral application: the workers")


@router.post("/cases", response={201: CaseOut}, summary="Apply (a worker, in writing) or record an oral application")
def create_case(request: HttpRequest, payload: CaseIn) -> Any:
    body, employer = _body(payload.body_id), _employer(payload.employer_id)
    common = {"body": body, "employer": employer, "category": payload.category, "claims": payload.claims,
              "facts": payload.facts, "knew_on": payload.knew_on, "employment_ended_on": payload.employment_ended_on,
              "amount_claimed": payload.amount_claimed}
    if payload.oral_applicants:
        case = services.record_oral_application(
            actor=request.user, applicants=[services.Applicant(**a.dict()) for a in payload.oral_applicants], **common)
    else:
        negotiation = Negotiation.objects.filter(pk=payload.negotiation_id).first() if payload.negotiation_id else None
        with ratelimit.limited("mediation.case", request):
            case = services.apply_online(actor=request.user, negotiation=negotiation,
                                         employer_reason=payload.employer_reason, **common)
    return Status(201, case)


@router.get("/cases", response=list[CaseOut], summary="Cases in your scope, or your own")
@paginate(Page)
def cases(request: HttpRequest, state: str = "", category: str = "") -> Any:
    return selectors.case_list(request.user, state=state, category=category)


@router.get("/cases/{case_id}", response=CaseOut, summary="One case")
def case(request: HttpRequest, case_id: int) -> Any:
    return selectors.case_detail(request.user, case_id)


@router.get("/cases/{case_id}/parties", response=list[PartyOut], summary="The parties of a case")
def parties(request: HttpRequest, case_id: int) -> Any:
    found = selectors.case_detail(request.user, case_id)
    return list(found.parties.select_related("person"))


class PartyIn(Schema):
    side: Literal["worker", "employer"]
    kind: Literal["worker", "agent", "witness"]
    name: str = Field(..., max_length=50)
    id_number: str = Field("", max_length=30, description="for a worker: their ID number")
    phone: str = Field("", max_length=20)


@router.post("/cases/{case_id}/parties", response={201: PartyOut}, summary="Add a worker, an agent or a witness")
def add_party(request: HttpRequest, case_id: int, payload: PartyIn) -> Any:
    found = scoping.cases.get_or_404(request.user, case_id, action=scoping.CHANGE)
    if payload.kind == "worker":
        services.add_workers(actor=request.user, case=found, applicants=[
            services.Applicant(name=payload.name, id_number=payload.id_number, phone=payload.phone)])
        return Status(201, found.parties.filter(kind="worker").select_related("person").order_by("-id").first())
    return Status(201, services.add_participant(actor=request.user, case=found, side=payload.side, kind=payload.kind,
                                                name=payload.name, phone=payload.phone))


@router.get("/cases/{case_id}/sessions", response=list[SessionOut], summary="The sessions of a case")
def sessions(request: HttpRequest, case_id: int) -> Any:
    found = selectors.case_detail(request.user, case_id)
    return list(found.sessions.filter(cancelled=False))


class SessionIn(Schema):
    mode: Literal["online", "phone", "in_person"]
    starts_at: datetime
    place: str = Field(..., max_length=300)
    minutes_long: int = Field(60, ge=15, le=480)


@router.post("/cases/{case_id}/sessions", response={201: SessionOut}, summary="Schedule a session (notifies the parties)")
def schedule(request: HttpRequest, case_id: int, payload: SessionIn) -> Any:
    found = scoping.cases.get_or_404(request.user, case_id, action=scoping.CHANGE)
    return Status(201, services.schedule_session(actor=request.user, case=found, **payload.dict()))


class SessionMinutesIn(Schema):
    minutes: str = Field(..., max_length=20000)


@router.put("/sessions/{session_id}/minutes", response=SessionOut, summary="Write a session's minutes")
def minutes(request: HttpRequest, session_id: int, payload: SessionMinutesIn) -> Any:
    session = scoping.sessions.get_or_404(request.user, session_id, action=scoping.CHANGE)
    return services.record_minutes(actor=request.user, session=session, minutes=payload.minutes)


@router.get("/cases/{case_id}/messages", response=list[MessageOut], summary="The thread, as far as you may read it")
def thread(request: HttpRequest, case_id: int) -> Any:
    found = selectors.case_detail(request.user, case_id)
    return list(selectors.thread(request.user, found))


class MessageIn(Schema):
    text: str = Field(..., max_length=5000)
    audience: Literal["all", "worker", "employer"] = "all"


@router.post("/cases/{case_id}/messages", response={201: MessageOut}, summary="Write in the thread")
def post(request: HttpRequest, case_id: int, payload: MessageIn) -> Any:
    found = scoping.cases.get_or_404(request.user, case_id)
    return Status(201, services.post_message(actor=request.user, case=found, text=payload.text,
                                             audience=payload.audience))


@router.get("/cases/{case_id}/agreement", response=AgreementOut, summary="The agreement of a case")
def agreement(request: HttpRequest, case_id: int) -> Any:
    found = selectors.case_detail(request.user, case_id)
    current = Agreement.objects.filter(case=found).first()
    if current is None:
        raise Http404
    return current


class PaymentIn(Schema):
    kind: Literal["wages", "injury_medical", "compensation", "damages", "other"]
    amount: Yuan
    due_on: date


class AgreementIn(Schema):
    terms: str = Field(..., max_length=20000)
    payments: list[PaymentIn] = Field(default_factory=list)


@router.put("/cases/{case_id}/agreement", response=AgreementOut, summary="Draft or rewrite the agreement")
def draft(request: HttpRequest, case_id: int, payload: AgreementIn) -> Any:
    found = scoping.cases.get_or_404(request.user, case_id, action=scoping.CHANGE)
    return services.draft_agreement(actor=request.user, case=found, terms=payload.terms, payments=[
        services.PaymentTerm(kind=p.kind, amount=p.amount, due_on=p.due_on) for p in payload.payments])


TRANSITIONS = ("employer_agree", "employer_refuse", "confirm_record", "accept", "not_accept", "assign",
               "propose_extension", "agree_extension", "confirm", "seal", "paid", "unpaid", "withdraw", "not_mediated",
               "acknowledge")


class TransitionIn(Schema):
    action: Literal[TRANSITIONS]  # type: ignore[valid-type]
    reason: str = Field("", max_length=2000)
    in_scope: bool = False
    employer_checked: bool = Field(False, description="accept: the body checked the applicant's reason for "
                                                      "naming an employer not on their file")
    mediator_id: int | None = None
    declaration: str = Field("", max_length=2000)
    days: int = Field(0, ge=0, le=365)
    payment_id: int | None = None
    paid_on: date | None = None


@router.post("/cases/{case_id}/transitions", response=CaseOut, summary="Move a case: each action is one service")
def transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> Any:
    found = scoping.cases.get_or_404(request.user, case_id)
    actor, action = request.user, payload.action
    if action in ("employer_agree", "employer_refuse"):
        services.answer_mediation(actor=actor, case=found, agree=action == "employer_agree", note=payload.reason)
    elif action == "confirm_record":
        services.confirm_record(actor=actor, case=found)
    elif action in ("accept", "not_accept"):
        services.decide_acceptance(actor=actor, case=found, accept=action == "accept", reason=payload.reason,
                                   in_scope=payload.in_scope, employer_checked=payload.employer_checked)
    elif action == "assign":
        mediator = User.objects.filter(pk=payload.mediator_id or 0).first()
        if mediator is None:
            raise ApiError(422, "invalid", "请选择调解员。")
        services.assign_mediator(actor=actor, case=found, mediator=mediator, declaration=payload.declaration,
                                 reason=payload.reason)
    elif action == "propose_extension":
        services.propose_extension(actor=actor, case=found, days=payload.days)
    elif action == "agree_extension":
        services.agree_extension(actor=actor, case=found)
    elif action == "confirm":
        services.confirm_agreement(actor=actor, case=found)
    elif action == "seal":
        services.sign_and_seal(actor=actor, case=found)
    elif action in ("paid", "unpaid"):
        services.report_payment(actor=actor, case=found, payment_id=payload.payment_id or 0, paid=action == "paid",
                                paid_on=payload.paid_on)
    elif action == "withdraw":
        services.withdraw(actor=actor, case=found, reason=payload.reason)
    elif action == "not_mediated":
        services.end_not_mediated(actor=actor, case=found, reason=payload.reason)
    else:
        services.acknowledge_warning(actor=actor, case=found)
    return selectors.case_detail(actor, found.pk)


class NegotiationIn(Schema):
    employer_id: int
    category: str
    claims: str = Field(..., max_length=5000)
    union_assist: bool = False


@router.post("/negotiations", response={201: NegotiationOut}, summary="Ask the employer to negotiate (a worker)")
def negotiate(request: HttpRequest, payload: NegotiationIn) -> Any:
    person = getattr(request.user, "person", None)
    if person is None:
        raise ApiError(422, "no_person_file", "您的账号还没有职工档案。")
    with ratelimit.limited("mediation.negotiation", request):
        negotiation = services.request_negotiation(actor=request.user, person=person,
                                                   employer=_employer(payload.employer_id), category=payload.category,
                                                   claims=payload.claims, union_assist=payload.union_assist)
    return Status(201, negotiation)


@router.get("/negotiations", response=list[NegotiationOut], summary="Negotiations in your scope, or your own")
@paginate(Page)
def negotiations(request: HttpRequest) -> Any:
    return selectors.negotiations_for(request.user)


@router.get("/negotiations/{negotiation_id}", response=NegotiationOut, summary="One negotiation")
def negotiation(request: HttpRequest, negotiation_id: int) -> Any:
    return scoping.negotiations.get_or_404(request.user, negotiation_id)


class NegotiationActIn(Schema):
    action: Literal["agree", "refuse", "settlement", "sign", "end"]
    text: str = Field("", max_length=5000)


@router.post("/negotiations/{negotiation_id}/transitions", response=NegotiationOut, summary="Answer, settle, sign, end")
def negotiation_act(request: HttpRequest, negotiation_id: int, payload: NegotiationActIn) -> Any:
    found = scoping.negotiations.get_or_404(request.user, negotiation_id, action=scoping.PARTY)
    if payload.action in ("agree", "refuse"):
        return services.answer_negotiation(actor=request.user, negotiation=found, agree=payload.action == "agree",
                                           answer=payload.text)
    if payload.action == "settlement":
        return services.write_settlement(actor=request.user, negotiation=found, terms=payload.text)
    if payload.action == "sign":
        return services.sign_settlement(actor=request.user, negotiation=found)
    return services.end_negotiation(actor=request.user, negotiation=found)

