"""The one pagination of the API: limit and offset, both bounded.

Ninja's own bounds leave the offset open; an offset past a 64-bit integer reached the database and failed
there (SQLite: "datatype mismatch") instead of being refused as bad input.
"""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 10**9  # far past any list the API serves (a province's people are tens of millions)


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
