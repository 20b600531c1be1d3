"""Every read of mediation's pages and API: the acting user first, the result already scoped."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from gonghui.core.deadlines import Calendar, add_days, local_date
from gonghui.mediation import rules, scoping
from gonghui.mediation.models import (
    AgreedPayment,
    Case,
    Category,
    EarlyWarning,
    MediationBody,
    Message,
    Negotiation,
)
from gonghui.orgs.scoping import acting_q

S = Case.State


def case_list(user: Any, *, state: str = "", category: str = "", body_id: int = 0, query: str = "") -> QuerySet[Case]:
    cases = scoping.cases.filter(user).select_related("body", "employer", "mediator", "negotiation") \
        .prefetch_related(*LIMITATION_PREFETCH)
    if state == "open":
        cases = cases.filter(state__in=Case.OPEN)
    elif state in S.values:
        cases = cases.filter(state=state)
    if category in Category.values:
        cases = cases.filter(category=category)
    if body_id:
        cases = cases.filter(body_id=body_id)
    if query:
        cases = cases.filter(Q(number__icontains=query) | Q(employer__name__contains=query))
    return cases.order_by("-received_at", "-id")


def case_detail(user: Any, case_id: Any) -> Case:
    return scoping.cases.get_or_404(user, case_id, queryset=Case.objects.select_related(
        "body__seal", "unit", "employer", "mediator", "recorded_by"))


def thread(user: Any, case: Case) -> QuerySet[Message]:
    """The messages of the case this user may read (a one-sided caucus stays with its side)."""
    return scoping.messages.filter(user).filter(case=case).select_related("author", "evidence")


def overdue(user: Any, today: date) -> dict[str, list[Case]]:
    """Cases whose clocks have run out: acceptance not decided, mediation period passed (before the nightly close)."""
    cases = scoping.cases.filter(user).select_related("body", "employer", "mediator")
    return {
        "acceptance": list(cases.filter(state=S.SUBMITTED, accept_due_on__lt=today).order_by("accept_due_on")[:100]),
        "mediation": list(cases.filter(state=S.ACCEPTED, mediation_ends_on__lt=today).order_by("mediation_ends_on")[:100]),
        "closing": list(cases.filter(state=S.ACCEPTED, mediation_ends_on__gte=today,
                                     mediation_ends_on__lte=add_days(today, 2)).order_by("mediation_ends_on")[:100]),
    }


def warnings(user: Any) -> QuerySet[EarlyWarning]:
    """Early warnings raised to a district the user acts for (its officials, and those above)."""
    q = acting_q(user, "unit")
    if q is None:
        return EarlyWarning.objects.none()
    return EarlyWarning.objects.filter(q).select_related("case__employer", "case__body", "unit").order_by("-raised_at")


def _limitation_facts(case: Case, until: date) -> tuple[list[date], list[tuple[date, date | None]]]:
    """The interruptions (第二十七条第二款) and suspensions (第三款) of `case` on or before `until` (prefetched
    with `LIMITATION_PREFETCH` in a list)."""
    interruptions = [i.occurred_on for i in case.interruptions.all() if i.occurred_on <= until]
    if case.negotiation_id:
        interruptions.append(local_date(case.negotiation.requested_at))
    suspensions = [(s.starts_on, s.ends_on if s.ends_on is None or s.ends_on <= until else None)
                   for s in case.suspensions.all() if s.starts_on <= until]
    return interruptions, suspensions


LIMITATION_PREFETCH = ("interruptions", "suspensions")


def whole_calendar() -> Calendar:
    """Every entered day and loaded year, read once, for rolling many cases' limitations in one list."""
    return Calendar.between(date.min, date.max)


def provisional_years() -> frozenset[int]:
    """The years without a published or loaded arrangement, read once for a list page.

    A list shows its due dates through `mediation/_due.html` with this set rather than `|deadline`, which reads
    the loaded years once per date (one query per row).
    """
    calendar = Calendar.between(date.min, date.min)
    return frozenset(year for year in range(2000, 2101) if calendar.basis(year) == "provisional")


