"""Person merges: each app declares what it holds on a person, and the merge moves it.

When two files of one person become one (`orgs.services.merge_people`), every app's records of the duplicate
file must follow to the kept file, or a once-per-campaign grant already paid to the duplicate is paid again to
the kept file. Each app registers, in its `AppConfig.ready`, one holder: the person-keyed fields it answers
for (``"relief.Application.person"``) and the function that moves them, ``(keep, duplicate, actor) -> counts``.
The merge calls every holder inside its own transaction and audits the counts. A test walks the models and
fails when a field pointing at a person is claimed by no holder, so a new model cannot be forgotten.

A holder may also keep a field in place where the record must not change (the payments ledger is
append-only: its entries keep the payee they were paid to; look-ups of what was paid to a person include the
files merged into it). It still claims the field, and says so in `kept`.

This lives in `core` because `core` itself holds person-keyed records (the ledger) and uses nothing of ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

Move = Callable[..., dict[str, int]]


@dataclass(frozen=True)
class Holder:
    name: str
    claims: tuple[str, ...]  # "app_label.Model.field", each pointing at the person model
    move: Move
    kept: tuple[str, ...] = field(default=())  # claimed fields deliberately not re-pointed (and why, in the app)


_holders: dict[str, Holder] = {}


def register_person_holder(name: str, *, claims: Iterable[str], move: Move, kept: Iterable[str] = ()) -> None:
    """Declare what app `name` holds on a person and how a merge moves it (one holder per name)."""
    _holders[name] = Holder(name, tuple(claims), move, tuple(kept))


def holders() -> list[Holder]:
    return [_holders[name] for name in sorted(_holders)]


def claimed_fields() -> set[str]:
    return {claim for holder in _holders.values() for claim in (*holder.claims, *holder.kept)}


def reassign(*claims: str) -> Move:
    """The move of plain foreign keys: every row of the duplicate now names the kept file."""

    def move(*, keep: Any, duplicate: Any, actor: Any) -> dict[str, int]:
        moved: dict[str, int] = {}
        for claim in claims:
            app_label, model_name, field_name = claim.split(".")
            model = apps.get_model(app_label, model_name)
            count = model._base_manager.filter(**{field_name: duplicate}).update(**{field_name: keep})
            if count:
                moved[claim] = count
        return moved

    return move


def move_all(*, keep: Any, duplicate: Any, actor: Any) -> dict[str, int]:
    """Every holder's move, in a fixed order (by name); the caller holds the transaction."""
    moved: dict[str, int] = {}
    for holder in holders():
        moved.update(holder.move(keep=keep, duplicate=duplicate, actor=actor))
    return moved
