"""The membership section of the officials' console."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section
from gonghui.orgs.person_sections import register as register_person_section

register_section(_("会员"), [
    NavItem(_("入会审批"), "membership:queue"),
    NavItem(_("会员统计"), "membership:figures"),
    NavItem(_("转会"), "membership:transfers"),
    NavItem(_("资料更正"), "membership:corrections"),
    NavItem(_("手机换绑核实"), "membership:rebinds"),
])


def _person_section(viewer, person):  # noqa: ANN001, ANN202
    """Membership on the person's page, as far as the viewer may see it."""
    from django.urls import reverse

    from gonghui.membership import scoping

    items = [{"label": f"{_('会员编号')} {m.number}", "url": reverse("membership:figures"),
              "detail": f"{m.unit.name} · {_('入会')} {m.since:%Y-%m-%d} · {m.get_status_display()}"
                        + (f" · {_('终止')} {m.ended_on:%Y-%m-%d}" if m.ended_on else "")}
             for m in scoping.memberships.filter(viewer).filter(person=person).select_related("unit")]
    items += [{"label": a.number, "url": reverse("membership:application", args=[a.pk]),
               "detail": f"{_('入会申请')} · {a.get_state_display()}"}
              for a in scoping.join_applications.filter(viewer).filter(person=person)[:10]]
    return {"title": _("会籍"), "items": items} if items else None


register_person_section(_person_section)
