from __future__ import annotations

from django.http import HttpRequest

from gonghui.orgs.models import Role, RoleAssignment

ACTIVE_UNIT = "gonghui_active_unit"


def active_assignment(request: HttpRequest, *, officials_only: bool = False) -> RoleAssignment | None:
    """The role the user acts in now: the one chosen with the unit switcher, else the first."""
    roles = request.user.active_roles()
    if officials_only:
        roles = [a for a in roles if a.role != Role.WORKER]
    chosen = request.session.get(ACTIVE_UNIT) if hasattr(request, "session") else None
    return next((a for a in roles if a.pk == chosen), roles[0] if roles else None)
