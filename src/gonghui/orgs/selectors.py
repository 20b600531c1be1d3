"""Every read of units, accounts and the audit log; the acting user first, the result scoped."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from gonghui.core.crypto import lookup_hash
from gonghui.core.models import AuditEvent, Job
from gonghui.core.phone import InvalidPhone, normalise_mobile
from gonghui.orgs import rules, scoping
from gonghui.orgs.models import Enterprise, Level, Person, Role, RoleAssignment, Tag, Unit, User


def unit_list(user: User, *, query: str = "", level: int | None = None, under: Unit | None = None) -> QuerySet[Unit]:
    units = scoping.units.filter(user).select_related("parent")
    if under is not None:
        units = units.filter(scoping.subtree_q(under.path))
    if level:
        units = units.filter(level=level)
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return units.order_by("path")


def unit_detail(user: User, unit_id: Any) -> Unit:
    return scoping.units.get_or_404(user, unit_id)


def unit_children(user: User, unit: Unit) -> QuerySet[Unit]:
    return (
        scoping.units.filter(user, unit.children.all())
        .annotate(child_count=Count("children", distinct=True))
        .order_by("code")
    )


def unit_ancestors(user: User, unit: Unit) -> list[Unit]:
    """The unit's ancestors that the user may open (for the breadcrumb)."""
    ids = unit.ancestor_ids[:-1]
    visible = {u.pk: u for u in scoping.units.filter(user, Unit.objects.filter(id__in=ids))}
    return [visible[i] for i in ids if i in visible]


def move_targets(user: User, unit: Unit) -> QuerySet[Unit]:
    """Units the user may put `unit` under: in their reach, higher in level, not inside it."""
    return (
        scoping.units.filter(user, action="manage")
        .filter(level__lt=unit.level)
        .exclude(scoping.subtree_q(unit.path))
        .exclude(pk=unit.parent_id)
        .order_by("path")
    )


def subtree_summary(user: User, unit: Unit) -> dict[str, Any]:
    """What the official's home shows at a glance: units by level, accounts by role, people, enterprises.

    Four grouped queries, whatever the size of the subtree.
    """
    unit = scoping.units.get_or_404(user, unit.pk)
    inside = scoping.subtree_q(unit.path)
    by_level = dict(Unit.objects.filter(inside).values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    by_role = dict(
        RoleAssignment.objects.filter(scoping.subtree_q(unit.path, "unit__path"), revoked_at__isnull=True)
        .values_list("role")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("role", "n")
    )
    people = Person.objects.filter(scoping.subtree_q(unit.path, "unit__path")).aggregate(
        total=Count("id"), members=Count("id", filter=Q(membership=Person.Membership.MEMBER)))
    firms = Enterprise.objects.filter(scoping.subtree_q(unit.path, "unit__path")).aggregate(
        total=Count("id"), resumed=Count("id", filter=Q(status=Enterprise.Status.RESUMED)))
    levels = [{"level": int(level), "label": str(level.label), "count": by_level.get(level.value, 0)}
              for level in Level if level.value > unit.level]
    roles = [{"role": str(role.value), "label": str(role.label), "count": by_role.get(role.value, 0)} for role in Role]
    return {
        "unit": unit,
        "levels": levels,
        "roles": roles,
        "unit_count": sum(by_level.values()),
        "member_accounts": by_role.get(Role.WORKER.value, 0),
        "official_accounts": sum(n for r, n in by_role.items() if r != Role.WORKER.value),
        "grassroots": by_level.get(Level.GRASSROOTS.value, 0),
        "people": people["total"],
        "members": people["members"],
        "enterprises": firms["total"],
        "resumed": firms["resumed"],
    }


def account_list(user: User, *, query: str = "", role: str = "", unit: Unit | None = None) -> QuerySet[User]:
    accounts = scoping.users.filter(user)
    if query:
        accounts = accounts.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    if role or unit is not None:
        assignments = RoleAssignment.objects.filter(revoked_at__isnull=True)
        if role:
            assignments = assignments.filter(role=role)
        if unit is not None:
            assignments = assignments.filter(scoping.subtree_q(unit.path, "unit__path"))
        accounts = accounts.filter(id__in=assignments.values("user_id"))
    active = RoleAssignment.objects.filter(revoked_at__isnull=True).select_related("unit").order_by("id")
    return accounts.prefetch_related(Prefetch("role_assignments", queryset=active, to_attr="current_roles")).order_by(
        "username"
    )


def account_detail(user: User, user_id: Any) -> User:
    return scoping.users.get_or_404(user, user_id)


def account_roles(user: User, account: User) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(user=account).select_related("unit", "granted_by").order_by("-revoked_at", "id")
    )


