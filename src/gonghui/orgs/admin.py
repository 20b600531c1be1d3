from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from gonghui.core import audit
from gonghui.orgs.models import ApiToken, RoleAssignment, Unit, User


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in the back office go to the audit log like any other."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action=audit.Action.UPDATE if change else audit.Action.CREATE, obj=obj,
                     unit_path=_unit_path(obj), changes={"fields": list(form.changed_data)}, reason="admin")

    def delete_model(self, request: Any, obj: Any) -> None:
        audit.record(actor=request.user, action=audit.Action.DELETE, obj=obj, unit_path=_unit_path(obj), reason="admin")
        super().delete_model(request, obj)


def _unit_path(obj: Any) -> str:
    if isinstance(obj, Unit):
        return obj.path
    unit = getattr(obj, "unit", None) or (obj.primary_unit if isinstance(obj, User) else None)
    return unit.path if unit is not None else ""


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("name", "code", "level", "kind", "status", "parent")
    list_filter = ("level", "kind", "status")
    search_fields = ("name", "code")
    readonly_fields = ("path", "province", "parent")
    ordering = ("path",)

    def has_add_permission(self, request: Any) -> bool:
        return False  # units are created in the console, where the path and shard key are set


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ("unit", "granted_by")


@admin.register(User)
class GonghuiUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "display_name", "is_active", "is_superuser", "last_login")
    search_fields = ("username", "display_name")
    inlines = [RoleInline]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("工会", {"fields": ("display_name", "otp_required")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "key_hash", "prefix", "created_at", "expires_at", "last_used_at")
