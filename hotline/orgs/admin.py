"""Admin for the handling-unit tree (承办单位)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.accounts.choices import unit_fits_role
from hotline.accounts.models import Membership
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.orgs.selectors import open_orders_held


class UnitMembershipFormSet(BaseInlineFormSet):
    """A unit's members checked against the unit's kind as submitted (`accounts.choices.unit_fits_role`).

    The same rule as the user page's memberships (`accounts.admin.MembershipFormSet`): unit staff (承办人,
    单位管理员) never belong to the hotline centre, centre roles only to it. A changed kind is checked against
    every member the unit keeps, so a kind change that existing members no longer fit is refused too.
    """

    def clean(self) -> None:
        super().clean()
        unit = self.instance
        if not unit.kind:  # the kind itself was refused: the unit form says why
            return
        kept: dict[int, object] = {}  # membership pk → its user, for the members this submission keeps
        new_users = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            membership = form.instance
            if form.cleaned_data.get("DELETE"):
                if membership.pk is not None:
                    kept[membership.pk] = None
                continue
            user = form.cleaned_data.get("user")
            if membership.pk is not None:
                kept[membership.pk] = user
            elif user is not None:
                new_users.append(user)
        if unit.pk is not None:  # members not in the submitted forms stay members: check them too
            for membership in Membership.objects.filter(unit=unit).exclude(pk__in=kept).select_related("user"):
                kept[membership.pk] = membership.user
        for user in [*(user for user in kept.values() if user is not None), *new_users]:
            if unit_fits_role(user.role, unit.kind):
                continue
            if user.is_unit_staff:
                raise ValidationError(
                    _("承办人和单位管理员不能属于热线中心：「%(user)s」不能是「%(unit)s」的成员"
                      "（请移除该成员，或不要把单位类型改为热线中心）")
                    % {"user": user, "unit": unit.name})
            raise ValidationError(
                _("中心角色的用户只能属于热线中心：「%(user)s」不能是「%(unit)s」（%(kind)s）的成员"
                      "（请移除该成员，或不要更改单位类型）")
                % {"user": user, "kind": UnitKind(unit.kind).label, "unit": unit.name})


class UnitMembershipInline(admin.TabularInline):
    """The people who act for this unit (checked against the unit's kind, as on the user page)."""

    model = Membership
    formset = UnitMembershipFormSet
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

    def save_model(self, request: HttpRequest, obj: HandlingUnit, form: forms.ModelForm, change: bool) -> None:
        """Save; a unit switched off here that still holds unfinished orders is saved all the same, with a
        warning pointing to its orders (they stay with it until the centre reassigns them, docs/lifecycle.md)."""
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            warn_switched_off_with_orders(request, obj)

    @admin.display(description=_("名称"), ordering="path")
    def tree_name(self, obj: HandlingUnit) -> str:
        """The name indented by the unit's depth in the tree."""
        return format_html('<span style="padding-left:{}em">{}</span>', obj.depth * 1.5, obj.name)


def warn_switched_off_with_orders(request: HttpRequest, unit: HandlingUnit) -> None:
    """Warn that a unit just switched off (停用) still holds unfinished orders (lead or assisting, one query) and
    link to its orders in the order list, where the centre reassigns them (改派); nothing if it holds none."""
    count = open_orders_held(unit)
    if not count:
        return
    url = f"{reverse('orders')}?{urlencode({'lead_unit': unit.pk, 'state': 'open'})}"
    text = gettext("该单位仍有 %(count)d 张未办结工单（含协办），请在督办看板改派：") % {"count": count}
    link = gettext("%(unit)s主办的在办工单") % {"unit": unit.name}
    messages.warning(request, format_html('{}<a href="{}">{}</a>', text, url, link))
