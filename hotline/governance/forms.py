"""The forms of a governance theme (每月一题): adopting one, and one small form per later step.

A form validates what the person typed (a 400 when it is wrong); the service decides whether the step
may be taken. `STEPS` says, for each step a page offers, its form and the service that takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import User
from hotline.governance import services
from hotline.governance.choices import ThemeAction
from hotline.governance.models import Theme
from hotline.hotspots.models import Hotspot
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.workbench.forms import UnitSelect, UnitSelectMultiple

TEXT = forms.Textarea(attrs={"rows": 4})
NOTE = forms.Textarea(attrs={"rows": 2})


def _handling_units():  # noqa: ANN202 - QuerySet[HandlingUnit]
    """The units a theme may go to: active handling units, never the centre (as the dispatch form lists)."""
    return HandlingUnit.objects.filter(is_active=True).exclude(kind=UnitKind.CENTRE).order_by("path")


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (`<input type="month">`); its value is the month's first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value: object) -> date | None:
        found = super().to_python(value)
        return found.replace(day=1) if found else found


class ThemeForm(forms.Form):
    """立项: what the problem is, who leads it with whom, by when, and what its effect is measured on."""

    title = forms.CharField(label=_("专题名称"), max_length=200)
    problem = forms.CharField(label=_("问题描述"), widget=TEXT, max_length=4000)
    month = MonthField(label=_("所属月份"))
    lead = forms.ModelChoiceField(label=_("牵头单位"), queryset=HandlingUnit.objects.none(),
                                  empty_label=_("—请选择—"), widget=UnitSelect)
    assisting = forms.ModelMultipleChoiceField(label=_("配合单位"), required=False,
                                               queryset=HandlingUnit.objects.none(),
                                               widget=UnitSelectMultiple(attrs={"size": 8}),
                                               help_text=_("按住 Ctrl 可多选"))
    due_date = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    category = forms.ModelChoiceField(label=_("诉求分类"), required=False,
                                      queryset=Category.objects.filter(is_active=True).order_by("full_name"),
                                      empty_label=_("—不限—"))
    district = forms.ModelChoiceField(label=_("区域"), required=False,
                                      queryset=HandlingUnit.objects.filter(kind=UnitKind.DISTRICT).order_by("path"),
                                      empty_label=_("—不限—"))
    keywords = forms.CharField(label=_("关键词"), required=False, max_length=200,
                               help_text=_("以空格或逗号分隔；标题或诉求内容含任一关键词即计入"))
    hotspot = forms.ModelChoiceField(queryset=Hotspot.objects.all(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _handling_units()
        self.fields["assisting"].queryset = _handling_units()
        self.fields["category"].label_from_instance = lambda c: c.full_name

    def clean(self) -> dict:
        data = super().clean()
        lead, assisting = data.get("lead"), data.get("assisting") or []
        if lead is not None and lead in assisting:
            self.add_error("assisting", _("牵头单位不能同时是配合单位"))
        return data


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("整改方案"), widget=TEXT, max_length=4000)


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("进展情况"), widget=TEXT, max_length=4000)


class ReportForm(forms.Form):
    result = forms.CharField(label=_("整改结果"), widget=TEXT, max_length=4000)


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("验收意见"), widget=NOTE, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=NOTE, max_length=2000)


@dataclass(frozen=True)
class StepSpec:
    """One step a theme page offers: its form, whether it is dangerous (shown apart), and how it is taken."""

    action: str
    form: type[forms.Form]
    perform: Callable[[Theme, User, dict], Theme]
    danger: bool = False

    @property
    def label(self) -> str:
        return ThemeAction(self.action).label


STEPS: dict[str, StepSpec] = {spec.action: spec for spec in [
    StepSpec(ThemeAction.PLAN, PlanForm, lambda t, u, d: services.file_plan(t, actor=u, plan=d["plan"])),
    StepSpec(ThemeAction.PROGRESS, ProgressForm, lambda t, u, d: services.report_progress(t, actor=u, note=d["note"])),
    StepSpec(ThemeAction.REPORT, ReportForm, lambda t, u, d: services.report_done(t, actor=u, result=d["result"])),
    StepSpec(ThemeAction.ACCEPT, AcceptForm, lambda t, u, d: services.accept(t, actor=u, note=d["note"])),
    StepSpec(ThemeAction.SEND_BACK, ReasonForm, lambda t, u, d: services.send_back(t, actor=u, reason=d["reason"])),
    StepSpec(ThemeAction.CANCEL, ReasonForm, lambda t, u, d: services.cancel(t, actor=u, reason=d["reason"]),
             danger=True),
]}
