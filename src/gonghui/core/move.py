"""Moving an installation's data from one database to another (a street's SQLite to a city's PostgreSQL).

Every table is copied through the models, in chunks, with its primary keys, inside one transaction on the target
(PostgreSQL checks foreign keys at commit, so the order of tables does not matter there); rows already in the target
are left as they are, so a run that stopped half-way, or a second run, only adds what is missing. Sealed personal
data is read and sealed again under the same key. Afterwards the sequences are moved past the copied keys and every
table's count and the ledger's total are compared with the source's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dj_database_url
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction

from gonghui.core.backup import figures
from gonghui.core.sqlite import with_safeguards

SOURCE, TARGET = "move_source", "move_target"
CHUNK = 2000


class MoveError(Exception):
    pass


def connect(source_url: str, target_url: str) -> None:
    for alias, url in ((SOURCE, source_url), (TARGET, target_url)):
        # A SQLite source may still be in use: it gets the safeguards (busy timeout, WAL) as it does in the app.
        database = with_safeguards(dict(dj_database_url.parse(url)))
        configured = connections.configure_settings({"default": database})["default"]
        connections.settings[alias] = configured
        try:
            connections[alias].ensure_connection()
        except Exception as exc:  # each engine raises its own: the message is what the operator needs
            raise MoveError(f"cannot reach the {'source' if alias == SOURCE else 'target'} database: {exc}") from exc


def _models() -> list[Any]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


@contextmanager
def _stamps_kept(model: Any) -> Iterator[None]:
    """Copy `auto_now` stamps as they are, not as of now."""
    stamped = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    for field in stamped:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _copy(model: Any, progress: Callable[[str, int, int], None] | None) -> None:
    rows = model._default_manager.using(SOURCE).order_by("pk")
    total, copied = rows.count(), 0
    present = set(model._default_manager.using(TARGET).values_list("pk", flat=True))
    batch: list[Any] = []
    for row in rows.iterator(chunk_size=CHUNK):
        if row.pk in present:
            continue
        batch.append(row)
        if len(batch) >= CHUNK:
            model._default_manager.using(TARGET).bulk_create(batch)
            copied, batch = copied + len(batch), []
    if batch:
        model._default_manager.using(TARGET).bulk_create(batch)
        copied += len(batch)
    if progress is not None:
        progress(model._meta.db_table, copied, total)


def move(*, progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Copy everything from SOURCE to TARGET (both connected); returns the figures of both, which must agree."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[SOURCE])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise MoveError("the source database is behind this version: run `gonghui migrate` on it first "
                        "(DATABASE_URL=<the source> gonghui migrate)")
    call_command("migrate", database=TARGET, interactive=False, verbosity=0)
    models = _models()
    with transaction.atomic(using=TARGET):
        # The target's own migrate made content types and permissions, perhaps with other keys than the source's:
        # the source's win (audit rows and generic links refer to them), unless they already agree.
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        same = set(ContentType.objects.using(SOURCE).values_list("pk", "app_label", "model")) == \
            set(ContentType.objects.using(TARGET).values_list("pk", "app_label", "model"))
        if not same:
            Permission.objects.using(TARGET).all().delete()
            ContentType.objects.using(TARGET).all().delete()
        for model in models:
            with _stamps_kept(model):
                _copy(model, progress)
        target = connections[TARGET]
        statements = target.ops.sequence_reset_sql(no_style(), models)
        if statements:
            with target.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    before, after = figures(SOURCE), figures(TARGET)
    if (before["tables"], before["ledger"]) != (after["tables"], after["ledger"]):
        wrong = sorted(t for t in before["tables"] if after["tables"].get(t) != before["tables"][t])
        raise MoveError(f"copied, but the target differs from the source: {wrong or after['ledger']}")
    return {"source": before, "target": after}
