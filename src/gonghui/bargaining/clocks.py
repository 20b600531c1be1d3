"""The stored statutory clocks of bargaining, recomputed when a year's holiday arrangement is loaded.

Each is recomputed from its stored start with the same rule that set it (`rules`), so a last day that fell on a
provisional working day that turns out to be a rest day (or the reverse) moves:
- a request's written answer (`Bargaining.answer_due_on`, from `received_on`; 规定 第三十二条);
- a signed contract's submission (`Contract.submit_due_on`, from `signed_on`; 规定 第四十二条, 工资办法 第二十一条);
- a submitted contract's review (`Contract.review_ends_on`, from `received_on`; 劳动合同法 第五十四条).
Only open clocks move: an answered request, a submitted contract's submission, a reviewed contract's review stay.
The ClockChange items name the union's officials and chair and the employer's representatives to tell.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gonghui.bargaining import rules
from gonghui.bargaining.models import Bargaining, Contract
from gonghui.core.deadlines import ClockChange, clock_recomputer

# A start this long before 1 January can still end in the year: the longest clock (20 days) plus the longest rest.
_REACH_BACK = timedelta(days=rules.ANSWER_DAYS + 40)


def _starts_for(year: int) -> tuple[date, date]:
    return date(year, 1, 1) - _REACH_BACK, date(year, 12, 31)


def _people(bargaining: Bargaining | None = None, contract: Contract | None = None) -> tuple[int, ...]:
    from gonghui.bargaining import services

    users = (services.union_users(bargaining) + services.employer_users(bargaining) if bargaining is not None
             else services.union_users(contract) + services._contract_employer_users(contract))  # type: ignore[arg-type]
    return tuple(sorted({u.pk for u in users}))


@clock_recomputer("bargaining")
def recompute(year: int) -> list[ClockChange]:
    first, last = _starts_for(year)
    changes: list[ClockChange] = []
    with transaction.atomic():
        for bargaining in Bargaining.objects.select_for_update().filter(
                state=Bargaining.State.REQUESTED, received_on__range=(first, last)).select_related("unit"):
            new = rules.answer_due(bargaining.received_on)
            if new != bargaining.answer_due_on:
                old, bargaining.answer_due_on = bargaining.answer_due_on, new
                bargaining.save(update_fields=["answer_due_on", "updated_at"])
                changes.append(ClockChange(
                    what=_("集体协商 %(n)s：书面回应期限") % {"n": bargaining.number},
                    url=reverse("bargaining:detail", args=[bargaining.pk]), old=old, new=new,
                    notify=_people(bargaining=bargaining)))
        for contract in Contract.objects.select_for_update().filter(
                state=Contract.State.SIGNED, signed_on__range=(first, last)).select_related("unit"):
            new = rules.submission_due(contract.signed_on, wage_agreement=contract.kind == "wages")
            if new != contract.submit_due_on:
                old, contract.submit_due_on = contract.submit_due_on, new
                contract.save(update_fields=["submit_due_on"])
                changes.append(ClockChange(
                    what=_("集体合同 %(n)s：报送期限") % {"n": contract.number},
                    url=reverse("bargaining:contract", args=[contract.pk]), old=old, new=new,
                    notify=_people(contract=contract)))
        for contract in Contract.objects.select_for_update().filter(
                state=Contract.State.SUBMITTED, received_on__range=(first, last)).select_related("unit"):
            assert contract.received_on is not None
            new = rules.review_ends(contract.received_on)
            if contract.review_ends_on is None:  # submitted before the field existed: filled in, nothing moved
                contract.review_ends_on = new
                contract.save(update_fields=["review_ends_on"])
            elif new != contract.review_ends_on:
                old, contract.review_ends_on = contract.review_ends_on, new
                contract.save(update_fields=["review_ends_on"])
                changes.append(ClockChange(
                    what=_("集体合同 %(n)s：审查期限（无异议则次日生效）") % {"n": contract.number},
                    url=reverse("bargaining:contract", args=[contract.pk]), old=old, new=new,
                    notify=_people(contract=contract)))
    return changes
