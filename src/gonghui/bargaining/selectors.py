"""Every read of bargaining pages and the API: the first argument is the acting user, the result is scoped."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from gonghui.bargaining import rules, scoping
from gonghui.bargaining.models import (
    Bargaining,
    Clause,
    ClauseRevision,
    Contract,
    Coverage,
    Kind,
    Vote,
    Voter,
)
from gonghui.core.deadlines import local_date
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Level, Unit, subtree_q

NUMERALS = "零一二三四五六七八九十"


def _today() -> date:
    return local_date(timezone.now())


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (article numbers of the draft)."""
    if n <= 10:
        return NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens] if tens > 1 else "") + "十" + (NUMERALS[ones] if ones else "")


def _assemble(clauses: list[tuple[str, str]]) -> str:
    return "\n".join(f"第{chinese_number(i)}条 {title}\n{text}" for i, (title, text) in enumerate(clauses, start=1))


def draft_text(bargaining: Bargaining) -> str:
    """The draft contract: the agreed clauses in order, numbered as articles."""
    return _assemble([(c.title, c.text) for c in bargaining.clauses.filter(state=Clause.State.AGREED)])


@dataclass
class RoundDraft:
    number: int
    text: str
    diff: list[tuple[str, str]]  # (kind, line): kind is "same", "added" or "removed"


def drafts_by_round(bargaining: Bargaining) -> list[RoundDraft]:
    """The draft as it stood after each round, and what changed from the round before."""
    rounds = list(bargaining.rounds.order_by("number"))
    revisions = list(ClauseRevision.objects.filter(clause__bargaining=bargaining).select_related("clause", "round")
                     .order_by("at", "id"))
    result, previous = [], ""
    for round_ in rounds:
        latest: dict[int, ClauseRevision] = {}
        for revision in revisions:
            if revision.round is not None and revision.round.number <= round_.number:
                latest[revision.clause_id] = revision
        agreed = sorted((r for r in latest.values() if r.state == Clause.State.AGREED),
                        key=lambda r: (r.clause.position, r.clause_id))
        text = _assemble([(r.clause.title, r.text) for r in agreed])
        diff = []
        for line in difflib.ndiff(previous.splitlines(), text.splitlines()):
            if line.startswith("  "):
                diff.append(("same", line[2:]))
            elif line.startswith("+ "):
                diff.append(("added", line[2:]))
            elif line.startswith("- "):
                diff.append(("removed", line[2:]))
        result.append(RoundDraft(number=round_.number, text=text, diff=diff))
        previous = text
    return result


def bargaining_list(user: Any, *, state: str = "") -> QuerySet[Bargaining]:
    found = scoping.bargainings.filter(user).select_related("unit").prefetch_related("enterprises")
    return found.filter(state=state) if state else found


def bargaining_detail(user: Any, bargaining_id: Any) -> Bargaining:
    return scoping.bargainings.get_or_404(user, bargaining_id, queryset=Bargaining.objects.select_related("unit"))


@dataclass(frozen=True)
class Turnout:
    electorate: int
    voted: int
    quorum_needed: int
    yes_needed: int

    @property
    def quorate(self) -> bool:
        return self.voted >= self.quorum_needed

    @property
    def percent(self) -> int:
        return round(100 * self.voted / self.electorate) if self.electorate else 0

    @property
    def quorum_percent(self) -> int:
        return round(100 * self.quorum_needed / self.electorate) if self.electorate else 0


def turnout(vote: Vote) -> Turnout:
    """Live turnout against the two-thirds quorum; how anyone voted is not known until the count."""
    return Turnout(electorate=vote.electorate, voted=vote.roll.filter(voted=True).count(),
                   quorum_needed=rules.quorum_needed(vote.electorate), yes_needed=rules.majority_needed(vote.electorate))


def my_voter(user: Any, vote: Vote) -> Voter | None:
    return vote.roll.filter(user_id=user.pk).first()


