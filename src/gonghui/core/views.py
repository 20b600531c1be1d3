from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for the load balancer: 503 naming the failing part."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": "error", "detail": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


DATABASE_DOWN = "数据库暂时无法连接，请稍后再试；您刚才的操作没有保存。The database cannot be reached; nothing was saved."
RETRY_AFTER = {"Retry-After": "10"}


def _database_down(error: BaseException | None) -> bool:
    """The error, or one it arose from, says that the database could not be reached."""
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"message": DATABASE_DOWN, "code": "unavailable"}, status=503, headers=RETRY_AFTER,
                            json_dumps_params={"ensure_ascii": False})
    return HttpResponse(render_to_string("503.html", {"message": DATABASE_DOWN}), status=503, headers=RETRY_AFTER)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 handler. The one 400 that is not the client's doing: the session could not be saved because the
    database went away during the request (Django's SessionInterrupted) — answered as the 503 it is."""
    if _database_down(exception):
        return _unavailable(request)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: when the database cannot be reached (stopped, restarting, failing over) the answer is a
    clean 503 that says so — a page, or the API's JSON error — and nothing was written, as every write is one
    transaction. Rendered without the request's context: that would ask the database again."""
    if _database_down(sys.exc_info()[1]):
        return _unavailable(request)
    return defaults.server_error(request)
