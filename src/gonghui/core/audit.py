"""The one way to write the audit log. Services call `record` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from gonghui.core.context import current_origin
from gonghui.core.models import AuditEvent

Action = AuditEvent.Action


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    unit_path: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    subject_user_id: int | None = None,
    object_repr: str | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    origin = current_origin()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_label=actor_label if actor_label is not None else (actor.get_username() if authenticated else ""),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:200],
        unit_path=unit_path,
        subject_user_id=subject_user_id,
        changes=_jsonable(changes or {}),
        reason=reason,
        ip=origin.ip,
        user_agent=origin.user_agent[:255],
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
