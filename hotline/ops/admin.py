"""Read-only admin pages for the audit trails (nobody may add, change or delete a record)."""

from __future__ import annotations

from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin
from hotline.ops.models import AccessRecord, AdminChange


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
