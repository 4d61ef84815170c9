"""Admin pieces shared by the apps: read-only records and one-row settings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services (logs, rollups, imports): the admin shows them, never changes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SingletonAdmin(admin.ModelAdmin):
    """A settings table of one row (回访设置, 派单推荐设置, 网上受理时限 …): its list opens the row itself,
    which can never be added twice or deleted."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The list of one row is that row: open its form (the row is created with the defaults in force)."""
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # Django's own refusal
        row, _ = self.model.objects.get_or_create(pk=1)
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> HttpResponse:
        context.update(show_save_and_add_another=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not self.model.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
