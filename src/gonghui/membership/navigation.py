"""The membership section of the officials' console."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section

register_section(_("会员"), [
    NavItem(_("入会审批"), "membership:queue"),
    NavItem(_("转会"), "membership:transfers"),
    NavItem(_("资料更正"), "membership:corrections"),
    NavItem(_("手机换绑核实"), "membership:rebinds"),
])
