"""Every write to the union tree and to accounts: one function per use case, atomic, audited."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, merges
from gonghui.core.crypto import lookup_hash
from gonghui.core.deadlines import local_date
from gonghui.core.masking import mask_phone, shown
from gonghui.core.phone import InvalidPhone, normalise_mobile
from gonghui.orgs import ages, rules, scoping
from gonghui.orgs.auth import phone_hash
from gonghui.orgs.models import (
    ENTERPRISE_ROLES,
    ApiToken,
    Consent,
    Enterprise,
    EnterpriseTag,
    Level,
    Person,
    PersonLink,
    Role,
    RoleAssignment,
    Unit,
    User,
)

UNIT_FIELDS = ("code", "name", "level", "kind", "address", "contact_name", "contact_phone", "status")

# Which roles a holder of each role may grant (never more than they hold), within their reach.
GRANTABLE: dict[str, frozenset[str]] = {
    Role.OFFICIAL: frozenset({Role.OFFICIAL, Role.CHAIR, Role.SOCIAL_WORKER, Role.MEDIATOR, Role.COUNSELLOR, Role.WORKER}),
    Role.CHAIR: frozenset({Role.WORKER}),
}


def _snapshot(unit: Unit) -> dict[str, Any]:
    return {field: getattr(unit, field) for field in UNIT_FIELDS}


def _check_level(level: int, parent: Unit | None) -> None:
    if parent is None:
        if level != Level.NATIONAL:
            raise ValidationError({"parent": _("除全国总工会外，每个工会组织都必须有上级工会。")})
        return
    if level <= parent.level:
        raise ValidationError(
            {"level": _("下级工会的层级必须低于上级工会（上级为“%(parent)s”）。") % {"parent": parent.get_level_display()}}
        )


@transaction.atomic
def create_unit(
    *,
    actor: User,
    parent: Unit | None,
    code: str,
    name: str,
    level: int,
    kind: str = Unit.Kind.FEDERATION,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Unit:
    """Create a unit under `parent`, which must lie in the actor's reach ("manage")."""
    if parent is not None and not scoping.units.can(actor, "manage", parent):
        raise PermissionDenied
    if parent is None and not actor.is_superuser:
        raise PermissionDenied
    _check_level(level, parent)
    code = code.strip()
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("单位编码“%(code)s”已被使用。") % {"code": code}})
    # The path needs the new row's id: insert with a unique placeholder, then set it.
    unit = Unit.objects.create(
        parent=parent, code=code, name=name.strip(), level=level, kind=kind, address=address,
        contact_name=contact_name, contact_phone=contact_phone, path=f"/new-{uuid.uuid4().hex}/",
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    if level == Level.PROVINCE:
        unit.province = unit
    elif parent is not None:
        unit.province = parent.province
    unit.save(update_fields=["path", "province"])
    audit.record(actor=actor, action=audit.Action.CREATE, obj=unit, unit_path=unit.path, changes=_snapshot(unit))
    return unit


@transaction.atomic
def update_unit(*, actor: User, unit: Unit, **fields: Any) -> Unit:
    """Change a unit's own data (not its place in the tree: see `move_unit`)."""
    unit = scoping.units.get_or_404(actor, unit.pk, action=scoping.CHANGE, queryset=Unit.objects.select_for_update())
    before = _snapshot(unit)
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise ValueError(f"not unit fields: {sorted(unknown)}")
    if "level" in fields and fields["level"] != unit.level:
        _check_level(fields["level"], unit.parent)
        child_levels = unit.children.values_list("level", flat=True)
        if any(level <= fields["level"] for level in child_levels):
            raise ValidationError({"level": _("下级工会的层级必须低于本单位。")})
    if "code" in fields and Unit.objects.exclude(pk=unit.pk).filter(code=fields["code"]).exists():
        raise ValidationError({"code": _("单位编码“%(code)s”已被使用。") % {"code": fields["code"]}})
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean(exclude=["path", "province", "parent"])
    unit.save()
    changes = audit.diff(before, _snapshot(unit))
    if changes:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=unit, unit_path=unit.path, changes=changes)
    return unit


@transaction.atomic
def move_unit(*, actor: User, unit: Unit, new_parent: Unit, reason: str = "") -> Unit:
    """Put a unit, with its whole subtree, under another parent.

    Both the unit and the new parent must be in the actor's reach, and the actor cannot move
    the unit their own reach starts from (that would hand it to someone else's subtree).
    """
    unit = scoping.units.get_or_404(actor, unit.pk, action="manage", queryset=Unit.objects.select_for_update())
    new_parent = scoping.units.get_or_404(actor, new_parent.pk, action="manage")
    if not actor.is_superuser and any(
        a.unit_id == unit.pk for a in scoping.roles_of(actor, scoping.SUBTREE_ROLES | {Role.ADMIN})
    ):
        raise ValidationError(_("不能移动您本人所在的工会组织。"))
    if new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("不能把工会组织移到它自己或它的下级之下。")})
    if new_parent.pk == unit.parent_id:
        raise ValidationError({"parent": _("该工会组织已经在这个上级之下。")})
    _check_level(unit.level, new_parent)
    old_path, old_parent = unit.path, unit.parent
    new_path = f"{new_parent.path}{unit.pk}/"
    province = new_parent.province if unit.level != Level.PROVINCE else unit
    subtree = Unit.objects.filter(scoping.subtree_q(old_path))
    # One statement rewrites every descendant's path prefix, whatever the depth.
    subtree.update(path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)))
    Unit.objects.filter(scoping.subtree_q(new_path)).exclude(level__lte=Level.PROVINCE).update(province=province)
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit.record(
        actor=actor, action=audit.Action.MOVE, obj=unit, unit_path=new_path, reason=reason,
        changes={"parent": [old_parent.name if old_parent else None, new_parent.name], "path": [old_path, new_path]},
    )
    # The old subtree's officials see the move in their audit too.
    if old_parent is not None:
        audit.record(actor=actor, action=audit.Action.MOVE, obj=unit, unit_path=old_parent.path, reason=reason,
                     changes={"parent": [old_parent.name, new_parent.name]})
    return unit


