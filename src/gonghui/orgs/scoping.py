"""Data scoping: the one place that turns (user, queryset) into what the user may see or change.

Every page, API route, export and task reads through a `Policy`. A policy answers both
"may this user do X to this object?" and "which objects may this user do X to?" (as a
queryset), and `get_or_404` answers the same 404 for "does not exist" and "not yours".

Reach of each role, from the unit it is bound to:
- 系统管理员: everything;
- 工会干部, 社会化工作者: the unit and its whole subtree;
- 基层工会主席, 调解员, 心理咨询师: that unit only;
- 职工: their own records only.

Policies register themselves under the URL keyword that names their objects
(`unit_id`, `user_id`…): the scoping sweep test walks every URL and API route and
uses this registry to find another unit's objects to try.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from gonghui.core.models import AuditEvent, BankBatch, Job, PaymentEntry
from gonghui.orgs.models import Enterprise, Person, PersonLink, Role, RoleAssignment, Unit, User, subtree_q

M = TypeVar("M", bound=models.Model)

SUBTREE_ROLES = frozenset({Role.OFFICIAL, Role.SOCIAL_WORKER})
UNIT_ROLES = frozenset({Role.CHAIR, Role.MEDIATOR, Role.COUNSELLOR})
OFFICIAL_ROLES = SUBTREE_ROLES | UNIT_ROLES

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    subtree_paths: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    own_unit_ids: tuple[int, ...] = ()  # units where the user is a worker (member)
    user_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.subtree_paths or self.unit_ids)

    def unit_q(self, prefix: str) -> Q | None:
        """Q selecting rows whose unit (reached through `prefix`) lies in this scope; None = nothing."""
        if self.everything:
            return Q()
        path_field = f"{prefix}__path" if prefix else "path"
        id_field = f"{prefix}_id" if prefix else "id"
        q = Q()
        matched = False
        for path in self.subtree_paths:
            q |= subtree_q(path, path_field)
            matched = True
        if self.unit_ids:
            q |= Q(**{f"{id_field}__in": self.unit_ids})
            matched = True
        return q if matched else None


def roles_of(user: Any, roles: Iterable[str] | None = None) -> list[RoleAssignment]:
    if not getattr(user, "is_authenticated", False):
        return []
    wanted = set(roles) if roles is not None else None
    return [a for a in user.active_roles() if wanted is None or a.role in wanted]


def scope_for(user: Any, roles: Iterable[str] | None = None) -> Scope:
    """The scope of the user's active roles (all of them, or only `roles`)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True, user_id=user.pk)
    assignments = roles_of(user, roles)
    if any(a.role == Role.ADMIN for a in assignments):
        return Scope(everything=True, user_id=user.pk)
    subtree = tuple(sorted({a.unit.path for a in assignments if a.role in SUBTREE_ROLES}))
    # Drop paths already inside another path of the scope.
    subtree = tuple(p for p in subtree if not any(p != q and p.startswith(q) for q in subtree))
    units = tuple(sorted({a.unit_id for a in assignments if a.role in UNIT_ROLES}))
    own = tuple(sorted({a.unit_id for a in assignments if a.role == Role.WORKER}))
    return Scope(subtree_paths=subtree, unit_ids=units, own_unit_ids=own, user_id=user.pk)


