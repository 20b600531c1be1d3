"""Who reaches which mediation rows, through the one scoping mechanism (`gonghui.orgs.scoping`).

- the body's officials, its chair and its mediators: the cases of the body's unit (officials: and below);
- a worker: the cases and negotiations they are party to (or an agent in);
- an employer representative (用人单位代表): the cases and negotiations of the enterprise they represent;
- the thread: a message addressed to one side (背对背) reaches the mediator and that side only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gonghui.mediation.models import Case, MediationBody, Message, Negotiation, Party, Session
from gonghui.orgs.models import Role, Unit
from gonghui.orgs.scoping import CHANGE, OFFICIAL_ROLES, VIEW, Scope, UnitScopedPolicy, register, scope_for

STAFF = frozenset({Role.OFFICIAL, Role.CHAIR, Role.MEDIATOR})
PARTY = "party"  # acting as a party: confirming, agreeing to extend, writing in the thread


def party_sides(user: Any, case: Case) -> set[str]:
    """The sides of `case` the user stands on as a party (worker, agent) or as the employer's representative."""
    if not getattr(user, "is_authenticated", False):
        return set()
    sides = set(Party.objects.filter(Q(user_id=user.pk) | Q(person__user_id=user.pk), case=case,
                                     kind__in=(Party.Kind.WORKER, Party.Kind.AGENT)).values_list("side", flat=True))
    if case.employer_id in user.represented_enterprise_ids():
        sides.add("employer")
    return sides


def is_staff_of(user: Any, unit: Unit) -> bool:
    """Whether the user handles the cases of bodies at `unit` (the same reach as changing a case there)."""
    q = scope_for(user, STAFF | {Role.ADMIN}).unit_q("")
    return q is not None and Unit.objects.filter(q, pk=unit.pk).exists()


def _party_cases(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    q = Q(pk__in=Party.objects.filter(Q(user_id=user.pk) | Q(person__user_id=user.pk),
                                      kind__in=(Party.Kind.WORKER, Party.Kind.AGENT)).values("case_id"))
    enterprises = user.represented_enterprise_ids()
    if enterprises:
        q |= Q(employer_id__in=enterprises)
    return q


class CasePolicy(UnitScopedPolicy[Case]):
    model = Case
    url_kwargs = ("case_id",)
    roles_by_action = {VIEW: STAFF, CHANGE: STAFF, PARTY: frozenset()}

    def own_q(self, user: Any, action: str) -> Q | None:
        return _party_cases(user) if action in (VIEW, PARTY) else None

    def canary(self, obj: Case) -> str:
        return obj.number


class MediationBodyPolicy(UnitScopedPolicy[MediationBody]):
    model = MediationBody
    url_kwargs = ("body_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR})}

    def canary(self, obj: MediationBody) -> str:
        return obj.name


class NegotiationPolicy(UnitScopedPolicy[Negotiation]):
    """The employer's union (and above) helps; the worker and the employer's representatives are the sides."""

    model = Negotiation
    url_kwargs = ("negotiation_id",)
    roles_by_action = {VIEW: STAFF, CHANGE: frozenset({Role.OFFICIAL, Role.CHAIR}), PARTY: frozenset()}

    def own_q(self, user: Any, action: str) -> Q | None:
        if action not in (VIEW, PARTY):
            return None
        q = Q(person__user_id=user.pk) | Q(requested_by_id=user.pk)
        enterprises = user.represented_enterprise_ids()
        if enterprises:
            q |= Q(employer_id__in=enterprises)
        return q

    def canary(self, obj: Negotiation) -> str:
        return obj.number


class SessionPolicy(UnitScopedPolicy[Session]):
    model = Session
    url_kwargs = ("session_id",)
    unit_field = "case__unit"
    roles_by_action = {VIEW: STAFF, CHANGE: STAFF}

    def own_q(self, user: Any, action: str) -> Q | None:
        cases = _party_cases(user) if action == VIEW else None
        return Q(case_id__in=Case.objects.filter(cases).values("pk")) if cases is not None else None

    def canary(self, obj: Session) -> str:
        return f"/sessions/{obj.pk}.ics"


class MessagePolicy(UnitScopedPolicy[Message]):
    """The case thread. Staff read it all; a party reads what is addressed to everyone or to their side."""

    model = Message
    url_kwargs = ("message_id",)
    unit_field = "case__unit"
    roles_by_action = {VIEW: STAFF, CHANGE: STAFF}

    def own_q(self, user: Any, action: str) -> Q | None:
        if action != VIEW or not getattr(user, "is_authenticated", False):
            return None
        worker_cases = Party.objects.filter(Q(user_id=user.pk) | Q(person__user_id=user.pk), side="worker",
                                            kind__in=(Party.Kind.WORKER, Party.Kind.AGENT)).values("case_id")
        q = Q(case_id__in=worker_cases, audience__in=(Message.Audience.ALL, Message.Audience.WORKER))
        enterprises = user.represented_enterprise_ids()
        if enterprises:
            q |= Q(case__employer_id__in=enterprises, audience__in=(Message.Audience.ALL, Message.Audience.EMPLOYER))
        return q

    def unit_q(self, scope: Scope) -> Q | None:
        return scope.unit_q("case__unit")

    def canary(self, obj: Message) -> str:
        return f'id="message-{obj.pk}"'


cases = register(CasePolicy())
bodies = register(MediationBodyPolicy())
negotiations = register(NegotiationPolicy())
sessions = register(SessionPolicy())
messages = register(MessagePolicy())
