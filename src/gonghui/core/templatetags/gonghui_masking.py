"""`{{ person.bank_account|shown:"bank_account" }}`: pages mask personal numbers through `core.masking.shown`."""

from __future__ import annotations

from django import template

from gonghui.core.masking import shown as _shown

register = template.Library()


@register.filter
def shown(value: object, kind: str) -> str:
    return _shown(value, kind) or "—"
