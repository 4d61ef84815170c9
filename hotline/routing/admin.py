from django.contrib import admin

from hotline.routing.models import DispatchRecommendation, DispatchRule, DispatchSettings


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "lead_unit", "legal_basis", "is_active"]
    list_filter = ["is_active", "lead_unit__kind"]
    search_fields = ["category__full_name", "lead_unit__name", "legal_basis"]
    autocomplete_fields = ["category", "area", "lead_unit", "assisting_units"]
    list_select_related = ["category", "area", "lead_unit"]


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "auto_dispatch", "threshold", "history_days", "updated_at"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return not DispatchSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(DispatchRecommendation)
class DispatchRecommendationAdmin(admin.ModelAdmin):
    """Read-only: the audit trail of recommendations."""

    list_display = ["ticket", "created_at", "trigger", "top_unit", "confidence", "auto_dispatched", "model_version"]
    list_filter = ["trigger", "auto_dispatched"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "top_unit"]
    raw_id_fields = ["ticket"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
