"""Printable forms (审批表): a Django template rendered to PDF by WeasyPrint with Noto CJK fonts."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only printing needs

    html = render_to_string(template, context)
    return HTML(string=html, base_url=None).write_pdf()
