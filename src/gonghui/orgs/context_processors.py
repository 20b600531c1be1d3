from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gonghui.orgs.navigation import console_sections
from gonghui.orgs.session import active_assignment


def console(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's roles, the unit they act for now, and the console's navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    active = active_assignment(request)
    return {
        "my_roles": user.active_roles(),
        "active_role": active,
        "active_unit": active.unit if active else None,
        "nav_sections": console_sections(user),
    }
