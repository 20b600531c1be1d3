from django.contrib import admin

from gonghui.mediation.models import Case, MediationBody, Negotiation


@admin.register(MediationBody)
class MediationBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "unit", "arbitration_commission", "active")
    list_filter = ("kind", "active")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "category", "state", "body", "employer", "received_at")
    list_filter = ("state", "category")
    search_fields = ("number",)
    readonly_fields = [f.name for f in Case._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001 - cases move only through their services
        return False


@admin.register(Negotiation)
class NegotiationAdmin(admin.ModelAdmin):
    list_display = ("id", "employer", "state", "requested_at")
    readonly_fields = [f.name for f in Negotiation._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False
