"""Every API error is JSON: {"message": human words, "code": a machine code, "details"?}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from gonghui.core.ratelimit import RateLimited

# What any operation may answer instead of its result, all in the shape below (OpenAPI status ranges).
REFUSALS = {
    "4XX": "请求被拒绝：未登录（401）、无权限（403）、对象不存在或不在您的范围内（404）、数据有误（400/422）、操作过于频繁（429）",
    "503": "数据库暂时不可用，请稍后再试",
}
ERROR_SCHEMA = {
    "title": "ApiError",
    "type": "object",
    "properties": {
        "message": {"type": "string", "description": "给人看的说明"},
        "code": {"type": "string", "description": "给程序看的错误码"},
        "details": {"description": "逐字段的错误（可选）"},
    },
    "required": ["message", "code"],
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def install(api: NinjaAPI) -> None:
    def reply(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
        body: dict[str, Any] = {"message": message, "code": code}
        if details is not None:
            body["details"] = details
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return reply(request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return reply(request, 404, "not_found", _("未找到该对象。"))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return reply(request, 403, "forbidden", _("您没有执行此操作的权限。"))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return reply(request, 401, "unauthenticated", _("请先登录，或提供有效的接口令牌。"))

    @api.exception_handler(SchemaValidationError)
    def invalid_schema(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", [])[1:]) or None, "message": e.get("msg", "")}
            for e in exc.errors
        ]
        return reply(request, 422, "invalid", _("提交的数据有误。"), details)

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        return reply(request, 429, "rate_limited", " ".join(exc.messages))

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return reply(request, 422, "invalid", " ".join(exc.messages), details)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return reply(request, exc.status_code, "error", str(exc))
