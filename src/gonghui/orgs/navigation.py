"""The console's navigation. Service apps add their entries with `register_section`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    icon: str = ""
    visible: Callable[[Any], bool] = field(default=lambda user: True)


_sections: list[tuple[Any, list[NavItem]]] = []


def register_section(title: Any, items: list[NavItem]) -> None:
    _sections.append((title, items))


def console_sections(user: Any) -> list[dict[str, Any]]:
    if not user.is_official:
        return []
    sections = []
    for title, items in _sections:
        links = [{"label": i.label, "url": reverse(i.url_name), "name": i.url_name} for i in items if i.visible(user)]
        if links:
            sections.append({"title": title, "links": links})
    return sections


register_section(_("组织"), [
    NavItem(_("工作台"), "dashboards:console"),
    NavItem(_("消息"), "dashboards:inbox"),
    NavItem(_("工会组织"), "orgs:unit_list"),
    NavItem(_("账号与角色"), "orgs:account_list"),
    NavItem(_("审计日志"), "orgs:audit_list"),
])
register_section(_("名册"), [
    NavItem(_("职工档案"), "orgs:person_list"),
    NavItem(_("企业名录"), "orgs:enterprise_list"),
    NavItem(_("待确认的档案关联"), "orgs:person_links"),
])
