from django.contrib import admin

from hotline.routing.models import DispatchRule


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "lead_unit", "legal_basis", "is_active"]
    list_filter = ["is_active", "lead_unit__kind"]
    search_fields = ["category__full_name", "lead_unit__name", "legal_basis"]
    autocomplete_fields = ["category", "area", "lead_unit", "assisting_units"]
    list_select_related = ["category", "area", "lead_unit"]
