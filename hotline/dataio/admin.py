"""Import runs, imported records and import warnings in the admin, read-only (written by `hotline import`)."""

from __future__ import annotations

from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin
from hotline.dataio.models import ImportedRecord, ImportRun, ImportWarning


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "source", "file_name", "imported", "rejected", "skipped", "warned", "report_path")
    list_filter = ("source",)


@admin.register(ImportedRecord)
class ImportedRecordAdmin(ReadOnlyAdmin):
    list_display = ("source", "external_id", "ticket", "line", "run")
    list_filter = ("source",)
    search_fields = ("external_id", "ticket__number")
    raw_id_fields = ("ticket", "run")
    list_select_related = ("ticket", "run")


@admin.register(ImportWarning)
class ImportWarningAdmin(ReadOnlyAdmin):
    list_display = ("run", "line", "external_id", "column", "value", "reason")
    search_fields = ("external_id", "column")
    raw_id_fields = ("run", "ticket")
    list_select_related = ("run",)
