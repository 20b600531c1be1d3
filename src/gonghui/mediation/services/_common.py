"""What every mediation use case shares: the timeline step, the locks, the scoped fetches, who to tell."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import local_date
from gonghui.core.notify import notify
from gonghui.mediation import scoping
from gonghui.mediation.models import (
    Case,
    Category,
    Negotiation,
    Party,
    Side,
    Step,
)
from gonghui.orgs.models import Enterprise, Level, Role, Unit, User

S = Case.State
A = Step.Action
T = TypeVar("T")
MAX_EXTENSION_DAYS = 30


def _today() -> date:
    return local_date(timezone.now())


def _step(case: Case, actor: Any, action: str, *, to: str = "", reason: str = "") -> None:
    from_state = case.state
    if to:
        case.state = to
    Step.objects.create(case=case, actor=actor if getattr(actor, "is_authenticated", False) else None,
                        action=action, from_state=from_state if to else "", to_state=to, reason=reason)
    audit.record(actor=actor, action=audit.Action.TRANSITION if to else audit.Action.UPDATE, obj=case,
                 unit_path=case.unit.path, reason=reason,
                 changes={"action": action, **({"state": [from_state, to]} if to else {})})


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("unit", "body", "employer").get(pk=case.pk)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _present(value: T | None, message: str) -> T:
    if value is None:
        raise ValidationError(message)
    return value


def _staff_case(actor: Any, case: Case) -> Case:
    """The case, for the body's staff (its officials, chair and mediators); others get the one 404."""
    scoping.cases.get_or_404(actor, case.pk, action=scoping.CHANGE)
    return _locked(case)


def _party_case(actor: Any, case: Case) -> tuple[Case, set[str]]:
    scoping.cases.get_or_404(actor, case.pk, action=scoping.PARTY)
    case = _locked(case)
    return case, scoping.party_sides(actor, case)


def _case_url(case: Case) -> str:
    return reverse("mediation:case", args=[case.pk])


def _holders(roles: Iterable[str], **where: Any) -> list[User]:
    """The active accounts holding one of `roles` where (unit=…, enterprise_id=…) — in one role assignment."""
    return list(User.objects.filter(is_active=True, role_assignments__revoked_at__isnull=True,
                                    role_assignments__role__in=tuple(roles),
                                    **{f"role_assignments__{key}": value for key, value in where.items()}).distinct())


def worker_users(case: Case) -> list[User]:
    """The accounts of the worker side: the workers themselves and their agents."""
    users = []
    for party in case.parties.filter(side=Side.WORKER, kind__in=(Party.Kind.WORKER, Party.Kind.AGENT)) \
            .select_related("person__user", "user"):
        users.append(party.user or (party.person.user if party.person else None))
    return [u for u in users if u is not None]


def employer_users(case_or_enterprise: Case | Enterprise | Negotiation) -> list[User]:
    enterprise_id = case_or_enterprise.pk if isinstance(case_or_enterprise, Enterprise) \
        else case_or_enterprise.employer_id
    return _holders((Role.EMPLOYER_REP,), enterprise_id=enterprise_id)


def staff_users(case: Case) -> list[User]:
    """The assigned mediator, or, before one is, the body's officials and mediators."""
    if case.mediator is not None:
        return [case.mediator]
    return _holders((Role.OFFICIAL, Role.CHAIR, Role.MEDIATOR), unit=case.unit)


def _tell_parties(case: Case, text: str, *, key: str = "") -> None:
    notify(worker_users(case) + employer_users(case), text, url=_case_url(case), key=key)


def district_of(unit: Unit) -> Unit:
    """The county-level union (区县总工会) above a unit: where labour-relations warnings go."""
    if unit.level <= Level.COUNTY:
        return unit
    return Unit.objects.filter(id__in=unit.ancestor_ids, level=Level.COUNTY).first() or unit


def _check_category(category: str) -> None:
    if category not in Category.values:
        raise ValidationError({"category": _("请选择争议类别。")})