class Policy(ABC, Generic[M]):
    """Who may see or change which rows of one model. Subclasses say how rows reach a unit."""

    model: type[M]
    url_kwargs: tuple[str, ...] = ()
    # Reference data every official reads alike (relief policies): nothing of it is another unit's.
    shared: bool = False
    # Roles whose reach lets them act, per action; 职工 is handled by `own_q`.
    roles_by_action: dict[str, frozenset[str]] = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL})}

    def base_queryset(self) -> QuerySet[M]:
        return self.model._default_manager.all()

    @abstractmethod
    def unit_q(self, scope: Scope) -> Q | None:
        """Rows inside the official scope; None when the scope reaches nothing."""

    def own_q(self, user: Any, action: str) -> Q | None:
        """Rows that are the user's own (as a worker); None when there are none."""
        return None

    def filter(self, user: Any, queryset: QuerySet[M] | None = None, action: str = VIEW) -> QuerySet[M]:
        queryset = self.base_queryset() if queryset is None else queryset
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return queryset.none()
        roles = self.roles_by_action.get(action, frozenset())
        scope = scope_for(user, roles | {Role.ADMIN})
        condition = self.unit_q(scope) if not scope.is_empty else None
        own = self.own_q(user, action)
        if condition is None and own is None:
            return queryset.none()
        if condition is None:
            return queryset.filter(own)
        if own is not None:
            condition |= own
        return queryset.filter(condition)

    def get_or_404(self, user: Any, pk: Any, action: str = VIEW, queryset: QuerySet[M] | None = None) -> M:
        try:
            return self.filter(user, queryset, action).get(pk=pk)
        except (ObjectDoesNotExist, ValueError, TypeError) as exc:
            raise Http404(f"{self.model._meta.verbose_name} not found") from exc

    def can(self, user: Any, action: str, obj: M) -> bool:
        return self.filter(user, self.base_queryset().filter(pk=obj.pk), action).exists()

    def canary(self, obj: M) -> str:
        """A string that must never appear in a page of someone who may not see `obj`."""
        return str(obj)


class UnitScopedPolicy(Policy[M]):
    """For models with a foreign key to Unit (`unit_field`) and optionally an owner account."""

    unit_field: str = "unit"
    owner_field: str | None = None
    owner_actions: frozenset[str] = frozenset({VIEW})

    def unit_q(self, scope: Scope) -> Q | None:
        return scope.unit_q(self.unit_field)

    def own_q(self, user: Any, action: str) -> Q | None:
        if self.owner_field is None or action not in self.owner_actions:
            return None
        return Q(**{self.owner_field: user.pk})


class UnitPolicy(Policy[Unit]):
    model = Unit
    url_kwargs = ("unit_id",)
    roles_by_action = {
        VIEW: OFFICIAL_ROLES,
        CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR}),
        # Creating children and moving units reshapes the tree: officials only.
        "manage": frozenset({Role.OFFICIAL}),
    }

    def unit_q(self, scope: Scope) -> Q | None:
        return scope.unit_q("")

    def own_q(self, user: Any, action: str) -> Q | None:
        if action != VIEW:
            return None
        own = scope_for(user, {Role.WORKER}).own_unit_ids
        return Q(id__in=own) if own else None


class UserPolicy(Policy[User]):
    """Accounts are reached through the units of their active roles; everyone reaches themselves."""

    model = User
    url_kwargs = ("user_id",)
    roles_by_action = {
        VIEW: OFFICIAL_ROLES,
        CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR}),
        "reveal": frozenset({Role.OFFICIAL, Role.CHAIR}),
    }

    def unit_q(self, scope: Scope) -> Q | None:
        units = scope.unit_q("unit")
        if units is None:
            return None
        if scope.everything:
            return Q()
        reachable = RoleAssignment.objects.filter(units, revoked_at__isnull=True).values("user_id")
        return Q(id__in=reachable)

    def own_q(self, user: Any, action: str) -> Q | None:
        return Q(id=user.pk) if action == VIEW else None

    def canary(self, obj: User) -> str:
        return obj.username


class RoleAssignmentPolicy(UnitScopedPolicy[RoleAssignment]):
    model = RoleAssignment
    url_kwargs = ("assignment_id",)
    owner_field = "user_id"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR})}

    def canary(self, obj: RoleAssignment) -> str:
        return f"role-assignment-{obj.pk}"


class PersonPolicy(UnitScopedPolicy[Person]):
    """People by their union unit; a worker reaches their own file."""

    model = Person
    url_kwargs = ("person_id",)
    owner_field = "user_id"
    roles_by_action = {
        VIEW: OFFICIAL_ROLES,
        CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR}),
        "reveal": frozenset({Role.OFFICIAL, Role.CHAIR}),
    }

    def canary(self, obj: Person) -> str:
        return obj.id_masked


