"""Rules of mediation: no ORM writes. Every statutory calendar-day, month or year clock goes through
`core.deadlines.period_end` / `add_days` (counted from the day after the event, a last rest day rolls to the
first working day, 民法典 第二百零一条至第二百零三条); reading which days are working days is their only I/O.

Statute: 劳动争议调解仲裁法 ("调解仲裁法", text read in LawRefBook/Laws). The enterprise rules, 企业劳动争议协商调解
规定 (人社部令第17号, "协商调解规定"), are not in the reference store this code was checked against: the clocks
taken from it name the regulation only, without an article number we could not verify.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from gonghui.core.deadlines import Calendar, add_months, calendar_days_after, period_end

# 调解仲裁法 第七条: a dispute with ten or more workers and a common claim is collective.
COLLECTIVE_WORKERS = 10
# 协商调解规定: an employer that does not answer a request to negotiate within 5 days is taken to refuse.
NEGOTIATION_REPLY_DAYS = 5
# 协商调解规定: the body decides within 3 working days whether it accepts.
ACCEPTANCE_WORKING_DAYS = 3
# 调解仲裁法 第十四条第三款: 15 days from the body's receipt of the application without agreement, arbitration is open.
STATUTE_DAYS = 15
# 协商调解规定: mediation ends 15 days after acceptance unless both parties agree to extend.
MEDIATION_DAYS = 15
# Reminders to the mediator, counted in days since acceptance (the app's own clock: see `reminder_days`).
REMINDER_DAYS = (10, 13)
# 协商调解规定: both parties may jointly ask the arbitration commission to review the agreement within 15 days
# of its effect. (人民调解法 第三十三条 is a different path: 30 days, judicial confirmation by a court.)
REVIEW_DAYS = 15
# 调解仲裁法 第二十七条第一款: one year to apply for arbitration. Warn this many days before it runs out.
LIMITATION_YEARS = 1
LIMITATION_WARNING_DAYS = 30
# 调解仲裁法 第十六条: the sums for which an unpaid agreement lets the worker ask a court for a payment order.
PAYMENT_ORDER_KINDS = frozenset({"wages", "injury_medical", "compensation", "damages"})
# 调解仲裁法 第二十七条第四款: a dispute over 劳动报酬 in arrears during employment is not limited while it lasts.
# Overtime pay (加班费) is 劳动报酬 (the wage paid for extended working time), so it is one of these categories.
WAGE_CATEGORIES = frozenset({"wages", "shutdown_wages", "overtime_pay"})


def is_collective(workers: int) -> bool:
    return workers >= COLLECTIVE_WORKERS


def arbitration_open_on(statute_period_ends_on: date) -> date:
    """The first day either party may apply for arbitration: the day after the 15-day period's (rolled) last day.

    Not a period of its own, only "the next day", so plain arithmetic.
    """
    return calendar_days_after(statute_period_ends_on, 1)


@dataclass(frozen=True)
class Limitation:
    """Where the one-year arbitration limitation stands on a day."""

    state: str  # "none" (no limit runs), "ok", "near", "expired", "suspended" (中止 still going on)
    ends_on: date | None  # while suspended: the earliest end, as if the cause ended today
    days_left: int | None
    basis: str
    suspended_days: int = 0


def _last_day(nominal: date, added: int, calendar: Calendar | None) -> date:
    """`period_end(nominal, days=added)`: the nominal last day plus the stopped days, rolled past a rest day
    (民法典 第二百零三条). A list of many cases passes one `Calendar` read once, which rolls the same way."""
    if calendar is None:
        return period_end(nominal, days=added)
    return calendar.next_working_day(nominal + timedelta(days=added))


def _suspended_days(run_from: date, suspensions: list[tuple[date, date]],
                    calendar: Calendar | None = None) -> tuple[int, date]:
    """The days of 中止 inside the period that runs from `run_from`, and the period's rolled end with them added.

    调解仲裁法 第二十七条第三款: the period stops from the day the cause arose and runs on from the day it is removed
    ("从中止时效的原因消除之日起，仲裁时效期间继续计算"), so a suspension [starts_on, ends_on) adds
    ends_on − starts_on days (the part before `run_from` does not count). A suspension that begins after the
    period has run out does not revive it.
    """
    nominal = add_months(run_from, 12 * LIMITATION_YEARS)
    added = 0
    ends_on = _last_day(nominal, 0, calendar)
    for starts_on, resumes_on in sorted(suspensions):
        if starts_on > ends_on or resumes_on <= run_from:
            continue
        added += (resumes_on - max(starts_on, calendar_days_after(run_from, 1))).days
        ends_on = _last_day(nominal, max(added, 0), calendar)
    return max(added, 0), ends_on


def limitation(*, knew_on: date, interruptions: Iterable[date], category: str, employment_ended_on: date | None,
               today: date, suspensions: Iterable[tuple[date, date | None]] = (),
               calendar: Calendar | None = None) -> Limitation:
    """调解仲裁法 第二十七条.

    第一款: one year from when the worker knew (or should have known) of the infringement.
    第二款 (中断): a claim to the other party, a request to a relevant department (a negotiation request, a
    mediation application) or the other party agreeing to perform restarts the year from that day — but
    only while it still runs.
    第三款 (中止): force majeure or another proper reason stops the period; it runs on once the cause is
    removed. An ongoing suspension is counted up to `today`.
    第四款: 劳动报酬 in arrears during employment is not limited while the employment lasts; once it ends,
    one year from its end.
    The last day is rolled past a rest day (民法典 第二百零三条).
    """
    if category in WAGE_CATEGORIES:
        if employment_ended_on is None:
            return Limitation("none", None, None, "劳动关系存续期间因拖欠劳动报酬发生争议，不受一年时效限制（第二十七条第四款）")
        start, basis = employment_ended_on, "自劳动关系终止之日起一年（第二十七条第四款）"
    else:
        start, basis = knew_on, "自知道或者应当知道权利被侵害之日起一年（第二十七条第一款）"
    ongoing = False
    closed: list[tuple[date, date]] = []
    for starts_on, resumes_on in suspensions:
        if resumes_on is None:
            ongoing = ongoing or starts_on <= today
            resumes_on = max(today, starts_on)
        closed.append((starts_on, resumes_on))
    added, ends_on = _suspended_days(start, closed, calendar)
    for day in sorted(interruptions):
        if start < day <= ends_on:  # an interruption after the year has run out does not revive it
            start = day
            added, ends_on = _suspended_days(start, closed, calendar)
            basis = f"{day:%Y-%m-%d} 主张权利、请求救济或对方同意履行，时效中断后重新计算一年（第二十七条第二款）"
    if added:
        basis += f"；时效中止 {added} 日，期间顺延（第二十七条第三款）"
    days_left = (ends_on - today).days
    if ongoing and days_left >= 0:
        state = "suspended"
    elif days_left < 0:
        state = "expired"
    elif days_left <= LIMITATION_WARNING_DAYS:
        state = "near"
    else:
        state = "ok"
    return Limitation(state, ends_on, days_left, basis, added)


def mediation_ends_on(accepted_on: date, extensions: Iterable[int] = ()) -> date:
    """协商调解规定: 15 days after acceptance; each extension both parties agreed to runs on from the day after the
    period's (rolled) last day, and its own last day rolls too (民法典 第二百零三条)."""
    ends_on = period_end(accepted_on, days=MEDIATION_DAYS)
    for days in extensions:
        ends_on = period_end(ends_on, days=days)
    return ends_on


def payment_order_open(*, kind: str, due_on: date, paid_on: date | None, today: date) -> bool:
    """调解仲裁法 第十六条: an agreed wage, work-injury medical, compensation or damages sum unpaid after its date."""
    return kind in PAYMENT_ORDER_KINDS and paid_on is None and today > due_on


def reminder_days(accepted_on: date) -> list[date]:
    # The app's own nudges to the mediator on the 10th and 13th day: not a statutory period, so they do not
    # roll — a reminder on a holiday is still useful before the (rolled) mediation end.
    return [calendar_days_after(accepted_on, n) for n in REMINDER_DAYS]
