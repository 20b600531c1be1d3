"""Model fields that keep personal data encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
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


class EncryptedJSONField(models.TextField):
    """A JSON value (dict, list…) stored sealed: reports whose rows name people, health readings.

    Not queryable by content — read it in Python; keep anything that must be filtered in its own column."""

    _pyi_private_set_type: Any  # for django-stubs: any JSON value in and out, not text
    _pyi_private_get_type: Any

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None
        return json.loads(crypto.decrypt(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":")))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, cls=DjangoJSONEncoder)
