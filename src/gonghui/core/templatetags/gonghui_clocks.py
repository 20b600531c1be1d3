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


def next_year_unloaded(today: date) -> int | None:
    """From 1 November, next year when its arrangement is neither loaded nor published (its basis is provisional):
    the State Council usually publishes the next year's arrangement in October or November."""
    if (today.month, today.day) < (11, 1):
        return None
    return today.year + 1 if year_basis(today.year + 1) == "provisional" else None


@register.simple_tag(takes_context=True)
def calendar_warning(context: template.Context) -> str:
    """The console's warning to the system administrator that next year's holiday arrangement is not loaded."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_superuser", False):
        return ""
    year = next_year_unloaded(timezone.localdate())
    if year is None:
        return ""
    return format_html(
        '<div class="alert alert-warning small" data-testid="calendar-warning">{} <a href="{}">{}</a></div>',
        gettext("%(year)d年的国务院放假安排尚未导入：跨入%(year)d年的期限目前按法定节假日推算。") % {"year": year},
        f"{reverse('core:calendar')}?year={year}", gettext("导入放假安排"))
