"""Bounded numbers for API input: a number past what the database column holds is bad input (422), not a
crash where it reaches the database (SQLite: "Python int too large"; PostgreSQL: "integer out of range")."""

from __future__ import annotations

from typing import Annotated

from ninja import Field

# A row id (BigAutoField).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# A head count of workers or members: far above any enterprise or region, far below a 32-bit column's limit.
HEADS_MAX = 10**8
