"""Signing in: password or SMS code, lockout, rate limits, and the password policy."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gonghui.core import audit, sms
from gonghui.core.crypto import lookup_hash
from gonghui.core.masking import scrubbed
from gonghui.core.net import client_ip
from gonghui.core.phone import InvalidPhone, normalise_mobile
from gonghui.orgs.models import LoginAttempt, SmsCode, User


def phone_hash(phone: str) -> str:
    return lookup_hash(phone, "phone")


def find_user(identifier: str) -> User | None:
    """The active account named by a username or a mobile number."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    try:
        phone = normalise_mobile(identifier)
    except InvalidPhone:
        phone = None
    if phone:
        user = User.objects.filter(phone_hash=phone_hash(phone)).first()
        if user is not None:
            return user
    return User.objects.filter(username=identifier).first()


class UsernameOrPhoneBackend(ModelBackend):
    """Password sign-in with the username or the bound mobile number."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class CharacterClassValidator:
    """At least `min_classes` of: lower-case, upper-case, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return ngettext(
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            self.min_classes,
        ) % {"n": self.min_classes}


class Refusal(Enum):
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"
    INVALID = "invalid_credentials"
    INACTIVE = "inactive"


@dataclass
class LoginOutcome:
    user: User | None = None
    refusal: Refusal | None = None
    message: str = ""


def attempt_key(identifier: str, user: User | None) -> str:
    """What lockout counts against: the account if there is one, otherwise the typed name.

    A typed phone number is kept only as its keyed hash: no plain number in this table.
    """
    if user is not None:
        return f"user:{user.pk}"
    try:
        return f"phone:{phone_hash(normalise_mobile(identifier))[:32]}"
    except InvalidPhone:
        # Not kept as typed either: an ID or bank card number typed as a user name (or a password typed in the
        # wrong box) must not sit in this table in plain text. The keyed hash still counts repeated tries.
        return f"name:{lookup_hash(identifier.strip().lower(), 'login')[:32]}"


DEVICE_COOKIE = "gh_device"
DEVICE_SALT = "gonghui.orgs.device"
DEVICE_DAYS = 365


def remember_device(response: HttpResponse, user: User) -> HttpResponse:
    """Mark this browser as one the account has signed in from (a signed, http-only cookie).

    A device cookie counts only for the account it was issued to, so a guesser cannot mint
    "fresh clients" for someone else's account by signing in to their own.
    """
    response.set_signed_cookie(
        DEVICE_COOKIE, f"{user.pk}:{secrets.token_urlsafe(12)}", salt=DEVICE_SALT, max_age=DEVICE_DAYS * 86400,
        httponly=True, secure=settings.SESSION_COOKIE_SECURE, samesite="Lax",
    )
    return response


def known_device(request: HttpRequest, user: User | None) -> str | None:
    """The id of this browser's device cookie if it was issued to `user`, else None."""
    if user is None or request is None or not hasattr(request, "get_signed_cookie"):
        return None
    value = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=DEVICE_DAYS * 86400)
    if not value or ":" not in value:
        return None
    owner, device = value.split(":", 1)
    return device[:40] if owner == str(user.pk) else None


def client_key(request: HttpRequest, user: User | None) -> str:
    """Who is knocking: the account's own known device, otherwise the address.

    Failures lock this client for this account, never the account for everybody.
    """
    device = known_device(request, user)
    if device:
        return f"dev:{device}"
    ip = client_ip(request) if request is not None else None
    return f"ip:{ip or '-'}"


