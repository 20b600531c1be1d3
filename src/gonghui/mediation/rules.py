"""Pure rules of mediation: no ORM, no I/O. The dated clocks themselves are counted in `services`
through `core.deadlines` (working days need the official calendar)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from gonghui.core.deadlines import add_months

# 调解仲裁法 第七条: a dispute with ten or more workers and a common claim is collective.
COLLECTIVE_WORKERS = 10
# 协商调解规定 第十条: an employer that does not answer a request to negotiate within 5 days refuses.
NEGOTIATION_REPLY_DAYS = 5
# 协商调解规定 第二十一条: the body decides within 3 working days whether it accepts.
ACCEPTANCE_WORKING_DAYS = 3
# 调解仲裁法 第十四条第三款: 15 days after receipt without agreement, arbitration is open.
STATUTE_DAYS = 15
# 协商调解规定 第二十五条: mediation ends 15 days after acceptance unless both parties agree to extend.
MEDIATION_DAYS = 15
# Reminders to the mediator, counted in days since acceptance.
REMINDER_DAYS = (10, 13)
# 协商调解规定 第二十七条: both parties may jointly ask for arbitral review within 15 days of effect.
REVIEW_DAYS = 15
# 调解仲裁法 第二十七条: one year to apply for arbitration. Warn this many days before it runs out.
LIMITATION_MONTHS = 12
LIMITATION_WARNING_DAYS = 30
# 调解仲裁法 第十六条: the sums for which an unpaid agreement lets the worker ask a court for a payment order.
PAYMENT_ORDER_KINDS = frozenset({"wages", "injury_medical", "compensation", "damages"})
# Categories in which a claim may be wage arrears during employment (调解仲裁法 第二十七条第四款).
WAGE_CATEGORIES = frozenset({"wages", "shutdown_wages"})


def is_collective(workers: int) -> bool:
    return workers >= COLLECTIVE_WORKERS


def arbitration_open_on(statute_period_ends_on: date) -> date:
    """The first day either party may apply for arbitration: the day after the 15-day period's last day."""
    return statute_period_ends_on + timedelta(days=1)


@dataclass(frozen=True)
class Limitation:
    """Where the one-year arbitration limitation stands on a day."""

    state: str  # "none" (no limit runs), "ok", "near", "expired"
    ends_on: date | None
    days_left: int | None
    basis: str


def limitation(*, knew_on: date, interruptions: Iterable[date], category: str, employment_ended_on: date | None,
               today: date) -> Limitation:
    """调解仲裁法 第二十七条.

    One year from when the worker knew (or should have known) of the infringement; a claim to the other side
    or to an authority (a negotiation request, a mediation application) interrupts it and the year starts
    again — but only while it still runs. Wage arrears during employment are not limited while the employment
    lasts; once it ends, one year from its end.
    """
    if category in WAGE_CATEGORIES:
        if employment_ended_on is None:
            return Limitation("none", None, None, "劳动关系存续期间因拖欠劳动报酬发生争议，不受一年时效限制（第二十七条第四款）")
        start, basis = employment_ended_on, "自劳动关系终止之日起一年（第二十七条第四款）"
    else:
        start, basis = knew_on, "自知道或者应当知道权利被侵害之日起一年（第二十七条第一款）"
    ends_on = add_months(start, LIMITATION_MONTHS)
    for day in sorted(interruptions):
        if start < day <= ends_on:  # an interruption after the year has run out does not revive it
            ends_on = add_months(day, LIMITATION_MONTHS)
            basis = f"{day:%Y-%m-%d} 主张权利或请求救济，时效中断后重新计算一年（第二十七条第二款）"
    days_left = (ends_on - today).days
    if days_left < 0:
        state = "expired"
    elif days_left <= LIMITATION_WARNING_DAYS:
        state = "near"
    else:
        state = "ok"
    return Limitation(state, ends_on, days_left, basis)


def payment_order_open(*, kind: str, due_on: date, paid_on: date | None, today: date) -> bool:
    """调解仲裁法 第十六条: an agreed wage, work-injury medical, compensation or damages sum unpaid after its date."""
    return kind in PAYMENT_ORDER_KINDS and paid_on is None and today > due_on


def reminder_days(accepted_on: date) -> list[date]:
    return [accepted_on + timedelta(days=n) for n in REMINDER_DAYS]
