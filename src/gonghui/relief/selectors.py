"""Every read of hardship relief that a page or the API uses; the first argument is the acting user."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gonghui.core import ledger
from gonghui.core.deadlines import local_date
from gonghui.core.models import AccountChange, Attachment, BankBatch, PaymentEntry
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Level, Person, Role, Unit, User
from gonghui.relief import scoping, services
from gonghui.relief.models import (
    Application,
    DibaoStandard,
    Flag,
    GrantBatch,
    HardshipFile,
    Policy,
    PolicyVersion,
    Problem,
    SpotCheck,
)

ZERO = Decimal("0.00")


def file_list(user: User, *, query: str = "", status: str = "", category: str = "",
              unreviewed_in: int | None = None) -> QuerySet[HardshipFile]:
    files = scoping.files.filter(user).select_related("person", "unit", "helper")
    if unreviewed_in is not None:  # open files without this year's annual review
        files = files.filter(status__in=HardshipFile.OPEN).exclude(reviews__year=unreviewed_in)
    if query:
        files = files.filter(Q(person__name__contains=query) | Q(person__name_initials__startswith=query.lower()))
    if status:
        files = files.filter(status=status)
    if category:
        files = files.filter(category=category)
    return files.order_by("-id")


def file_detail(user: User, file_id: int) -> HardshipFile:
    return scoping.files.get_or_404(user, file_id, queryset=HardshipFile.objects.select_related(
        "person", "unit", "helper", "previous_file"))


def own_files(user: User) -> QuerySet[HardshipFile]:
    return HardshipFile.objects.filter(person__user=user).select_related("unit").order_by("-id")


def monitoring(user: User, *, today: date | None = None) -> dict[str, Any]:
    """The gaps of dynamic monitoring: flagged households without a helper, contacts overdue, open problems."""
    today = today or local_date(timezone.now())
    files = scoping.files.filter(user).select_related("person", "unit", "helper")
    live_flag = Flag.objects.filter(file=OuterRef("pk"), starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    flagged = files.annotate(flagged=Exists(live_flag)).filter(flagged=True)
    contact_days = services.criteria_for(user.primary_unit).contact_days if user.primary_unit else 30
    due_before = today - timedelta(days=contact_days)  # the union's own contact interval: plain days, no roll
    overdue = flagged.filter(Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=due_before))
    return {
        "flagged_count": flagged.count(),
        "without_helper": flagged.filter(helper__isnull=True).order_by("unit__path", "id")[:200],
        "overdue": overdue.order_by(F("last_contact_on").asc(nulls_first=True))[:200],
        "open_problems": (org_scoping_problems(user).filter(resolved_on__isnull=True)
                          .select_related("file__person", "file__unit").order_by("raised_on")[:200]),
        "contact_days": contact_days,
        "today": today,
    }


def org_scoping_problems(user: User) -> QuerySet[Problem]:
    return scoping.problems.filter(user)


def application_list(user: User, *, state: str = "", mine_to_decide: bool = False) -> QuerySet[Application]:
    apps = scoping.applications.filter(user).select_related("person", "unit", "version__policy", "current_unit")
    if state:
        apps = apps.filter(state=state)
    if mine_to_decide:
        condition = org_scoping.acting_q(user, "current_unit")
        if condition is None:
            return apps.none()
        return apps.filter(condition, state=Application.State.SUBMITTED).order_by("submitted_at")
    return apps.order_by("-id")


def application_detail(user: User, application_id: int) -> Application:
    return scoping.applications.get_or_404(user, application_id, queryset=Application.objects.select_related(
        "person", "unit", "file", "version__policy", "current_unit", "budget"))


def attachments_of(application: Application) -> QuerySet[Attachment]:
    return Attachment.objects.filter(owner_type="relief.application", owner_id=application.pk).order_by("id")


def own_applications(user: User) -> QuerySet[Application]:
    return Application.objects.filter(person__user=user).select_related("version__policy").order_by("-id")


def notices_for_member(user: User, *, today: date | None = None) -> QuerySet[Application]:
    """Approved names on public notice (公示) in the worker's own grassroots union."""
    today = today or local_date(timezone.now())
    return scoping.applications.filter(user, action=scoping.OBJECT).filter(notice_until__gte=today).select_related(
        "person", "version__policy").order_by("-decided_at")


