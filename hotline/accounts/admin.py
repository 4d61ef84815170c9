"""Admin for users (用户): Django's UserAdmin plus the role, the display name and unit memberships."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    """The units a user acts for."""

    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["unit"]
    readonly_fields = ["joined_at"]
    verbose_name = _("所属单位")
    verbose_name_plural = _("所属单位")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the hotline's role and display name."""

    list_display = ["username", "display_name", "role", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    ordering = ["username"]
    inlines = [MembershipInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("热线角色"), {"fields": ["role", "display_name"]}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("热线角色"), {"fields": ["role", "display_name"]}),
    )
