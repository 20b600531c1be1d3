"""Abuse limits: how many cases, negotiations, join applications and SMS fan-outs one person and one
address may start in a window. One mechanism for all of them; the numbers are in settings
(GONGHUI_ABUSE_LIMITS). A view wraps the one service call:

    with ratelimit.limited("mediation.case", request):
        case = services.apply_online(...)

The limit is checked before the call, and the use is counted only when the call succeeded: a form
sent back with a mistake costs nothing. A refusal is a `RateLimited` (a ValidationError, so pages
show it like any other refusal; the API answers 429).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.models import RateEvent
from gonghui.core.net import client_ip


def _labels() -> dict[str, str]:
    return {
        "mediation.case": _("调解申请"),
        "mediation.negotiation": _("协商请求"),
        "bargaining.request": _("集体协商要求"),
        "membership.application": _("入会申请"),
        "sms.fanout": _("群发短信提醒"),
    }


class RateLimited(ValidationError):
    """Refused: the person or the address reached the limit of this kind of action."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="rate_limited")


def who_of(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return ""


def _limit(kind: str) -> dict[str, int]:
    return settings.GONGHUI_ABUSE_LIMITS[kind]


def check(kind: str, *, who: str, ip: str | None) -> None:
    """Raise RateLimited when one more `kind` by `who` or from `ip` would pass the limit."""
    limit = _limit(kind)
    hours = limit["hours"]
    since = timezone.now() - timedelta(hours=hours)
    recent = RateEvent.objects.filter(kind=kind, at__gte=since)
    what = _labels().get(kind, kind)
    if who and recent.filter(who=who).count() >= limit["per_person"]:
        raise RateLimited(_("您在%(hours)d小时内已提交%(n)d次%(what)s，已达上限，请稍后再试；如有急事，请直接联系工会。")
                          % {"hours": hours, "n": limit["per_person"], "what": what})
    if ip and recent.filter(ip=ip).count() >= limit["per_address"]:
        raise RateLimited(_("同一网络地址在%(hours)d小时内提交%(what)s已达%(n)d次上限，请稍后再试；如有急事，请直接联系工会。")
                          % {"hours": hours, "n": limit["per_address"], "what": what})


def note(kind: str, *, who: str, ip: str | None) -> None:
    _limit(kind)  # an unknown kind is a programming error, caught here
    RateEvent.objects.create(kind=kind, who=who[:80], ip=ip)


@contextmanager
def limited(kind: str, request: HttpRequest, *, who: str | None = None) -> Iterator[None]:
    """Check the limit, run the block, count the use if the block succeeded."""
    person = who if who is not None else who_of(request)
    ip = client_ip(request)
    check(kind, who=person, ip=ip)
    yield
    note(kind, who=person, ip=ip)


def prune(*, older_than_hours: int | None = None) -> int:
    """Forget uses older than every window (the nightly cleanup may call this)."""
    hours = older_than_hours or max(limit["hours"] for limit in settings.GONGHUI_ABUSE_LIMITS.values())
    deleted, _detail = RateEvent.objects.filter(at__lt=timezone.now() - timedelta(hours=hours)).delete()
    return deleted
