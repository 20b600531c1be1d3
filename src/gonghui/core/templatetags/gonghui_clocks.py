"""`{% load gonghui_clocks %}{{ case.due_on|deadline }}`: a statutory last day, with the provisional-year note
when the year's holiday arrangement is not published yet (core.deadlines)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html

from gonghui.core.deadlines import PROVISIONAL_NOTE, year_basis

register = template.Library()


@register.filter
def deadline(value: date | None) -> str:
    if not value:
        return ""
    shown = date_format(value, "Y-m-d")
    if year_basis(value.year) != "provisional":
        return shown
    return format_html('{} <small class="provisional" title="{}">（{}）</small>', shown, PROVISIONAL_NOTE,
                       PROVISIONAL_NOTE)