def can_grant(actor: User, role: str, unit: Unit) -> bool:
    """Whether `actor` may grant `role` at `unit`: within their reach, never more than they hold."""
    if actor.is_superuser or scoping.roles_of(actor, {Role.ADMIN}):
        return True
    for assignment in scoping.roles_of(actor):
        if role not in GRANTABLE.get(assignment.role, frozenset()):
            continue
        if assignment.role in scoping.SUBTREE_ROLES and unit.path.startswith(assignment.unit.path):
            return True
        if assignment.role in scoping.UNIT_ROLES and unit.pk == assignment.unit_id:
            return True
    return False


def grantable_roles(actor: User) -> list[str]:
    if actor.is_superuser or scoping.roles_of(actor, {Role.ADMIN}):
        return [r for r in Role.values if r not in ENTERPRISE_ROLES]  # appointed on the enterprise's page
    roles: set[str] = set()
    for assignment in scoping.roles_of(actor):
        roles |= GRANTABLE.get(assignment.role, frozenset())
    return [r for r in Role.values if r in roles]


def _normalised_phone(phone: str) -> str:
    if not phone:
        return ""
    try:
        return normalise_mobile(phone)
    except InvalidPhone as exc:
        raise ValidationError({"phone": _("请输入正确的11位手机号码。")}) from exc


@transaction.atomic
def create_account(
    *,
    actor: User,
    username: str,
    display_name: str,
    role: str,
    unit: Unit,
    phone: str = "",
    password: str | None = None,
    otp_required: bool = False,
) -> User:
    """Open an account with its first role. Only inside the actor's reach, never above their own role."""
    _refuse_employer_role(role)
    unit = scoping.units.get_or_404(actor, unit.pk)
    if not can_grant(actor, role, unit):
        raise PermissionDenied
    username = username.strip()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("账号名“%(u)s”已被使用。") % {"u": username}})
    phone = _normalised_phone(phone)
    digest = phone_hash(phone) if phone else None
    if digest and User.objects.filter(phone_hash=digest).exists():
        raise ValidationError({"phone": _("该手机号已绑定其他账号。")})
    user = User(username=username, display_name=clean_name(display_name, field="display_name"), phone=phone,
                phone_hash=digest, otp_required=otp_required)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()  # signs in by SMS code until a password is set
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError(_("账号名或手机号已被使用。")) from exc
    RoleAssignment.objects.create(user=user, role=role, unit=unit, granted_by=actor)
    audit.record(
        actor=actor, action=audit.Action.CREATE, obj=user, unit_path=unit.path, subject_user_id=user.pk,
        changes={"username": username, "display_name": user.display_name, "role": role, "unit": unit.name,
                 "phone": user.phone_masked},
    )
    return user


def _refuse_employer_role(role: str) -> None:
    if role in ENTERPRISE_ROLES:
        raise ValidationError(_("用人单位代表和企业填报员须在企业页面指定，以便绑定其企业。"))


@transaction.atomic
def appoint_employer_representative(*, actor: User, enterprise: Enterprise, username: str, display_name: str,
                                    phone: str, role: str = Role.EMPLOYER_REP) -> User:
    """An account that acts for one enterprise: its representative in the cases and bargaining it is party to
    (用人单位代表), or the contact who files its daily reports (企业填报员).

    It signs in with a code sent to its mobile and sees nothing of the union but what concerns that enterprise.
    """
    if role not in ENTERPRISE_ROLES:
        raise ValidationError({"role": _("请选择用人单位代表或企业填报员。")})
    enterprise = scoping.enterprises.get_or_404(actor, enterprise.pk, action=scoping.CHANGE)
    username = username.strip()
    if not username or not display_name.strip():
        raise ValidationError(_("请填写账号名和姓名。"))
    if not phone.strip():
        raise ValidationError({"phone": _("该账号凭手机验证码登录，请填写手机号。")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("账号名“%(u)s”已被使用。") % {"u": username}})
    phone = _normalised_phone(phone)
    digest = phone_hash(phone)
    if User.objects.filter(phone_hash=digest).exists():
        raise ValidationError({"phone": _("该手机号已绑定其他账号。")})
    user = User(username=username, display_name=clean_name(display_name, field="display_name"), phone=phone,
                phone_hash=digest)
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=role, unit=enterprise.unit, enterprise=enterprise,
                                  granted_by=actor)
    audit.record(actor=actor, action=audit.Action.GRANT, obj=user, unit_path=enterprise.unit.path,
                 subject_user_id=user.pk, changes={"role": role, "enterprise": enterprise.name,
                                                   "phone": user.phone_masked})
    return user


@transaction.atomic
def grant_role(*, actor: User, user: User, role: str, unit: Unit) -> RoleAssignment:
    _refuse_employer_role(role)
    user = scoping.users.get_or_404(actor, user.pk)
    unit = scoping.units.get_or_404(actor, unit.pk)
    if not can_grant(actor, role, unit):
        raise PermissionDenied
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit, revoked_at__isnull=True).exists():
        raise ValidationError(_("该账号在此单位已有这个角色。"))
    assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit, granted_by=actor)
    user.forget_roles()
    audit.record(actor=actor, action=audit.Action.GRANT, obj=user, unit_path=unit.path, subject_user_id=user.pk,
                 changes={"role": role, "unit": unit.name})
    return assignment


