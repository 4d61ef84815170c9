"""Incidents in the admin: read-only. They change through the incident pages, which write the audit trail."""

from __future__ import annotations

from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin
from hotline.incidents.models import Incident, IncidentEvent, IncidentOrder


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "starts_at", "expected_end", "lead_unit", "published_at", "ended_at")
    list_select_related = ("lead_unit",)
    list_filter = ("status",)
    search_fields = ("title", "keywords")


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    list_display = ("incident", "seq", "at", "actor", "kind", "from_status", "to_status")
    list_filter = ("kind",)


@admin.register(IncidentOrder)
class IncidentOrderAdmin(ReadOnlyAdmin):
    list_display = ("incident", "ticket", "linked_at", "how", "keyword", "by_script")
    list_filter = ("how", "by_script")
    raw_id_fields = ("ticket",)
