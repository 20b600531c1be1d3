"""The system administrator's calendar page in the console's navigation (superusers only)."""

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.navigation import NavItem, register_section

register_section(_("系统"), [
    NavItem(_("节假日安排"), "core:calendar", visible=lambda user: user.is_superuser),
])
