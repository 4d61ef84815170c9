from django.contrib import admin

from hotline.hotspots.models import Hotspot, HotspotRun


class HotspotInline(admin.TabularInline):
    model = Hotspot
    fields = ("rank", "heat", "title", "place", "orders", "people", "growth", "weeks_active", "is_warning",
              "is_current")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(HotspotRun)
class HotspotRunAdmin(admin.ModelAdmin):
    """Stored hot-spot runs (read-only: recompute with `hotline hotspots --from-db`)."""

    list_display = ("__str__", "kind", "start", "end", "computed_at", "orders_considered", "duration_ms")
    list_filter = ("kind",)
    readonly_fields = ("kind", "start", "end", "computed_at", "orders_considered", "duration_ms")
    inlines = [HotspotInline]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False
