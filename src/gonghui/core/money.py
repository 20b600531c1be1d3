"""Money: Decimal yuan with two places, rounded half-up to the fen. Never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gonghui.core.numbers import BadNumber, finite_decimal, shown_input

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount of any money column (the ledger's: 12 digits, two after the point).
YUAN_MAX = Decimal("9999999999.99")


class BadAmount(BadNumber):
    """An amount that is not a number of yuan (the message is for the user)."""


def yuan(value: Any) -> Decimal:
    """A Decimal of yuan rounded half-up to the fen, from a Decimal, an int or a decimal string.

    Parsed by `core.numbers` (NaN, infinities, 1e999, look-alike digits refused); the ceiling is checked
    before rounding as well: 1e30 cannot be rounded to the fen in 28 digits (InvalidOperation, a server
    error), and 1e20 rounds but overflows every money column (PostgreSQL "numeric field overflow").
    """
    if isinstance(value, float):
        raise BadAmount("金额不能是二进制浮点数，请使用十进制字符串，例如 \"1000.00\"。")
    if isinstance(value, bool):
        raise BadAmount("金额必须是数字。")
    try:
        amount = finite_decimal(value, label="金额")
    except BadNumber as exc:
        raise BadAmount(str(exc)) from exc
    if abs(amount) > YUAN_MAX:
        raise BadAmount(f"“{shown_input(value)}”超出了金额的上限（{YUAN_MAX:,.2f} 元），请核对。")
    amount = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    return abs(amount) if amount.is_zero() else amount  # -0.001 → 0.00, never "-0.00"


def positive_yuan(value: Any, *, maximum: Decimal | None = None) -> Decimal:
    """An amount to claim, agree or pay: `yuan`, and more than zero once rounded to the fen.

    -0.001 and 0.004 round to 0.00: refused, as is anything negative; `maximum` tightens the ceiling for a
    column narrower than the ledger's (a monthly wage).
    """
    amount = yuan(value)
    if amount <= 0:
        raise BadAmount(f"“{shown_input(value)}”不是大于零的金额（按分四舍五入后为 {amount:.2f} 元）。")
    if maximum is not None and amount > maximum:
        raise BadAmount(f"“{shown_input(value)}”超出了该项金额的上限（{maximum:,.2f} 元），请核对。")
    return amount


def fmt(amount: Decimal | None) -> str:
    """1234.5 → "1,234.50" (for pages and printed forms)."""
    return "" if amount is None else f"{yuan(amount):,.2f}"