@transaction.atomic
def revoke_role(*, actor: User, assignment: RoleAssignment, reason: str = "") -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update().select_related("unit", "user").get(pk=assignment.pk)
    if assignment.revoked_at is not None:
        raise ValidationError(_("该角色已经撤销。"))
    scoping.users.get_or_404(actor, assignment.user_id)
    if not can_grant(actor, assignment.role, assignment.unit):
        raise PermissionDenied
    if assignment.user_id == actor.pk:
        raise ValidationError(_("不能撤销自己的角色。"))
    assignment.revoked_at = timezone.now()
    assignment.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action=audit.Action.REVOKE, obj=assignment.user, unit_path=assignment.unit.path,
                 subject_user_id=assignment.user_id, reason=reason,
                 changes={"role": assignment.role, "unit": assignment.unit.name})
    return assignment


def update_own_contact(*, actor: User, display_name: str, phone: str, new_code: str = "",
                       current_code: str = "") -> User:
    """A user corrects their own name and mobile number.

    The mobile is the login: it changes only with a code sent to the new number (it is the user's) and a
    code sent to the current one (whoever holds the session also holds the phone), each for that purpose.
    The codes are spent only with the change (auth.spend_codes_with): a refused or failed save leaves them good.
    """
    from gonghui.orgs import auth

    current = User.objects.get(pk=actor.pk)
    phone = _normalised_phone(phone)
    checks = []
    if phone != current.phone:
        if phone:
            checks.append(auth.CodeCheck(phone=phone, code=new_code, purpose=auth.Purpose.PHONE_NEW, field="new_code",
                                         message=_("新手机号的验证码不正确或已过期，请重新获取。")))
        if current.phone:
            checks.append(auth.CodeCheck(phone=current.phone, code=current_code, purpose=auth.Purpose.PHONE_CURRENT,
                                         field="current_code",
                                         message=_("当前手机号的验证码不正确或已过期，请重新获取。")))
    return auth.spend_codes_with(lambda: _save_own_contact(actor=actor, display_name=display_name, phone=phone),
                                 *checks)


@transaction.atomic
def _save_own_contact(*, actor: User, display_name: str, phone: str) -> User:
    user = User.objects.select_for_update().get(pk=actor.pk)
    digest = phone_hash(phone) if phone else None
    if digest and User.objects.exclude(pk=user.pk).filter(phone_hash=digest).exists():
        raise ValidationError({"phone": _("该手机号已绑定其他账号。")})
    before = {"display_name": user.display_name, "phone": user.phone_masked}
    user.display_name, user.phone, user.phone_hash = clean_name(display_name, field="display_name"), phone, digest
    user.save(update_fields=["display_name", "phone", "phone_hash"])
    unit = user.primary_unit
    changes = audit.diff(before, {"display_name": user.display_name, "phone": user.phone_masked})
    if changes:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=user, unit_path=unit.path if unit else "",
                     subject_user_id=user.pk, changes=changes)
    return user


@transaction.atomic
def set_otp_required(*, actor: User, user: User, required: bool) -> User:
    user = scoping.users.get_or_404(actor, user.pk, action=scoping.CHANGE)
    if user.otp_required != required:
        user.otp_required = required
        user.save(update_fields=["otp_required"])
        unit = user.primary_unit
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=user, unit_path=unit.path if unit else "",
                     subject_user_id=user.pk, changes={"otp_required": [not required, required]})
    return user


@transaction.atomic
def confirm_second_factor(*, actor: User, device: Any) -> None:
    """Make a just-verified authenticator the account's only one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    unit = actor.primary_unit
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=actor, unit_path=unit.path if unit else "",
                 subject_user_id=actor.pk, changes={"second_factor": "enrolled"})


@transaction.atomic
def remove_second_factor(*, actor: User, token: str) -> None:
    """Remove the account's authenticator, unless the account must use one; a current code proves
    that whoever asks holds the authenticator, not only an open session."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if actor.needs_second_factor():
        raise ValidationError(_("您的账号必须使用动态口令，不能解除绑定。"))
    device = TOTPDevice.objects.filter(user=actor, confirmed=True).first()
    if device is not None and not device.verify_token((token or "").strip()):
        raise ValidationError(_("动态口令不正确，请核对手机时间后重试。"), code="bad_otp")
    removed, _detail = TOTPDevice.objects.filter(user=actor).delete()
    if removed:
        unit = actor.primary_unit
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=actor, unit_path=unit.path if unit else "",
                     subject_user_id=actor.pk, changes={"second_factor": "removed"})


def reveal_phone(*, actor: User, user: User, reason: str = "") -> str:
    """The full mobile number, for a role that needs it; every reading is audited."""
    with transaction.atomic():
        target = scoping.users.get_or_404(actor, user.pk, action="reveal")
        unit = target.primary_unit
        audit.record(actor=actor, action=audit.Action.REVEAL, obj=target, unit_path=unit.path if unit else "",
                     subject_user_id=target.pk, reason=reason, changes={"field": "phone"})
    return target.phone


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, user: User) -> tuple[ApiToken, str]:
    """A new bearer token; the raw value is returned once and never stored."""
    raw = f"gh_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user, key_hash=_token_digest(raw), prefix=raw[:8], created_at=now,
        expires_at=now + settings.API_TOKEN_LIFETIME,
    )
    unit = user.primary_unit
    audit.record(actor=user, action=audit.Action.TOKEN, obj=user, unit_path=unit.path if unit else "",
                 subject_user_id=user.pk, changes={"issued": token.prefix})
    return token, raw


