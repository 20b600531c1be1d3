"""The reporting section of the officials' console."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section

register_section(_("报表与复工"), [
    NavItem(_("填报任务"), "reports:overview"),
    NavItem(_("下发填报任务"), "reports:assign"),
])
