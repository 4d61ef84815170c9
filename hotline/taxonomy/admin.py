"""Admin for the three-level category taxonomy (诉求分类)."""

from __future__ import annotations

from django.contrib import admin

from hotline.taxonomy.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories by full name; the utility flag (水电气热) is editable in the list."""

    list_display = ["full_name", "level", "is_utility", "is_active"]
    list_editable = ["is_utility", "is_active"]
    list_filter = ["level", "is_utility", "is_active"]
    search_fields = ["name", "full_name"]
    autocomplete_fields = ["parent"]
    ordering = ["full_name"]
    list_per_page = 100
