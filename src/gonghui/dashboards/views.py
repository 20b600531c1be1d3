"""The two homes: the official's console and the worker's phone page. Read-only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gonghui.core.pagecache import cached_read
from gonghui.orgs import selectors as org_selectors
from gonghui.orgs.models import Role
from gonghui.orgs.session import active_assignment


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_official:
        return redirect("dashboards:console")
    return redirect("dashboards:me")


@login_required
@cached_read
def console(request: HttpRequest) -> HttpResponse:
    if not request.user.is_official:
        raise Http404
    active = active_assignment(request, officials_only=True)
    summary = org_selectors.subtree_summary(request.user, active.unit) if active else None
    chart = None
    if summary:
        chart = {
            "levels": {"labels": [r["label"] for r in summary["levels"]], "values": [r["count"] for r in summary["levels"]]},
            "roles": [{"name": r["label"], "value": r["count"]} for r in summary["roles"] if r["count"]],
        }
    return render(request, "dashboards/console.html", {
        "summary": summary,
        "chart": chart,
        "children": org_selectors.unit_children(request.user, active.unit) if active else [],
        "recent": org_selectors.audit_list(request.user)[:8],
    })


@login_required
@cached_read
def me(request: HttpRequest) -> HttpResponse:
    """The worker's home on a phone: their union, their account, what happened to it."""
    memberships = [a for a in request.user.active_roles() if a.role == Role.WORKER]
    return render(request, "dashboards/me.html", {
        "memberships": memberships,
        "recent": org_selectors.recent_activity(request.user, limit=5),
        "reveals": org_selectors.reveals_of(request.user)[:5],
        "is_employer_rep": bool(request.user.represented_enterprise_ids()),
        "is_reporter": any(a.role == Role.REPORTER for a in request.user.active_roles()),
        "represented": [a for a in request.user.active_roles() if a.role == Role.EMPLOYER_REP],
        "unread": request.user.notifications.filter(read_at__isnull=True)[:5],
    })


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The account's own messages (notices of its cases and applications); opening the inbox reads them."""
    from django.utils import timezone

    notes = list(request.user.notifications.all()[:100])
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "dashboards/inbox.html", {"notes": notes, "official": request.user.is_official})
