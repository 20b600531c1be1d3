"""Every write to the union tree and to accounts: one function per use case, atomic, audited."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.phone import InvalidPhone, normalise_mobile
from gonghui.orgs import scoping
from gonghui.orgs.auth import phone_hash
from gonghui.orgs.models import ApiToken, Level, Role, RoleAssignment, Unit, User

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
        return list(Role.values)
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
    user = User(username=username, display_name=display_name.strip(), phone=phone, phone_hash=digest,
                otp_required=otp_required)
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


@transaction.atomic
def grant_role(*, actor: User, user: User, role: str, unit: Unit) -> RoleAssignment:
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


@transaction.atomic
def update_own_contact(*, actor: User, display_name: str, phone: str) -> User:
    """A user corrects their own name and mobile number."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    phone = _normalised_phone(phone)
    digest = phone_hash(phone) if phone else None
    if digest and User.objects.exclude(pk=user.pk).filter(phone_hash=digest).exists():
        raise ValidationError({"phone": _("该手机号已绑定其他账号。")})
    before = {"display_name": user.display_name, "phone": user.phone_masked}
    user.display_name, user.phone, user.phone_hash = display_name.strip(), phone, digest
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
def remove_second_factor(*, actor: User) -> None:
    """Remove the account's authenticators, unless the account must use one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if actor.needs_second_factor():
        raise ValidationError(_("您的账号必须使用动态口令，不能解除绑定。"))
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
    """The active user a raw bearer token belongs to, or None (unknown, expired, revoked)."""
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_digest(raw)).first()
    if token is None or not token.is_valid(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user._api_token = token  # type: ignore[attr-defined]
    return token.user


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