def policy_list(user: User) -> QuerySet[Policy]:
    return Policy.objects.order_by("code").prefetch_related("versions")


def version_detail(user: User, version_id: int) -> PolicyVersion:
    return scoping.versions.get_or_404(user, version_id, queryset=PolicyVersion.objects.select_related("policy"))


def can_change_policy(user: User, version: PolicyVersion) -> bool:
    return scoping.versions.can(user, org_scoping.CHANGE, version)


def budget_rows(user: User, year: int) -> list[dict[str, Any]]:
    budgets = scoping.budgets.filter(user).filter(year=year).select_related("unit", "policy").order_by(
        "unit__path", "policy__code")
    return [{"budget": b, "position": services.budget_position(b)} for b in budgets]


def batch_list(user: User) -> QuerySet[GrantBatch]:
    return scoping.grant_batches.filter(user).select_related("unit", "version__policy", "job")


def pending_account_changes(user: User) -> QuerySet[AccountChange]:
    """Requests to pay elsewhere that wait for a second official, in the user's scope."""
    return scoping.account_changes.filter(user).filter(state=AccountChange.State.PENDING).order_by("id")


def payments(user: User, *, state: str = "") -> QuerySet[PaymentEntry]:
    entries = org_scoping.payments.filter(user)
    if state:
        entries = entries.filter(state=state)
    return entries.order_by("-id")


def bank_batches(user: User) -> QuerySet[BankBatch]:
    return org_scoping.bank_batches.filter(user).order_by("-id")


def statistics_for(user: User, year: int) -> dict[str, Any]:
    """Amounts by policy, unit and month; households helped; days from application to payment."""
    entries = org_scoping.payments.filter(user).filter(period__year=year)
    paid = entries.filter(ledger.paid_q())
    by_policy = list(paid.values("purpose_code").annotate(total=Sum("amount"), n=Count("id")).order_by("purpose_code"))
    names = dict(Policy.objects.values_list("code", "name"))
    for row in by_policy:
        row["name"] = names.get(row["purpose_code"], row["purpose_code"])
    by_month = list(paid.annotate(month=TruncMonth("period")).values("month").annotate(total=Sum("amount"))
                    .order_by("month"))
    apps = scoping.applications.filter(user).filter(submitted_at__year=year)
    by_unit = list(apps.filter(state__in=Application.COUNTED).values("unit__name").annotate(
        total=Sum("amount"), n=Count("id")).order_by("-total")[:20])
    households = paid.filter(amount__gt=0).values("payee_person_id").distinct().count()
    days = []
    released = list(apps.filter(state=Application.State.RELEASED).values_list("pk", "submitted_at"))
    settled = dict(PaymentEntry.objects.filter(
        state=PaymentEntry.State.PAID, purpose_ref__in=[f"relief.application:{pk}" for pk, _at in released]
    ).values_list("purpose_ref", "settled_at"))
    for pk, submitted_at in released:
        settled_at = settled.get(f"relief.application:{pk}")
        if settled_at:
            days.append((settled_at - submitted_at).total_seconds() / 86400)
    return {
        "year": year,
        "by_policy": by_policy,
        "by_month": [{"month": r["month"].strftime("%Y-%m") if r["month"] else "", "total": r["total"]}
                     for r in by_month],
        "by_unit": by_unit,
        "households": households,
        "total": sum((r["total"] for r in by_policy), ZERO),
        "median_days": round(statistics.median(days), 1) if days else None,
        "p90_days": round(_percentile(days, 0.9), 1) if days else None,
        "paid_applications": len(days),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(share * (len(ordered) - 1)))))
    return ordered[index]


