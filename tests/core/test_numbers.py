"""core.numbers: properties over any input (hypothesis) and both sides of each boundary."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.money import YUAN_MAX, BadAmount, positive_yuan, yuan
from gonghui.core.numbers import (
    COUNT_MAX,
    MAX_CHARS,
    MAX_EXPONENT,
    BadNumber,
    bounded_decimal,
    count,
    count_arg,
    count_arg_upto,
    finite_decimal,
    yuan_arg,
)

FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
in_range = st.decimals(min_value=-YUAN_MAX, max_value=YUAN_MAX, places=2, allow_nan=False, allow_infinity=False)


@given(in_range)
def test_any_finite_amount_in_range_round_trips(amount: Decimal) -> None:
    assert finite_decimal(str(amount)) == amount
    assert bounded_decimal(str(amount), -YUAN_MAX, YUAN_MAX, 2) == amount
    assert yuan(str(amount)) == amount
    assert yuan(str(amount).translate(FULL_WIDTH)) == amount  # full-width digits: deliberately normalised


NON_FINITE = st.builds(lambda sign, word, payload, pad: f"{pad}{sign}{word}{payload}{pad}",
                       st.sampled_from(["", "-", "+"]),
                       st.sampled_from(["NaN", "nan", "NAN", "sNaN", "snan", "Infinity", "infinity", "Inf", "inf", "INF"]),
                       st.sampled_from(["", "0", "123"]), st.sampled_from(["", " ", "\t"]))


@given(NON_FINITE)
def test_anything_nan_or_infinite_is_refused(text: str) -> None:
    try:
        number: Decimal | None = Decimal(text)  # "inf123" is not even a Decimal; "nan123" is (a payload)
    except InvalidOperation:
        number = None
    for value in (text, number):
        if value is None:
            continue
        with pytest.raises(BadNumber):
            finite_decimal(value)
        with pytest.raises(BadAmount):
            yuan(value)
        with pytest.raises(BadNumber):
            count(str(value))
    if number is not None and not number.is_snan():  # a float has no signalling NaN
        with pytest.raises(BadNumber):
            finite_decimal(float(number))


@given(st.integers(min_value=0, max_value=COUNT_MAX))
def test_any_count_in_range_round_trips(n: int) -> None:
    assert count(str(n)) == n
    assert count(str(n).translate(FULL_WIDTH)) == n
    assert count(n) == n


@given(st.text(min_size=1, max_size=12))
def test_count_accepts_only_ascii_or_full_width_digits(text: str) -> None:
    plain = text.strip().translate(str.maketrans("０１２３４５６７８９，", "0123456789,")).replace(",", "")
    if plain.isascii() and plain.isdigit() and int(plain) <= COUNT_MAX:
        assert count(text) == int(plain)
    else:
        with pytest.raises(BadNumber):
            count(text)


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.00499999"), places=8,
                   allow_nan=False))
def test_an_amount_that_rounds_to_zero_is_refused_and_one_that_rounds_up_is_a_fen(small: Decimal) -> None:
    with pytest.raises(BadAmount, match="0.00"):
        positive_yuan(str(small))
    with pytest.raises(BadAmount):
        positive_yuan(str(-small))
    assert positive_yuan("0.005") == Decimal("0.01")  # the other side: half a fen rounds up


@pytest.mark.parametrize(("typed", "expected"), [
    ("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-2.675", "-2.68"), ("-0", "0.00"), ("-0.004", "0.00"),
    ("1,234.5", "1234.50"), ("１２３４.５", "1234.50"), (" 7 ", "7.00"), ("1e3", "1000.00"),
    (str(YUAN_MAX), str(YUAN_MAX)),
])
def test_yuan_rounds_half_up_to_the_fen(typed: str, expected: str) -> None:
    assert str(yuan(typed)) == expected


@pytest.mark.parametrize("bad", ["NaN", "nan", "sNaN", "Infinity", "-inf", "1e999", "1E-999", "²", "٣", "𝟡", "1_000",
                                 "0x10", "", " ", "1e", ".", "--1", "1.2.3", "9" * (MAX_CHARS + 1), "10000000000",
                                 "-10000000000", 1.5, True, None])
def test_yuan_refuses_with_a_reason(bad: object) -> None:
    with pytest.raises(BadAmount) as error:
        yuan(bad)
    assert str(error.value)


def test_the_exponent_boundary() -> None:
    assert finite_decimal(f"1e{MAX_EXPONENT}") == Decimal(10) ** MAX_EXPONENT
    assert finite_decimal(f"1e-{MAX_EXPONENT}") == Decimal(10) ** -MAX_EXPONENT
    for text in (f"1e{MAX_EXPONENT + 1}", f"1e-{MAX_EXPONENT + 1}"):
        with pytest.raises(BadNumber, match="范围"):
            finite_decimal(text)
    assert finite_decimal("0E-999") == 0  # zero is zero, whatever its exponent


def test_the_length_boundary() -> None:
    longest = "0." + "1" * (MAX_CHARS - 2)
    assert finite_decimal(longest) == Decimal(longest)
    with pytest.raises(BadNumber, match="太长"):
        finite_decimal(longest + "1")


def test_bounded_decimal_both_sides_of_each_bound() -> None:
    assert bounded_decimal("10.004", 0, 10, 2) == Decimal("10.00")  # rounds into range
    with pytest.raises(BadNumber, match="之间"):
        bounded_decimal("10.005", 0, 10, 2)  # rounds out of it
    assert bounded_decimal("0", 0, 10, 2) == 0
    with pytest.raises(BadNumber, match="之间"):
        bounded_decimal("-0.01", 0, 10, 2)
    assert str(bounded_decimal("-0.001", 0, 10, 2)) == "0.00"
    with pytest.raises(BadNumber, match="不能小于"):
        bounded_decimal("-1", 0, None)
    with pytest.raises(BadNumber, match="不能大于"):
        bounded_decimal("1e29", None, 10**28, 2)
    with pytest.raises(BadNumber):  # no max: past 28 digits quantize would fail; refused instead
        bounded_decimal("1e29", None, None, 2)


def test_count_both_sides() -> None:
    assert count("0") == 0 and count(str(COUNT_MAX)) == COUNT_MAX
    for bad in ("-0", "+1", "-1", "1.0", "1e2", "²", "٣", str(COUNT_MAX + 1), "", True, 1.0, None):
        with pytest.raises(BadNumber):
            count(bad)  # type: ignore[arg-type]
    assert count("5", minimum=5) == 5
    with pytest.raises(BadNumber):
        count("4", minimum=5)


def test_the_argparse_types_are_usage_errors() -> None:
    assert count_arg("12") == 12 and count_arg_upto(10)("10") == 10
    assert yuan_arg("0.005") == Decimal("0.01")
    for parse, bad in ((count_arg, "nan"), (count_arg_upto(10), "11"), (yuan_arg, "0.004"), (yuan_arg, "1e999")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(bad)
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--n", type=count_arg)
    assert parser.parse_args(["--n", "３"]).n == 3
