"""The bargaining section of the officials' console."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section

register_section(_("集体协商"), [
    NavItem(_("协商工作台"), "bargaining:overview"),
    NavItem(_("发起集体协商"), "bargaining:start"),
    NavItem(_("集体合同登记"), "bargaining:contracts"),
    NavItem(_("合同覆盖情况"), "bargaining:coverage"),
    NavItem(_("条款范本"), "bargaining:templates"),
])
