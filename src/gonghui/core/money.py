"""Money: Decimal yuan with two places, rounded half-up to the fen. Never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


class BadAmount(ValueError):
    """An amount that is not a number of yuan (the message is for the user)."""


def yuan(value: Any) -> Decimal:
    """A Decimal of yuan rounded half-up to the fen, from a Decimal, an int or a decimal string."""
    if isinstance(value, float):
        raise BadAmount("金额不能是二进制浮点数，请使用十进制字符串，例如 \"1000.00\"。")
    if isinstance(value, bool):
        raise BadAmount("金额必须是数字。")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise BadAmount(f"“{value}”不是金额，请填写数字，例如 1000.00。") from exc
    if not amount.is_finite():
        raise BadAmount(f"“{value}”不是金额。")
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal | None) -> str:
    """1234.5 → "1,234.50" (for pages and printed forms)."""
    return "" if amount is None else f"{yuan(amount):,.2f}"
