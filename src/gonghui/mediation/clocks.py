"""Mediation's stored clocks, recomputed from their stored start when a year's holiday arrangement is loaded.

A due date counted over a provisional year (core.deadlines) may move once the State Council's arrangement
(or an official's `CalendarDay`) replaces the computed holidays. Each open clock is recomputed the way it
was set, from the start kept on its row:

| clock | stored on | start | length |
|---|---|---|---|
| the employer's reply to a negotiation request | `Negotiation.reply_due_on` | `requested_at` | 5 days (协商调解规定) |
| the acceptance decision | `Case.accept_due_on` | `received_at` | 3 working days (协商调解规定) |
| arbitration open without agreement | `Case.arbitration_open_on` | `received_at` | the day after 15 days (调解仲裁法 第十四条第三款) |
| the mediation period (with agreed extensions) | `Case.mediation_ends_on` | `accepted_on` | 15 days + extensions (协商调解规定) |

Registered with `@clock_recomputer("mediation")`; imported from `MediationConfig.ready`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import ClockChange, add_days, clock_recomputer, local_date
from gonghui.mediation import rules
from gonghui.mediation.models import Case, Negotiation, Step
from gonghui.mediation.services import employer_users, staff_users

S = Case.State


def _crosses(start: date, old: date, year: int) -> bool:
    """Whether a clock from `start` to its stored end counted on `year` (its new end may only move later)."""
    return start.year <= year <= old.year


def _negotiation_changes(year: int) -> Iterator[ClockChange]:
    rows = Negotiation.objects.select_for_update().filter(state=Negotiation.State.REQUESTED,
                                                          reply_due_on__year__gte=year)
    for negotiation in rows.select_related("employer"):
        start = local_date(negotiation.requested_at)
        old = negotiation.reply_due_on
        if not _crosses(start, old, year):
            continue
        new = add_days(start, rules.NEGOTIATION_REPLY_DAYS)
        if new != old:
            negotiation.reply_due_on = new
            negotiation.save(update_fields=["reply_due_on"])
            audit.record(actor=None, action=audit.Action.UPDATE, obj=negotiation, unit_path="",
                         changes={"reply_due_on": [str(old), str(new)]}, reason=f"calendar {year}")
            users = [negotiation.requested_by, *employer_users(negotiation)]
            yield ClockChange(what=_("协商 %(no)s：用人单位回应期限") % {"no": negotiation.number},
                              url=reverse("mediation:negotiation", args=[negotiation.pk]), old=old, new=new,
                              notify=tuple(sorted({u.pk for u in users})))


def _case_changes(year: int) -> Iterator[ClockChange]:
    rows = Case.objects.select_for_update(of=("self",)).filter(state__in=Case.OPEN).filter(
        Q(accept_due_on__year__gte=year) | Q(arbitration_open_on__year__gte=year)
        | Q(mediation_ends_on__year__gte=year))
    for case in rows.select_related("unit", "mediator"):
        received = local_date(case.received_at)
        moved: list[tuple[str, str, date, date]] = []
        if case.state == S.SUBMITTED and _crosses(received, case.accept_due_on, year):
            new = add_days(received, rules.ACCEPTANCE_WORKING_DAYS, working=True)
            moved.append(("accept_due_on", _("受理决定期限"), case.accept_due_on, new))
        told_open = case.steps.filter(action=Step.Action.ARBITRATION_NOTICE).exists()
        if not told_open and _crosses(received, case.arbitration_open_on, year):
            new = rules.arbitration_open_on(add_days(received, rules.STATUTE_DAYS))
            moved.append(("arbitration_open_on", _("可申请仲裁之日"), case.arbitration_open_on, new))
        if (case.state == S.ACCEPTED and case.accepted_on and case.mediation_ends_on
                and _crosses(case.accepted_on, case.mediation_ends_on, year)):
            agreed = case.extensions.filter(applied_at__isnull=False).values_list("days", flat=True)
            new = rules.mediation_ends_on(case.accepted_on, list(agreed))
            moved.append(("mediation_ends_on", _("调解期限"), case.mediation_ends_on, new))
        moved = [m for m in moved if m[2] != m[3]]
        if not moved:
            continue
        for field, _label, _old, new in moved:
            setattr(case, field, new)
        case.save(update_fields=[m[0] for m in moved])
        audit.record(actor=None, action=audit.Action.UPDATE, obj=case, unit_path=case.unit.path,
                     changes={field: [str(old), str(new)] for field, _label, old, new in moved},
                     reason=f"calendar {year}")
        notify = tuple(sorted({u.pk for u in staff_users(case)}))
        for _field, label, old, new in moved:
            yield ClockChange(what=_("调解案件 %(no)s：%(what)s") % {"no": case.number, "what": label},
                              url=reverse("mediation:case", args=[case.pk]), old=old, new=new, notify=notify)


@clock_recomputer("mediation")
def recompute(year: int) -> list[ClockChange]:
    """Recompute the open mediation clocks that counted on `year`; save and return those that moved."""
    with transaction.atomic():
        return [*_negotiation_changes(year), *_case_changes(year)]
