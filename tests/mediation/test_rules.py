"""调解仲裁法 第二十七条 (one-year limitation) and 第十六条 (payment orders), as pure rules."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.deadlines import Calendar
from gonghui.mediation import rules

# The calendar without the database: the State Council's arrangements (chinese-calendar), else provisional.
CAL = Calendar()
KNEW = date(2025, 3, 1)  # one year later: 2026-03-01 is a Sunday, so the last day is Monday 2 March 2026


def status(today: date, **kwargs) -> rules.Limitation:  # noqa: ANN003
    arguments = {"knew_on": KNEW, "interruptions": [], "category": "termination", "employment_ended_on": None}
    arguments.update(kwargs)
    return rules.limitation(today=today, calendar=CAL, **arguments)


def test_the_year_ends_on_the_same_date_next_year_rolled_past_a_weekend_and_expires_the_day_after() -> None:
    assert status(date(2026, 3, 2)).ends_on == date(2026, 3, 2)  # 民法典 第二百零三条: Sunday 1 March rolls
    assert status(date(2026, 3, 2)).state == "near"  # the last day: still in time
    assert status(date(2026, 3, 3)).state == "expired"
    # A year ending on a working day does not move: 3 March 2025 → Tuesday 3 March 2026.
    plain = status(date(2026, 3, 3), knew_on=date(2025, 3, 3))
    assert plain.ends_on == date(2026, 3, 3) and plain.state == "near"


def test_a_warning_thirty_days_before_not_thirty_one() -> None:
    assert status(date(2026, 1, 31)).state == "near"  # 30 days left
    assert status(date(2026, 1, 30)).state == "ok"  # 31 days left


def test_a_claim_inside_the_year_restarts_it() -> None:
    # 调解仲裁法 第二十七条第二款: a mediation application on 2026-02-01 interrupts; a new year runs from it.
    result = status(date(2026, 6, 1), interruptions=[date(2026, 2, 1)])
    assert result.ends_on == date(2027, 2, 1) and result.state == "ok"


def test_a_claim_after_the_year_ran_out_does_not_revive_it() -> None:
    result = status(date(2026, 6, 1), interruptions=[date(2026, 3, 3)])
    assert result.ends_on == date(2026, 3, 2) and result.state == "expired"
    # On the rolled last day the year still runs, so a claim that day restarts it.
    revived = status(date(2026, 6, 1), interruptions=[date(2026, 3, 2)])
    assert revived.ends_on == date(2027, 3, 2) and revived.state == "ok"


def test_wage_arrears_during_employment_have_no_limit_until_it_ends() -> None:
    during = status(date(2030, 1, 1), category="wages", knew_on=date(2020, 1, 1))
    assert during.state == "none" and during.ends_on is None
    ended = status(date(2030, 1, 1), category="wages", knew_on=date(2020, 1, 1), employment_ended_on=date(2029, 6, 28))
    assert ended.ends_on == date(2030, 6, 28) and ended.state == "ok"  # a Friday
    assert status(date(2030, 6, 28), category="shutdown_wages", employment_ended_on=date(2029, 6, 28)).state == "near"
    assert status(date(2030, 6, 29), category="shutdown_wages", employment_ended_on=date(2029, 6, 28)).state == "expired"


def test_a_leap_day_maps_to_the_last_day_of_february() -> None:
    assert status(date(2024, 3, 1), knew_on=date(2024, 2, 29)).ends_on == date(2025, 2, 28)


days = st.dates(min_value=date(2010, 1, 1), max_value=date(2035, 12, 31))


@given(knew=days, gaps=st.lists(st.integers(min_value=1, max_value=500), max_size=4),
       offset=st.integers(min_value=-400, max_value=1200))
def test_limitation_properties(knew: date, gaps: list[int], offset: int) -> None:
    interruptions, day = [], knew
    for gap in gaps:
        day += timedelta(days=gap)
        interruptions.append(day)
    today = knew + timedelta(days=offset)
    result = rules.limitation(knew_on=knew, interruptions=interruptions, category="injury", employment_ended_on=None,
                              today=today, calendar=CAL)
    assert result.ends_on is not None
    # Never shorter than a year from knowing; never longer than a year (and a rest of at most 9 days) from the
    # last claim.
    assert (result.ends_on - knew).days >= 365
    assert result.ends_on <= max([knew, *interruptions]) + timedelta(days=366 + 9)

    def year_after(event: date) -> date:  # 民法典 第二百零二条: the corresponding day, 29 Feb → 28 Feb
        return event.replace(year=event.year + 1) if (event.month, event.day) != (2, 29) else date(event.year + 1, 2, 28)

    # Each claim made while the year still ran (up to its rolled last day) restarts it from the claim.
    nominal = year_after(knew)
    for claim in interruptions:  # strictly after the previous start, by construction
        if claim <= CAL.next_working_day(nominal):
            nominal = year_after(claim)
    # The last day is the nominal one, or the first working day after it: a working day, with none between.
    assert CAL.is_working_day(result.ends_on) and result.ends_on >= nominal
    gap = (result.ends_on - nominal).days
    assert not any(CAL.is_working_day(nominal + timedelta(days=n)) for n in range(gap))
    assert (result.state == "expired") == (today > result.ends_on)


@given(kind=st.sampled_from(["wages", "injury_medical", "compensation", "damages", "other"]),
       due=days, offset=st.integers(min_value=-30, max_value=30), paid=st.booleans())
def test_payment_order_opens_only_for_the_four_sums_unpaid_after_their_date(kind: str, due: date, offset: int,
                                                                           paid: bool) -> None:
    today = due + timedelta(days=offset)
    expected = kind != "other" and not paid and offset >= 1
    assert rules.payment_order_open(kind=kind, due_on=due, paid_on=due if paid else None, today=today) == expected


def test_collective_from_ten_workers() -> None:
    assert not rules.is_collective(9)
    assert rules.is_collective(10)
