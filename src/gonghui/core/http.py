"""Small helpers every app's pages share: bad input on a POST becomes messages, ids from form fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.ledger import LedgerError
from gonghui.core.money import BadAmount
from gonghui.core.numbers import COUNT_MAX, BadNumber, count

# A form whose submission failed because the database was busy (or briefly gone) is shown again with what was
# typed: nothing was written and a one-time code was not spent (orgs.auth.spend_codes_with), so the same
# submission can simply be sent again. Never a 503 page that loses the form.
BUSY = gettext_lazy("系统繁忙，请稍后再提交；您填写的内容和验证码仍然有效。")


def handles_bad_input(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST whose service refuses: each reason as a message, back to the page the user was on; nothing changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except (LedgerError, BadAmount, BadNumber) as error:
            messages.error(request, str(error))
        return redirect(request.META.get("HTTP_REFERER") or request.path)

    return wrapper


def form_id(value: str | None) -> int:
    """A row id from a form field; anything that is not one matches nothing (0)."""
    # ASCII digits only: "²".isdigit() is true but int("²") raises (a server error), and "１２" is not an id.
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else 0


def form_count(raw: str | None, label: str, *, required: bool = True, maximum: int = COUNT_MAX,
               minimum: int = 0) -> int | None:
    """A whole number from a form field (`core.numbers.count`): a clear message when missing or malformed."""
    if not (raw or "").strip():
        if required:
            raise ValidationError(_("请填写%(f)s。") % {"f": label})
        return None
    try:
        return count(raw, label=label, maximum=maximum, minimum=minimum)
    except BadNumber as exc:
        raise ValidationError(str(exc)) from exc


def request_count(data: Any, name: str, label: str, *, default: int | None = None,
                  maximum: int = COUNT_MAX) -> int | None:
    """A count from request.GET/POST: `default` when absent or blank, a ValidationError when malformed."""
    value = form_count(data.get(name), label, required=False, maximum=maximum)
    return default if value is None else value


def form_date(raw: str | None, label: str, *, required: bool = True) -> date | None:
    """A date from a form field (YYYY-MM-DD); a clear message when missing or malformed."""
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise ValidationError(_("请填写%(f)s。") % {"f": label})
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(_("%(f)s不是有效日期（例如 2020-02-10）。") % {"f": label}) from exc


def form_moment(raw: str | None, label: str) -> datetime:
    """A date and time from a form field (a datetime-local input), aware in the current time zone."""
    try:
        value = datetime.fromisoformat((raw or "").strip())
    except ValueError as exc:
        raise ValidationError(_("%(f)s不是有效的日期时间。") % {"f": label}) from exc
    return timezone.make_aware(value) if timezone.is_naive(value) else value
