"""Admin for the three-level category taxonomy (诉求分类)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hotline.taxonomy.models import Category
from hotline.taxonomy.services import save_category


class CategoryForm(forms.ModelForm):
    """Name and parent are edited; level and full name follow from them."""

    class Meta:
        model = Category
        fields = ["name", "parent", "is_utility", "is_active"]
        help_texts = {
            "name": _("层级和完整名称由上级分类和名称自动生成，并同步到下级分类。"
                      "注意：一级分类改名后，分类模型按原名给出的类别对应不到该分类，派单推荐缺少模型一票，需用新名称重新训练模型。"),
            "is_active": _("停用一个分类会同时停用其全部下级分类；重新启用只启用本分类，需要的下级分类请逐个启用。"),
        }


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories by full name; the utility flag (水电气热) is editable in the list."""

    form = CategoryForm
    list_display = ["full_name", "level", "is_utility", "is_active"]
    list_editable = ["is_utility", "is_active"]
    list_filter = ["level", "is_utility", "is_active"]
    search_fields = ["name", "full_name"]
    autocomplete_fields = ["parent"]
    fields = ["name", "parent", "level", "full_name", "is_utility", "is_active"]
    readonly_fields = ["level", "full_name"]
    ordering = ["full_name"]
    list_per_page = 100

    def save_model(self, request, obj: Category, form, change: bool) -> None:  # noqa: ANN001
        """Derive the level and full name and carry them down the sub-tree."""
        save_category(obj)
