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
    """A settings table of one row (回访设置, 派单推荐设置, 网上受理时限 …, `core.models.OneRow`): its list
    opens the row itself, which can never be added twice or deleted.

    Opening the page writes nothing: until an administrator first saves, the row's page shows the defaults in
    force (what `current()` reads) as the add form, and saving it creates the row; every later save edits it.
    """

    #: The one row's primary key (`OneRow.save` always saves pk 1).
    row_pk = 1

    def _row_exists(self) -> bool:
        return self.model.objects.filter(pk=self.row_pk).exists()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The list of one row is that row: open its page (the defaults in force until it is first saved)."""
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # Django's own refusal
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.row_pk]))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The row's page; before the row exists, the form of the defaults, saved only when the administrator saves."""
        if str(object_id) == str(self.row_pk) and not self._row_exists():
            return self.add_view(request, form_url, extra_context)
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
                 ) -> HttpResponse:
        """The defaults to save as the row; once the row exists (e.g. read with the defaults by `current()`
        meanwhile), the same form edits it instead of being refused."""
        if self._row_exists():
            return super().change_view(request, str(self.row_pk), form_url, extra_context)
        return super().add_view(request, form_url, extra_context)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> HttpResponse:
        context.update(show_save_and_add_another=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Saving the row for the first time is changing the settings: whoever may change them, while no row exists."""
        return self.has_change_permission(request) and not self._row_exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
