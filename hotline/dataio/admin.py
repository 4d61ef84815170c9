"""Import runs and imported records in the admin, read-only (they are written by `hotline import`)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from hotline.dataio.models import ImportedRecord, ImportRun


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(_ReadOnly):
    list_display = ("started_at", "source", "file_name", "imported", "rejected", "skipped", "report_path")
    list_filter = ("source",)


@admin.register(ImportedRecord)
class ImportedRecordAdmin(_ReadOnly):
    list_display = ("source", "external_id", "ticket", "line", "run")
    list_filter = ("source",)
    search_fields = ("external_id", "ticket__number")
    raw_id_fields = ("ticket", "run")
    list_select_related = ("ticket",)
