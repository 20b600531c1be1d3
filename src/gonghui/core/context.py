"""Where the current request came from, for the audit log of services called deep below a view."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestOrigin:
    ip: str | None = None
    user_agent: str = ""


_NOWHERE = RequestOrigin()
_origin: ContextVar[RequestOrigin | None] = ContextVar("gonghui_request_origin", default=None)


def current_origin() -> RequestOrigin:
    return _origin.get() or _NOWHERE


def set_origin(origin: RequestOrigin):  # noqa: ANN201 - returns a contextvars Token
    return _origin.set(origin)


def reset_origin(token) -> None:  # noqa: ANN001
    _origin.reset(token)