def limitation_of(case: Case, today: date, calendar: Calendar | None = None) -> rules.Limitation:
    """调解仲裁法 第二十七条, with this case's application (and the negotiation before it), the recorded
    interruptions and the recorded suspensions."""
    interruptions, suspensions = _limitation_facts(case, today)
    interruptions.append(local_date(case.received_at))
    return rules.limitation(knew_on=case.knew_on, interruptions=interruptions, category=case.category,
                            employment_ended_on=case.employment_ended_on, today=today, suspensions=suspensions,
                            calendar=calendar)


def limitation_before_application(case: Case) -> rules.Limitation:
    """Whether the year had already run out when the application came in (then the application cannot restart it)."""
    received = local_date(case.received_at)
    interruptions, suspensions = _limitation_facts(case, received)
    return rules.limitation(knew_on=case.knew_on, interruptions=interruptions, category=case.category,
                            employment_ended_on=case.employment_ended_on, today=received, suspensions=suspensions)


def bodies_for(user: Any) -> QuerySet[MediationBody]:
    return scoping.bodies.filter(user).select_related("unit", "enterprise").order_by("unit__path", "name")


def negotiations_for(user: Any) -> QuerySet[Negotiation]:
    return scoping.negotiations.filter(user).select_related("employer", "person").order_by("-requested_at")


@dataclass
class Figures:
    total: int
    by_state: dict[str, int]
    by_category: list[dict[str, Any]]
    by_body: list[dict[str, Any]]
    accepted: int
    agreed: int
    not_mediated: int
    agreement_rate: float | None
    median_days: float | None
    amount_agreed: Decimal
    amount_paid: Decimal
    collective: int


def figures(user: Any, *, start: date | None = None, end: date | None = None) -> Figures:
    """The statistics page: cases received in [start, end] within the user's scope."""
    cases = scoping.cases.filter(user)
    if start:
        cases = cases.filter(received_at__date__gte=start)
    if end:
        cases = cases.filter(received_at__date__lte=end)
    by_state = {row["state"]: row["n"] for row in cases.values("state").annotate(n=Count("id"))}
    labels = dict(Category.choices)
    by_category = [{"key": row["category"], "label": str(labels.get(row["category"], row["category"])), "n": row["n"],
                    "agreed": row["agreed"]}
                   for row in cases.values("category").annotate(n=Count("id"), agreed=Count("id", filter=Q(state=S.AGREED)))
                   .order_by("-n")]
    by_body = list(cases.values("body__name", "unit__name").annotate(
        n=Count("id"), agreed=Count("id", filter=Q(state=S.AGREED)),
        not_mediated=Count("id", filter=Q(state=S.NOT_MEDIATED))).order_by("-n")[:50])
    agreed = by_state.get(S.AGREED, 0)
    not_mediated = by_state.get(S.NOT_MEDIATED, 0)
    accepted = agreed + not_mediated + by_state.get(S.ACCEPTED, 0) + cases.filter(
        state=S.WITHDRAWN, accepted_on__isnull=False).count()
    decided = agreed + not_mediated
    durations = [(local_date(closed) - local_date(received)).days for received, closed in
                 cases.filter(closed_at__isnull=False, state__in=(S.AGREED, S.NOT_MEDIATED))
                 .values_list("received_at", "closed_at")[:20000]]
    payments = AgreedPayment.objects.filter(agreement__case__in=cases, agreement__effective_at__isnull=False)
    return Figures(
        total=sum(by_state.values()), by_state=by_state, by_category=by_category, by_body=by_body, accepted=accepted,
        agreed=agreed, not_mediated=not_mediated,
        agreement_rate=round(100 * agreed / decided, 1) if decided else None,
        median_days=statistics.median(durations) if durations else None,
        amount_agreed=payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00"),
        amount_paid=payments.filter(paid_on__isnull=False).aggregate(s=Sum("amount"))["s"] or Decimal("0.00"),
        collective=cases.filter(collective=True).count(),
    )
