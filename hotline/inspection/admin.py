"""The checklist (质检评分表) and the settings are edited in the admin; inspections and their log are
read-only there: they change through the inspection pages, which log each change."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from hotline.core.admin import ReadOnlyAdmin, SingletonAdmin
from hotline.inspection.models import Criterion, Inspection, InspectionEvent, InspectionSettings


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "max_points", "applies_to", "is_fatal", "is_active", "sort_order")
    list_filter = ("applies_to", "is_fatal", "is_active")
    list_editable = ("is_active", "sort_order")
    search_fields = ("code", "name")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # switch an item off instead: scored orders keep their deductions on it

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        """An item's code is fixed once it exists (the log names items by code)."""
        return ("code",) if obj is not None else ()


@admin.register(InspectionSettings)
class InspectionSettingsAdmin(SingletonAdmin):
    list_display = ("sample_rate", "minimum_per_agent", "appeal_days", "updated_at")
    fields = ("sample_rate", "minimum_per_agent", "appeal_days")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "agent", "month", "reason", "status", "score", "inspector", "inspected_at")
    list_filter = ("status", "reason", "month")
    list_select_related = ("ticket", "agent", "inspector")
    search_fields = ("ticket__number",)


@admin.register(InspectionEvent)
class InspectionEventAdmin(ReadOnlyAdmin):
    list_display = ("inspection", "seq", "at", "actor", "kind", "from_status", "to_status", "score_before",
                    "score_after")
    list_filter = ("kind",)
    list_select_related = ("inspection", "actor")
