"""Bounded numbers for API input: a number past what the database column holds is bad input (422), not a
crash where it reaches the database (SQLite: "Python int too large"; PostgreSQL: "integer out of range")."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ninja import Field
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from gonghui.core.money import positive_yuan
from gonghui.core.numbers import COUNT_MAX, count_check, decimal_check

# A row id (BigAutoField).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# A head count of workers or members: far above any enterprise or region, far below a 32-bit column's limit.
HEADS_MAX = COUNT_MAX
# A count in a body: a JSON integer within [0, COUNT_MAX]; "²", "1e3", true and 12.5 refused (422).
Count = Annotated[int, BeforeValidator(count_check()),
                  WithJsonSchema({"type": "integer", "minimum": 0, "maximum": COUNT_MAX})]
# A quantity asked for (supplies): 1 to 10,000,000; true, 12.5, "²" refused.
Quantity = Annotated[int, BeforeValidator(count_check(10_000_000, 1)),
                     WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 10_000_000})]
# A percentage change (a wage rise): finite, -100 to 1000, rounded half-up to 0.01; NaN, 1e999, 1E-999 refused.
Percent = Annotated[Decimal, BeforeValidator(decimal_check(-100, 1000, 2)),
                    WithJsonSchema({"type": "number", "minimum": -100, "maximum": 1000})]
# A body temperature: finite, rounded half-up to 0.1 (the service checks 34–43 °C and says so).
Temperature = Annotated[Decimal, BeforeValidator(decimal_check(-100, 100, 1)),
                        WithJsonSchema({"type": "number", "minimum": -100, "maximum": 100})]


def _amount_text(value: str) -> str:
    """An amount of yuan as a decimal string, checked when the body is parsed: 1e30, NaN, Infinity and what
    rounds to zero or below (-0.001, 0.004) are refused with 422 before the operation runs at all — before
    any record is written or any text message sent. The service checks it again (pages call it too)."""
    if value.strip():
        positive_yuan(value)  # BadAmount is a ValueError: pydantic reports it on this field
    return value


# A positive amount of yuan, a decimal string ("1200.50"); blank where the field is optional.
Yuan = Annotated[str, Field(max_length=20), AfterValidator(_amount_text)]
