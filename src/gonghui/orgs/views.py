"""Pages for signing in, the union tree, accounts and the audit log. Thin: parse, call, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.core.http import BUSY
from gonghui.core.net import client_ip
from gonghui.orgs import auth, scoping, selectors, services
from gonghui.orgs.forms import (
    AccountForm,
    ContactForm,
    GrantForm,
    LoginForm,
    MoveUnitForm,
    OtpForm,
    SmsLoginForm,
    StyledPasswordChangeForm,
    UnitEditForm,
    UnitForm,
)
from gonghui.orgs.models import Level, Role, User
from gonghui.orgs.session import ACTIVE_UNIT
from gonghui.orgs.totp import qr_svg

PENDING_USER = "gonghui_pending_user"
PENDING_NEXT = "gonghui_pending_next"


def official_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages of the officials' console: signed in, holding a role other than 职工. Others get 404."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_official:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse(default)


def _finish_login(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Start the session, or ask for the second factor first when the account has or needs one."""
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if has_device or user.needs_second_factor():
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_NEXT] = next_url
        return redirect("orgs:login_otp")
    login(request, user, backend="gonghui.orgs.auth.UsernameOrPhoneBackend")
    return auth.remember_device(redirect(next_url), user)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = auth.password_login(request, form.cleaned_data["username"], form.cleaned_data["password"])
        if outcome.user is not None:
            return _finish_login(request, outcome.user, _safe_next(request))
        form.add_error(None, outcome.message)
    return render(request, "orgs/login.html", {"form": form, "tab": "password", "next": request.GET.get("next", "")})


@require_http_methods(["GET", "POST"])
def sms_login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SmsLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # The code is spent only with the session it opens: when the database is busy both are undone and
            # the same code signs in when the form is sent again.
            with transaction.atomic():
                outcome = auth.sms_login(request, form.cleaned_data["phone"], form.cleaned_data["code"])
                if outcome.user is not None:
                    response = _finish_login(request, outcome.user, _safe_next(request))
                    request.session.save()
                    return response
        except OperationalError:
            # Nothing of the sign-in is kept, not even in this request's memory.
            request.session = import_module(settings.SESSION_ENGINE).SessionStore()
            request.user = AnonymousUser()
            form.add_error(None, BUSY)
        else:
            form.add_error(None, outcome.message)
    return render(request, "orgs/login.html", {"form": form, "tab": "sms", "next": request.GET.get("next", "")})


@require_POST
def sms_send_view(request: HttpRequest) -> HttpResponse:
    accepted, message = auth.request_sms_code(phone=request.POST.get("phone", ""), ip=client_ip(request),
                                                request=request)
    return render(request, "orgs/login.html#sms-status", {"sms_accepted": accepted, "sms_message": message})