def token_user(raw: str, *, now: datetime | None = None) -> User | None:
    """The active user a raw bearer token belongs to, or None (unknown, expired, revoked, idle).

    An official's token follows the officials' idle rule: unused for longer than
    GONGHUI_OFFICIAL_IDLE_MINUTES, it is refused (and revoked), as an idle session is signed out.
    """
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_digest(raw)).first()
    if token is None or not token.is_valid(now) or not token.user.is_active:
        return None
    last = token.last_used_at or token.created_at
    if (now - last).total_seconds() > settings.GONGHUI_OFFICIAL_IDLE_MINUTES * 60 and token.user.is_official:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user._api_token = token  # type: ignore[attr-defined]
    return token.user


def revoke_all_api_tokens(user: User, *, now: datetime | None = None) -> int:
    """Revoke every live token of an account (password changed, account locked). Part of the caller's
    transaction; the caller writes the audit row."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


@transaction.atomic
def change_password(*, actor: User, new_password: str) -> User:
    """The account holder sets a new password: every API token of theirs is revoked with it."""
    validate_password(new_password, actor)
    revoked = revoke_all_api_tokens(actor)
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    unit = actor.primary_unit
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=actor, unit_path=unit.path if unit else "",
                 subject_user_id=actor.pk, changes={"password": "changed", "tokens_revoked": revoked})
    return actor


def _check_lockable(actor: User, user: User) -> User:
    user = scoping.users.get_or_404(actor, user.pk, action=scoping.CHANGE)
    if user.pk == actor.pk:
        raise ValidationError(_("不能锁定或解锁自己的账号。"))
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied
    return user


@transaction.atomic
def lock_account(*, actor: User, user: User, reason: str) -> User:
    """An official locks an account (lost phone, left the job, suspected misuse): it signs in nowhere,
    and all its API tokens are revoked at once."""
    user = _check_lockable(actor, user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("锁定账号须写明原因。")})
    revoked = revoke_all_api_tokens(user)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    unit = user.primary_unit
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=user, unit_path=unit.path if unit else "",
                 subject_user_id=user.pk, reason=reason[:500], changes={"locked": True, "tokens_revoked": revoked})
    return user


@transaction.atomic
def unlock_account(*, actor: User, user: User, reason: str) -> User:
    """An official lets a locked account sign in again (old tokens stay revoked)."""
    user = _check_lockable(actor, user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("解锁账号须写明原因。")})
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        unit = user.primary_unit
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=user, unit_path=unit.path if unit else "",
                     subject_user_id=user.pk, reason=reason[:500], changes={"locked": False})
    return user


@transaction.atomic
def revoke_api_token(*, actor: User, raw: str | None = None, token: ApiToken | None = None) -> int:
    """Revoke one token (by its raw value or row) of the actor's own; returns how many were revoked."""
    tokens = ApiToken.objects.filter(user=actor, revoked_at__isnull=True)
    if raw is not None:
        tokens = tokens.filter(key_hash=_token_digest(raw))
    elif token is not None:
        tokens = tokens.filter(pk=token.pk)
    count = tokens.update(revoked_at=timezone.now())
    if count:
        unit = actor.primary_unit
        audit.record(actor=actor, action=audit.Action.TOKEN, obj=actor, unit_path=unit.path if unit else "",
                     subject_user_id=actor.pk, changes={"revoked": count})
    return count


# --- The registry: people and enterprises ---

PERSON_FIELDS = ("name", "phone", "hukou", "residence", "job", "membership", "member_since", "emergency_name",
                 "emergency_phone", "bank_account", "basis", "basis_note")


def _person_snapshot(person: Person) -> dict[str, Any]:
    snap = {f: getattr(person, f) for f in PERSON_FIELDS}
    snap.update(phone=mask_phone(person.phone), emergency_phone=mask_phone(person.emergency_phone),
                bank_account=shown(person.bank_account, "bank_account"),
                unit=person.unit.name, employer=person.employer.name if person.employer is not None else "",
                tags=sorted(t.name for t in person.tags.all()) if person.pk else [])
    return snap


def clean_name(raw: str | None, *, field: str = "name", required: bool = True) -> str:
    """A name as the registry keeps it (`rules.clean_name`), or ValidationError on `field` with the reason."""
    try:
        return rules.clean_name(raw, required=required)
    except rules.InvalidName as exc:
        raise ValidationError({field: str(exc)}) from exc


def check_not_before_1900(value: date | None, *, field: str, label: str) -> None:
    """A date of something in a working life (joining the union, learning of a wrong): none before 1900."""
    if value is not None and value < rules.EARLIEST_DATE:
        raise ValidationError({field: _("%(f)s不能早于 1900-01-01，请核对年份。") % {"f": label}})


def _check_person(person: Person) -> None:
    person.name = clean_name(person.name)
    person.emergency_name = clean_name(person.emergency_name, field="emergency_name", required=False)
    check_not_before_1900(person.member_since, field="member_since", label=_("入会日期"))


def _seal(person: Person) -> None:
    person.phone = _normalised_phone(person.phone)
    person.phone_hash = lookup_hash(person.phone, "phone") if person.phone else ""
    person.phone_masked = mask_phone(person.phone)
    person.emergency_phone = _normalised_phone(person.emergency_phone) if person.emergency_phone else ""
    person.bank_hash = lookup_hash(person.bank_account, "bank") if person.bank_account else ""
    person.name_initials = rules.initials(person.name)
    if person.membership == Person.Membership.MEMBER and not person.member_since:
        raise ValidationError({"member_since": _("会籍为“会员”时必须填写入会日期。")})


