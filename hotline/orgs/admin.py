"""Admin for the handling-unit tree (承办单位)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Membership
from hotline.orgs.models import HandlingUnit


class UnitMembershipInline(admin.TabularInline):
    """The people who act for this unit."""

    model = Membership
    fk_name = "unit"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]
    verbose_name = _("单位成员")
    verbose_name_plural = _("单位成员")


@admin.register(HandlingUnit)
class HandlingUnitAdmin(admin.ModelAdmin):
    """Units listed in tree order (by materialised path), indented by depth."""

    list_display = ["tree_name", "code", "kind", "parent", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    fields = ["code", "name", "kind", "parent", "phone", "is_active", "path", "depth"]
    list_select_related = ["parent"]
    list_per_page = 100
    inlines = [UnitMembershipInline]

    @admin.display(description=_("名称"), ordering="path")
    def tree_name(self, obj: HandlingUnit) -> str:
        """The name indented by the unit's depth in the tree."""
        return format_html('<span style="padding-left:{}em">{}</span>', obj.depth * 1.5, obj.name)
