"""Small helpers every app's pages share: bad input on a POST becomes messages, ids from form fields."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from gonghui.core.ledger import LedgerError
from gonghui.core.money import BadAmount


def handles_bad_input(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST whose service refuses: each reason as a message, back to the page the user was on; nothing changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except (LedgerError, BadAmount) as error:
            messages.error(request, str(error))
        return redirect(request.META.get("HTTP_REFERER") or request.path)

    return wrapper


def form_id(value: str | None) -> int:
    """A row id from a form field; anything that is not one matches nothing (0)."""
    return int(value) if value and value.isdigit() and len(value) < 19 else 0
