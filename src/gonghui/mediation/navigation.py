"""The mediation section of the officials' console, and the cases on a person's page."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section
from gonghui.orgs.person_sections import register as register_person_section

register_section(_("劳动争议调解"), [
    NavItem(_("调解工作台"), "mediation:overview"),
    NavItem(_("调解案件"), "mediation:cases"),
    NavItem(_("记录口头申请"), "mediation:record"),
    NavItem(_("调解组织"), "mediation:bodies"),
    NavItem(_("调解统计"), "mediation:figures"),
])


def _person_section(viewer, person):  # noqa: ANN001, ANN202
    from django.urls import reverse

    from gonghui.mediation import scoping

    cases = scoping.cases.filter(viewer).filter(parties__person=person).select_related("employer").distinct()[:20]
    items = [{"label": c.number, "url": reverse("mediation:case", args=[c.pk]),
              "detail": f"{c.get_category_display()} · {c.employer.name} · {c.get_state_display()}"} for c in cases]
    return {"title": _("劳动争议调解"), "items": items} if items else None


register_person_section(_person_section)
