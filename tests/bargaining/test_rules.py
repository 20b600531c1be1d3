"""The pure rules of bargaining, each on both sides of its boundary (集体合同规定, 劳动合同法 第五十四条)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.bargaining import rules
from gonghui.bargaining.rules import Seat, SeatRule


@pytest.mark.parametrize(("electorate", "present", "yes", "passed", "quorate"), [
    (30, 20, 15, True, True),    # exactly two thirds present, exactly half of all approve: 以上 includes the number
    (30, 19, 19, False, False),  # one short of the quorum: fails however many approve
    (30, 25, 14, False, True),   # a majority of those present, but not half of ALL representatives
    (29, 20, 15, True, True),    # 2/3 of 29 is 19.33: 20 people; half is 14.5: 15 people
    (29, 19, 19, False, False),
    (29, 20, 14, False, True),
])
def test_the_congress_vote_of_article_36(electorate: int, present: int, yes: int, passed: bool, quorate: bool) -> None:
    result = rules.vote_result(electorate=electorate, present=present, yes=yes)
    assert (result.passed, result.quorate) == (passed, quorate)


@given(st.integers(1, 3000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n)).flatmap(
    lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.integers(0, t[1])))))
def test_the_vote_agrees_with_exact_fractions(case: tuple[int, int, int]) -> None:
    electorate, present, yes = case
    result = rules.vote_result(electorate=electorate, present=present, yes=yes)
    assert result.quorate == (present >= Fraction(2, 3) * electorate)
    assert result.passed == (present >= Fraction(2, 3) * electorate and yes >= Fraction(1, 2) * electorate)


def test_a_vote_needs_a_consistent_count() -> None:
    with pytest.raises(ValueError, match="yes"):
        rules.vote_result(electorate=10, present=5, yes=6)


def _table(workers: int, employers: int, *, experts: int = 0, chiefs: tuple[int, int] = (1, 1)) -> list[Seat]:
    seats = [Seat(key=f"w{i}", side="worker", chief=i < chiefs[0], outside_expert=i >= workers - experts)
             for i in range(workers)]
    seats += [Seat(key=f"e{i}", side="employer", chief=i < chiefs[1]) for i in range(employers)]
    return seats


def test_equal_sides_of_three_or_more_each_with_one_chief() -> None:
    assert rules.seat_problems(_table(3, 3), SeatRule()) == []
    assert any("对等" in p for p in rules.seat_problems(_table(4, 3), SeatRule()))
    assert any("不少于 3 人" in p for p in rules.seat_problems(_table(2, 2), SeatRule()))
    assert any("首席代表" in p for p in rules.seat_problems(_table(3, 3, chiefs=(0, 1)), SeatRule()))
    assert any("首席代表" in p for p in rules.seat_problems(_table(3, 3, chiefs=(2, 1)), SeatRule()))


def test_outside_experts_at_most_a_third_and_never_chief() -> None:
    assert rules.seat_problems(_table(3, 3, experts=1), SeatRule()) == []
    assert any("三分之一" in p for p in rules.seat_problems(_table(3, 3, experts=2), SeatRule()))
    assert rules.seat_problems(_table(6, 6, experts=2), SeatRule()) == []
    assert any("三分之一" in p for p in rules.seat_problems(_table(6, 6, experts=3), SeatRule()))
    chief_expert = [Seat("w0", "worker", chief=True, outside_expert=True), Seat("w1", "worker"), Seat("w2", "worker"),
                    *_table(0, 3)]
    assert any("本单位以外" in p for p in rules.seat_problems(chief_expert, SeatRule()))


def test_nobody_sits_on_both_sides() -> None:
    seats = _table(3, 3)
    seats[-1] = Seat(key="w1", side="employer")
    assert any("双方" in p for p in rules.seat_problems(seats, SeatRule()))


def test_a_region_may_bound_the_sides_differently() -> None:
    chongqing = SeatRule(min_per_side=3, max_per_side=15, worker_side_not_smaller=True)
    assert rules.seat_problems(_table(5, 4), chongqing) == []
    assert any("不得少于" in p for p in rules.seat_problems(_table(4, 5), chongqing))
    assert any("不超过 15" in p for p in rules.seat_problems(_table(16, 15), chongqing))
    assert rules.seat_problems(_table(15, 15), chongqing) == []


def test_the_answer_is_due_twenty_days_after_receipt() -> None:
    assert rules.answer_due(date(2020, 3, 1)) == date(2020, 3, 23)  # 21 March 2020 is a Saturday: rolled to Monday
    assert rules.answer_due(date(2020, 3, 4)) == date(2020, 3, 24)  # a Tuesday: not moved


def test_submission_within_ten_days_or_seven_for_wages() -> None:
    assert rules.submission_due(date(2020, 5, 1), wage_agreement=False) == date(2020, 5, 11)
    assert rules.submission_due(date(2020, 5, 1), wage_agreement=True) == date(2020, 5, 8)


def test_in_force_the_day_after_the_fifteen_days_of_review() -> None:
    # received 1 March: the 15 days are 2–16 March; without objection the contract binds from 17 March
    assert rules.in_force_from(date(2020, 3, 1)) == date(2020, 3, 17)


def test_terms_and_the_renewal_window() -> None:
    expires = rules.expires_on(date(2021, 1, 1), 36)
    assert expires == date(2023, 12, 31)
    assert not rules.renewal_open(expires, date(2023, 9, 30))  # 3 months before the end: not yet "within" them
    assert rules.renewal_open(expires, date(2023, 10, 1))
    assert rules.renewal_open(expires, date(2023, 12, 31))
    assert not rules.renewal_open(expires, date(2024, 1, 1))


def test_a_representatives_contract_ending_during_the_bargaining() -> None:
    start = date(2020, 4, 1)
    assert rules.contract_ends_inside(date(2020, 4, 1), start, None)
    assert rules.contract_ends_inside(date(2020, 6, 30), start, date(2020, 6, 30))
    assert not rules.contract_ends_inside(date(2020, 7, 1), start, date(2020, 6, 30))
    assert not rules.contract_ends_inside(date(2020, 3, 31), start, None)
    assert not rules.contract_ends_inside(None, start, None)


def test_yearly_wage_talks() -> None:
    assert rules.wage_talks_due(None, date(2020, 5, 1))
    assert not rules.wage_talks_due(date(2019, 5, 2), date(2020, 5, 1))
    assert rules.wage_talks_due(date(2019, 5, 1), date(2020, 5, 1))
