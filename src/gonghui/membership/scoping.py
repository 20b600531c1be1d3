"""Who reaches which membership rows, through the one scoping mechanism (`gonghui.orgs.scoping`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gonghui.membership.models import CorrectionRequest, JoinApplication, Membership, PhoneRebind, Transfer
from gonghui.orgs.models import Role, Unit, subtree_q
from gonghui.orgs.scoping import CHANGE, OFFICIAL_ROLES, VIEW, Scope, UnitScopedPolicy, register, roles_of

DECIDERS = frozenset({Role.OFFICIAL, Role.CHAIR})


def acts_for(user: Any, unit: Unit) -> bool:
    """The user decides for this union: its chair or officials, officials above it, administrators."""
    if getattr(user, "is_superuser", False):
        return True
    for assignment in roles_of(user, {Role.OFFICIAL, Role.CHAIR, Role.ADMIN}):
        if assignment.role == Role.ADMIN:
            return True
        if assignment.role == Role.CHAIR and assignment.unit_id == unit.pk:
            return True
        if assignment.role == Role.OFFICIAL and unit.path.startswith(assignment.unit.path):
            return True
    return False


def acts_itself(user: Any, unit: Unit) -> bool:
    """The user acts as this very union (its chair or its own officials), not as a union above it."""
    if getattr(user, "is_superuser", False):
        return True
    return any(a.role == Role.ADMIN or (a.role in (Role.CHAIR, Role.OFFICIAL) and a.unit_id == unit.pk)
               for a in roles_of(user, {Role.OFFICIAL, Role.CHAIR, Role.ADMIN}))


def acting_q(user: Any, field: str) -> Q | None:
    """The same rule as `acts_for`, as a query on a unit foreign key named `field`."""
    if getattr(user, "is_superuser", False):
        return Q()
    q, matched = Q(), False
    for assignment in roles_of(user, {Role.OFFICIAL, Role.CHAIR, Role.ADMIN}):
        if assignment.role == Role.ADMIN:
            return Q()
        q |= Q(**{f"{field}_id": assignment.unit_id}) if assignment.role == Role.CHAIR else \
            subtree_q(assignment.unit.path, f"{field}__path")
        matched = True
    return q if matched else None


class JoinApplicationPolicy(UnitScopedPolicy[JoinApplication]):
    model = JoinApplication
    url_kwargs = ("join_application_id",)
    owner_field = "person__user_id"
    owner_actions = frozenset({VIEW, CHANGE})
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: DECIDERS}

    def canary(self, obj: JoinApplication) -> str:
        return obj.number


class MembershipPolicy(UnitScopedPolicy[Membership]):
    model = Membership
    url_kwargs = ("membership_id",)
    owner_field = "person__user_id"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: DECIDERS}

    def canary(self, obj: Membership) -> str:
        return obj.number


class TransferPolicy(UnitScopedPolicy[Transfer]):
    """Seen by the officials of the old union and of the new one (and above), and by the member."""

    model = Transfer
    url_kwargs = ("transfer_id",)
    owner_field = "membership__person__user_id"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: DECIDERS}

    def unit_q(self, scope: Scope) -> Q | None:
        old, new = scope.unit_q("from_unit"), scope.unit_q("to_unit")
        if old is None:
            return None
        return old | new  # type: ignore[operator]

    def canary(self, obj: Transfer) -> str:
        return f"transfer-{obj.pk}-"


class PhoneRebindPolicy(UnitScopedPolicy[PhoneRebind]):
    model = PhoneRebind
    url_kwargs = ("rebind_id",)
    roles_by_action = {VIEW: DECIDERS, CHANGE: DECIDERS}

    def canary(self, obj: PhoneRebind) -> str:
        return f"rebind-{obj.pk}-"


class CorrectionPolicy(UnitScopedPolicy[CorrectionRequest]):
    model = CorrectionRequest
    url_kwargs = ("correction_id",)
    owner_field = "person__user_id"
    roles_by_action = {VIEW: DECIDERS, CHANGE: DECIDERS}

    def canary(self, obj: CorrectionRequest) -> str:
        return f"correction-{obj.pk}-"


join_applications = register(JoinApplicationPolicy())
rebinds = register(PhoneRebindPolicy())
corrections = register(CorrectionPolicy())
memberships = register(MembershipPolicy())
transfers = register(TransferPolicy())
