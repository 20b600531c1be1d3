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


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: when the database cannot be reached (stopped, restarting, failing over) the answer is a
    clean 503 that says so — a page, or the API's JSON error — and nothing was written, as every write is one
    transaction. Rendered without the request's context: that would ask the database again."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        if request.path.startswith("/api/"):
            return JsonResponse({"message": DATABASE_DOWN, "code": "unavailable"}, status=503, headers=RETRY_AFTER)
        return HttpResponse(render_to_string("503.html", {"message": DATABASE_DOWN}), status=503, headers=RETRY_AFTER)
    return defaults.server_error(request)