def valid_contracts_q(today: date, prefix: str = "") -> Q:
    """Contracts in force on `today` (not objected, not expired)."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}state": Contract.State.IN_FORCE, f"{p}effective_from__lte": today, f"{p}expires_on__gte": today})


def contract_list(user: Any, *, kind: str = "", state: str = "", query: str = "") -> QuerySet[Contract]:
    found = scoping.contracts.filter(user).select_related("unit")
    if kind:
        found = found.filter(kind=kind)
    if state:
        found = found.filter(state=state)
    if query:
        found = found.filter(Q(title__icontains=query) | Q(number__icontains=query)
                             | Q(coverage__enterprise__name__icontains=query)).distinct()
    return found


def contract_detail(user: Any, contract_id: Any) -> Contract:
    return scoping.contracts.get_or_404(user, contract_id, queryset=Contract.objects.select_related("unit", "bargaining"))


@dataclass
class CoverageRow:
    unit: Unit
    enterprises_with_union: int = 0
    covered: int = 0
    workers: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return round(100 * self.covered / self.enterprises_with_union, 1) if self.enterprises_with_union else 0.0


def _unionised(q: Q) -> QuerySet[Enterprise]:
    """Enterprises that have a union: they belong to a grassroots union (an enterprise's own, a joint or an
    industry union) rather than directly to a street."""
    return Enterprise.objects.filter(q, unit__level=Level.GRASSROOTS).exclude(status=Enterprise.Status.CLOSED)


def coverage(user: Any, unit: Unit, *, today: date | None = None) -> list[CoverageRow]:
    """Per child unit (and the unit itself, first): unionised enterprises, how many a valid contract covers —
    each enterprise counted once however many contracts cover it — their workers, and the count by kind."""
    today = today or _today()
    unit = org_scoping.units.get_or_404(user, unit.pk)
    rows = [unit, *unit.children.order_by("code")]
    valid = Coverage.objects.filter(valid_contracts_q(today, "contract"))
    result = []
    for row_unit in rows:
        where = subtree_q(row_unit.path, "unit__path")
        unionised = _unionised(where)
        covered = valid.filter(enterprise__in=unionised)
        per_enterprise = covered.values("enterprise_id").annotate(w=Sum("workers"))
        row = CoverageRow(unit=row_unit, enterprises_with_union=unionised.count(),
                          covered=per_enterprise.count())
        # Workers: each enterprise once, with the most workers any of its valid contracts covers.
        workers_by_enterprise: dict[int, int] = {}
        for enterprise_id, workers in covered.values_list("enterprise_id", "workers"):
            workers_by_enterprise[enterprise_id] = max(workers, workers_by_enterprise.get(enterprise_id, 0))
        row.workers = sum(workers_by_enterprise.values())
        for kind, count in covered.values("contract__kind").annotate(n=Count("enterprise_id", distinct=True)) \
                .values_list("contract__kind", "n"):
            row.by_kind[kind] = count
        result.append(row)
    return result


def uncovered(user: Any, unit: Unit, *, today: date | None = None) -> QuerySet[Enterprise]:
    """Enterprises with a union but no valid contract of any kind."""
    today = today or _today()
    unit = org_scoping.units.get_or_404(user, unit.pk)
    valid = Coverage.objects.filter(valid_contracts_q(today, "contract"), enterprise_id=OuterRef("pk"))
    return _unionised(subtree_q(unit.path, "unit__path")).annotate(covered=Exists(valid)).filter(covered=False) \
        .select_related("unit").order_by("unit__path", "name")


def wage_talks_due(user: Any, unit: Unit, *, today: date | None = None) -> list[tuple[Enterprise, date | None]]:
    """Enterprises with a union whose yearly wage talks are due: no wage agreement signed in the last 12 months."""
    today = today or _today()
    unit = org_scoping.units.get_or_404(user, unit.pk)
    last: dict[int, date] = {}
    for enterprise_id, signed_on in Coverage.objects.filter(
            subtree_q(unit.path, "enterprise__unit__path"), contract__kind=Kind.WAGES) \
            .exclude(contract__state=Contract.State.OBJECTED).values_list("enterprise_id", "contract__signed_on"):
        last[enterprise_id] = max(signed_on, last.get(enterprise_id, signed_on))
    due = []
    for enterprise in _unionised(subtree_q(unit.path, "unit__path")).select_related("unit").order_by("unit__path",
                                                                                                      "name"):
        if rules.wage_talks_due(last.get(enterprise.pk), today):
            due.append((enterprise, last.get(enterprise.pk)))
    return due


def expiring(user: Any, *, today: date | None = None, months: int = 3) -> QuerySet[Contract]:
    today = today or _today()
    return scoping.contracts.filter(user).filter(state=Contract.State.IN_FORCE,
                                                 expires_on__lte=rules.add_months(today, months)).order_by("expires_on")


def contracts_for_worker(user: Any) -> QuerySet[Contract]:
    return scoping.contracts.filter(user).filter(state=Contract.State.IN_FORCE, published_at__isnull=False)
