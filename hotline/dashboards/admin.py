"""The rollups in the admin: read-only (they are derived data; `hotline rollups-rebuild` recomputes them)."""

from django.contrib import admin
from django.http import HttpRequest

from hotline.dashboards.models import DailyRollup, OpenLoad


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DailyRollup)
class DailyRollupAdmin(_ReadOnly):
    list_display = ("day", "kind", "key", "unit_id", "created", "dispatched", "finished", "visits")
    list_filter = ("kind",)
    date_hierarchy = "day"


@admin.register(OpenLoad)
class OpenLoadAdmin(_ReadOnly):
    list_display = ("unit_id", "due_hour", "open")
