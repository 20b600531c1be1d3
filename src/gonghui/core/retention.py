"""Retention hooks for `gonghui purge`: each service app says what it purges and what it must keep.

- `register_purge(name, handler)`: handler(now, dry_run) -> how many records it deleted or anonymised;
- `register_hold(handler)`: handler(now) -> ids of registry people whose data must be kept (a
  hardship file within its 10 years after exit keeps the person's file too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

PURGES: dict[str, Callable[[datetime, bool], int]] = {}
HOLDS: list[Callable[[datetime], Iterable[int]]] = []


def register_purge(name: str, handler: Callable[[datetime, bool], int]) -> None:
    PURGES[name] = handler


def register_hold(handler: Callable[[datetime], Iterable[int]]) -> None:
    HOLDS.append(handler)


def held_people(now: datetime) -> set[int]:
    held: set[int] = set()
    for handler in HOLDS:
        held.update(handler(now))
    return held
