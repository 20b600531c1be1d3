"""API routes for sign-in tokens and the union tree; same services and selectors as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.api.errors import ApiError
from gonghui.api.pagination import Page
from gonghui.orgs import auth, scoping, selectors, services
from gonghui.orgs.models import Level, Unit

auth_router = Router(tags=["auth"])
orgs_router = Router(tags=["orgs"])


class TokenIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=256)
    otp: str | None = Field(None, max_length=6, description="动态口令（账号要求双因素认证时必填）")


class TokenOut(Schema):
    token: str
    expires_at: datetime


class RevokedOut(Schema):
    revoked: int


class UnitOut(Schema):
    id: int
    code: str
    name: str
    level: int
    level_label: str
    kind: str
    parent_id: int | None
    province_id: int | None
    path: str
    address: str
    contact_name: str
    contact_phone: str
    status: str

    @staticmethod
    def resolve_level_label(obj: Unit) -> str:
        return str(obj.get_level_display())


class UnitIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=200)
    level: int = Field(..., ge=1, le=6)
    kind: Unit.Kind = Unit.Kind.FEDERATION
    address: str = Field("", max_length=255)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)


class UnitPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Unit.Kind | None = None
    address: str | None = Field(None, max_length=255)
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=30)
    status: Unit.Status | None = None


class MoveIn(Schema):
    new_parent_id: int
    reason: str = Field(..., min_length=1, max_length=500)


@auth_router.post("/token", auth=None, response=TokenOut, summary="用账号密码换取接口令牌")
def obtain_token(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    outcome = auth.password_login(request, payload.username, payload.password, channel="api")
    if outcome.user is None:
        status = {auth.Refusal.LOCKED: 423, auth.Refusal.RATE_LIMITED: 429}.get(outcome.refusal, 401)  # type: ignore[arg-type]
        raise ApiError(status, outcome.refusal.value if outcome.refusal else "invalid_credentials", outcome.message)
    user = outcome.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None or user.needs_second_factor():
        if device is None:
            raise ApiError(403, "otp_enrolment_required", _("该账号须先在网页上绑定身份验证器。"))
        if not payload.otp:
            raise ApiError(401, "otp_required", _("请提供身份验证器中的动态口令（otp）。"))
        until = auth.otp_locked(request, user)
        if until is not None:
            raise ApiError(423, "locked", auth.lockout_message(until))
        if not device.verify_token(payload.otp):
            auth.note_otp_failure(request, user)
            raise ApiError(401, "otp_invalid", _("动态口令不正确。"))
    token, raw = services.issue_api_token(user=user)
    return {"token": raw, "expires_at": token.expires_at}


@auth_router.delete("/token", response=RevokedOut, summary="注销当前令牌")
def revoke_token(request: HttpRequest) -> dict[str, int]:
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.lower().startswith("bearer ") else None
    if raw is None:
        raise ApiError(400, "no_token", _("请求没有携带接口令牌。"))
    return {"revoked": services.revoke_api_token(actor=request.auth, raw=raw)}


@orgs_router.get("", response=list[UnitOut], summary="我可见的工会组织")
@paginate(Page)
def list_units(request: HttpRequest, q: str = "", level: int | None = None) -> Any:
    if level is not None and level not in Level.values:
        raise ApiError(422, "invalid", _("层级须为 1 到 6。"))
    return selectors.unit_list(request.auth, query=q[:100], level=level)


@orgs_router.get("/{unit_id}", response=UnitOut, summary="一个工会组织")
def get_unit(request: HttpRequest, unit_id: int) -> Unit:
    return selectors.unit_detail(request.auth, unit_id)


@orgs_router.patch("/{unit_id}", response=UnitOut, summary="修改工会组织信息")
def patch_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> Unit:
    unit = scoping.units.get_or_404(request.auth, unit_id, action=scoping.CHANGE)
    return services.update_unit(actor=request.auth, unit=unit, **payload.dict(exclude_none=True))


@orgs_router.post("/{unit_id}/children", response={201: UnitOut}, summary="新建下级工会")
def create_child(request: HttpRequest, unit_id: int, payload: UnitIn) -> Status[Unit]:
    parent = scoping.units.get_or_404(request.auth, unit_id, action="manage")
    return Status(201, services.create_unit(actor=request.auth, parent=parent, **payload.dict()))


@orgs_router.post("/{unit_id}/move", response=UnitOut, summary="移动工会组织（连同全部下级）")
def move(request: HttpRequest, unit_id: int, payload: MoveIn) -> Unit:
    unit = scoping.units.get_or_404(request.auth, unit_id, action="manage")
    new_parent = scoping.units.get_or_404(request.auth, payload.new_parent_id, action="manage")
    return services.move_unit(actor=request.auth, unit=unit, new_parent=new_parent, reason=payload.reason)
