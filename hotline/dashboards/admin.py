"""The rollups in the admin: read-only (they are derived data; `hotline rollups-rebuild` recomputes them)."""

from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin
from hotline.dashboards.models import DailyRollup, OpenLoad


@admin.register(DailyRollup)
class DailyRollupAdmin(ReadOnlyAdmin):
    list_display = ("day", "kind", "key", "unit_id", "created", "dispatched", "finished", "visits")
    list_filter = ("kind",)
    date_hierarchy = "day"


@admin.register(OpenLoad)
class OpenLoadAdmin(ReadOnlyAdmin):
    list_display = ("unit_id", "due_hour", "open")
