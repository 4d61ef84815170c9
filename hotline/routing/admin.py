from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hotline.core.admin import ReadOnlyAdmin, SingletonAdmin
from hotline.orgs.choices import UnitKind
from hotline.routing.models import DispatchRecommendation, DispatchRule, DispatchSettings


class DispatchRuleForm(forms.ModelForm):
    """The model's checks, plus those on the assisting units (协办), which the model cannot see before saving."""

    class Meta:
        model = DispatchRule
        fields = ["category", "area", "lead_unit", "assisting_units", "legal_basis", "is_active"]

    def clean(self) -> dict:
        """The lead unit is not also an assisting unit; the centre does not assist."""
        data = super().clean()
        lead, assisting = data.get("lead_unit"), data.get("assisting_units") or []
        if lead is not None and lead in assisting:
            self.add_error("assisting_units", _("主办单位不能同时列为协办单位"))
        if any(unit.kind == UnitKind.CENTRE for unit in assisting):
            self.add_error("assisting_units", _("热线中心不能作为协办单位"))
        return data


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    form = DispatchRuleForm
    list_display = ["category", "area", "lead_unit", "legal_basis", "is_active"]
    list_filter = ["is_active", "lead_unit__kind"]
    search_fields = ["category__full_name", "lead_unit__name", "legal_basis"]
    autocomplete_fields = ["category", "area", "lead_unit", "assisting_units"]
    list_select_related = ["category", "area", "lead_unit"]


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(SingletonAdmin):
    list_display = ["__str__", "auto_dispatch", "threshold", "history_days", "consultation_days", "updated_at"]


@admin.register(DispatchRecommendation)
class DispatchRecommendationAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail of recommendations (never added, changed or deleted here)."""

    list_display = ["ticket", "created_at", "trigger", "top_unit", "confidence", "auto_dispatched", "model_version"]
    list_filter = ["trigger", "auto_dispatched"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "top_unit"]
    raw_id_fields = ["ticket"]
