"""Caller tags are edited by the centre in the admin (switched off, never deleted); profiles and their log
are read-only there, with numbers masked: they change through the profile page, which logs each change."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.core.admin import ReadOnlyAdmin
from hotline.core.privacy import mask_phone


@admin.register(CallerTag)
class CallerTagAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "is_sensitive", "is_active", "sort_order")
    list_filter = ("is_sensitive", "is_active")
    list_editable = ("is_active", "sort_order")
    search_fields = ("name",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # switch a tag off instead: profiles and the log keep its name

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        """A tag's name is fixed once it exists: the change log keeps names, and hides a sensitive tag's
        changes from those who may not see it by matching its name."""
        return ("name",) if obj is not None else ()



@admin.register(CallerProfile)
class CallerProfileAdmin(ReadOnlyAdmin):
    list_display = ("masked_phone", "note", "version", "updated_at", "updated_by")
    list_filter = ("tags",)
    list_select_related = ("updated_by",)
    fields = ("masked_phone", "tags", "note", "version", "updated_at", "updated_by")
    readonly_fields = fields

    @admin.display(description=_("来电号码"))
    def masked_phone(self, obj: CallerProfile) -> str:
        return mask_phone(obj.phone)


@admin.register(CallerProfileChange)
class CallerProfileChangeAdmin(ReadOnlyAdmin):
    list_display = ("masked_phone", "version", "at", "actor", "tags_before", "tags_after", "note_after")
    list_select_related = ("profile", "actor")
    fields = ("masked_phone", "version", "at", "actor", "tags_before", "tags_after", "note_before", "note_after")
    readonly_fields = fields

    @admin.display(description=_("来电号码"))
    def masked_phone(self, obj: CallerProfileChange) -> str:
        return mask_phone(obj.profile.phone)
