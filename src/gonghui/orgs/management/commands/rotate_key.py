"""`gonghui rotate-key --old-key OLD`: re-encrypt all personal data under GONGHUI_DATA_KEY.

Set GONGHUI_DATA_KEY to the new key, keep the old one at hand, run this once. Values already
under the new key are left as they are, so an interrupted run can simply be run again.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from gonghui.core import crypto
from gonghui.core.fields import EncryptedJSONField, EncryptedTextField
from gonghui.core.masking import mask_phone
from gonghui.orgs.models import Person, User

# table, encrypted columns, {hash column: (source column, kind)}
TABLES: tuple[tuple[type[Any], tuple[str, ...], dict[str, tuple[str, str]]], ...] = (
    (User, ("phone",), {"phone_hash": ("phone", "phone")}),
    (Person, ("id_number", "phone", "bank_account", "emergency_phone"),
     {"id_hash": ("id_number", "id"), "phone_hash": ("phone", "phone"), "bank_hash": ("bank_account", "bank")}),
)


def discovered() -> list[tuple[type[Any], tuple[str, ...], dict[str, tuple[str, str]]]]:
    """Every other model with sealed fields (the ledger, service apps); its `SEALED_HASHES` names its hashes."""
    from django.apps import apps

    listed = {model for model, _c, _h in TABLES}
    found = []
    for model in apps.get_models():
        columns = tuple(f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | EncryptedJSONField))
        if columns and model not in listed:
            found.append((model, columns, dict(getattr(model, "SEALED_HASHES", {}))))
    return found


class Command(BaseCommand):
    help = "Re-encrypt personal data and recompute look-up hashes under the current GONGHUI_DATA_KEY."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--old-key", default=os.environ.get("GONGHUI_DATA_KEY_OLD"),
                            help="the previous key (or GONGHUI_DATA_KEY_OLD)")
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, old_key: str | None, batch: int, **options) -> None:  # noqa: ANN002, ANN003
        if not old_key:
            raise CommandError("give the previous key with --old-key or GONGHUI_DATA_KEY_OLD")
        new_key = settings.GONGHUI_DATA_KEY
        if old_key == new_key:
            raise CommandError("the old key is the current key: nothing to do")
        for model, columns, hashes in (*TABLES, *discovered()):
            table = model._meta.db_table
            quoted = ", ".join(connection.ops.quote_name(c) for c in ("id", *columns))
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)} ORDER BY id")  # noqa: S608
                rows = cursor.fetchall()
            changed = 0
            for start in range(0, len(rows), batch):
                with transaction.atomic():
                    for row in rows[start:start + batch]:
                        changed += self._rotate(model, columns, hashes, row, old_key, new_key)
            self.stdout.write(f"{table}: {changed} of {len(rows)} rows re-encrypted")

    def _rotate(self, model: type[Any], columns: tuple[str, ...], hashes: dict[str, tuple[str, str]],
                row: tuple[Any, ...], old_key: str, new_key: str) -> int:
        pk, sealed = row[0], dict(zip(columns, row[1:], strict=True))
        plain: dict[str, str] = {}
        for column, value in sealed.items():
            if not value:
                plain[column] = ""
                continue
            try:
                with crypto.using_key(new_key):
                    crypto.decrypt(value)
                return 0  # already under the new key (a re-run)
            except crypto.DecryptionError:
                pass
            with crypto.using_key(old_key):
                plain[column] = crypto.decrypt(value)
        updates: dict[str, Any] = dict(plain)  # the field seals them with the current (new) key on save
        for column in plain:
            field = next(f for f in model._meta.concrete_fields if f.column == column)
            if isinstance(field, EncryptedJSONField) and plain[column]:
                updates[column] = json.loads(plain[column])  # the field takes the value, not its JSON text
        for hash_column, (source, kind) in hashes.items():
            value = plain.get(source, "")
            updates[hash_column] = crypto.lookup_hash(value, kind) if value else (None if model is User else "")
        if model is Person:
            updates["phone_masked"] = mask_phone(plain.get("phone", ""))
        model._default_manager.filter(pk=pk).update(**updates)
        return 1