def audit_list(user: User, *, action: str = "", query: str = "", subject: User | None = None) -> QuerySet[AuditEvent]:
    events = scoping.audit_events.filter(user)
    if action:
        events = events.filter(action=action)
    if query:
        events = events.filter(Q(actor_label__icontains=query) | Q(object_repr__icontains=query))
    if subject is not None:
        events = events.filter(subject_user_id=subject.pk)
    return events.order_by("-at", "-id")


def reveals_of(user: User) -> QuerySet[AuditEvent]:
    """Who displayed this user's full personal data, and when (shown on their own page)."""
    return AuditEvent.objects.filter(subject_user_id=user.pk, action=AuditEvent.Action.REVEAL).order_by("-at")


def recent_activity(user: User, limit: int = 10) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(Q(actor_id=user.pk) | Q(subject_user_id=user.pk)).order_by("-at")[:limit])


# --- The registry ---

MASKED_ID = re.compile(r"^\d{4}\*{10}\d{3}[\dX]$")


def people_list(user: User, *, query: str = "", unit: Unit | None = None, tag: str = "",
                membership: str = "") -> QuerySet[Person]:
    """People in the user's reach, found by name, pinyin initials, full or masked ID, or phone."""
    people = scoping.people.filter(user)
    query = (query or "").strip()
    if query:
        people = people.filter(_person_query(query))
    if unit is not None:
        people = people.filter(scoping.subtree_q(unit.path, "unit__path"))
    if tag:
        people = people.filter(tags__name=tag)
    if membership:
        people = people.filter(membership=membership)
    return people.select_related("unit", "employer").prefetch_related("tags").order_by("unit__path", "name", "id")


def _person_query(query: str) -> Q:
    compact = query.replace(" ", "").upper()
    try:
        return Q(id_hash=lookup_hash(rules.parse_id_number(compact).number, "id"))
    except rules.InvalidNumber:
        pass
    if MASKED_ID.match(compact):
        return Q(id_masked=compact)
    try:
        return Q(phone_hash=lookup_hash(normalise_mobile(query), "phone"))
    except InvalidPhone:
        pass
    if query.isascii() and query.isalpha():
        return Q(name_initials__startswith=query.lower()) | Q(name__icontains=query)
    return Q(name__icontains=query)


def person_detail(user: User, person_id: Any) -> Person:
    return scoping.people.get_or_404(user, person_id, queryset=Person.objects.select_related(
        "unit", "employer", "source_job__created_by"))


def person_history(user: User, person: Person) -> QuerySet[AuditEvent]:
    """The file's history, with the history of every duplicate merged into it."""
    ids = [str(person.pk), *(str(pk) for pk in Person.objects.filter(merged_into=person).values_list("pk", flat=True))]
    return AuditEvent.objects.filter(object_type="orgs.person", object_id__in=ids).order_by("-at", "-id")


def person_reveals(person: Person) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="orgs.person", object_id=str(person.pk),
                                     action=AuditEvent.Action.REVEAL).order_by("-at")


def own_person(user: User) -> Person | None:
    return Person.objects.filter(user=user).select_related("unit", "employer").prefetch_related(
        "tags", "consents").first()


def enterprise_list(user: User, *, query: str = "", unit: Unit | None = None, status: str = "") -> QuerySet[Enterprise]:
    enterprises = scoping.enterprises.filter(user)
    query = (query or "").strip()
    if query:
        enterprises = enterprises.filter(Q(name__icontains=query) | Q(credit_code=query.upper()))
    if unit is not None:
        enterprises = enterprises.filter(scoping.subtree_q(unit.path, "unit__path"))
    if status:
        enterprises = enterprises.filter(status=status)
    return enterprises.select_related("unit").order_by("unit__path", "name", "id")


def enterprise_detail(user: User, enterprise_id: Any) -> Enterprise:
    return scoping.enterprises.get_or_404(user, enterprise_id)


def job_detail(user: User, job_id: Any) -> Job:
    return scoping.jobs.get_or_404(user, job_id)


def tags() -> QuerySet[Tag]:
    return Tag.objects.all()
