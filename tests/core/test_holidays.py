"""Statutory holidays by the revision of 全国年节及纪念日放假办法 in force, the make-up days of 第六条 in a provisional
year, and the properties of period_end and working-day counting (民法典 第二百零一条至第二百零三条)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonghui.core.deadlines import (
    add_days,
    add_months,
    is_working_day,
    period_end,
    provisional_rest_days,
    statutory_holiday_names,
    statutory_holidays,
    year_basis,
)


def _names(year: int) -> dict[str, list[date]]:
    found: dict[str, list[date]] = {}
    for day, label in statutory_holiday_names(year).items():
        for name in label.split("、"):
            found.setdefault(name, []).append(day)
    return found


def test_the_2024_revision_from_2025() -> None:
    # 第二条 (2024): 春节 4 days from 除夕, 劳动节 2 days. 2025's 除夕 was 28 January.
    days = _names(2025)
    assert days["春节"] == [date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31)]
    assert days["劳动节"] == [date(2025, 5, 1), date(2025, 5, 2)]
    assert len(statutory_holidays(2025)) == 13


def test_the_2013_revision_for_2014_to_2024() -> None:
    # 第二条 (2013): 春节 正月初一至初三 (2024's 初一 was 10 February), 劳动节 1 day.
    days = _names(2024)
    assert days["春节"] == [date(2024, 2, 10), date(2024, 2, 11), date(2024, 2, 12)]
    assert days["劳动节"] == [date(2024, 5, 1)]
    assert _names(2014)["春节"][0] == date(2014, 1, 31)  # 初一, not 除夕
    assert len(statutory_holidays(2024)) == 11


def test_the_2007_revision_for_2008_to_2013() -> None:
    # 除夕、初一、初二 (2013's 除夕 was 9 February); 清明, 端午, 中秋 became holidays.
    days = _names(2013)
    assert days["春节"] == [date(2013, 2, 9), date(2013, 2, 10), date(2013, 2, 11)]
    assert days["劳动节"] == [date(2013, 5, 1)]
    assert {"清明节", "端午节", "中秋节"} <= set(_names(2008))


def test_the_1999_revision_before_2008() -> None:
    days = _names(2007)
    assert days["劳动节"] == [date(2007, 5, 1), date(2007, 5, 2), date(2007, 5, 3)]
    assert days["春节"] == [date(2007, 2, 18), date(2007, 2, 19), date(2007, 2, 20)]  # 初一至初三
    assert not {"清明节", "端午节", "中秋节"} & set(days)
    assert len(statutory_holidays(2001)) == 10


def test_make_up_days_of_article_6_in_a_provisional_year() -> None:
    rest = provisional_rest_days(2027)
    # 劳动节 1–2 May 2027 is a Saturday and Sunday: made up on Monday 3 and Tuesday 4 May.
    assert rest[date(2027, 5, 3)] == "劳动节补假" and rest[date(2027, 5, 4)] == "劳动节补假"
    assert date(2027, 5, 5) not in rest
    # 国庆 1–3 October 2027 is Friday to Sunday: two days made up, 4 and 5 October.
    assert [d for d in rest if d.month == 10] == [date(2027, 10, d) for d in range(1, 6)]
    # 元旦 2027 is a Friday: nothing to make up.
    assert date(2027, 1, 4) not in rest
    # 2028: 元旦 on a Saturday is made up on Monday 3 January.
    assert provisional_rest_days(2028)[date(2028, 1, 3)] == "元旦补假"


def test_a_festival_on_another_festival_is_made_up() -> None:
    # 1 October 2020 was both 国庆 and 中秋: each festival keeps its day (Thursday 1 October to Tuesday 6 October).
    rest = provisional_rest_days(2020)
    assert statutory_holiday_names(2020)[date(2020, 10, 1)] == "国庆节、中秋节"
    assert [d for d in rest if d.month == 10] == [date(2020, 10, d) for d in (1, 2, 3, 5, 6)]


@pytest.mark.django_db
def test_a_provisional_year_counts_the_make_up_days() -> None:
    assert year_basis(2027) == "provisional"
    assert not is_working_day(date(2027, 5, 4))  # 劳动节补假
    assert is_working_day(date(2027, 5, 5))
    # 30 September 2027 + 1 day = 1 October, a rest day to 5 October: the period ends Wednesday 6 October.
    assert period_end(date(2027, 9, 30), days=1) == date(2027, 10, 6)
    # One day either side: 29 September + 1 is Thursday 30 September, a working day.
    assert period_end(date(2027, 9, 29), days=1) == date(2027, 9, 30)


# -- Properties (民法典 第二百零一条至第二百零三条) ------------------------------------------------------------

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
_fixture_ok = settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.django_db
@_fixture_ok
@given(start=starts, n=st.integers(min_value=1, max_value=400))
def test_a_period_in_days_ends_on_the_first_working_day_from_start_plus_n(start: date, n: int) -> None:
    end = period_end(start, days=n)
    nominal = start + timedelta(days=n)
    assert end >= nominal
    assert is_working_day(end)
    day = nominal
    while day < end:
        assert not is_working_day(day), f"{day} is a working day before {end}"
        day += timedelta(days=1)


@pytest.mark.django_db
@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=starts, months=st.integers(min_value=1, max_value=24))
def test_a_period_in_months_ends_on_the_corresponding_day_or_the_first_working_day_after(start: date,
                                                                                        months: int) -> None:
    end = period_end(start, months=months)
    nominal = add_months(start, months)
    assert end >= nominal and is_working_day(end)
    assert all(not is_working_day(nominal + timedelta(days=k)) for k in range((end - nominal).days))


@pytest.mark.django_db
@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=starts, n=st.integers(min_value=1, max_value=30))
def test_n_working_days_end_on_the_nth_working_day_after_the_start(start: date, n: int) -> None:
    end = add_days(start, n, working=True)
    assert end > start and is_working_day(end)
    counted = sum(1 for k in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=k)))
    assert counted == n
    # One more working day ends strictly later.
    assert add_days(start, n + 1, working=True) > end