def _today() -> date:
    return local_date(timezone.now())


@ages.alerting_child_employment
@transaction.atomic
def create_person(*, actor: User, id_number: str, name: str, unit: Unit, tags: Any = (),
                  employer: Enterprise | None = None, guardian: ages.Guardian | None = None, channel: str = "page",
                  **fields: Any) -> Person:
    """Open a person's file. The ID number is the identity: one file per person.

    Refused, keeping nothing of the person: under 16 with an employer (劳动法 第十五条; the unions are alerted),
    under 14 without a guardian's consent (个人信息保护法 第三十一条), which is kept with the file.
    """
    unit = scoping.units.get_or_404(actor, unit.pk, action=scoping.CHANGE)
    try:
        identity = rules.parse_id_number(id_number)
    except rules.InvalidNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    today = _today()
    ages.check_employment(birth=identity.birth_date, enterprise=employer, day=today, channel=channel, actor=actor)
    guardian = ages.check_guardian(birth=identity.birth_date, day=today, guardian=guardian)
    digest = lookup_hash(identity.number, "id")
    if Person.objects.filter(id_hash=digest).exists():
        raise ValidationError({"id_number": _("此身份证号已建档，请搜索后修改原档案。")})
    person = Person(name=name, id_number=identity.number, id_hash=digest, id_masked=identity.masked,
                    id_type=identity.id_type, gender=identity.gender, birth_date=identity.birth_date, unit=unit,
                    province_id=unit.province_id, employer=employer,
                    **{k: v for k, v in fields.items() if k in PERSON_FIELDS and v is not None})
    _check_person(person)
    _seal(person)
    person.save()
    person.tags.set(tags)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=person, unit_path=unit.path,
                 changes=_person_snapshot(person))
    if guardian is not None:
        ages.record_guardian_consent(actor=actor, person=person, guardian=guardian)
    return person


@ages.alerting_child_employment
@transaction.atomic
def file_for_service(*, actor: User, id_number: str, name: str, unit: Unit, purpose: str, phone: str = "",
                     employer: Enterprise | None = None) -> Person | PersonLink:
    """The person's file for a service another app gives them (a mediation applicant recorded at the desk,
    a row of an enterprise's report), the service given at `unit`.

    A file of the same street (or in the actor's own reach) is found by the ID number and the name checked
    against it. A file of another street is never attached, and its name is not compared: the answer is a
    pending `PersonLink` that the person's own union confirms, and the caller learns nothing of the file.
    Look-ups that reach another street's file are rate-limited per account. A missing file is opened on the basis of the service's legal duty (PIPL 第十三条第一款第三项).
    The calling service has checked the actor's right to act for that person.
    """
    from gonghui.orgs import identity

    try:
        parsed = rules.parse_id_number(id_number)
    except rules.InvalidNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    name = clean_name(name)
    digest = lookup_hash(parsed.number, "id")
    person = Person.objects.select_related("unit", "user").filter(id_hash=digest).first()
    if person is not None:
        if not identity.within_service_scope(actor, person, unit):
            identity.note_lookup(actor, "pending_link")
            return identity.request_link(actor=actor, person=person, claimed_name=name, unit=unit, purpose=purpose)
        if person.name != name:
            raise ValidationError({"name": _("姓名与该身份证号的档案不一致，请核对。")})
        return person
    # A new file: nobody under 16 as an employee (劳动法 第十五条), and no child under 14 without a guardian's
    # consent (个人信息保护法 第三十一条), which a service's desk cannot record: the file is not opened.
    today = _today()
    ages.check_employment(birth=parsed.birth_date, enterprise=employer, day=today, channel="service", actor=actor)
    ages.check_guardian(birth=parsed.birth_date, day=today, guardian=None)
    person = Person(name=name, id_number=parsed.number, id_hash=digest, id_masked=parsed.masked,
                    id_type=parsed.id_type, gender=parsed.gender, birth_date=parsed.birth_date, unit=unit,
                    province_id=unit.province_id, phone=phone, employer=employer, basis=Person.Basis.DUTY)
    _seal(person)
    person.save()
    audit.record(actor=actor, action=audit.Action.CREATE, obj=person, unit_path=unit.path,
                 changes={"opened_for": purpose})
    return person


@ages.alerting_child_employment
@transaction.atomic
def update_person(*, actor: User, person: Person, tags: Any = None, unit: Unit | None = None,
                  employer: Any = "unchanged", channel: str = "page", **fields: Any) -> Person:
    person = scoping.people.get_or_404(actor, person.pk, action=scoping.CHANGE,
                                       queryset=Person.objects.select_for_update())
    before = _person_snapshot(person)
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise ValueError(f"not an editable person field: {name}")
        setattr(person, name, value if value is not None else ("" if name != "member_since" else None))
    if unit is not None and unit.pk != person.unit_id:
        unit = scoping.units.get_or_404(actor, unit.pk, action=scoping.CHANGE)
        person.unit, person.province_id = unit, unit.province_id
    if employer != "unchanged":
        if employer is not None and employer.pk != person.employer_id:
            ages.check_employment(birth=person.birth_date, enterprise=employer, day=_today(), channel=channel,
                                  actor=actor)
        person.employer = employer
    _check_person(person)
    _seal(person)
    person.save()
    if tags is not None:
        person.tags.set(tags)
    changes = audit.diff(before, _person_snapshot(person))
    if changes:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=person, unit_path=person.unit.path, changes=changes)
    return person


