"""The reporting section of the officials' console, and the health follow-up on a person's page."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section
from gonghui.orgs.person_sections import register as register_person_section

register_section(_("报表与复工"), [
    NavItem(_("填报任务"), "reports:overview"),
    NavItem(_("下发填报任务"), "reports:assign"),
    NavItem(_("报表模板"), "reports:forms"),
    NavItem(_("复工情况"), "reports:back_to_work"),
    NavItem(_("健康跟进"), "reports:health"),
    NavItem(_("防疫物资"), "reports:supplies"),
    NavItem(_("走访服务"), "reports:visits"),
    NavItem(_("通知与政策"), "reports:notices"),
])


def _person_section(viewer, person):  # noqa: ANN001, ANN202
    from django.urls import reverse

    from gonghui.reports import scoping

    items = [{"label": f"{i.get_kind_display()} {i.start_on:%Y-%m-%d} — {i.end_on:%Y-%m-%d}" if i.end_on else
              f"{i.get_kind_display()} {i.start_on:%Y-%m-%d} —", "url": reverse("reports:isolation", args=[i.pk]),
              "detail": i.enterprise.name}
             for i in scoping.isolations.filter(viewer).filter(person=person).select_related("enterprise")[:20]]
    # The page that calls this is scoped to people the viewer reaches (or their own file): the readings go with it.
    for reading in person.health_readings.all()[:14]:
        value = reading.reading or {}
        items.append({"label": f"{reading.day:%Y-%m-%d} " + str(_("体温")) + f" {value.get('temperature', '—')}",
                      "url": "", "detail": "、".join(value.get("symptoms") or [])})
    return {"title": _("健康跟进（隔离观察与体温）"), "items": items} if items else None


register_person_section(_person_section)
