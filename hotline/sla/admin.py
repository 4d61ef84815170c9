"""Admin for SLA policies (时限规则) and working-calendar overrides (工作日历调整)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.core.admin import SingletonAdmin
from hotline.sla.models import AcceptanceSettings, CalendarOverride, SlaPolicy
from hotline.taxonomy.choices import Urgency


class SlaPolicyForm(forms.ModelForm):
    """The urgency condition as a choice (the model stores free text; blank means any)."""

    urgency = forms.ChoiceField(label=_("紧急程度"), required=False,
                                choices=[("", _("任意")), *Urgency.choices])

    class Meta:
        model = SlaPolicy
        fields = ["name", "is_active", "priority", "urgency", "category", "utility_only", "difficult_only",
                  "sign_amount", "sign_unit", "reply_amount", "reply_unit", "close_amount", "close_unit",
                  "return_amount", "return_unit", "yellow_ratio"]


def _limit(amount: int, unit_label: str) -> str:
    return f"{amount} {unit_label}"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Every field of a policy is editable; the list shows its conditions and limits."""

    form = SlaPolicyForm
    list_display = ["name", "priority", "urgency", "category", "utility_only", "difficult_only",
                    "sign_limit", "reply_limit", "close_limit", "return_limit", "yellow_ratio", "is_active"]
    list_filter = ["is_active", "urgency", "utility_only", "difficult_only"]
    search_fields = ["name"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]
    fieldsets = (
        (None, {"fields": ["name", "is_active", "priority"]}),
        (_("适用条件"), {"fields": ["urgency", "category", "utility_only", "difficult_only"]}),
        (_("时限"), {"fields": [("sign_amount", "sign_unit"), ("reply_amount", "reply_unit"),
                               ("close_amount", "close_unit"), ("return_amount", "return_unit"),
                               "yellow_ratio"]}),
    )

    def get_deleted_objects(self, objs: Sequence[SlaPolicy], request: HttpRequest) -> tuple:
        """Refuse (as a protected object) to delete the last active catch-all policy 「一般」."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        pks = [obj.pk for obj in objs]
        doomed = SlaPolicy.catch_alls().filter(pk__in=pks)
        if doomed.exists() and not SlaPolicy.catch_alls().exclude(pk__in=pks).exists():
            protected = [*protected, *(gettext("「%(name)s」是唯一启用的兜底时限规则，不能删除：否则没有规则适用的"
                                               "工单无法派单。请先新增或启用另一条兜底规则。") % {"name": p.name}
                                       for p in doomed)]
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("签收时限"))
    def sign_limit(self, obj: SlaPolicy) -> str:
        """Sign limit with its unit."""
        return _limit(obj.sign_amount, obj.get_sign_unit_display())

    @admin.display(description=_("答复时限"))
    def reply_limit(self, obj: SlaPolicy) -> str:
        """Reply limit with its unit."""
        return _limit(obj.reply_amount, obj.get_reply_unit_display())

    @admin.display(description=_("办结时限"))
    def close_limit(self, obj: SlaPolicy) -> str:
        """Close limit with its unit."""
        return _limit(obj.close_amount, obj.get_close_unit_display())

    @admin.display(description=_("退单时限"))
    def return_limit(self, obj: SlaPolicy) -> str:
        """Return window with its unit."""
        return _limit(obj.return_amount, obj.get_return_unit_display())


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Dates that beat the official calendar (a working weekend, an extra holiday)."""

    list_display = ["date", "is_working_day", "note"]
    list_editable = ["is_working_day", "note"]
    list_filter = ["is_working_day"]
    search_fields = ["note"]
    date_hierarchy = "date"
    ordering = ["-date"]


@admin.register(AcceptanceSettings)
class AcceptanceSettingsAdmin(SingletonAdmin):
    """The one row of the online acceptance limit (网上受理时限)."""

    list_display = ["__str__", "amount", "unit", "updated_at"]
