"""API routes of membership under /api/v1/membership: the same services and scoping as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.api.errors import ApiError
from gonghui.api.pagination import Page
from gonghui.core import ratelimit
from gonghui.membership import cards, scoping, services
from gonghui.membership.models import JoinApplication, Membership, Transfer
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Level, Unit

router = Router(tags=["membership"])


def _refuse(error: ValidationError) -> ApiError:
    return ApiError(422, "invalid", "；".join(error.messages))


class JoinApplicationOut(Schema):
    id: int
    number: str
    person_id: int
    unit_id: int
    current_unit_id: int
    state: str
    route_reason: str
    new_form: str
    due_on: date
    escalated: bool
    wages_main_source: bool | None = None
    over_retirement_age: bool = False
    age_note: str = ""
    membership_number: str | None = None
    submitted_at: datetime

    @staticmethod
    def resolve_membership_number(obj: JoinApplication) -> str | None:
        return obj.membership.number if obj.membership_id else None


class ApplyIn(Schema):
    employer_id: int | None = None
    new_form: str = Field("", description="courier, rider, ride_hailing, truck, domestic; empty with an employer")
    place_unit_id: int | None = Field(None, description="the street where a new-form worker works")
    job: str = Field("", max_length=100)
    consent: bool = False
    wages_main_source: bool | None = Field(None, description="工会法 第三条: are wages the applicant's main source of living?")


@router.post("/applications", response={201: JoinApplicationOut}, summary="Apply to join (a signed-in worker)")
def apply(request: HttpRequest, payload: ApplyIn) -> Any:
    person = getattr(request.user, "person", None)
    if person is None:
        raise ApiError(422, "no_person_file", "您的账号还没有职工档案，请在网页上用身份证号申请入会。")
    employer = Enterprise.objects.filter(pk=payload.employer_id).first() if payload.employer_id else None
    place = Unit.objects.filter(pk=payload.place_unit_id, level=Level.STREET).first() if payload.place_unit_id else None
    with ratelimit.limited("membership.application", request):
        try:
            application = services.apply_to_join(actor=request.user, person=person, employer=employer,
                                                 new_form=payload.new_form, place=place, job=payload.job,
                                                 consent=payload.consent, wages_main_source=payload.wages_main_source)
        except ValidationError as error:
            raise _refuse(error) from error
    return Status(201, application)


@router.get("/applications", response=list[JoinApplicationOut], summary="Join applications in your scope (or your own)")
@paginate(Page)
def applications(request: HttpRequest, state: str = "") -> Any:
    rows = scoping.join_applications.filter(request.user).select_related("membership")
    return rows.filter(state=state) if state else rows


@router.get("/applications/{join_application_id}", response=JoinApplicationOut, summary="One join application")
def application(request: HttpRequest, join_application_id: int) -> Any:
    return scoping.join_applications.get_or_404(request.user, join_application_id)


class DecisionIn(Schema):
    decision: str = Field(..., description="approve, return or reject")
    reason: str = ""


@router.post("/applications/{join_application_id}/decision", response=JoinApplicationOut, summary="Decide")
def decision(request: HttpRequest, join_application_id: int, payload: DecisionIn) -> Any:
    application = scoping.join_applications.get_or_404(request.user, join_application_id, action=org_scoping.CHANGE)
    if not scoping.acts_for(request.user, application.current_unit):
        raise ApiError(404, "not_found", "not found")
    try:
        return services.decide(actor=request.user, application=application, decision=payload.decision,
                               reason=payload.reason)
    except ValidationError as error:
        raise _refuse(error) from error


class CardOut(Schema):
    number: str
    union: str
    since: date
    token: str
    expires: datetime


@router.get("/card", response=CardOut, summary="My e-card token (for the QR code)")
def card(request: HttpRequest) -> Any:
    membership = Membership.objects.select_related("unit").filter(person__user=request.user,
                                                                  ended_on__isnull=True).first()
    if membership is None:
        raise ApiError(404, "not_a_member", "您还不是工会会员。")
    token, expires = cards.issue(membership)
    return {"number": membership.number, "union": membership.unit.name, "since": membership.since, "token": token,
            "expires": expires}


class TransferOut(Schema):
    id: int
    membership_id: int
    from_unit_id: int
    to_unit_id: int
    state: str
    release_due_on: date | None
    released_by_above: bool


@router.get("/transfers", response=list[TransferOut], summary="Transfers in your scope (or your own)")
@paginate(Page)
def transfers(request: HttpRequest) -> Any:
    return scoping.transfers.filter(request.user)


@router.post("/transfers/{transfer_id}/accept", response=TransferOut, summary="The new union accepts")
def accept(request: HttpRequest, transfer_id: int) -> Any:
    transfer = scoping.transfers.get_or_404(request.user, transfer_id, action=org_scoping.CHANGE)
    if not scoping.acts_for(request.user, transfer.to_unit):
        raise ApiError(404, "not_found", "not found")
    try:
        return services.accept_transfer(actor=request.user, transfer=transfer)
    except ValidationError as error:
        raise _refuse(error) from error


@router.post("/transfers/{transfer_id}/release", response=TransferOut, summary="The old union (or the one above) releases")
def release(request: HttpRequest, transfer_id: int) -> Transfer:
    transfer = scoping.transfers.get_or_404(request.user, transfer_id, action=org_scoping.CHANGE)
    try:
        return services.release_transfer(actor=request.user, transfer=transfer)
    except ValidationError as error:
        raise _refuse(error) from error


class ResubmitIn(Schema):
    note: str = Field(..., min_length=1, max_length=1000)


@router.post("/applications/{join_application_id}/resubmit", response=JoinApplicationOut, summary="Answer a return")
def resubmit(request: HttpRequest, join_application_id: int, payload: ResubmitIn) -> Any:
    application = scoping.join_applications.get_or_404(request.user, join_application_id, action=org_scoping.CHANGE)
    try:
        return services.resubmit(actor=request.user, application=application, note=payload.note)
    except ValidationError as error:
        raise _refuse(error) from error


class TransferIn(Schema):
    to_unit_id: int
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/transfers", response={201: TransferOut}, summary="Ask to transfer my membership")
def request_transfer(request: HttpRequest, payload: TransferIn) -> Any:
    membership = Membership.objects.filter(person__user=request.user, ended_on__isnull=True).first()
    to_unit = Unit.objects.filter(pk=payload.to_unit_id, level=Level.GRASSROOTS).first()
    if membership is None or to_unit is None:
        raise ApiError(422, "invalid", "您还不是会员，或转入的基层工会不存在。")
    try:
        return Status(201, services.request_transfer(actor=request.user, membership=membership, to_unit=to_unit,
                                                     reason=payload.reason))
    except ValidationError as error:
        raise _refuse(error) from error


class VerifyIn(Schema):
    token: str = Field(..., max_length=2000)


class VerifyOut(Schema):
    status: str = Field(..., description="valid, expired, revoked, tampered or unknown")
    name: str | None = Field(None, description="masked (张*明), when valid")
    union: str | None = None


@router.post("/verify", auth=None, response=VerifyOut, summary="Check an e-card token (a partner's scanner)")
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    from gonghui.core.masking import mask_name

    verdict = cards.verify(payload.token)
    if verdict.status == cards.VALID and verdict.membership is not None:
        return {"status": verdict.status, "name": mask_name(verdict.membership.person.name),
                "union": verdict.membership.unit.name}
    return {"status": verdict.status}


# --- no account yet: joining and re-binding a taken number (as on the public pages) ---

class CodeIn(Schema):
    phone: str = Field(..., max_length=20)
    purpose: str = Field("join", description="join, rebind or rebind_cancel: a code is good for its purpose only")


class CodeSentOut(Schema):
    message: str


@router.post("/code", auth=None, response=CodeSentOut, summary="Send a one-time code to prove a mobile number")
def send_code(request: HttpRequest, payload: CodeIn) -> dict[str, str]:
    from gonghui.core.net import client_ip
    from gonghui.orgs import auth

    if payload.purpose not in (auth.Purpose.JOIN, auth.Purpose.REBIND, auth.Purpose.REBIND_CANCEL):
        raise ApiError(422, "invalid", "purpose 只能是 join、rebind 或 rebind_cancel。")
    ok, message = auth.send_verification_code(phone=payload.phone, ip=client_ip(request), purpose=payload.purpose)
    if not ok:
        raise ApiError(429 if "频繁" in message or "过多" in message or "秒后" in message else 422, "code_refused",
                       message)
    return {"message": message}


def _busy() -> ApiError:
    """The database was busy: nothing was written and the one-time code is still good, so the same request may
    be sent again (services.join_online, orgs.auth.spend_codes_with)."""
    from gonghui.core.http import BUSY

    return ApiError(503, "busy", str(BUSY))


class JoinIn(ApplyIn):
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field(..., min_length=15, max_length=25)
    phone: str = Field(..., max_length=20)
    code: str = Field(..., max_length=10)


@router.post("/join", auth=None, response={201: JoinApplicationOut}, summary="Join without an account (mobile + code)")
def join(request: HttpRequest, payload: JoinIn) -> Any:
    from gonghui.core.net import client_ip
    from gonghui.orgs import auth

    employer = Enterprise.objects.filter(pk=payload.employer_id).first() if payload.employer_id else None
    place = Unit.objects.filter(pk=payload.place_unit_id, level=Level.STREET).first() if payload.place_unit_id else None
    limit_who, ip = f"phone:{auth.phone_hash(payload.phone.strip())[:32]}", client_ip(request)
    ratelimit.check("membership.application", who=limit_who, ip=ip)  # a refusal answers 429
    try:
        _user, application, _new = services.join_online(
            name=payload.name, id_number=payload.id_number, phone=payload.phone, code=payload.code, employer=employer,
            new_form=payload.new_form, place=place, job=payload.job, consent=payload.consent,
            wages_main_source=payload.wages_main_source)
    except ValidationError as error:
        raise _refuse(error) from error
    except OperationalError as error:
        raise _busy() from error
    ratelimit.note("membership.application", who=limit_who, ip=ip)
    return Status(201, application)


class RebindIn(Schema):
    phone: str = Field(..., max_length=20)
    code: str = Field(..., max_length=10)
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field(..., min_length=15, max_length=25)


class RebindOut(Schema):
    message: str = Field(..., description="the same answer whether or not name and ID number match a file")


@router.post("/rebind", auth=None, response=RebindOut, summary="Move a taken number to its owner's account")
def rebind(request: HttpRequest, payload: RebindIn) -> dict[str, str]:
    from gonghui.core.net import client_ip

    try:
        services.rebind_phone(phone=payload.phone, code=payload.code, name=payload.name, id_number=payload.id_number,
                              ip=client_ip(request))
    except ValidationError as error:
        raise _refuse(error) from error
    except OperationalError as error:
        raise _busy() from error
    return {"message": str(services.REBIND_ANSWER)}


# --- officials: re-binding checks, corrections, keeping and ending membership ---

class ReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)
    method: str = Field("", description="for approving a re-binding: union_in_person or union_video")


class StateOut(Schema):
    id: int
    state: str


@router.post("/rebinds/{rebind_id}/review", response=StateOut, summary="Check a held re-binding")
def review_rebind(request: HttpRequest, rebind_id: int, payload: ReviewIn) -> Any:
    record = scoping.rebinds.get_or_404(request.user, rebind_id, action=org_scoping.CHANGE)
    try:
        return services.review_rebind(actor=request.user, record=record, approve=payload.approve, note=payload.note,
                                      method=payload.method)
    except ValidationError as error:
        raise _refuse(error) from error


@router.post("/corrections/{correction_id}/decision", response=StateOut, summary="Decide a correction request")
def decide_correction(request: HttpRequest, correction_id: int, payload: ReviewIn) -> Any:
    correction = scoping.corrections.get_or_404(request.user, correction_id, action=org_scoping.CHANGE)
    if not scoping.acts_for(request.user, correction.unit):
        raise ApiError(404, "not_found", "not found")
    try:
        return services.decide_correction(actor=request.user, request=correction, approve=payload.approve,
                                          note=payload.note)
    except ValidationError as error:
        raise _refuse(error) from error


class MemberActionIn(Schema):
    action: str = Field(..., description="retain (reason: retired or unemployed) or end (reason in words)")
    reason: str = Field(..., min_length=1, max_length=200)


class MembershipOut(Schema):
    id: int
    number: str
    unit_id: int
    since: date
    status: str
    ended_on: date | None


@router.post("/members/{membership_id}", response=MembershipOut, summary="Keep (退休, 失业) or end a membership")
def member_action(request: HttpRequest, membership_id: int, payload: MemberActionIn) -> Any:
    membership = scoping.memberships.get_or_404(request.user, membership_id, action=org_scoping.CHANGE)
    try:
        if payload.action == "retain":
            return services.retain(actor=request.user, membership=membership, reason=payload.reason)
        if payload.action == "end":
            return services.end_membership(actor=request.user, membership=membership, reason=payload.reason)
    except ValidationError as error:
        raise _refuse(error) from error
    raise ApiError(422, "invalid", "action 只能是 retain 或 end。")
