"""The back office behind the one door: Django's admin signs nobody in by itself.

Its login page sends the visitor to the app's own sign-in (lockout per client, rate limits,
the second factor, the audit of failures); and a staff account that has or must have an
authenticator enters only a session that was verified with it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def needs_verified_session(user: Any) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return bool(user.needs_second_factor() or TOTPDevice.objects.filter(user=user, confirmed=True).exists())


class DoorAdminSite(admin.AdminSite):
    site_header = "工会 Gonghui 系统管理"
    site_title = "工会 Gonghui"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if needs_verified_session(user):
            return bool(getattr(user, "is_verified", lambda: False)())
        return True

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        user = request.user
        if user.is_authenticated:
            if not (user.is_active and user.is_staff):
                return redirect("home")  # the back office is not for this account; no second sign-in helps
            # Staff, but the session was not verified with the authenticator: sign in again through
            # the door, which asks for the second factor.
            from django.contrib.auth import logout

            logout(request)
        return redirect(f"{reverse('orgs:login')}?{urlencode({'next': target})}")


class GonghuiAdminConfig(AdminConfig):
    default_site = "gonghui.orgs.admin_site.DoorAdminSite"

