from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from gonghui.core.pagecache import IDLE_CLOCK, IDLE_REFRESH_SECONDS

LAST_SEEN = IDLE_CLOCK
REFRESH_SECONDS = IDLE_REFRESH_SECONDS  # the idle clock moves at most once a minute: a page view is not a write


class IdleTimeoutMiddleware:
    """Signs out a session idle for longer than its role allows (30 minutes for officials)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            minutes = (
                settings.GONGHUI_OFFICIAL_IDLE_MINUTES if user.is_official else settings.GONGHUI_WORKER_IDLE_MINUTES
            )
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - float(last_seen) > minutes * 60:
                logout(request)
                messages.info(request, _("您已长时间未操作，为保护账号安全已自动退出，请重新登录。"))
            elif last_seen is None or now - float(last_seen) >= REFRESH_SECONDS:
                request.session[LAST_SEEN] = now
                request.session.set_expiry(minutes * 60)
        return self.get_response(request)
