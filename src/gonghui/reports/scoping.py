"""Who reaches what in reporting and the return-to-work services, through the one scoping mechanism
(`gonghui.orgs.scoping`).

- officials: what was made at their unit or below, and what was sent from above to the enterprises they reach
  (a grassroots chair sees the street's assignment its enterprises must file, and the district's notice);
- an enterprise's reporting contact (企业填报员) or representative: the assignments, notices and supply requests
  of its enterprise;
- a follow-up person: the isolations they check on; an issue's owner: the issues given to them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet

from gonghui.orgs.models import Role
from gonghui.orgs.scoping import CHANGE, OFFICIAL_ROLES, VIEW, Scope, UnitScopedPolicy, register
from gonghui.reports.models import (
    Assignment,
    FormTemplate,
    Isolation,
    Notice,
    NoticeReceipt,
    Report,
    SupplyOrder,
    SupplyRequest,
    Target,
    Visit,
    VisitIssue,
    VisitPlan,
)

FILE = "file"
CHECK = "check"
OFFICIAL_OR_CHAIR = frozenset({Role.OFFICIAL, Role.CHAIR})


def _contact_enterprises(user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(user.reporting_enterprise_ids())


class _SentDownPolicy(UnitScopedPolicy[Any]):
    """Rows made at a unit and sent to enterprises below it: reached from the unit, or from any enterprise's."""

    recipients: type[Model]
    link: str

    def unit_q(self, scope: Scope) -> Q | None:
        own = scope.unit_q("unit")
        if own is None or scope.everything:
            return own
        below: QuerySet[Any] = self.recipients._default_manager.filter(scope.unit_q("unit"))  # type: ignore[arg-type]
        return own | Q(pk__in=below.values(self.link))

    def own_q(self, user: Any, action: str) -> Q | None:
        if action not in (VIEW, FILE):
            return None
        enterprises = _contact_enterprises(user)
        if not enterprises:
            return None
        return Q(pk__in=self.recipients._default_manager.filter(enterprise_id__in=enterprises).values(self.link))


class AssignmentPolicy(_SentDownPolicy):
    model = Assignment
    recipients = Target
    link = "assignment_id"
    url_kwargs = ("report_task_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: OFFICIAL_OR_CHAIR, FILE: frozenset()}

    def canary(self, obj: Assignment) -> str:
        return f"/reports/{obj.pk}/"


class NoticePolicy(_SentDownPolicy):
    model = Notice
    recipients = NoticeReceipt
    link = "notice_id"
    url_kwargs = ("notice_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: OFFICIAL_OR_CHAIR}

    def canary(self, obj: Notice) -> str:
        return obj.title


class ReportPolicy(UnitScopedPolicy[Report]):
    """A filed report: the officials of the enterprise's union tree; the enterprise's own contacts."""

    model = Report
    url_kwargs = ("filed_report_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: OFFICIAL_OR_CHAIR}

    def own_q(self, user: Any, action: str) -> Q | None:
        enterprises = _contact_enterprises(user) if action == VIEW else []
        return Q(enterprise_id__in=enterprises) if enterprises else None

    def canary(self, obj: Report) -> str:
        return f"/reports/filed/{obj.pk}/"


class FormTemplatePolicy(UnitScopedPolicy[FormTemplate]):
    """A union's own forms, by its unit; the shipped forms (no unit) every official reads and copies."""

    model = FormTemplate
    url_kwargs = ("form_template_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL})}

    def unit_q(self, scope: Scope) -> Q | None:
        own = scope.unit_q("unit")
        return own | Q(unit__isnull=True) if own is not None else None

    def canary(self, obj: FormTemplate) -> str:
        # A shipped form's name is on every reporter's page (their own task names it): no secret to leak.
        return obj.name if obj.unit_id is not None else ""


class IsolationPolicy(UnitScopedPolicy[Isolation]):
    """Health data: the officials of the enterprise's union tree, and the person named to follow up."""

    model = Isolation
    url_kwargs = ("isolation_id",)
    owner_field = "follow_up_by_id"
    owner_actions = frozenset({VIEW, CHECK})
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: OFFICIAL_OR_CHAIR,
                       CHECK: frozenset({Role.OFFICIAL, Role.CHAIR, Role.SOCIAL_WORKER})}

    def canary(self, obj: Isolation) -> str:
        return f"isolation-{obj.pk}-"


class SupplyRequestPolicy(UnitScopedPolicy[SupplyRequest]):
    model = SupplyRequest
    url_kwargs = ("supply_request_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL})}

    def own_q(self, user: Any, action: str) -> Q | None:
        enterprises = _contact_enterprises(user) if action == VIEW else []
        return Q(enterprise_id__in=enterprises) if enterprises else None

    def canary(self, obj: SupplyRequest) -> str:
        return f"supply-request-{obj.pk}-"


class SupplyOrderPolicy(UnitScopedPolicy[SupplyOrder]):
    model = SupplyOrder
    url_kwargs = ("supply_order_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL})}

    def canary(self, obj: SupplyOrder) -> str:
        return f"supply-order-{obj.pk}-"


class VisitPlanPolicy(UnitScopedPolicy[VisitPlan]):
    model = VisitPlan
    url_kwargs = ("visit_plan_id",)

    def canary(self, obj: VisitPlan) -> str:
        return obj.name


class VisitPolicy(UnitScopedPolicy[Visit]):
    model = Visit
    url_kwargs = ("visit_id",)

    def canary(self, obj: Visit) -> str:
        return obj.looked[:20]


class VisitIssuePolicy(UnitScopedPolicy[VisitIssue]):
    """Officials of the enterprise's tree; the owner an issue was given to may resolve it."""

    model = VisitIssue
    url_kwargs = ("visit_issue_id",)
    owner_field = "owner_id"
    owner_actions = frozenset({VIEW, CHANGE})
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: OFFICIAL_OR_CHAIR}

    def canary(self, obj: VisitIssue) -> str:
        return obj.description[:20]


assignments = register(AssignmentPolicy())
form_templates = register(FormTemplatePolicy())
filed_reports = register(ReportPolicy())
notices = register(NoticePolicy())
isolations = register(IsolationPolicy())
supply_requests = register(SupplyRequestPolicy())
supply_orders = register(SupplyOrderPolicy())
visit_plans = register(VisitPlanPolicy())
visits = register(VisitPolicy())
visit_issues = register(VisitIssuePolicy())


# Who may read the health data (temperatures, symptoms, health codes) that reports give about named people: the
# union officials who follow them up, and the enterprise's own reporting contact who typed them. A grassroots chair,
# a social worker or an employer's representative reads the report with the health columns masked.
HEALTH_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL})


def may_read_health(user: Any, enterprise_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(r.role in HEALTH_ROLES or (r.role == Role.REPORTER and r.enterprise_id == enterprise_id)
               for r in user.active_roles())
