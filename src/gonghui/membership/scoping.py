"""Who reaches which membership rows, through the one scoping mechanism (`gonghui.orgs.scoping`)."""

from __future__ import annotations

from django.db.models import Q

from gonghui.membership.models import CorrectionRequest, JoinApplication, Membership, PhoneRebind, Transfer
from gonghui.orgs.models import Role
from gonghui.orgs.scoping import (  # noqa: F401 - the deciding rule, re-exported for membership's pages
    CHANGE,
    OFFICIAL_ROLES,
    VIEW,
    Scope,
    UnitScopedPolicy,
    acting_q,
    acts_for,
    acts_itself,
    register,
)

DECIDERS = frozenset({Role.OFFICIAL, Role.CHAIR})


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
