"""Numbers typed by people: the one place that turns text into a Decimal or a count.

Every money or number input — CLI arguments and fact files, API bodies, pages, Excel cells — goes
through here, so that NaN, infinities, exponents past any column, amounts that round to nothing and
look-alike digits are refused with a reason the user can act on, never a traceback:

- `finite_decimal(text)`: plain ASCII decimal notation only (an exponent is allowed but bounded);
  "NaN", "Infinity", "1e999", "1E-999" and strings longer than `MAX_CHARS` are refused.
- `bounded_decimal(value, min, max, places)`: that, range-checked *before* rounding (1e30 cannot be
  quantized in 28 digits: InvalidOperation) and after rounding half-up to `places`.
- `count(text)`: a non-negative integer of ASCII digits.

Full-width digits (０-９, typed by Chinese input methods) are deliberately normalised to ASCII;
every other Unicode digit ("²", "٣", "𝟡") is refused — Python's own `int()`/`Decimal()` would
read "１２" and "٣" but crash on "²", which `str.isdigit()` still calls a digit.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

# A number typed by a person is short; a longer string is a mistake or an attack (int("9" * 10**6) is slow).
MAX_CHARS = 40
# |adjusted exponent| beyond this is not a quantity anybody enters (and would not fit any column).
MAX_EXPONENT = 30
# A head count, a quantity, a number of days: far above any real one, far below a 32-bit column's limit.
COUNT_MAX = 10**8

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
_COUNT = re.compile(r"[0-9]+")


class BadNumber(ValueError):
    """A number that was refused; the message is for the user (pydantic shows a ValueError on the field)."""


def normalise(text: str) -> str:
    """Strip blanks, read full-width digits/point/sign as ASCII, drop thousands separators (1,000)."""
    return text.strip().translate(_FULL_WIDTH).replace(",", "")


def shown_input(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + "…"


def finite_decimal(value: Any, *, label: str | None = None) -> Decimal:
    """A finite Decimal from text, an int, a Decimal or a finite float (read by its shortest repr).

    "-0" is zero. Refused (BadNumber): blank, NaN, infinities, anything not plain decimal notation,
    more than MAX_CHARS characters, an exponent past ±MAX_EXPONENT (1e999, 1E-999).
    """
    label = label or _("数值")
    if isinstance(value, bool) or value is None:
        raise BadNumber(_("%(f)s必须是数字。") % {"f": label})
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if abs(value) >= 10**MAX_EXPONENT:
            raise BadNumber(_("%(f)s“%(v)s”超出了允许的范围。") % {"f": label, "v": shown_input(value)})
        return Decimal(value)
    else:
        text = repr(value) if isinstance(value, float) else normalise(str(value))
        if not text:
            raise BadNumber(_("请填写%(f)s。") % {"f": label})
        if len(text) > MAX_CHARS:
            raise BadNumber(_("%(f)s太长（最多 %(n)d 个字符）。") % {"f": label, "n": MAX_CHARS})
        if not _DECIMAL.fullmatch(text):
            raise BadNumber(_("%(f)s“%(v)s”不是数字，请填写十进制数，例如 1000.00 或 36.5。")
                            % {"f": label, "v": shown_input(value)})
        number = Decimal(text)
    if not number.is_finite():
        raise BadNumber(_("%(f)s“%(v)s”不是有限的数字。") % {"f": label, "v": shown_input(value)})
    if number.is_zero():  # "-0", "0E-999": zero, with its places if it has a few ("0.00")
        return abs(number) if -MAX_EXPONENT <= number.as_tuple().exponent <= 0 else Decimal(0)  # type: ignore[operator]
    if abs(number.adjusted()) > MAX_EXPONENT:
        raise BadNumber(_("%(f)s“%(v)s”超出了允许的范围。") % {"f": label, "v": shown_input(value)})
    return number


def bounded_decimal(value: Any, min: Decimal | int | None = None, max: Decimal | int | None = None,  # noqa: A002
                    places: int | None = None, *, label: str | None = None) -> Decimal:
    """`finite_decimal`, rounded half-up to `places` (if given), within [min, max] (each if given).

    The range is checked before rounding as well, so a huge value is refused with the reason rather than
    failing in `quantize`; and after it, so 0.004 with min 0.01 is refused (it rounds to 0.00).
    """
    label = label or _("数值")
    number = finite_decimal(value, label=label)
    lowest = None if min is None else Decimal(min)
    highest = None if max is None else Decimal(max)
    if highest is not None and number > highest + 1 or lowest is not None and number < lowest - 1:
        raise BadNumber(_range_message(label, value, lowest, highest))
    if places is not None:
        try:
            number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        except InvalidOperation as exc:  # past 28 significant digits with no max given
            raise BadNumber(_range_message(label, value, lowest, highest)) from exc
        if number.is_zero():
            number = abs(number)  # -0.001 → 0.00, never "-0.00"
    if highest is not None and number > highest or lowest is not None and number < lowest:
        raise BadNumber(_range_message(label, value, lowest, highest))
    return number


def _range_message(label: str, value: Any, lowest: Decimal | None, highest: Decimal | None) -> str:
    if lowest is not None and highest is not None:
        return _("%(f)s“%(v)s”应在 %(a)s 到 %(b)s 之间。") % {"f": label, "v": shown_input(value), "a": lowest, "b": highest}
    if lowest is not None:
        return _("%(f)s“%(v)s”不能小于 %(a)s。") % {"f": label, "v": shown_input(value), "a": lowest}
    return _("%(f)s“%(v)s”不能大于 %(b)s。") % {"f": label, "v": shown_input(value), "b": highest}


def count(value: Any, *, label: str | None = None, maximum: int = COUNT_MAX, minimum: int = 0) -> int:
    """A non-negative whole number (a head count, a quantity, days) of ASCII or full-width digits.

    Refused: signs ("-0", "+3"), points ("12.0"), exponents, "²" and other Unicode digits, more than
    `maximum`, fewer than `minimum`. An int (not a bool) is range-checked only.
    """
    label = label or _("数量")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadNumber(_("%(f)s必须是整数。") % {"f": label})
    if isinstance(value, str):
        text = normalise(value)
        if not text:
            raise BadNumber(_("请填写%(f)s。") % {"f": label})
        if len(text) > MAX_CHARS or not _COUNT.fullmatch(text):
            raise BadNumber(_("%(f)s“%(v)s”应为不带符号和小数点的整数，例如 12。") % {"f": label, "v": shown_input(value)})
        value = int(text)
    if value < minimum or value > maximum:
        raise BadNumber(_("%(f)s“%(v)s”应在 %(a)d 到 %(b)d 之间。")
                        % {"f": label, "v": shown_input(value), "a": minimum, "b": maximum})
    return value


# --- argparse types for the CLI: a refused value is a usage error (exit status 2, the reason on stderr) ---

def count_arg(text: str) -> int:
    try:
        return count(text)
    except BadNumber as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def count_arg_upto(maximum: int) -> Callable[[str], int]:
    """`count_arg` with a ceiling of its own (days to add to a date: past year 9999 is an OverflowError)."""

    def parse(text: str) -> int:
        try:
            return count(text, maximum=maximum)
        except BadNumber as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    parse.__name__ = "count"  # argparse names the type in its message
    return parse


def yuan_arg(text: str) -> Decimal:
    from gonghui.core.money import positive_yuan

    try:
        return positive_yuan(text)
    except BadNumber as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


# --- hooks for the JSON/API layer (pydantic / django-ninja): a BadNumber is a ValueError, reported on its field ---
# Use as Annotated[Decimal, BeforeValidator(decimal_check(...))] (see gonghui.api.types).

def decimal_check(min: Decimal | int | None = None, max: Decimal | int | None = None,  # noqa: A002
                  places: int | None = None) -> Callable[[Any], Decimal]:
    """A pydantic before-validator: a JSON number or a decimal string, finite, in range, rounded half-up."""

    def check(value: Any) -> Decimal:
        return bounded_decimal(value, min, max, places)

    return check


def count_check(maximum: int = COUNT_MAX, minimum: int = 0) -> Callable[[Any], int]:
    """A pydantic before-validator: a JSON integer (or a string of digits) within [minimum, maximum]."""

    def check(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return count(value, maximum=maximum, minimum=minimum)

    return check
