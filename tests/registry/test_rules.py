from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from gonghui.orgs import rules

BODY = "61010419900315123"


def _with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def test_gender_and_birth_date_come_from_the_number() -> None:
    identity = rules.parse_id_number(_with_check(BODY))
    assert identity.birth_date == dt.date(1990, 3, 15)
    assert identity.gender == "M"  # 17th digit 3 is odd
    assert rules.parse_id_number(_with_check("61010419920808124")).gender == "F"
    assert identity.masked == f"6101**********{identity.number[-4:]}"


def test_a_lower_case_x_and_full_width_digits_are_accepted() -> None:
    number = "11010519491231002X"
    assert rules.parse_id_number("11010519491231002x").number == number
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert rules.parse_id_number(full_width).number == number


@pytest.mark.parametrize(("raw", "reason"), [
    ("6101041990031512", "18位"),
    ("610104199003151239", "校验位"),
    ("610104199002301234", "出生日期"),
    ("991010199003151234", "地区码"),
    ("61010419900315123A", "末位"),
])
def test_bad_numbers_are_refused_with_the_reason(raw: str, reason: str) -> None:
    if reason == "出生日期":
        raw = _with_check(raw[:17])
    if reason == "地区码":
        raw = _with_check(raw[:17])
    with pytest.raises(rules.InvalidNumber, match=reason):
        rules.parse_id_number(raw)


def test_digits_of_other_scripts_are_not_an_id_number() -> None:
    arabic_indic = "".join(chr(0x0660 + int(d)) if d.isdigit() else d for d in _with_check("61010419900315123"))
    with pytest.raises(rules.InvalidNumber, match="前17位应为数字"):
        rules.parse_id_number(arabic_indic)


def test_a_county_code_newer_than_the_library_table_is_accepted() -> None:
    """611002 (商州区) is missing from python-stdnum's table; real people carry it."""
    assert rules.parse_id_number(_with_check("61100220050101123")).birth_date == dt.date(2005, 1, 1)


@given(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2010, 12, 31)), st.integers(0, 999),
       st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_error_is_caught(birth: dt.date, serial: int, position: int, shift: int) -> None:
    number = _with_check(f"610104{birth:%Y%m%d}{serial:03d}")
    assert rules.parse_id_number(number).birth_date == birth
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    with pytest.raises(rules.InvalidNumber):
        rules.parse_id_number(wrong)


def test_credit_codes_are_checked() -> None:
    assert rules.parse_credit_code("91110000600037341l") == "91110000600037341L"
    with pytest.raises(rules.InvalidNumber):
        rules.parse_credit_code("91110000600037341M")
    with pytest.raises(rules.InvalidNumber):
        rules.parse_credit_code("9111000060003734")


@pytest.mark.parametrize(("name", "expected"), [("张小明", "zxm"), ("李秀英", "lxy"), ("欧阳娜娜", "oynn"), ("Tom", "tom")])
def test_pinyin_initials(name: str, expected: str) -> None:
    assert rules.initials(name) == expected


@given(st.from_regex(r"[1-6][0-9]{16}", fullmatch=True))
def test_our_check_character_agrees_with_python_stdnum(body: str) -> None:
    assert rules._check_character(body + "0") == ric.calc_check_digit(body + "0")


def test_a_birth_date_of_tomorrow_is_refused_until_midnight_and_taken_after() -> None:
    """Today's date is asked of the calendar once a minute; the first minute of the next day already knows it."""
    import time_machine

    born = _with_check("61010420261202123")  # born 2026-12-02
    beijing = dt.timezone(dt.timedelta(hours=8))
    with time_machine.travel(dt.datetime(2026, 12, 1, 23, 59, 30, tzinfo=beijing), tick=False), \
            pytest.raises(rules.InvalidNumber, match="晚于今天"):
        rules.parse_id_number(born)
    with time_machine.travel(dt.datetime(2026, 12, 2, 0, 0, 5, tzinfo=beijing), tick=False):
        assert rules.parse_id_number(born).birth_date == dt.date(2026, 12, 2)
