"""Reads of membership for pages and the API; the first argument is the acting user."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from gonghui.membership import scoping
from gonghui.membership.models import NEW_FORMS, JoinApplication, Membership, Transfer
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Unit, User, subtree_q


def figures(user: User, unit: Unit) -> dict[str, Any]:
    """Membership rate per enterprise and per unit below, joins and transfers per month, decision times.

    Listed in the tree's order, never ranked: the figures help a union see where to organise, not
    press workers to use the app.
    """
    open_members = Membership.objects.filter(ended_on__isnull=True)
    enterprises = (org_scoping.enterprises.filter(user).filter(subtree_q(unit.path, "unit__path"))
                   .annotate(members=Count("people__memberships", filter=Q(people__memberships__ended_on__isnull=True)))
                   .order_by("unit__path", "name"))
    by_enterprise = [{"name": e.name, "unit": e.unit_id, "employees": e.employees or 0, "members": e.members,
                      "rate": round(e.members * 100 / e.employees, 1) if e.employees else None}
                     for e in enterprises.select_related("unit")[:500]]
    by_unit = []
    for child in Unit.objects.filter(parent=unit).order_by("code"):
        employees = Enterprise.objects.filter(subtree_q(child.path, "unit__path")).aggregate(
            n=Sum("employees"))["n"] or 0
        members = open_members.filter(subtree_q(child.path, "unit__path")).count()
        by_unit.append({"name": child.name, "employees": employees, "members": members,
                        "rate": round(members * 100 / employees, 1) if employees else None})
    applications = scoping.join_applications.filter(user).filter(subtree_q(unit.path, "unit__path"))
    joins = list(applications.filter(state=JoinApplication.State.APPROVED).annotate(month=TruncMonth("decided_at"))
                 .values("month").annotate(n=Count("id")).order_by("month"))
    transfers = list(scoping.transfers.filter(user).filter(state=Transfer.State.DONE)
                     .annotate(month=TruncMonth("done_at")).values("month").annotate(n=Count("id")).order_by("month"))
    days = [(a.decided_at - a.submitted_at).total_seconds() / 86400
            for a in applications.filter(decided_at__isnull=False).only("decided_at", "submitted_at")[:20000]]
    new_forms = dict(applications.filter(state=JoinApplication.State.APPROVED).exclude(new_form="")
                     .values_list("new_form").annotate(n=Count("id")))
    ordered = sorted(days)
    return {
        "unit": unit,
        "by_enterprise": by_enterprise,
        "by_unit": by_unit,
        "joins": [{"month": r["month"].strftime("%Y-%m"), "n": r["n"]} for r in joins if r["month"]],
        "transfers": [{"month": r["month"].strftime("%Y-%m"), "n": r["n"]} for r in transfers if r["month"]],
        "median_days": round(statistics.median(ordered), 1) if ordered else None,
        "p90_days": round(ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))], 1) if ordered else None,
        "new_forms": [{"kind": NEW_FORMS[k], "n": n} for k, n in new_forms.items()],
        "members": open_members.filter(subtree_q(unit.path, "unit__path")).count(),
    }
