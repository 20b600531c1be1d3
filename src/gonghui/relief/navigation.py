"""The relief section of the officials' console."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section
from gonghui.orgs.person_sections import register as register_person_section

register_section(_("帮扶救助"), [
    NavItem(_("救助工作台"), "relief:overview"),
    NavItem(_("困难职工档案"), "relief:file_list"),
    NavItem(_("动态监测"), "relief:monitoring"),
    NavItem(_("救助申请"), "relief:application_list"),
    NavItem(_("救助政策"), "relief:policy_list"),
    NavItem(_("资金与批量发放"), "relief:budget_list"),
    NavItem(_("支付台账"), "relief:payment_list"),
])


def _person_section(viewer, person):  # noqa: ANN001, ANN202
    """Hardship files and relief applications on the person's page, as far as the viewer may see them."""
    from django.urls import reverse

    from gonghui.relief import scoping

    files = scoping.files.filter(viewer).filter(person=person).order_by("-id")
    applications = scoping.applications.filter(viewer).filter(person=person).select_related("version__policy")
    items = [{"label": f"{_('困难职工档案')} #{f.pk}", "url": reverse("relief:file_detail", args=[f.pk]),
              "detail": f"{f.get_status_display()} · {f.get_category_display() or _('类别待确认')}"} for f in files]
    items += [{"label": f"{a.number} {a.version.policy.name}", "url": reverse("relief:application_detail", args=[a.pk]),
               "detail": f"{a.amount} {_('元')} · {a.get_state_display()}"} for a in applications.order_by("-id")[:20]]
    return {"title": _("帮扶救助"), "items": items} if items else None


register_person_section(_person_section)