class PersonLinkPolicy(UnitScopedPolicy[PersonLink]):
    """A record another street named by ID number waits for the person's own union (its `unit`) to confirm."""

    model = PersonLink
    url_kwargs = ("link_id",)
    roles_by_action = {VIEW: frozenset({Role.OFFICIAL, Role.CHAIR}), CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR})}

    def canary(self, obj: PersonLink) -> str:
        return f"person-link-{obj.pk}-"


class EnterprisePolicy(UnitScopedPolicy[Enterprise]):
    model = Enterprise
    url_kwargs = ("enterprise_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR})}

    def canary(self, obj: Enterprise) -> str:
        return obj.credit_code


class JobPolicy(Policy[Job]):
    """A background job is its creator's (it may hold what they uploaded); admins see all."""

    model = Job
    url_kwargs = ("job_id", "task_id")
    roles_by_action = {VIEW: frozenset()}

    def unit_q(self, scope: Scope) -> Q | None:
        return Q() if scope.everything else None

    def own_q(self, user: Any, action: str) -> Q | None:
        return Q(created_by_id=user.pk)

    def canary(self, obj: Job) -> str:
        return f"job-{obj.pk}-"


class UnitPathPolicy(Policy[M]):
    """For core rows that carry their unit's materialized path (`unit_path`) instead of a foreign key."""

    def unit_q(self, scope: Scope) -> Q | None:
        if scope.everything:
            return Q()
        q = Q()
        matched = False
        for path in scope.subtree_paths:
            q |= subtree_q(path, "unit_path")
            matched = True
        if scope.unit_ids:
            paths = list(Unit.objects.filter(id__in=scope.unit_ids).values_list("path", flat=True))
            q |= Q(unit_path__in=paths)
            matched = True
        return q if matched else None


class PaymentEntryPolicy(UnitPathPolicy[PaymentEntry]):
    """The payments ledger: officials and chairs of the paying unit's tree; a payee sees none here."""

    model = PaymentEntry
    url_kwargs = ("entry_id",)
    roles_by_action = {VIEW: frozenset({Role.OFFICIAL, Role.CHAIR}), CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR})}

    def canary(self, obj: PaymentEntry) -> str:
        return obj.number


class BankBatchPolicy(UnitPathPolicy[BankBatch]):
    model = BankBatch
    url_kwargs = ("bank_batch_id",)
    roles_by_action = {VIEW: frozenset({Role.OFFICIAL, Role.CHAIR}), CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR})}

    def canary(self, obj: BankBatch) -> str:
        return f"bank-batch-{obj.pk}-"


class AuditPolicy(UnitPathPolicy[AuditEvent]):
    """Officials read the audit of their subtree; anyone reads what they did and what was done to them."""

    model = AuditEvent
    url_kwargs = ("event_id",)
    roles_by_action = {VIEW: frozenset({Role.OFFICIAL, Role.CHAIR})}

    def own_q(self, user: Any, action: str) -> Q | None:
        return Q(actor_id=user.pk) | Q(subject_user_id=user.pk) if action == VIEW else None

    def canary(self, obj: AuditEvent) -> str:
        return f'audit-event-{obj.pk}"'  # the closing quote of the id: event 11 is not event 110


def acts_for(user: Any, unit: Unit) -> bool:
    """The user decides for this union (an application or a case waiting there): its chair or its officials,
    officials above it, administrators. `acting_q` is the same rule as a query."""
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


REGISTRY: dict[str, Policy[Any]] = {}


def register(policy: Policy[Any]) -> Policy[Any]:
    for kwarg in policy.url_kwargs:
        if kwarg in REGISTRY and REGISTRY[kwarg] is not policy:
            raise ValueError(f"URL keyword {kwarg!r} is already claimed by {REGISTRY[kwarg]!r}")
        REGISTRY[kwarg] = policy
    return policy


units = register(UnitPolicy())
users = register(UserPolicy())
role_assignments = register(RoleAssignmentPolicy())
people = register(PersonPolicy())
people_links = register(PersonLinkPolicy())
enterprises = register(EnterprisePolicy())
jobs = register(JobPolicy())
audit_events = register(AuditPolicy())
payments = register(PaymentEntryPolicy())
bank_batches = register(BankBatchPolicy())


def policy_for_kwarg(name: str) -> Policy[Any] | None:
    return REGISTRY.get(name)
