"""Read-only admin pages for the audit trails (nobody may add, change or delete a record)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from hotline.ops.models import AccessRecord, AdminChange


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "kind", "subject_type", "subject", "ip", "request_id"]
    list_filter = ["kind", "subject_type"]
    search_fields = ["username", "subject", "request_id", "ip"]
    date_hierarchy = "at"


@admin.register(AdminChange)
class AdminChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "model", "object_repr", "ip"]
    list_filter = ["action", "model"]
    search_fields = ["username", "object_repr", "object_pk", "request_id"]
    date_hierarchy = "at"