def locked_until(key: str, client: str) -> Any:
    """Until when this client may not try this account (None: it may)."""
    lock = (
        LoginAttempt.objects.filter(username=key, client=client, locked_until__gt=timezone.now())
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return lock


def ip_rate_limited(ip: str | None) -> bool:
    """Too many FAILED attempts from one address in ten minutes; successes never count."""
    if not ip:
        return False
    since = timezone.now() - timedelta(minutes=10)
    failures = LoginAttempt.objects.filter(ip=ip, success=False, at__gte=since).count()
    return failures >= settings.GONGHUI_LOGIN_RATE_PER_IP


def account_guarded(key: str) -> bool:
    """Whether so many clients together failed on this account lately that a password alone is not enough.

    The owner still signs in with an SMS code, or with the password and the authenticator's code.
    """
    since = timezone.now() - timedelta(minutes=settings.GONGHUI_ACCOUNT_GUARD_MINUTES)
    failures = LoginAttempt.objects.filter(username=key, success=False, at__gte=since).count()
    return failures >= settings.GONGHUI_ACCOUNT_GUARD_THRESHOLD


def lock_minutes(previous_locks: int) -> int:
    """The lock grows with each lock of the same client in the last day: 15, 30, 60 … minutes, capped."""
    minutes = settings.GONGHUI_LOCKOUT_MINUTES * (2 ** min(previous_locks, 16))
    return int(min(minutes, settings.GONGHUI_LOCKOUT_MAX_MINUTES))


def note_attempt(*, key: str, ip: str | None, success: bool, channel: str, client: str = "") -> None:
    """Record an attempt; the failure that reaches the threshold locks this client out of this account.

    Counted failures are this client's on this account in the last GONGHUI_LOCKOUT_MINUTES, since
    this client's last success and since its last lock ended, so that an expired lock starts a fresh
    count. Each further lock of the same client within a day lasts twice as long as the one before.
    """
    client = client or f"ip:{ip or '-'}"
    now = timezone.now()
    attempt = LoginAttempt.objects.create(username=key, client=client, ip=ip, at=now, success=success,
                                          channel=channel)
    if success:
        return
    mine = LoginAttempt.objects.filter(username=key, client=client)
    since = now - timedelta(minutes=settings.GONGHUI_LOCKOUT_MINUTES)
    successes = mine.filter(success=True)
    if _second_factor_follows(key):
        # The password (or SMS code) is only the first step: its success must not wipe out the
        # wrong authenticator codes typed after it, or a guesser who knows the password could
        # guess codes for ever. Only a full sign-in (the code accepted) starts a fresh count.
        successes = successes.filter(channel="otp")
    last_success = successes.order_by("-at").values_list("at", flat=True).first()
    last_lock_end = (
        mine.filter(locked_until__isnull=False).order_by("-locked_until").values_list("locked_until", flat=True).first()
    )
    for boundary in (last_success, last_lock_end):
        if boundary is not None and boundary > since:
            since = boundary
    failures = mine.filter(success=False, at__gte=since).count()
    if failures >= settings.GONGHUI_LOCKOUT_THRESHOLD:
        previous = mine.filter(locked_until__isnull=False, at__gte=now - timedelta(days=1)).count()
        LoginAttempt.objects.filter(pk=attempt.pk).update(locked_until=now + timedelta(minutes=lock_minutes(previous)))


def _second_factor_follows(key: str) -> bool:
    if not key.startswith("user:"):
        return False
    user = User.objects.filter(pk=key[5:]).first()
    return user is not None and (_has_authenticator(user) or user.needs_second_factor())


def note_otp_failure(request: HttpRequest, user: User) -> None:
    """A wrong authenticator code, wherever it was typed, is a failed sign-in of this client, audited."""
    with transaction.atomic():
        note_attempt(key=attempt_key(user.username, user), ip=client_ip(request), success=False, channel="otp",
                     client=client_key(request, user))
        _audit_failure(user.username, user, "bad_otp")


def otp_locked(request: HttpRequest, user: User) -> Any:
    """Until when this client may not try codes for this account (None: it may)."""
    return locked_until(attempt_key(user.username, user), client_key(request, user))


def lockout_message(until: Any) -> str:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return _("连续登录失败次数过多，已临时锁定本设备（网络地址）对该账号的登录，请 %(minutes)d 分钟后再试。") % {
        "minutes": minutes}


def password_login(request: HttpRequest, identifier: str, password: str, *, channel: str = "password") -> LoginOutcome:
    """Check a password sign-in with lockout and rate limits; audit it. Does not start a session.

    Lockout is per client (the account's own device, else the address): a guesser locks
    themselves out, not the owner. An account that many clients together failed on lately takes
    a password only with the authenticator's code after it; without one, the owner uses an SMS code.
    """
    ip = client_ip(request)
    user = find_user(identifier)
    key = attempt_key(identifier, user)
    client = client_key(request, user)
    own_device = client.startswith("dev:")
    if not own_device and ip_rate_limited(ip):
        return LoginOutcome(refusal=Refusal.RATE_LIMITED, message=_("尝试过于频繁，请稍后再试。"))
    until = locked_until(key, client)
    if until is not None:
        _audit_failure(identifier, user, "locked")
        return LoginOutcome(refusal=Refusal.LOCKED, message=lockout_message(until))
    if not own_device and account_guarded(key) and _guard_applies(user):
        # Refused before the password is checked, so the answer says nothing about the guess.
        _audit_failure(identifier, user, "guarded")
        return LoginOutcome(refusal=Refusal.LOCKED, message=_(
            "该账号近期有多次异常登录尝试，为保护账号安全，请使用短信验证码登录。"))
    from django.contrib.auth import authenticate

    authenticated = authenticate(request, username=identifier, password=password)
    with transaction.atomic():
        note_attempt(key=key, ip=ip, success=authenticated is not None, channel=channel, client=client)
        if authenticated is None:
            _audit_failure(identifier, user, "bad_credentials")
    if authenticated is None:
        until = locked_until(key, client)
        if until is not None:
            return LoginOutcome(refusal=Refusal.LOCKED, message=lockout_message(until))
        return LoginOutcome(refusal=Refusal.INVALID, message=_("账号或密码不正确。"))
    return LoginOutcome(user=authenticated)


def _guard_applies(user: User | None) -> bool:
    """Whether the account guard may refuse a password alone: only when the owner has another way in that
    the guard leaves open — a bound number for an SMS code (an account with an authenticator is not refused:
    its password is followed by the code). An account with neither (an administrator without a phone) is
    never guarded, or twenty wrong passwords from strangers would shut its owner out of every new browser;
    it relies on the per-client lock alone. An unknown name stays guarded as before, which costs nobody."""
    if user is None:
        return True
    if _has_authenticator(user):
        return False
    return bool(user.phone_hash) and user.is_active


def _has_authenticator(user: User | None) -> bool:
    if user is None:
        return False
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _audit_failure(identifier: str, user: User | None, why: str) -> None:
    # A typed name is shown to the auditor with any personal number in it masked (an ID typed as a user name).
    label = user.username if user is not None else scrubbed(identifier.strip())[:150]
    audit.record(
        actor=None,
        action=audit.Action.LOGIN_FAILED,
        obj=user,
        actor_label=label,
        object_repr=label,
        unit_path=user.primary_unit.path if user is not None and user.primary_unit else "",
        subject_user_id=user.pk if user is not None else None,
        reason=why,
    )


# --- SMS one-time codes ---

def _code_hash(phone_digest: str, code: str) -> str:
    return lookup_hash(f"{phone_digest}:{code}", "sms-code")


Purpose = SmsCode.Purpose


def _issue_code(phone: str, ip: str | None, purpose: str, client: str = "") -> tuple[str, str] | str:
    """A new one-time code for a number and one purpose, within the limits: (number, code), or the refusal in words.

    Limits: one code per number per resend interval and a few per number per hour — sign-in codes
    and the codes of every other purpose (joining, re-binding…) each have their own allowance, so
    that nobody can use up a worker's sign-in codes by asking joining codes to their number — and
    per address per hour over all purposes. A code is checked only against its own purpose, so a
    joining code never signs anyone in.
    """
    try:
        number = normalise_mobile(phone)
    except InvalidPhone:
        return _("请输入正确的11位手机号码。")
    digest = phone_hash(number)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    recent = SmsCode.objects.filter(phone_hash=digest, created_at__gte=hour_ago)
    recent = recent.filter(purpose=Purpose.LOGIN) if purpose == Purpose.LOGIN else recent.exclude(purpose=Purpose.LOGIN)
    last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and (now - last).total_seconds() < settings.GONGHUI_SMS_RESEND_SECONDS:
        return _("验证码已发送，请 %(s)d 秒后再重新获取。") % {
            "s": settings.GONGHUI_SMS_RESEND_SECONDS - int((now - last).total_seconds())
        }
    if recent.count() >= settings.GONGHUI_SMS_PER_NUMBER_PER_HOUR:
        return _("该号码获取验证码次数过多，请一小时后再试。")
    if ip and SmsCode.objects.filter(ip=ip, created_at__gte=hour_ago).count() >= settings.GONGHUI_SMS_PER_ADDRESS_PER_HOUR:
        return _("获取验证码过于频繁，请稍后再试。")
    code = f"{secrets.randbelow(1_000_000):06d}"
    SmsCode.objects.create(
        phone_hash=digest, purpose=purpose, code_hash=_code_hash(digest, code), ip=ip, created_at=now,
        client=(client or f"ip:{ip or '-'}")[:64],
        expires_at=now + timedelta(minutes=settings.GONGHUI_SMS_CODE_MINUTES),
    )
    return number, code


def request_sms_code(*, phone: str, ip: str | None, request: HttpRequest | None = None) -> tuple[bool, str]:
    """Send a sign-in code if the number belongs to an account. Returns (accepted, message).

    The answer is the same whether or not the number is registered, so that nobody can
    learn from it who has an account. With the request, the code remembers the asking client
    (the account's own device, else the address), whose wrong guesses alone spend it.
    """
    client = ""
    if request is not None:
        try:
            holder = User.objects.filter(phone_hash=phone_hash(normalise_mobile(phone))).first()
        except InvalidPhone:
            holder = None
        client = client_key(request, holder)
    issued = _issue_code(phone, ip, Purpose.LOGIN, client)
    if isinstance(issued, str):
        return False, issued
    number, code = issued
    from gonghui.orgs import identity

    identity.apply_due_rebinds_for(phone_hash(number))  # a re-binding whose cooling period is over takes effect
    if User.objects.filter(phone_hash=phone_hash(number), is_active=True).exists():
        sms.send(number, _("【工会】您的登录验证码是 %(code)s，%(m)d 分钟内有效。请勿告诉他人。") % {
            "code": code, "m": settings.GONGHUI_SMS_CODE_MINUTES})
    return True, _("如该号码已注册，验证码已发送，%(m)d 分钟内有效。") % {"m": settings.GONGHUI_SMS_CODE_MINUTES}


def send_verification_code(*, phone: str, ip: str | None, purpose: str) -> tuple[bool, str]:
    """A one-time code to prove a mobile number for one purpose (joining the union, re-binding a number,
    changing the login number…): sent to any number, good for that purpose only, never for signing in."""
    if purpose not in Purpose.values or purpose == Purpose.LOGIN:
        raise ValueError(f"not a verification purpose: {purpose}")
    issued = _issue_code(phone, ip, purpose)
    if isinstance(issued, str):
        return False, issued
    number, code = issued
    sms.send(number, _("【工会】您正在%(purpose)s，验证码 %(code)s，%(m)d 分钟内有效。请勿告诉他人。") % {
        "purpose": Purpose(purpose).label, "code": code, "m": settings.GONGHUI_SMS_CODE_MINUTES})
    return True, _("验证码已发送，%(m)d 分钟内有效。") % {"m": settings.GONGHUI_SMS_CODE_MINUTES}


def check_verification_code(*, phone: str, code: str, purpose: str) -> bool:
    """Whether the code proves the number for this purpose: single use, expiring, a few attempts."""
    try:
        number = normalise_mobile(phone)
    except InvalidPhone:
        return False
    digest = phone_hash(number)
    now = timezone.now()
    with transaction.atomic():
        candidate = (SmsCode.objects.select_for_update()
                     .filter(phone_hash=digest, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
                     .order_by("-created_at").first())
        if candidate is None:
            return False
        good = (candidate.attempts < settings.GONGHUI_SMS_MAX_ATTEMPTS
                and secrets.compare_digest(candidate.code_hash, _code_hash(digest, (code or "").strip())))
        if not good:
            SmsCode.objects.filter(pk=candidate.pk).update(attempts=candidate.attempts + 1)
            return False
        return SmsCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(used_at=now) == 1


def count_refusal(*, phone: str, purpose: str) -> None:
    """A check that used a good code was refused for another reason (a join without proof of identity) and
    undone: the code stays unspent, but the refusal counts as one of its attempts."""
    try:
        number = normalise_mobile(phone)
    except InvalidPhone:
        return
    candidate = (SmsCode.objects.filter(phone_hash=phone_hash(number), purpose=purpose, used_at__isnull=True,
                                        expires_at__gt=timezone.now()).order_by("-created_at").first())
    if candidate is not None:
        SmsCode.objects.filter(pk=candidate.pk).update(attempts=candidate.attempts + 1)


T = TypeVar("T")


@dataclass(frozen=True)
class CodeCheck:
    """A one-time code to check before a write, and the form field and words a wrong code is refused with."""

    phone: str
    code: str
    purpose: str
    field: str = "code"
    message: str = ""


def spend_codes_with(write: Callable[[], T], *checks: CodeCheck) -> T:
    """Check the codes and run `write` in one transaction: a code is spent only with the write it allowed.

    When anything after the check fails — the write refused (ValidationError), the database busy or gone
    (OperationalError), any error — everything is undone, the codes' use with it, and the person may submit
    again with the same code. A wrong code is refused with its check's words and counted as a wrong attempt;
    a refusal of the write counts as one attempt of each code (so that one code cannot probe many answers);
    a failure of the database counts nothing, as it is not the person's doing.
    """
    wrong: CodeCheck | None = None
    try:
        with transaction.atomic():
            for check in checks:
                if not check_verification_code(phone=check.phone, code=check.code, purpose=check.purpose):
                    wrong = check
                    raise ValidationError({check.field: check.message or _("手机验证码不正确或已过期，请重新获取。")})
            return write()
    except ValidationError:
        # The wrong attempt was undone with the rest: counted again, outside the undone transaction.
        for check in [wrong] if wrong is not None else checks:
            count_refusal(phone=check.phone, purpose=check.purpose)
        raise


def sms_login(request: HttpRequest, phone: str, code: str) -> LoginOutcome:
    """Check a phone + one-time code sign-in: single use, expiring, limited attempts, lockout."""
    ip = client_ip(request)
    invalid = LoginOutcome(refusal=Refusal.INVALID, message=_("验证码不正确或已过期，请重新获取。"))
    try:
        number = normalise_mobile(phone)
    except InvalidPhone:
        return LoginOutcome(refusal=Refusal.INVALID, message=_("请输入正确的11位手机号码。"))
    digest = phone_hash(number)
    user = User.objects.filter(phone_hash=digest).first()
    key = attempt_key(number, user)
    client = client_key(request, user)
    if not client.startswith("dev:") and ip_rate_limited(ip):
        return LoginOutcome(refusal=Refusal.RATE_LIMITED, message=_("尝试过于频繁，请稍后再试。"))
    until = locked_until(key, client)
    if until is not None:
        return LoginOutcome(refusal=Refusal.LOCKED, message=lockout_message(until))
    now = timezone.now()
    typed = (code or "").strip()
    with transaction.atomic():
        # Every live sign-in code of the number is tried, not only the newest: a stranger who asks a new
        # code to the number does not cancel the one the owner is typing.
        live = list(
            SmsCode.objects.select_for_update()
            .filter(phone_hash=digest, purpose=Purpose.LOGIN, used_at__isnull=True, expires_at__gt=now,
                    attempts__lt=settings.GONGHUI_SMS_MAX_ATTEMPTS)
            .order_by("-created_at")
        )
        wanted = _code_hash(digest, typed)
        match = next((c for c in live if secrets.compare_digest(c.code_hash, wanted)), None)
        good = match is not None and user is not None and user.is_active
        if not good:
            # A wrong code spends only the codes this client asked for (codes from before the client was
            # kept, with none named, are spent by anyone). A stranger's guesses are bounded by their own
            # lock and the address limit instead, and never burn the owner's code.
            spent = [c.pk for c in live if not c.client or c.client == client]
            if spent:
                SmsCode.objects.filter(pk__in=spent).update(attempts=F("attempts") + 1)
        if good and match is not None:
            # Single use: only the request that flips used_at from NULL wins.
            good = SmsCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now) == 1
        note_attempt(key=key, ip=ip, success=good, channel="sms", client=client)
        if not good:
            _audit_failure(number, user, "bad_sms_code")
    if not good:
        until = locked_until(key, client)
        return LoginOutcome(refusal=Refusal.LOCKED, message=lockout_message(until)) if until else invalid
    return LoginOutcome(user=user)
