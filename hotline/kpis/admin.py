"""The assessment settings in the admin: the factors and the composite weights on one page."""

from django.contrib import admin
from django.http import HttpRequest

from hotline.kpis.models import AssessmentSettings, IndicatorWeight


class IndicatorWeightInline(admin.TabularInline):
    model = IndicatorWeight
    extra = 1


@admin.register(AssessmentSettings)
class AssessmentSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "basic_factor", "min_volume", "repeat_window_days", "updated_at"]
    inlines = [IndicatorWeightInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AssessmentSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: AssessmentSettings | None = None) -> bool:
        return False
