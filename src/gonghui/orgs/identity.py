"""Identity: what proves that the person at the keyboard is the person of a registry file.

A name and an ID number prove nothing: they are widely leaked, and every employer's HR office holds
them. What proves a person, here and only here:

- the phone on file: a one-time code sent to the number the file (or its account) already trusts;
- the union's verification: an official of the person's union saw the ID card in person, or by video,
  recorded with who verified, how and what they saw;
- a real-name verification service, when the deployment has one (`GONGHUI_REALNAME_BACKEND`): an
  interface to a carrier three-factor (name, ID number, mobile) or face-verification backend.

Each proof is an `IdentityVerification` row, written in the transaction that relies on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.crypto import lookup_hash
from gonghui.orgs import scoping
from gonghui.orgs.models import IdentityVerification, IdLookup, Level, Person, PersonLink, Role, Unit, User

Method = IdentityVerification.Method


# --- the real-name verification service ---

class RealNameBackend:
    """A real-name verification service. `verify` answers whether the mobile number is registered, with the
    carrier, to the holder of this name and ID number (three-factor), or whether a face check passed.

    An implementation calls the provider and returns True only on a positive answer; any error is False.
    """

    available = True
    label = ""

    def verify(self, *, name: str, id_number: str, phone: str) -> bool:
        raise NotImplementedError


class DisabledRealNameBackend(RealNameBackend):
    """The default: no service, so nothing is ever verified this way."""

    available = False
    label = "disabled"

    def verify(self, *, name: str, id_number: str, phone: str) -> bool:
        return False


@lru_cache(maxsize=4)
def _backend_for(path: str) -> RealNameBackend:
    if not path:
        return DisabledRealNameBackend()
    backend = import_string(path)()
    if not isinstance(backend, RealNameBackend):
        raise TypeError(f"{path} is not a RealNameBackend")
    return backend


def realname_backend() -> RealNameBackend:
    return _backend_for(settings.GONGHUI_REALNAME_BACKEND or "")


def realname_verifies(*, name: str, id_number: str, phone: str) -> bool:
    backend = realname_backend()
    if not backend.available:
        return False
    try:
        return bool(backend.verify(name=name, id_number=id_number, phone=phone))
    except Exception:  # noqa: BLE001 - a failing provider proves nothing
        return False


# --- proofs ---

def phone_on_file(person: Person, number: str) -> bool:
    """Whether `number` (normalised) is a number the file already trusts: the file's own, or its account's."""
    digest = lookup_hash(number, "phone")
    if person.phone_hash and person.phone_hash == digest:
        return True
    user = person.user if person.user_id else None
    return user is not None and bool(user.phone_hash) and user.phone_hash == digest


def record(*, person: Person, user: User | None, method: str, verified_by: User | None = None,
           evidence: str = "") -> IdentityVerification:
    """Write one proof (inside the caller's transaction) and its audit row."""
    verification = IdentityVerification.objects.create(
        person=person, user=user, method=method, verified_by=verified_by, unit=person.unit, evidence=evidence[:300])
    audit.record(actor=verified_by or user, action=audit.Action.CREATE, obj=person, unit_path=person.unit.path,
                 subject_user_id=user.pk if user is not None else person.user_id,
                 changes={"identity_verified": method}, reason=evidence[:200])
    return verification


def is_verified(person: Person, user: User | None) -> bool:
    """Whether this account has been proved to be held by the person of this file."""
    if user is None:
        return False
    return IdentityVerification.objects.filter(person=person, user=user).exists()


# --- holds: what makes an account too valuable for self-service changes ---

HoldCheck = Callable[[Person], str]
_holds: list[HoldCheck] = []


def register_hold(check: HoldCheck) -> HoldCheck:
    """An app declares what it holds that makes self-service re-binding unsafe (an open case, a relief
    application): `check(person)` returns the reason in words, or "" when nothing is open."""
    _holds.append(check)
    return check


def hold_reasons(person: Person) -> list[str]:
    """Why this file's login number may change only after the union's verification; empty when it may by
    self-service."""
    reasons: list[str] = []
    user = person.user if person.user_id else None
    if user is not None and (user.is_superuser or user.is_staff or user.is_official):
        reasons.append(_("账号有工会职务"))
    reasons += [reason for reason in (check(person) for check in _holds) if reason]
    return reasons


# --- changes waiting for a cooling period (applied by whoever registered them) ---

_due_appliers: list[Callable[[str], int]] = []


def register_due_applier(applier: Callable[[str], int]) -> None:
    """`applier(phone_hash)` applies the waiting changes that concern that number whose time has come."""
    _due_appliers.append(applier)


def apply_due_rebinds_for(phone_digest: str) -> int:
    return sum(applier(phone_digest) for applier in _due_appliers)


# --- the union's verification (in person with the ID card, or by video) ---

def verify_by_union(*, actor: User, person: Person, method: str, evidence: str, phone: str = "",
                    phone_code: str = "") -> IdentityVerification:
    """An official of the person's union verified them (ID card in person, or video) and records it; with a
    mobile number — proved by a code the person reads out from it — the file's login is bound to it (an
    account is opened when the file has none). The code is spent only with the verification."""
    from gonghui.orgs import auth

    scoping.people.get_or_404(actor, person.pk, action=scoping.CHANGE)
    checks = [auth.CodeCheck(phone=phone, code=phone_code, purpose=auth.Purpose.PHONE_NEW, field="phone_code",
                             message=_("手机号的验证码不正确或已过期：请让本人读出发到该号码的验证码。"))] \
        if phone.strip() else []
    return auth.spend_codes_with(
        lambda: _verify_by_union(actor=actor, person=person, method=method, evidence=evidence, phone=phone), *checks)


@transaction.atomic
def _verify_by_union(*, actor: User, person: Person, method: str, evidence: str, phone: str) -> IdentityVerification:
    person = scoping.people.get_or_404(actor, person.pk, action=scoping.CHANGE,
                                       queryset=Person.objects.select_for_update(of=("self",)).select_related("unit", "user"))
    if method not in IdentityVerification.UNION_METHODS:
        raise ValidationError({"method": _("请选择核验方式：当面核验身份证或视频核验。")})
    if len(evidence.strip()) < 4:
        raise ValidationError({"evidence": _("请写明核验情况（如：核对身份证原件，证件号后四位一致）。")})
    if phone.strip():
        old_number = person.user.phone if person.user_id and person.user.phone else ""
        bind_login_phone(actor=actor, person=person, phone=phone, reason=_("工会核验身份后绑定"))
        person.refresh_from_db()
        new_number = person.user.phone if person.user_id else ""
        if old_number and new_number and old_number != new_number:
            _tell_old_number_of_union_rebind(actor=actor, person=person, old_number=old_number,
                                             new_number=new_number)
    return record(person=person, user=person.user, method=method, verified_by=actor, evidence=evidence.strip())


def _tell_old_number_of_union_rebind(*, actor: User, person: Person, old_number: str, new_number: str) -> None:
    """The union's verification moved the login to another number: audited with both numbers masked, and the
    old number is told by SMS once the change is committed (as a self-service re-binding tells it), so that a
    holder who did not ask for it learns at once and can go to the union."""
    from gonghui.core import sms
    from gonghui.core.masking import mask_phone

    audit.record(actor=actor, action=audit.Action.UPDATE, obj=person.user, unit_path=person.unit.path,
                 subject_user_id=person.user_id,
                 changes={"login_phone": [mask_phone(old_number), mask_phone(new_number)]},
                 reason=_("工会核验身份后更换登录手机号"))
    text = _("【工会】您工会账号的登录手机号已由%(union)s核验身份后改为 %(new)s，本号码不能再用于登录。如非本人申请，"
             "请立即联系所在工会。") % {"union": person.unit.name, "new": mask_phone(new_number)}
    transaction.on_commit(lambda: sms.send(old_number, text))


def bind_login_phone(*, actor: User | None, person: Person, phone: str, reason: str) -> User:
    """Bind a (proved) number as the file's login: the number is released from any other account, and an
    account is opened for a file that has none. The caller has proved both the person and the number."""
    import uuid

    from gonghui.orgs import services
    from gonghui.orgs.auth import phone_hash
    from gonghui.orgs.models import RoleAssignment

    number = services._normalised_phone(phone)
    if not number:
        raise ValidationError({"phone": _("请输入正确的11位手机号码。")})
    holder = User.objects.filter(phone_hash=phone_hash(number)).first()
    user = person.user if person.user_id else None
    if holder is not None and user is not None and holder.pk == user.pk:
        return user
    if holder is not None:
        services.release_phone_binding(actor=actor, phone=number, reason=reason)
    if user is None:
        user = User.objects.create(username=f"w{uuid.uuid4().hex[:12]}", display_name=person.name)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        RoleAssignment.objects.create(user=user, role=Role.WORKER, unit=person.unit, granted_by=None)
        Person.objects.filter(pk=person.pk).update(user=user)
        person.user = user
    return services.bind_phone(actor=actor or user, user=user, person=person, phone=number, reason=reason)


# --- looking a person up by ID number for a service ---

def street_of(unit: Unit) -> Unit:
    """The street (街道/乡镇) a unit lies in, or the unit itself above that level."""
    if unit.level <= Level.STREET:
        return unit
    ids = unit.ancestor_ids
    street = Unit.objects.filter(pk__in=ids, level=Level.STREET).first()
    return street or unit


def within_service_scope(actor: Any, person: Person, unit: Unit) -> bool:
    """A service at `unit` may attach records to `person` when the file lies in the same street, or in the
    acting official's own reach."""
    street = street_of(unit)
    if person.unit.path.startswith(street.path):
        return True
    return bool(getattr(actor, "is_authenticated", False)) and scoping.people.can(actor, scoping.VIEW, person)


def note_lookup(actor: Any, outcome: str) -> None:
    """Count a look-up that answered nothing; refuse once the caller has made too many this hour."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    since = timezone.now() - timedelta(hours=1)
    if IdLookup.objects.filter(actor_id=actor_id, at__gte=since).count() >= settings.GONGHUI_ID_LOOKUPS_PER_HOUR:
        raise ValidationError(_("按身份证号查找人员过于频繁，请一小时后再试。"))
    IdLookup.objects.create(actor_id=actor_id, outcome=outcome)


def lookups_left(actor: Any) -> int:
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    since = timezone.now() - timedelta(hours=1)
    return max(0, settings.GONGHUI_ID_LOOKUPS_PER_HOUR - IdLookup.objects.filter(actor_id=actor_id, at__gte=since)
               .count())


LinkHandler = Callable[[PersonLink, Person], None]
_link_handlers: dict[str, LinkHandler] = {}


def register_link_handler(object_type: str, handler: LinkHandler) -> None:
    """What confirming a pending link does for records of `object_type` ("mediation.party"): attach them."""
    _link_handlers[object_type] = handler


def request_link(*, actor: Any, person: Person, claimed_name: str, unit: Unit, purpose: str) -> PersonLink:
    """A pending link for the person's own union to confirm; the caller is told nothing of the file.
    The same request again (a corrected report) finds the link already waiting."""
    waiting = PersonLink.objects.filter(person=person, requested_unit=unit, purpose=purpose[:100],
                                        state=PersonLink.State.PENDING).first()
    if waiting is not None:
        return waiting
    link = PersonLink.objects.create(person=person, unit=person.unit, requested_unit=unit,
                                     requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                                     claimed_name=claimed_name[:50], purpose=purpose[:100])
    audit.record(actor=actor, action=audit.Action.CREATE, obj=link, unit_path=person.unit.path,
                 object_repr=f"{purpose[:60]}", changes={"requested_by_unit": unit.name, "purpose": purpose})
    return link


def attach_link(link: PersonLink, obj: Any) -> None:
    """Name the record that waits for this link (set once the caller has created it)."""
    PersonLink.objects.filter(pk=link.pk).update(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    link.object_type, link.object_id = obj._meta.label_lower, str(obj.pk)


@transaction.atomic
def decide_link(*, actor: User, link: PersonLink, confirm: bool, note: str = "") -> PersonLink:
    """The person's own union says whether the record named by another street is this person's."""
    link = scoping.people_links.get_or_404(actor, link.pk, action=scoping.CHANGE,
                                           queryset=PersonLink.objects.select_for_update(of=("self",)).select_related("person"))
    if link.state != PersonLink.State.PENDING:
        raise ValidationError(_("这条关联已经处理过了。"))
    if not scoping.people.can(actor, scoping.CHANGE, link.person):
        raise PermissionDenied
    link.state = PersonLink.State.CONFIRMED if confirm else PersonLink.State.REFUSED
    link.decided_by, link.decided_at = actor, timezone.now()
    link.save(update_fields=["state", "decided_by", "decided_at"])
    if confirm and link.object_type in _link_handlers:
        _link_handlers[link.object_type](link, link.person)
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=link, unit_path=link.unit.path,
                 subject_user_id=link.person.user_id, changes={"state": link.state}, reason=note)
    return link
