"""Who reaches which assignments, through the one scoping mechanism (`gonghui.orgs.scoping`).

- officials: the assignments made at their unit or below (the unit's subtree);
- an enterprise's reporting contact (企业填报员) or representative: the assignments its enterprise must file under.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gonghui.orgs.models import Role
from gonghui.orgs.scoping import CHANGE, OFFICIAL_ROLES, VIEW, UnitScopedPolicy, register
from gonghui.reports.models import Assignment, Target

FILE = "file"


class AssignmentPolicy(UnitScopedPolicy[Assignment]):
    model = Assignment
    url_kwargs = ("report_task_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR}), FILE: frozenset()}

    def own_q(self, user: Any, action: str) -> Q | None:
        if action not in (VIEW, FILE) or not getattr(user, "is_authenticated", False):
            return None
        enterprises = user.reporting_enterprise_ids()
        if not enterprises:
            return None
        return Q(pk__in=Target.objects.filter(enterprise_id__in=enterprises).values("assignment_id"))

    def canary(self, obj: Assignment) -> str:
        return f"/reports/{obj.pk}/"


assignments = register(AssignmentPolicy())