def update_own_person_contact(*, actor: User, phone: str, residence: str, emergency_name: str,
                              emergency_phone: str, phone_code: str = "") -> Person:
    """A worker corrects the contact data of their own file. The file's mobile is what proves the person
    later (identity.phone_on_file): a new one needs a code sent to it, spent only with the change."""
    from gonghui.orgs import auth

    current = Person.objects.filter(user=actor).first()
    changed = current is not None and phone.strip() and _normalised_phone(phone) != current.phone
    checks = [auth.CodeCheck(phone=phone, code=phone_code, purpose=auth.Purpose.PHONE_NEW, field="phone_code",
                             message=_("新手机号的验证码不正确或已过期，请重新获取。"))] if changed else []
    return auth.spend_codes_with(
        lambda: _save_own_person_contact(actor=actor, phone=phone, residence=residence, emergency_name=emergency_name,
                                         emergency_phone=emergency_phone), *checks)


@transaction.atomic
def _save_own_person_contact(*, actor: User, phone: str, residence: str, emergency_name: str,
                             emergency_phone: str) -> Person:
    person = Person.objects.select_for_update().filter(user=actor).first()
    if person is None:
        raise ValidationError(_("您的账号还没有关联职工档案，请联系所在工会。"))
    before = _person_snapshot(person)
    person.phone, person.residence = phone, residence.strip()
    person.emergency_name, person.emergency_phone = emergency_name.strip(), emergency_phone
    _check_person(person)
    _seal(person)
    person.save()
    changes = audit.diff(before, _person_snapshot(person))
    if changes:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=person, unit_path=person.unit.path,
                     changes=changes, reason=_("本人更正"))
    return person


REVEALABLE = {"id_number": _("身份证号"), "phone": _("手机号"), "bank_account": _("银行账号"),
              "emergency_phone": _("紧急联系人电话")}


def reveal_person_field(*, actor: User, person: Person, field: str, reason: str = "") -> str:
    """One full personal value, for a role that needs it; audited, and shown to the person."""
    if field not in REVEALABLE:
        raise ValueError(field)
    with transaction.atomic():
        target = scoping.people.get_or_404(actor, person.pk, action="reveal")
        audit.record(actor=actor, action=audit.Action.REVEAL, obj=target, unit_path=target.unit.path,
                     subject_user_id=target.user_id, reason=reason, changes={"field": field})
    return str(getattr(target, field))


@transaction.atomic
def record_consent(*, actor: User, person: Person, purpose: str, wording_version: str, channel: str) -> Consent:
    """The person's separate consent (PIPL Art. 14, 29): by themselves online, or recorded by an official."""
    if person.user_id != actor.pk:
        person = scoping.people.get_or_404(actor, person.pk, action=scoping.CHANGE)
    consent = Consent.objects.create(person=person, purpose=purpose, wording_version=wording_version, channel=channel)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=person, unit_path=person.unit.path,
                 subject_user_id=person.user_id, changes={"consent": purpose, "version": wording_version,
                                                          "channel": channel})
    return consent


@transaction.atomic
def withdraw_consent(*, actor: User, consent: Consent) -> Consent:
    """PIPL Art. 15: the person may withdraw consent at any time, as easily as they gave it."""
    consent = Consent.objects.select_for_update().select_related("person__unit").get(pk=consent.pk)
    if consent.person.user_id != actor.pk:
        raise PermissionDenied
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=consent.person,
                     unit_path=consent.person.unit.path, subject_user_id=actor.pk,
                     changes={"consent": consent.purpose, "withdrawn": True})
    return consent


ENTERPRISE_FIELDS = ("name", "industry", "address", "size", "employees", "contact_name", "contact_phone", "status",
                     "resumed_on")


@transaction.atomic
def create_enterprise(*, actor: User, credit_code: str, name: str, unit: Unit, **fields: Any) -> Enterprise:
    tags = fields.pop("tags", None)
    unit = scoping.units.get_or_404(actor, unit.pk, action=scoping.CHANGE)
    try:
        code = rules.parse_credit_code(credit_code)
    except rules.InvalidNumber as exc:
        raise ValidationError({"credit_code": str(exc)}) from exc
    if Enterprise.objects.filter(credit_code=code).exists():
        raise ValidationError({"credit_code": _("该信用代码的企业已登记。")})
    enterprise = Enterprise(credit_code=code, name=name.strip(), unit=unit, province_id=unit.province_id,
                            **{k: v for k, v in fields.items() if k in ENTERPRISE_FIELDS and v not in (None, "")})
    _check_enterprise(enterprise)
    enterprise.save()
    if tags:
        _set_enterprise_tags(enterprise, tags)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=enterprise, unit_path=unit.path,
                 changes={"name": enterprise.name, "credit_code": code, "tags": tags or ""})
    return enterprise


TAG_SPLIT = re.compile(r"[,，、;；\s]+")


def _set_enterprise_tags(enterprise: Enterprise, text: str) -> str:
    """Tags typed as one line (重点企业、规上工业): new names become tags; returns them as stored."""
    names = list(dict.fromkeys(n.strip()[:30] for n in TAG_SPLIT.split(text or "") if n.strip()))[:20]
    enterprise.tags.set([EnterpriseTag.objects.get_or_create(name=n)[0] for n in names])
    return "、".join(names)


def _check_enterprise(enterprise: Enterprise) -> None:
    if enterprise.status == Enterprise.Status.RESUMED and not enterprise.resumed_on:
        raise ValidationError({"resumed_on": _("经营状态为“已复工”时必须填写复工日期。")})


