"""The back office for superusers: the criteria and the reference data of hardship relief.

Money moves (applications, budgets, the ledger) are not edited here: only through their services.
"""

from __future__ import annotations

from django.contrib import admin

from gonghui.orgs.admin import AuditedAdmin
from gonghui.relief.models import CriteriaSetting, DibaoStandard, Policy


@admin.register(CriteriaSetting)
class CriteriaSettingAdmin(AuditedAdmin):
    list_display = ("unit", "deep_multiple", "relative_multiple", "accident_cost_share", "edge_multiple",
                    "exit_months", "contact_days", "spot_check_share")
    autocomplete_fields = ("unit",)


@admin.register(DibaoStandard)
class DibaoStandardAdmin(AuditedAdmin):
    list_display = ("city", "monthly", "effective_from", "effective_to")
    list_filter = ("city",)


@admin.register(Policy)
class PolicyAdmin(AuditedAdmin):
    list_display = ("code", "name", "owner")
    readonly_fields = ("code",)
