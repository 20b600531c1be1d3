from django.contrib import admin

from gonghui.core.models import AuditEvent, CalendarDay


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log cannot be changed or deleted through the app."""

    list_display = ("at", "actor_label", "action", "object_type", "object_repr", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_repr", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """节假日调整: local holidays and next year's 调休, which every working-day deadline then follows."""

    list_display = ("day", "working", "note", "arrangement", "created_by", "created_at")
    list_filter = ("arrangement",)
    # A loaded year's days come from its arrangement and are replaced as a whole (`gonghui calendar load
    # --replace`, /console/calendar/); here an official enters a local holiday.
    fields = ("day", "working", "note")

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