def people_for_new_file(user: User, query: str) -> QuerySet[Person]:
    people = org_scoping.people.filter(user, action=org_scoping.CHANGE)
    query = (query or "").strip()[:30]  # a name; a pasted page of text made SQLite's LIKE give up ("too complex")
    if query:
        people = people.filter(Q(name__contains=query) | Q(name_initials__startswith=query.lower()))
    return people.order_by("name")[:20]


def helpers_for(user: User, file: HardshipFile) -> QuerySet[User]:
    return org_scoping.users.filter(user).filter(role_assignments__revoked_at__isnull=True).exclude(
        role_assignments__role="worker").distinct().order_by("username")[:200]


def simulate(user: User, draft: PolicyVersion, *, limit: int = 5000) -> dict[str, Any]:
    """Re-price the past applications of the policy (in the user's scope) under a draft version.

    Nothing is written. For fixed-amount grants the open files of the scope are priced too.
    """
    compiled = draft.compiled()
    rows: list[dict[str, Any]] = []
    apps = (scoping.applications.filter(user).filter(version__policy=draft.policy, state__in=Application.COUNTED)
            .select_related("person", "unit").order_by("-id")[:limit])
    for app in apps:
        try:
            quote = compiled.price(app.facts, explain=False)
        except Exception as exc:  # facts of an older version the draft cannot read
            rows.append({"who": app.person.name, "unit": app.unit.name, "before": app.amount, "after": None,
                         "note": str(exc)})
            continue
        rows.append({"who": app.person.name, "unit": app.unit.name, "before": app.amount,
                     "after": quote.amount if quote.eligible else ZERO, "note": "；".join(quote.reasons)})
    registry = 0
    registry_total = ZERO
    if (draft.spec.get("amount") or {}).get("kind") == "fixed":
        files = services.batch_files(user.primary_unit, draft) if user.primary_unit else HardshipFile.objects.none()
        registry = scoping.files.filter(user, files).count()
        registry_total = compiled.fixed * registry
    by_unit: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        unit = by_unit.setdefault(row["unit"], {"before": ZERO, "after": ZERO})
        unit["before"] += row["before"]
        unit["after"] += row["after"] or ZERO
    return {
        "rows": rows,
        "before": sum((r["before"] for r in rows), ZERO),
        "after": sum((r["after"] or ZERO for r in rows), ZERO),
        "gain": [r for r in rows if r["after"] is not None and r["after"] > r["before"]],
        "lose": [r for r in rows if r["after"] is not None and r["after"] < r["before"]],
        "by_unit": sorted(by_unit.items()),
        "registry": registry,
        "registry_total": registry_total,
    }


def spot_check(user: User, spot_id: str) -> SpotCheck | None:
    if not (spot_id.isascii() and spot_id.isdigit()):
        return None
    check = SpotCheck.objects.filter(pk=int(spot_id)).select_related("unit").first()
    if check is None or not org_scoping.units.can(user, org_scoping.VIEW, check.unit):
        return None
    return check


def cities_for_dibao(user: User) -> QuerySet[Unit]:
    """City-level unions whose 低保 the user may set: officials at city level or above, over their subtree."""
    scope = org_scoping.scope_for(user, {Role.OFFICIAL, Role.ADMIN})
    condition = scope.unit_q("")
    if condition is None:
        return Unit.objects.none()
    cities = Unit.objects.filter(condition, level=Level.CITY)
    if scope.everything:
        return cities.order_by("code")
    top_levels = [a.unit.level for a in user.active_roles() if a.role == Role.OFFICIAL]
    return cities.order_by("code") if top_levels and min(top_levels) <= Level.CITY else Unit.objects.none()


def dibao_standards(user: User) -> QuerySet[DibaoStandard]:
    """The standards of the cities over the user's units (everyone reads the 低保 that applies to them)."""
    units = org_scoping.units.filter(user)
    city_ids = {cid for u in units.only("path")[:2000] for cid in u.ancestor_ids} | set(units.filter(
        level=Level.CITY).values_list("id", flat=True)[:2000])
    return DibaoStandard.objects.filter(city_id__in=city_ids).select_related("city").order_by("city__code",
                                                                                          "-effective_from")