@require_http_methods(["GET", "POST"])
def login_otp_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None:
        return redirect("orgs:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name=_("身份验证器"), confirmed=False
        )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = auth.otp_locked(request, user)
        if until is not None:
            form.add_error(None, auth.lockout_message(until))
        elif device.verify_token(form.cleaned_data["token"]):
            auth.note_attempt(key=auth.attempt_key(user.username, user), ip=client_ip(request), success=True,
                              channel="otp", client=auth.client_key(request, user))
            if enrolling:
                services.confirm_second_factor(actor=user, device=device)
            next_url = request.session.pop(PENDING_NEXT, reverse("home"))
            request.session.pop(PENDING_USER, None)
            login(request, user, backend="gonghui.orgs.auth.UsernameOrPhoneBackend")
            otp_login(request, device)
            return auth.remember_device(redirect(next_url), user)
        else:
            auth.note_otp_failure(request, user)
            until = auth.otp_locked(request, user)
            if until is not None:
                request.session.pop(PENDING_USER, None)  # locked: start again with the password
                form.add_error(None, auth.lockout_message(until))
            else:
                form.add_error("token", _("动态口令不正确，请核对手机时间后重试。"))
    context = {"form": form, "enrolling": enrolling, "pending_user": user}
    if enrolling:
        context["qr"] = qr_svg(device.config_url)
        context["secret"] = device.bin_key.hex()
    return render(request, "orgs/login_otp.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("orgs:login")


@login_required
@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    password_form = StyledPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "password" and password_form.is_valid():
        services.change_password(actor=request.user, new_password=password_form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改，原有的接口令牌已全部作废。"))
        return redirect("orgs:security")
    if request.method == "POST" and request.POST.get("action") == "remove_otp":
        until = auth.otp_locked(request, request.user)
        try:
            if until is not None:
                raise ValidationError(auth.lockout_message(until))
            services.remove_second_factor(actor=request.user, token=request.POST.get("token", ""))
        except ValidationError as error:
            if getattr(error, "code", None) == "bad_otp":
                auth.note_otp_failure(request, request.user)
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已解除身份验证器绑定。"))
        return redirect("orgs:security")
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at")
    return render(request, "orgs/security.html", {
        "password_form": password_form if request.POST.get("action") == "password" else StyledPasswordChangeForm(request.user),
        "devices": devices, "tokens": tokens,
    })


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol_view(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
        user=request.user, name=_("身份验证器"), confirmed=False
    )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = auth.otp_locked(request, request.user)
        if until is not None:
            form.add_error(None, auth.lockout_message(until))
        elif device.verify_token(form.cleaned_data["token"]):
            services.confirm_second_factor(actor=request.user, device=device)
            otp_login(request, device)
            messages.success(request, _("身份验证器已绑定，今后登录需输入动态口令。"))
            return redirect("orgs:security")
        else:
            auth.note_otp_failure(request, request.user)
            form.add_error("token", _("动态口令不正确，请核对手机时间后重试。"))
    return render(request, "orgs/totp_enrol.html",
                  {"form": form, "qr": qr_svg(device.config_url), "secret": device.bin_key.hex()})


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """A user's own contact data (name, mobile), which they may correct themselves."""
    form = ContactForm(request.POST or None, initial={"display_name": request.user.display_name},
                       stored={"phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_own_contact(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except OperationalError:
            form.add_error(None, BUSY)
        else:
            messages.success(request, _("联系方式已更新。"))
            return redirect("home")
    return render(request, "orgs/profile.html", {"form": form, "reveals": selectors.reveals_of(request.user)[:20]})


@login_required
@require_POST
def profile_code_view(request: HttpRequest) -> HttpResponse:
    """A code to change the login mobile: to the new number (typed), or to the current one (never typed)."""
    if request.POST.get("which") == "current":
        if not request.user.phone:
            return HttpResponse(_("⚠ 您的账号还没有绑定手机号。"))
        ok, message = auth.send_verification_code(phone=request.user.phone, ip=client_ip(request),
                                                  purpose=auth.Purpose.PHONE_CURRENT)
    else:
        ok, message = auth.send_verification_code(phone=request.POST.get("phone", ""), ip=client_ip(request),
                                                  purpose=auth.Purpose.PHONE_NEW)
    return HttpResponse(message if ok else f"⚠ {message}")


@official_required
@require_POST
def switch_unit_view(request: HttpRequest) -> HttpResponse:
    assignment = scoping.role_assignments.get_or_404(
        request.user, request.POST.get("assignment"), queryset=request.user.role_assignments.filter(revoked_at=None)
    )
    request.session[ACTIVE_UNIT] = assignment.pk
    return redirect("dashboards:console")


# --- Units ---

@official_required
def unit_list_view(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level")
    units = selectors.unit_list(request.user, query=request.GET.get("q", "").strip()[:100],
                                level=int(level) if level and level.isascii() and level.isdigit() else None)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    context = {"page": page, "levels": Level.choices, "q": request.GET.get("q", ""), "level": level}
    template = "orgs/unit_list.html#unit-rows" if request.htmx else "orgs/unit_list.html"
    return render(request, template, context)


@official_required
def unit_detail_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_detail(request.user, unit_id)
    return render(request, "orgs/unit_detail.html", {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(request.user, unit),
        "children": selectors.unit_children(request.user, unit),
        "can_change": scoping.units.can(request.user, scoping.CHANGE, unit),
        "can_manage": scoping.units.can(request.user, "manage", unit),
        "accounts": selectors.account_list(request.user, unit=unit)[:20],
    })


@official_required
@require_http_methods(["GET", "POST"])
def unit_create_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    parent = scoping.units.get_or_404(request.user, unit_id, action="manage")
    form = UnitForm(request.POST or None, parent=parent, initial={"kind": "enterprise", "level": min(parent.level + 1, 6)})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已新建“%(name)s”。") % {"name": unit.name})
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "parent": parent, "title": _("新建下级工会")})


@official_required
@require_http_methods(["GET", "POST"])
def unit_edit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = scoping.units.get_or_404(request.user, unit_id, action=scoping.CHANGE)
    initial = {f: getattr(unit, f) for f in services.UNIT_FIELDS}
    form = UnitEditForm(request.POST or None, parent=unit.parent, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_unit(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "unit": unit, "title": _("编辑工会组织")})


@official_required
@require_http_methods(["GET", "POST"])
def unit_move_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = scoping.units.get_or_404(request.user, unit_id, action="manage")
    form = MoveUnitForm(request.POST or None, targets=selectors.move_targets(request.user, unit))
    if request.method == "POST" and form.is_valid():
        try:
            services.move_unit(actor=request.user, unit=unit, new_parent=form.cleaned_data["new_parent"],
                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已将“%(name)s”及其全部下级移至新的上级工会。") % {"name": unit.name})
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    return render(request, "orgs/unit_move.html", {"form": form, "unit": unit})


# --- Accounts ---

@official_required
def account_list_view(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role", "")
    accounts = selectors.account_list(request.user, query=request.GET.get("q", "").strip()[:100],
                                      role=role if role in Role.values else "")
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    context = {"page": page, "roles": Role.choices, "role": role, "q": request.GET.get("q", "")}
    template = "orgs/account_list.html#account-rows" if request.htmx else "orgs/account_list.html"
    return render(request, template, context)


@official_required
@require_http_methods(["GET", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    roles = services.grantable_roles(request.user)
    if not roles:
        raise Http404
    units = selectors.unit_list(request.user)
    form = AccountForm(request.POST or None, roles=roles, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.create_account(actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            form.add_error("role", _("您不能在该工会组织授予这个角色。"))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("账号“%(u)s”已开通。") % {"u": account.username})
            return redirect("orgs:account_detail", user_id=account.pk)
    return render(request, "orgs/account_form.html", {"form": form})


@official_required
def account_detail_view(request: HttpRequest, user_id: int) -> HttpResponse:
    account = selectors.account_detail(request.user, user_id)
    roles = services.grantable_roles(request.user)
    return render(request, "orgs/account_detail.html", {
        "account": account,
        "assignments": selectors.account_roles(request.user, account),
        "grant_form": GrantForm(roles=roles, units=selectors.unit_list(request.user)) if roles else None,
        "can_change": scoping.users.can(request.user, scoping.CHANGE, account),
        "can_reveal": scoping.users.can(request.user, "reveal", account),
        "events": selectors.audit_list(request.user, subject=account)[:20],
    })


@official_required
@require_POST
def account_grant_view(request: HttpRequest, user_id: int) -> HttpResponse:
    account = selectors.account_detail(request.user, user_id)
    form = GrantForm(request.POST, roles=services.grantable_roles(request.user), units=selectors.unit_list(request.user))
    if form.is_valid():
        try:
            services.grant_role(actor=request.user, user=account, **form.cleaned_data)
        except PermissionDenied:
            messages.error(request, _("您不能在该工会组织授予这个角色。"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("角色已授予。"))
    else:
        messages.error(request, _("请选择角色和工会组织。"))
    return redirect("orgs:account_detail", user_id=account.pk)


@official_required
@require_POST
def role_revoke_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = scoping.role_assignments.get_or_404(request.user, assignment_id, action=scoping.CHANGE)
    try:
        services.revoke_role(actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")[:500])
    except PermissionDenied:
        messages.error(request, _("您不能撤销这个角色。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("角色已撤销。"))
    return redirect("orgs:account_detail", user_id=assignment.user_id)


@official_required
@require_POST
def account_otp_view(request: HttpRequest, user_id: int) -> HttpResponse:
    account = scoping.users.get_or_404(request.user, user_id, action=scoping.CHANGE)
    services.set_otp_required(actor=request.user, user=account, required=request.POST.get("required") == "1")
    messages.success(request, _("已保存。"))
    return redirect("orgs:account_detail", user_id=account.pk)


@official_required
@require_POST
def account_lock_view(request: HttpRequest, user_id: int) -> HttpResponse:
    account = scoping.users.get_or_404(request.user, user_id, action=scoping.CHANGE)
    lock = request.POST.get("action") != "unlock"
    change = services.lock_account if lock else services.unlock_account
    try:
        change(actor=request.user, user=account, reason=request.POST.get("reason", "")[:500])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("账号已锁定，其接口令牌已全部作废。") if lock else _("账号已解锁。"))
    return redirect("orgs:account_detail", user_id=account.pk)


@official_required
@require_POST
def account_reveal_phone_view(request: HttpRequest, user_id: int) -> HttpResponse:
    account = scoping.users.get_or_404(request.user, user_id, action="reveal")
    phone = services.reveal_phone(actor=request.user, user=account, reason=request.POST.get("reason", "")[:200])
    return render(request, "orgs/account_detail.html#phone", {"account": account, "revealed_phone": phone})


# --- Audit ---

@official_required
def audit_list_view(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    events = selectors.audit_list(request.user, action=action if action in dict(_audit_actions()) else "",
                                  query=request.GET.get("q", "").strip()[:100])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {"page": page, "actions": _audit_actions(), "action": action, "q": request.GET.get("q", "")}
    template = "orgs/audit_list.html#audit-rows" if request.htmx else "orgs/audit_list.html"
    return render(request, template, context)


def _audit_actions() -> list[tuple[str, str]]:
    from gonghui.core.models import AuditEvent

    return list(AuditEvent.Action.choices)
