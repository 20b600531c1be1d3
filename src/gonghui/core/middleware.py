from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from gonghui.core.context import RequestOrigin, reset_origin, set_origin
from gonghui.core.net import client_ip


class RequestContextMiddleware:
    """Makes the client's address and agent known to the audit log for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_origin(RequestOrigin(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")))
        try:
            return self.get_response(request)
        finally:
            reset_origin(token)


class LanguageMiddleware:
    """Chinese unless the user chose English with the switch (the language cookie).

    The browser's Accept-Language is deliberately ignored on pages: a union official's
    browser set to English must still get the Chinese console unless they ask. API
    clients may ask for English with Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported and request.path.startswith("/api/"):
            accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "").lower()
            language = "en" if accept.startswith("en") else None
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response
