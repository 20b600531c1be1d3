"""Who reaches which relief rows: policies of the one scoping mechanism (`gonghui.orgs.scoping`).

- Files, applications, budgets and batches belong to the union unit that holds them; officials
  and social workers reach their subtree, chairs their unit; a worker reads their own file and
  applications, and the applications on public notice in their own grassroots union.
- Relief policies are shared reference data: every official reads them; only the owning unit's
  officials (or administrators, for the shipped ones) change them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gonghui.core.models import AccountChange
from gonghui.orgs.models import Role, Unit
from gonghui.orgs.scoping import (
    CHANGE,
    OFFICIAL_ROLES,
    VIEW,
    Policy,
    Scope,
    UnitPathPolicy,
    UnitScopedPolicy,
    register,
    scope_for,
)
from gonghui.relief.models import (
    Application,
    Budget,
    Flag,
    GrantBatch,
    HardshipFile,
    Objection,
    PolicyVersion,
    Problem,
)

HELPERS = frozenset({Role.OFFICIAL, Role.CHAIR, Role.SOCIAL_WORKER})
DECIDE = "decide"
OBJECT = "object"  # raise an objection during the public notice
MONEY = frozenset({Role.OFFICIAL, Role.CHAIR})
FUND_ROLES = frozenset({Role.OFFICIAL})


class FilePolicy(UnitScopedPolicy[HardshipFile]):
    model = HardshipFile
    url_kwargs = ("file_id",)
    owner_field = "person__user_id"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: HELPERS}

    def canary(self, obj: HardshipFile) -> str:
        return f"hardship-file-{obj.pk}-"


class FlagPolicy(UnitScopedPolicy[Flag]):
    model = Flag
    url_kwargs = ("flag_id",)
    unit_field = "file__unit"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: HELPERS}

    def canary(self, obj: Flag) -> str:
        return f"flag-{obj.pk}-"


class ProblemPolicy(UnitScopedPolicy[Problem]):
    model = Problem
    url_kwargs = ("problem_id",)
    unit_field = "file__unit"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: HELPERS}

    def canary(self, obj: Problem) -> str:
        return f"problem-{obj.pk}-"


class ApplicationPolicy(UnitScopedPolicy[Application]):
    model = Application
    url_kwargs = ("application_id",)
    owner_field = "person__user_id"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: MONEY, DECIDE: MONEY, "pay": MONEY, OBJECT: frozenset()}

    def unit_q(self, scope: Scope) -> Q | None:
        return scope.unit_q("unit")

    def own_q(self, user: Any, action: str) -> Q | None:
        if action == OBJECT:
            units = scope_for(user, {Role.WORKER}).own_unit_ids
            return Q(unit_id__in=units, state=Application.State.NOTICE) if units else None
        if action in (VIEW, CHANGE):  # the applicant reads theirs and answers a return
            return Q(person__user_id=user.pk)
        return None

    def canary(self, obj: Application) -> str:
        return obj.number


class ObjectionPolicy(UnitScopedPolicy[Objection]):
    model = Objection
    url_kwargs = ("objection_id",)
    unit_field = "application__unit"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: MONEY}

    def canary(self, obj: Objection) -> str:
        return f"objection-{obj.pk}-"


class BudgetPolicy(UnitScopedPolicy[Budget]):
    model = Budget
    url_kwargs = ("budget_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL})}

    def canary(self, obj: Budget) -> str:
        return f"budget-{obj.pk}-"


class GrantBatchPolicy(UnitScopedPolicy[GrantBatch]):
    model = GrantBatch
    url_kwargs = ("grant_batch_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL})}

    def canary(self, obj: GrantBatch) -> str:
        return f"grant-batch-{obj.pk}-"


class FundsPolicy(Policy[Unit]):
    """Fund rights: the units whose relief money (budgets, batch grants) a user may move — 工会干部 of the unit
    or above, and administrators. Chairs, social workers, mediators and counsellors have none."""

    model = Unit
    roles_by_action = {VIEW: FUND_ROLES, CHANGE: FUND_ROLES}

    def unit_q(self, scope: Scope) -> Q | None:
        return scope.unit_q("")


class AccountChangePolicy(UnitPathPolicy[AccountChange]):
    """Requests to pay elsewhere: officials and chairs of the paying unit's tree (as the ledger's entries)."""

    model = AccountChange
    url_kwargs = ("account_change_id",)
    roles_by_action = {VIEW: MONEY, CHANGE: MONEY}

    def canary(self, obj: AccountChange) -> str:
        return f"account-change-{obj.pk}-"


class PolicyVersionPolicy(Policy[PolicyVersion]):
    """Every official reads every relief policy; the owning unit's officials (or administrators) change them."""

    model = PolicyVersion
    url_kwargs = ("version_id",)
    shared = True
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL})}

    def unit_q(self, scope: Scope) -> Q | None:
        if scope.everything:
            return Q()
        return Q()  # reading is open to every official role; `can_change_policy` decides changes

    def filter(self, user: Any, queryset: Any = None, action: str = VIEW) -> Any:
        queryset = self.base_queryset() if queryset is None else queryset
        if action == VIEW:
            return super().filter(user, queryset, action)
        scope = scope_for(user, {Role.OFFICIAL, Role.ADMIN})
        if scope.everything:
            return queryset
        condition = scope.unit_q("policy__owner")
        return queryset.filter(condition) if condition is not None else queryset.none()


files = register(FilePolicy())
flags = register(FlagPolicy())
problems = register(ProblemPolicy())
applications = register(ApplicationPolicy())
objections = register(ObjectionPolicy())
budgets = register(BudgetPolicy())
grant_batches = register(GrantBatchPolicy())
versions = register(PolicyVersionPolicy())
account_changes = register(AccountChangePolicy())
funds = FundsPolicy()  # not registered: it claims no URL keyword