@transaction.atomic
def update_enterprise(*, actor: User, enterprise: Enterprise, **fields: Any) -> Enterprise:
    enterprise = scoping.enterprises.get_or_404(actor, enterprise.pk, action=scoping.CHANGE,
                                                queryset=Enterprise.objects.select_for_update())
    tags = fields.pop("tags", None)
    before = {f: getattr(enterprise, f) for f in ENTERPRISE_FIELDS}
    tags_before = "、".join(enterprise.tags.values_list("name", flat=True))
    for name, value in fields.items():
        if name not in ENTERPRISE_FIELDS:
            raise ValueError(f"not an editable enterprise field: {name}")
        setattr(enterprise, name, value if value is not None else ("" if name not in ("employees", "resumed_on")
                                                                   else None))
    _check_enterprise(enterprise)
    enterprise.save()
    changes = audit.diff(before, {f: getattr(enterprise, f) for f in ENTERPRISE_FIELDS})
    if tags is not None:
        tags_after = _set_enterprise_tags(enterprise, tags)
        if tags_after != tags_before:
            changes["tags"] = [tags_before, tags_after]
    if changes:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=enterprise, unit_path=enterprise.unit.path,
                     changes=changes)
    return enterprise


IDENTITY_UNPROVED = _("无法在线核验您的身份：请使用档案中预留的手机号办理，或携带身份证到所在工会核验身份后办理。")


@transaction.atomic
def self_register(*, name: str, id_number: str, phone: str, unit: Unit, job: str = "",
                  employer: Enterprise | None = None) -> tuple[User, Person]:
    """A worker signs themselves up (joining the union online), the mobile already proved by a code.

    A new ID number opens a new file. An ID number that already has a file is linked only with a proof
    that the applicant controls something the file trusts (orgs/identity.py): the proved mobile is the
    phone on file, or the real-name service vouches for name, ID number and mobile. Without it the join is
    refused with one answer, whatever the name: nothing of the file is shown, nothing is linked, and
    nobody learns whether the name and the ID number belong together.
    """
    from gonghui.orgs import identity

    try:
        parsed = rules.parse_id_number(id_number)
    except rules.InvalidNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    name = clean_name(name)
    today = _today()
    ages.check_employment(birth=parsed.birth_date, enterprise=employer, day=today, channel="join", actor=None)
    ages.check_guardian(birth=parsed.birth_date, day=today, guardian=None)
    phone = _normalised_phone(phone)
    if not phone:
        raise ValidationError({"phone": _("请输入正确的11位手机号码。")})
    digest = lookup_hash(parsed.number, "id")
    person = Person.objects.select_for_update(of=("self",)).select_related("user", "unit").filter(id_hash=digest).first()
    user = User.objects.filter(phone_hash=phone_hash(phone)).first()
    if person is not None:
        if person.user_id is not None and user is not None and person.user_id == user.pk:
            method = None  # the file's own account, signed in by its own number: nothing new to prove
        elif identity.phone_on_file(person, phone):
            method = identity.Method.PHONE_ON_FILE
        elif identity.realname_verifies(name=name, id_number=parsed.number, phone=phone):
            method = identity.Method.REALNAME_SERVICE
        else:
            raise ValidationError(IDENTITY_UNPROVED)
        # Proved: only now may the applicant learn what the file says.
        if person.name != name:
            raise ValidationError({"name": _("姓名与该身份证号的档案不一致。如档案有误，请申请更正。")})
        if person.user_id is not None and (user is None or person.user_id != user.pk):
            raise ValidationError(_("该身份证号的档案已绑定其他账号。如手机号已更换，请用“更换手机号”找回。"))
    else:
        method = None
    if person is None and user is not None and Person.objects.filter(user=user).exists():
        raise ValidationError(_("该手机号已绑定另一份职工档案。请用该号码登录后办理，或联系所在工会。"))
    if user is None:
        user = User(username=f"w{uuid.uuid4().hex[:12]}", display_name=name, phone=phone, phone_hash=phone_hash(phone))
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.create(user=user, role=Role.WORKER, unit=unit, granted_by=None)
        audit.record(actor=user, action=audit.Action.CREATE, obj=user, unit_path=unit.path, subject_user_id=user.pk,
                     changes={"self_registered": True, "phone": user.phone_masked})
    elif not user.active_roles():
        RoleAssignment.objects.create(user=user, role=Role.WORKER, unit=unit, granted_by=None)
    if person is None:
        person = Person(name=name, id_number=parsed.number, id_hash=digest, id_masked=parsed.masked,
                        id_type=parsed.id_type, gender=parsed.gender, birth_date=parsed.birth_date, unit=unit,
                        province_id=unit.province_id, phone=phone, job=job[:100], employer=employer,
                        basis=Person.Basis.CONSENT, user=user)
        _seal(person)
        person.save()
        audit.record(actor=user, action=audit.Action.CREATE, obj=person, unit_path=unit.path, subject_user_id=user.pk,
                     changes={"self_registered": True})
    elif person.user_id is None:
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    if method is not None:
        identity.record(person=person, user=user, method=method)
    return user, person


