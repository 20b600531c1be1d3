"""Pure rules of membership: who may join by age, and the statutory retirement age. No ORM, no I/O.

Joining (工会法 第三条, read in LawRefBook/Laws `社会法/工会法.md`): those whose main source of living is
wages. Under 16 nobody may be employed (劳动法 第十五条), so nobody under 16 joins.

The statutory retirement age follows 全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定 (13 September
2024; from 1 January 2025, over fifteen years: men 60 → 63, women 55 → 58 and 50 → 55) and the 办法 it
approved (国务院关于渐进式延迟法定退休年龄的办法): men and women of the former 55 retire one month later for
every four months of birth from January 1965 (men) / January 1970 (women, 55), women of the former 50 one
month later for every two months of birth from January 1975, up to the new ages. Neither text is in the
LawRefBook/Laws store: the schedule above is the 办法's table as published, not checked against the store.
Flexible early or late retirement (弹性) is the person's choice and is not modelled: the flag is advice
for the deciding union, never a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MIN_JOIN_AGE = 16  # 劳动法 第十五条

MEN = "men"
WOMEN_CADRE = "women_cadre"  # former statutory age 55 (女干部, 原法定退休年龄五十五周岁)
WOMEN_WORKER = "women_worker"  # former statutory age 50 (女工人, 原法定退休年龄五十周岁)


@dataclass(frozen=True)
class Schedule:
    base_years: int  # the former statutory age
    first_birth: tuple[int, int]  # (year, month) of the first birth month whose age is delayed
    months_per_step: int  # birth months per month of delay
    max_delay: int  # months: the new age is base + max_delay / 12

    @property
    def final_months(self) -> int:
        return self.base_years * 12 + self.max_delay


SCHEDULES = {
    MEN: Schedule(60, (1965, 1), 4, 36),  # 60 → 63
    WOMEN_CADRE: Schedule(55, (1970, 1), 4, 36),  # 55 → 58
    WOMEN_WORKER: Schedule(50, (1975, 1), 2, 60),  # 50 → 55
}

CATEGORY_LABELS = {MEN: "男职工", WOMEN_CADRE: "原法定退休年龄55周岁的女职工", WOMEN_WORKER: "原法定退休年龄50周岁的女职工"}


def retirement_age_months(birth: date, category: str) -> int:
    """The statutory retirement age, in months, of someone born in `birth`'s month (only the month counts)."""
    schedule = SCHEDULES[category]
    since_first = (birth.year - schedule.first_birth[0]) * 12 + (birth.month - schedule.first_birth[1])
    if since_first < 0:
        return schedule.base_years * 12
    delay = min(schedule.max_delay, since_first // schedule.months_per_step + 1)
    return schedule.base_years * 12 + delay


def add_months_clamped(day: date, months: int) -> date:
    """`day` plus whole months, the day of month clamped to the month's end (31 March + 1 month = 30 April).

    Plain calendar arithmetic for an age: not a statutory period, never rolled past rest days.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def retirement_date(birth: date, category: str) -> date:
    """The day the person reaches the statutory retirement age."""
    return add_months_clamped(birth, retirement_age_months(birth, category))


def has_reached_retirement_age(birth: date, category: str, day: date) -> bool:
    """On or after the day the statutory retirement age is reached."""
    return day >= retirement_date(birth, category)


def categories_for(gender: str) -> tuple[str, ...]:
    """Which schedules may apply: a woman's former age (50 for workers, 55 for cadres) depends on her post,
    which the ID number does not tell; both are shown to the deciding union."""
    return (MEN,) if gender == "M" else (WOMEN_WORKER, WOMEN_CADRE)


def has_reached_any(birth: date, gender: str, day: date) -> bool:
    """At or past the earliest statutory retirement age that may apply to this gender on `day`."""
    return any(has_reached_retirement_age(birth, c, day) for c in categories_for(gender))


def format_age(months: int) -> str:
    years, rest = divmod(months, 12)
    return f"{years}周岁" + (f"{rest}个月" if rest else "")
