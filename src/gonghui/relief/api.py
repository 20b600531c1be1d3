"""API routes of hardship relief: the policy quote, files and applications (read), through the same services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from gonghui.api.errors import ApiError
from gonghui.api.pagination import Page
from gonghui.relief import scoping, selectors, services
from gonghui.relief.models import Policy

router = Router(tags=["relief"])


class QuoteIn(Schema):
    policy: str = Field(..., description="policy code, e.g. cq-temp-acute")
    facts: dict[str, Any] = Field(..., description="household_annual_income, self_paid, paid_this_year, …; "
                                                     "or household: a hardship file id to start from")
    on: date | None = Field(None, description="price on this day (default today)")


class QuoteOut(Schema):
    eligible: bool
    amount: str = Field(..., description="yuan, a decimal string with two places")
    reasons: list[str]
    trace: list[str]


@router.post("/quote", response=QuoteOut, summary="Price facts under a relief policy (nothing is written)")
def quote(request: HttpRequest, payload: QuoteIn) -> dict[str, Any]:
    if not request.user.is_official:
        raise ApiError(404, "not_found", "not found")
    file = None
    if payload.facts.get("household") is not None:
        file = scoping.files.get_or_404(request.user, payload.facts["household"])
    try:
        result = services.quote_policy(code=payload.policy, facts=payload.facts, on=payload.on, file=file)
    except ValidationError as exc:
        raise ApiError(422, "bad_facts", "；".join(exc.messages)) from exc
    return result.as_dict()


class FileOut(Schema):
    id: int
    person_id: int
    name: str = Field(..., alias="person.name")
    unit_id: int
    status: str
    category: str
    per_head: str
    members_count: int
    helper_id: int | None
    last_contact_on: date | None
    entered_on: date

    @staticmethod
    def resolve_per_head(obj: Any) -> str:
        return f"{obj.per_head:.2f}"


@router.get("/files", response=list[FileOut], summary="Hardship files in your scope")
@paginate(Page)
def files(request: HttpRequest, status: str = "") -> Any:
    return selectors.file_list(request.user, status=status)


@router.get("/files/{file_id}", response=FileOut, summary="One hardship file")
def file_detail(request: HttpRequest, file_id: int) -> Any:
    return selectors.file_detail(request.user, file_id)


class ApplicationOut(Schema):
    id: int
    number: str
    person_id: int
    unit_id: int
    policy: str = Field(..., alias="version.policy.code")
    version: int = Field(..., alias="version.number")
    state: str
    amount: str
    trace: list[str]
    current_unit_id: int | None
    notice_until: date | None
    submitted_at: datetime

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return f"{obj.amount:.2f}"


@router.get("/applications", response=list[ApplicationOut], summary="Relief applications in your scope (or your own)")
@paginate(Page)
def applications(request: HttpRequest, state: str = "") -> Any:
    if not request.user.is_official:
        return selectors.own_applications(request.user)
    return selectors.application_list(request.user, state=state)


@router.get("/applications/{application_id}", response=ApplicationOut, summary="One relief application")
def application_detail(request: HttpRequest, application_id: int) -> Any:
    return selectors.application_detail(request.user, application_id)



class BatchIn(Schema):
    policy: str = Field(..., description="policy code of a fixed-amount grant, e.g. epidemic-grant-1000")
    unit_id: int = Field(..., description="the union unit whose households on file the batch pays")


class BatchOut(Schema):
    id: int
    unit_id: int
    budget_id: int | None
    state: str
    preview_count: int
    preview_total: str

    @staticmethod
    def resolve_preview_total(obj: Any) -> str:
        return f"{obj.preview_total:.2f}"


@router.post("/batches", response=BatchOut, summary="Preview a batch grant (fund rights: 工会干部 of the unit or above)")
def create_batch(request: HttpRequest, payload: BatchIn) -> Any:
    # A unit where the user has no fund rights answers as one that does not exist.
    unit = scoping.funds.get_or_404(request.user, payload.unit_id)
    policy = Policy.objects.filter(code=payload.policy).first()
    if policy is None:
        raise ApiError(404, "not_found", "not found")
    try:
        return services.preview_batch(actor=request.user, unit=unit, policy=policy)
    except ValidationError as exc:
        raise ApiError(422, "bad_batch", "；".join(exc.messages)) from exc
