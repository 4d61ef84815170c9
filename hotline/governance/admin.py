"""Read-only admin of governance themes (每月一题) and their record: a theme changes only through the services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.governance.models import Theme, ThemeEvent, ThemeOrder
from hotline.tickets.admin import ReadOnlyMixin


class ThemeEventInline(ReadOnlyMixin, admin.TabularInline):
    """The theme's record of steps (专题记录)."""

    model = ThemeEvent
    extra = 0
    can_delete = False
    fields = ["seq", "at", "actor_label", "unit", "action", "from_status", "to_status", "note"]
    readonly_fields = fields
    ordering = ["seq"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThemeEvent]:
        """Units in one query."""
        return super().get_queryset(request).select_related("unit")


class ThemeOrderInline(ReadOnlyMixin, admin.TabularInline):
    """The proactive orders raised for the theme (主动治理工单, 未诉先办)."""

    model = ThemeOrder
    extra = 0
    can_delete = False
    fields = ["ticket", "linked_by", "linked_at"]
    readonly_fields = fields
    ordering = ["-linked_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThemeOrder]:
        """Orders and people in one query."""
        return super().get_queryset(request).select_related("ticket", "linked_by")


@admin.register(Theme)
class ThemeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Themes as stored; every step is taken on the theme's page (/governance/<id>/)."""

    list_display = ["title", "month", "lead", "due_date", "status", "created_at", "closed_at"]
    list_filter = ["status", "month"]
    search_fields = ["title", "problem"]
    readonly_fields = ["title", "problem", "month", "status", "lead", "assisting", "due_date", "category", "district",
                       "keywords", "hotspot", "source_title", "source_window", "plan", "result", "created_by",
                       "created_at", "closed_at", "version"]
    exclude = ["orders"]
    inlines = [ThemeEventInline, ThemeOrderInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        """Units in one query."""
        return super().get_queryset(request).select_related("lead")
