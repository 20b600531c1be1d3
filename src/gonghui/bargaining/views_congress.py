"""The workers' congress of an enterprise: its term, registered size, election evidence and representatives,
audited by the union — the base of a bargaining vote (集体合同规定 第三十六条; `congress.py`)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gonghui.bargaining import congress
from gonghui.bargaining.models import Congress
from gonghui.core.http import form_date, form_id, handles_bad_input
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Person
from gonghui.orgs.views import official_required


def _enterprise(request: HttpRequest, enterprise_id: int) -> Enterprise:
    enterprise = Enterprise.objects.select_related("unit").filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Http404
    org_scoping.units.get_or_404(request.user, enterprise.unit_id, action=org_scoping.CHANGE)
    return enterprise


def _number(raw: str | None, label: str) -> int:
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise ValidationError(_("%(f)s应为整数。") % {"f": label})
    return int(raw)


@official_required
@require_http_methods(["GET", "POST"])
@handles_bad_input
def congress_view(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    if request.method == "POST":
        post, action = request.POST, request.POST.get("action", "")
        chosen = Congress.objects.filter(enterprise=enterprise, pk=form_id(post.get("congress"))).first()
        if action == "register":
            congress.register_congress(
                actor=request.user, enterprise=enterprise, term=_number(post.get("term"), _("届次")),
                registered_size=_number(post.get("registered_size"), _("代表人数")),
                elected_on=form_date(post.get("elected_on"), _("选举日期")) or date.min,
                evidence_note=post.get("evidence_note", ""), evidence=request.FILES.get("evidence"))
            messages.success(request, _("职工代表大会已登记，请录入代表名单后提交审核。"))
        elif action == "delegate" and chosen is not None:
            person = Person.objects.filter(pk=form_id(post.get("person")), employer=enterprise).first() \
                if post.get("person") else None
            congress.add_delegate(actor=request.user, congress=chosen, person=person, name=post.get("name", ""),
                                  front_line=post.get("front_line") == "1")
        elif action == "audit" and chosen is not None:
            congress.audit_congress(actor=request.user, congress=chosen)
            messages.success(request, _("已审核。"))
        return redirect(request.path)
    rows = [{"congress": c, "evidence": congress.evidence_of(c), "delegates": list(c.delegates.all())}
            for c in congress.congresses_for(request.user, enterprise)]
    people = Person.objects.filter(employer=enterprise, merged_into__isnull=True).order_by("name")[:500]
    return render(request, "bargaining/congress.html", {
        "enterprise": enterprise, "rows": rows, "people": people, "headcount": congress.headcount(enterprise)})
