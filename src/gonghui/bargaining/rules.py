"""Pure rules of collective bargaining: the clocks, the seats at the table, the vote. No ORM, no I/O.

Sources: 集体合同规定 (劳动和社会保障部令第22号, 2004; cited "规定"), 工资集体协商试行办法 (劳动和社会保障部令
第9号, 2000; cited "工资办法"), 劳动合同法 第五十一至五十四条. "以上" includes the number itself (民法典 第一千
二百五十九条), so "two thirds or more" and "half or more" are compared with >=, in whole people.

Statute texts: 劳动合同法 was read in LawRefBook/Laws (社会法/劳动合同法.md, 第五十一至五十四条). 集体合同规定,
工资集体协商试行办法 and 企业民主管理规定 are NOT in the stored reference corpus (searched for their titles and
phrases of their articles): the article numbers below are those of the published texts as this module has always
cited them, not re-read here — check them against the gazette before amending a rule.

Every statutory clock is `period_end`/`add_days` (民法典 第二百零一至二百零三条): counted from the day after the
event, a last day on a rest day rolls to the first working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from gonghui.core.deadlines import add_days, add_months, calendar_days_after

ANSWER_DAYS = 20  # 规定 第三十二条: a written answer within 20 days of receiving the request
VACANCY_DAYS = 15  # 规定 第三十一条: a vacant seat is filled within 15 days
SUBMIT_DAYS = 10  # 规定 第四十二条: submitted within 10 days of the chiefs' signatures
WAGE_SUBMIT_DAYS = 7  # 工资办法 第二十一条: a wage agreement within 7 days
REVIEW_DAYS = 15  # 劳动合同法 第五十四条, 规定 第四十七条: in force if no objection within 15 days of receipt
RENEWAL_MONTHS = 3  # 规定 第三十八条: in the last 3 months either side may ask to renew
MIN_TERM_MONTHS, MAX_TERM_MONTHS = 12, 36  # 规定 第三十八条: 1 to 3 years
EXPIRY_REMINDERS_MONTHS = (3, 1)


@dataclass(frozen=True)
class SeatRule:
    """How many may sit on a side. National defaults (规定 第十九条); regions may set their own (重庆: 3–15)."""

    min_per_side: int = 3
    max_per_side: int | None = None
    worker_side_not_smaller: bool = False


@dataclass(frozen=True)
class Seat:
    key: str  # who (a person's file id, or a name for an outsider): nobody sits on both sides
    side: str  # "worker" | "employer"
    chief: bool = False
    outside_expert: bool = False


def seat_problems(seats: list[Seat], rule: SeatRule) -> list[str]:
    """Why this table may not bargain yet (empty = it may). Messages in Chinese, each naming its article."""
    problems = []
    sides = {s: [x for x in seats if x.side == s] for s in ("worker", "employer")}
    workers, employers = len(sides["worker"]), len(sides["employer"])
    if rule.worker_side_not_smaller:
        if workers < employers:
            problems.append("职工一方代表人数不得少于用人单位一方（本地规定）。")
    elif workers != employers:  # 规定 第十九条: equal numbers
        problems.append(f"双方代表人数应当对等（现为职工一方 {workers} 人、用人单位一方 {employers} 人）（集体合同规定第十九条）。")
    for side, label in (("worker", "职工一方"), ("employer", "用人单位一方")):
        members = sides[side]
        if len(members) < rule.min_per_side:
            problems.append(f"{label}代表不少于 {rule.min_per_side} 人（集体合同规定第十九条）。")
        if rule.max_per_side is not None and len(members) > rule.max_per_side:
            problems.append(f"{label}代表不超过 {rule.max_per_side} 人（本地规定）。")
        chiefs = [m for m in members if m.chief]
        if len(chiefs) != 1:
            problems.append(f"{label}应当确定 1 名首席代表（集体合同规定第十九条）。")
        if any(m.chief and m.outside_expert for m in members):
            problems.append(f"{label}首席代表不得由本单位以外的人员担任（集体合同规定第二十三条）。")
        experts = sum(1 for m in members if m.outside_expert)
        if experts * 3 > len(members):  # at most a third of the side
            problems.append(f"{label}委托的本单位以外专业人员不得超过本方代表的三分之一（集体合同规定第二十三条）。")
    both = {m.key for m in sides["worker"]} & {m.key for m in sides["employer"]}
    if both:
        problems.append("同一人不得同时担任双方协商代表（集体合同规定第二十四条）。")
    return problems


def answer_due(received_on: date) -> date:
    """The last day of the written answer: 20 days counted from the day after receipt (规定 第三十二条)."""
    return add_days(received_on, ANSWER_DAYS)


def vacancy_due(vacated_on: date) -> date:
    return add_days(vacated_on, VACANCY_DAYS)  # 规定 第三十一条


def submission_due(signed_on: date, *, wage_agreement: bool) -> date:
    """规定 第四十二条 (10 days); 工资办法 第二十一条 (7 days for a wage agreement)."""
    return add_days(signed_on, WAGE_SUBMIT_DAYS if wage_agreement else SUBMIT_DAYS)


def review_ends(received_on: date) -> date:
    """The last day the labour administration may object: 15 days from receipt (劳动合同法 第五十四条; 规定
    第四十七条), counted from the day after and rolled past a rest day."""
    return add_days(received_on, REVIEW_DAYS)


def in_force_on(review_ended: date) -> date:
    """劳动合同法 第五十四条 "即行生效": in force the day after the review's last day. That day is not the end of a
    period — the contract binds from it whatever the calendar — so it is plain arithmetic and never rolls."""
    return calendar_days_after(review_ended, 1)


def in_force_from(received_on: date) -> date:
    """No objection within the 15 days that follow receipt → in force the day after them."""
    return in_force_on(review_ends(received_on))


def objection_in_time(review_ended: date, recorded_on: date) -> bool:
    """An objection counts only within the review (劳动合同法 第五十四条): on its last day, not the day after."""
    return recorded_on <= review_ended


def contract_ends_inside(contract_end: date | None, bargaining_start: date, bargaining_end: date | None) -> bool:
    """规定 第二十八条: a worker representative's labour contract ending during the mandate is extended to its end;
    the union is warned when the end date falls inside the bargaining (open-ended while it has no end yet)."""
    if contract_end is None:
        return False
    return contract_end >= bargaining_start and (bargaining_end is None or contract_end <= bargaining_end)


@dataclass(frozen=True)
class VoteResult:
    electorate: int
    present: int
    yes: int
    quorum_needed: int
    yes_needed: int

    @property
    def quorate(self) -> bool:
        return self.present >= self.quorum_needed

    @property
    def passed(self) -> bool:
        return self.quorate and self.yes >= self.yes_needed


def quorum_needed(electorate: int) -> int:
    """规定 第三十六条: two thirds or more attend — in whole people, rounded up."""
    return -(-2 * electorate // 3)


def majority_needed(electorate: int) -> int:
    """规定 第三十六条: half or more of ALL the representatives (or staff) approve, not of those present."""
    return -(-electorate // 2)


def roll_problem(*, base: int, roll: int) -> str:
    """Why a roll may not be put to the vote (empty = it may). 规定 第三十六条 counts attendance and approval over
    ALL the representatives (or staff): the registered size of the congress, or the enterprise's headcount — a
    shorter list would lower both thresholds."""
    if base <= 0:
        return "应到人数未知：请先登记职工代表大会的代表人数，或企业职工人数（集体合同规定第三十六条）。"
    if roll < base:
        return (f"投票名单 {roll} 人少于应到人数 {base} 人：出席和同意人数按全体职工代表（或全体职工）计算，"
                f"请将全部代表列入名单，在会场书面表决的填写人数（集体合同规定第三十六条）。")
    if roll > base:
        return f"投票名单 {roll} 人多于应到人数 {base} 人：名单只能列入登记的职工代表（或本企业职工）。"
    return ""


def vote_result(*, electorate: int, present: int, yes: int) -> VoteResult:
    if electorate <= 0 or not 0 <= yes <= present <= electorate:
        raise ValueError("a vote needs 0 <= yes <= present <= electorate and a non-empty electorate")
    return VoteResult(electorate=electorate, present=present, yes=yes, quorum_needed=quorum_needed(electorate),
                      yes_needed=majority_needed(electorate))


def expires_on(effective_from: date, term_months: int) -> date:
    """The last day of a term of `term_months` that starts on `effective_from`."""
    return add_months(effective_from, term_months) - timedelta(days=1)


def renewal_open(expires: date, today: date) -> bool:
    """规定 第三十八条: within the 3 months before the term ends, either side may ask to renew."""
    return add_months(expires, -RENEWAL_MONTHS) < today <= expires


def wage_talks_due(last_wage_signed_on: date | None, today: date) -> bool:
    """Wages are bargained once a year (工资办法): due with no wage agreement signed in the last 12 months."""
    return last_wage_signed_on is None or add_months(last_wage_signed_on, 12) <= today
