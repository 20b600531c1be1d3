from django.contrib import admin

from gonghui.bargaining.models import ClauseTemplate, SeatRule, WageGuideline


@admin.register(SeatRule)
class SeatRuleAdmin(admin.ModelAdmin):
    list_display = ("unit", "min_per_side", "max_per_side", "worker_side_not_smaller", "source")


@admin.register(WageGuideline)
class WageGuidelineAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "minimum_wage", "baseline_pct", "upper_pct", "lower_pct")


@admin.register(ClauseTemplate)
class ClauseTemplateAdmin(admin.ModelAdmin):
    list_display = ("area", "unit", "title", "updated_at")