@transaction.atomic
def record_membership(*, actor: Any, person: Person, membership: str, since: Any = None, unit: Unit | None = None) -> Person:
    """The registry's view of a person's membership, kept by the membership service (入会, 转会, 退会)."""
    before = _person_snapshot(person)
    person.membership, person.member_since = membership, since
    if unit is not None:
        person.unit, person.province_id = unit, unit.province_id
    person.save(update_fields=["membership", "member_since", "unit", "province", "updated_at"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=person, unit_path=person.unit.path,
                 subject_user_id=person.user_id, changes=audit.diff(before, _person_snapshot(person)))
    return person


# --- fixing one's own data (no administrator needed) ---

def release_phone_binding(*, actor: Any, phone: str, reason: str) -> User | None:
    """Free a mobile number held by another (old) account, audited on both sides."""
    phone = _normalised_phone(phone)
    holder = User.objects.select_for_update().filter(phone_hash=phone_hash(phone)).first()
    if holder is None:
        return None
    User.objects.filter(pk=holder.pk).update(phone="", phone_hash=None)
    Person.objects.filter(user=holder, phone_hash=lookup_hash(phone, "phone")).update(
        phone="", phone_hash="", phone_masked="")
    unit_path = holder.primary_unit.path if holder.primary_unit else ""
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=holder, unit_path=unit_path, subject_user_id=holder.pk,
                 changes={"phone": [mask_phone(phone), ""]}, reason=reason)
    return holder


@transaction.atomic
def bind_phone(*, actor: Any, user: User, person: Person | None, phone: str, reason: str) -> User:
    phone = _normalised_phone(phone)
    before = user.phone_masked
    User.objects.filter(pk=user.pk).update(phone=phone, phone_hash=phone_hash(phone))
    user.refresh_from_db()
    if person is not None:
        person.phone = phone
        _seal(person)
        person.save(update_fields=["phone", "phone_hash", "phone_masked", "updated_at"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=user,
                 unit_path=user.primary_unit.path if user.primary_unit else "", subject_user_id=user.pk,
                 changes={"phone": [before, user.phone_masked]}, reason=reason)
    return user


@ages.alerting_child_employment
@transaction.atomic
def correct_identity(*, actor: User, person: Person, name: str | None = None, id_number: str | None = None,
                     reason: str) -> Person:
    """A corrected name or ID number (gender and birth date follow the number); the old values stay in the audit."""
    before = _person_snapshot(person)
    if id_number:
        try:
            identity = rules.parse_id_number(id_number)
        except rules.InvalidNumber as exc:
            raise ValidationError({"id_number": str(exc)}) from exc
        digest = lookup_hash(identity.number, "id")
        if Person.objects.filter(id_hash=digest).exclude(pk=person.pk).exists():
            raise ValidationError({"id_number": _("这个身份证号已有另一份档案：请合并两份档案，而不是更正。")})
        today = _today()
        ages.check_employment(birth=identity.birth_date, enterprise=person.employer, day=today, channel="correction",
                              actor=actor)
        if not person.guardian_consents.exists():
            ages.check_guardian(birth=identity.birth_date, day=today, guardian=None)
        person.id_number, person.id_hash, person.id_masked = identity.number, digest, identity.masked
        person.id_type, person.gender, person.birth_date = identity.id_type, identity.gender, identity.birth_date
    if name is not None:
        person.name = clean_name(name)
    _seal(person)
    person.save()
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=person, unit_path=person.unit.path,
                 subject_user_id=person.user_id, changes=audit.diff(before, _person_snapshot(person)), reason=reason)
    return person


def move_person_records(*, keep: Person, duplicate: Person, actor: User) -> dict[str, int]:
    """What orgs holds on a person (core.merges): consents, identity verifications, account links, and the files
    merged earlier into the duplicate, which now name the kept file (a merged file always names a file that is
    not itself merged, so "this person's files" is one step)."""
    claims = ("orgs.Consent.person", "orgs.GuardianConsent.person", "orgs.IdentityVerification.person",
              "orgs.PersonLink.person")
    moved = merges.reassign(*claims)(keep=keep, duplicate=duplicate, actor=actor)
    earlier = Person.objects.filter(merged_into=duplicate).update(merged_into=keep)
    if earlier:
        moved["orgs.Person.merged_into"] = earlier
    return moved


@transaction.atomic
def merge_people(*, actor: User, keep: Person, duplicate: Person, reason: str) -> Person:
    """Two files of one person become one: every record of the duplicate moves to the kept file, the
    duplicate stays (marked merged, its history shown on the kept file). Officials only, in their scope."""
    keep = scoping.people.get_or_404(actor, keep.pk, action=scoping.CHANGE)
    duplicate = scoping.people.get_or_404(actor, duplicate.pk, action=scoping.CHANGE)
    if keep.pk == duplicate.pk or duplicate.merged_into_id is not None or keep.merged_into_id is not None:
        raise ValidationError(_("请选择两份不同的、未合并过的档案。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明合并依据（如：身份证号录错，同一人）。")})
    try:
        with transaction.atomic():
            moved = merges.move_all(keep=keep, duplicate=duplicate, actor=actor)
    except IntegrityError as exc:  # e.g. both files have an open hardship file, or an open membership
        raise ValidationError(_("两份档案都有同类的在办记录（如都在会、都有在档困难档案），请先结束其中一份再合并。")) \
            from exc
    if keep.user_id is None and duplicate.user_id is not None:
        keep.user_id, duplicate.user_id = duplicate.user_id, None
        Person.objects.filter(pk=duplicate.pk).update(user=None)
        keep.save(update_fields=["user", "updated_at"])
    keep.tags.add(*duplicate.tags.all())
    Person.objects.filter(pk=duplicate.pk).update(merged_into=keep)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=keep, unit_path=keep.unit.path,
                 subject_user_id=keep.user_id, changes={"merged_from": duplicate.pk, "moved": moved}, reason=reason)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=duplicate, unit_path=duplicate.unit.path,
                 changes={"merged_into": keep.pk}, reason=reason)
    return keep
