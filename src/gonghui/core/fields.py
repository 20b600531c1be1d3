"""Model fields that keep personal data encrypted at rest."""

from __future__ import annotations

from typing import Any

from django.db import models

from gonghui.core import crypto


class EncryptedTextField(models.TextField):
    """A text value stored sealed (see `core.crypto`); Python code sees the plain value.

    Pair it with a keyed-hash field for look-ups: a sealed value cannot be searched.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
