"""The relief section of the officials' console."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section

register_section(_("帮扶救助"), [
    NavItem(_("救助工作台"), "relief:overview"),
    NavItem(_("困难职工档案"), "relief:file_list"),
    NavItem(_("动态监测"), "relief:monitoring"),
    NavItem(_("救助申请"), "relief:application_list"),
    NavItem(_("救助政策"), "relief:policy_list"),
    NavItem(_("资金与批量发放"), "relief:budget_list"),
    NavItem(_("支付台账"), "relief:payment_list"),
])
