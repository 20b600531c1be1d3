"""One counter for every document number (cases, contracts, bargaining requests, membership numbers).

A series is a row of `DocumentCounter`, keyed by the number's prefix. The next serial is an UPDATE of that row
inside the caller's transaction: the row stays locked until the document is written and committed, so two
parallel creations wait for each other instead of both reading the same MAX + 1 and one failing on the unique
number. A rolled-back creation gives its serial back (the UPDATE rolls back too), so the numbers have no gaps.

A series not seen before starts from `seed()`, the highest serial already used (numbers written before the
counter existed, or by an import); two first uses at once both compute it, one inserts the row, the other meets
the unique key and takes the next serial from the row.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F

from gonghui.core.models import DocumentCounter


class CounterOutsideTransaction(RuntimeError):
    pass


def next_serial(key: str, *, seed: Callable[[], int]) -> int:
    """The next serial of series `key`; must be called inside the transaction that writes the document."""
    if not transaction.get_connection().in_atomic_block:
        raise CounterOutsideTransaction("a document number is taken inside the transaction that writes the document")
    for _attempt in range(2):
        if DocumentCounter.objects.filter(key=key).update(value=F("value") + 1):
            return DocumentCounter.objects.values_list("value", flat=True).get(key=key)
        first = seed() + 1
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(key=key, value=first)
        except IntegrityError:
            continue  # another transaction started the series first: take the next serial from its row
        return first
    raise RuntimeError(f"document counter {key!r} could not be started")  # pragma: no cover - see the loop


def serial_of(number: str | None, prefix: str) -> int:
    """The serial of a number of the series (0 for none): what `seed` returns for the highest number used."""
    tail = (number or "")[len(prefix):]
    return int(tail) if tail.isascii() and tail.isdigit() else 0
