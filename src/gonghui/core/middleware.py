from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
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


NUL_REFUSED = "提交的内容中含有空字符（NUL），无法保存；请重新输入后再试。The input holds a NUL character; nothing was saved."


class RefuseNulMiddleware:
    """Input carrying a NUL character is refused (400) before any view reads it.

    PostgreSQL text cannot hold NUL ("text fields cannot contain NUL (0x00) bytes"): a search box or a JSON field
    with one reached the database and failed there as a server error. Nobody types a NUL; it comes from a broken
    client or a probe. Uploaded files are not looked at (a binary file holds NULs); their names are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _carries_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"message": NUL_REFUSED, "code": "invalid"}, status=400,
                                    json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(render_to_string("400.html", {"message": NUL_REFUSED}))
        return self.get_response(request)


# A NUL written as a JSON escape: \u0000 not itself escaped (an even run of backslashes before it, or none).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, values in request.GET.lists() for v in values):
        return True
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    if request.content_type == "multipart/form-data":
        if request.path.startswith("/api/"):
            # Parsing a multipart body consumes it: an API operation that wants JSON must still be able to read
            # the body and refuse it as not JSON (422). The API's multipart operations (imports) take a file
            # and ids.
            return False
        fields = any("\x00" in k or "\x00" in v for k, values in request.POST.lists() for v in values)
        return fields or any("\x00" in (f.name or "") for f in request.FILES.values())
    # Every other body, whatever type it declares: the API parses a body as JSON without asking its declared
    # type, so a JSON body sent as text/plain or as a form must be looked at as bytes, not by its label.
    body = request.body
    if b"\x00" in body or _ESCAPED_NUL.search(body):
        return True
    if request.content_type == "application/x-www-form-urlencoded":
        return any("\x00" in k or "\x00" in v for k, values in request.POST.lists() for v in values)
    return False


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer to someone signed in (session or API token) and on every answer
    that sets or ends a session: such answers may hold personal data, which no browser cache, proxy or shared
    computer may keep. Placed outside the session and page-cache middleware, so that it sees the session cookie
    being set and also marks answers the page cache serves (that server-side cache is sealed and keyed to the
    viewer; this header is for the browser and proxies only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _personal(request, response):
            response.headers["Cache-Control"] = "no-store, private"
            response.headers["Pragma"] = "no-cache"
            response.headers.pop("Expires", None)
        return response


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    from django.contrib.auth import SESSION_KEY

    if settings.SESSION_COOKIE_NAME in response.cookies:
        return True
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    session = getattr(request, "session", None)
    return session is not None and SESSION_KEY in session
