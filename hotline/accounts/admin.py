"""Admin for users (用户): Django's UserAdmin plus the role, the display name and unit memberships."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.accounts.choices import unit_fits_role
from hotline.accounts.models import AddressBlock, Membership, User


class MembershipFormSet(BaseInlineFormSet):
    """Memberships that fit the user's role (`accounts.choices.unit_fits_role`, as for API keys)."""

    def clean(self) -> None:
        super().clean()
        user = self.instance
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            unit = form.cleaned_data.get("unit")
            if unit is None or unit_fits_role(user.role, unit.kind):
                continue
            if user.is_unit_staff:
                raise ValidationError(_("承办人和单位管理员不能属于热线中心（「%(unit)s」）：请选择承办单位")
                                      % {"unit": unit.name})
            raise ValidationError(_("中心角色的用户只能属于热线中心，不能属于承办单位「%(unit)s」")
                                  % {"unit": unit.name})


class MembershipInline(admin.TabularInline):
    """The units a user acts for (checked against the user's role)."""

    model = Membership
    formset = MembershipFormSet
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


@admin.register(AddressBlock)
class AddressBlockAdmin(admin.ModelAdmin):
    """Client networks blocked at sign-in for password spraying (密码喷洒拦截): an audit trail, read only."""

    list_display = ["network", "ip", "since", "until", "failures", "names"]
    search_fields = ["network", "ip"]
    date_hierarchy = "since"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AddressBlock | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AddressBlock | None = None) -> bool:
        return False
