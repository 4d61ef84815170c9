"""The forms of a governance theme (每月一题): adopting one, and one small form per later step.

A form validates what the person typed (a 400 when it is wrong); the service decides whether the step
may be taken. `STEPS` says, for each step a page offers, its form and the service that takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import User
from hotline.core.formfields import IdsMultipleChoiceField
from hotline.governance import services
from hotline.governance.choices import ThemeAction
from hotline.governance.models import Theme
from hotline.governance.selectors import today
from hotline.hotspots.services import MAX_YEAR, MIN_YEAR
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.orgs.widgets import UnitSelect, UnitSelectMultiple
from hotline.taxonomy.models import Category

TEXT = forms.Textarea(attrs={"rows": 4})
#: At most this many orders of a hot spot travel with the adopt form (a hot spot has far fewer).
MAX_SOURCE_ORDERS = 5000
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


def _due_field() -> forms.DateField:
    return forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _lead_field() -> forms.ModelChoiceField:
    """The lead unit (牵头单位); the form sets the units it may be."""
    return forms.ModelChoiceField(label=_("牵头单位"), queryset=HandlingUnit.objects.none(),
                                  empty_label=_("—请选择—"), widget=UnitSelect)


def _assisting_field(rows: int) -> IdsMultipleChoiceField:
    """The assisting units (配合单位), a list of `rows` lines; the form sets the units they may be."""
    return IdsMultipleChoiceField(label=_("配合单位"), required=False, queryset=HandlingUnit.objects.none(),
                                          widget=UnitSelectMultiple(attrs={"size": rows}),
                                          help_text=_("可多选（电脑上按住 Ctrl 或 ⌘ 点选）"))


def _lead_not_assisting(form: forms.Form) -> None:
    """The lead unit may not also be among the assisting units (a field error on the assisting units)."""
    lead, assisting = form.cleaned_data.get("lead"), form.cleaned_data.get("assisting") or []
    if lead is not None and lead in assisting:
        form.add_error("assisting", _("牵头单位不能同时是配合单位"))


class ThemeForm(forms.Form):
    """立项: what the problem is, who leads it with whom, by when, and what its effect is measured on."""

    title = forms.CharField(label=_("专题名称"), max_length=200)
    problem = forms.CharField(label=_("问题描述"), widget=TEXT, max_length=4000)
    month = MonthField(label=_("所属月份"))
    lead = _lead_field()
    assisting = _assisting_field(rows=8)
    due_date = _due_field()
    category = forms.ModelChoiceField(label=_("诉求分类"), required=False,
                                      queryset=Category.objects.filter(is_active=True).order_by("full_name"),
                                      empty_label=_("—不限—"))
    district = forms.ModelChoiceField(label=_("区域"), required=False,
                                      queryset=HandlingUnit.objects.filter(kind=UnitKind.DISTRICT).order_by("path"),
                                      empty_label=_("—不限—"))
    keywords = forms.CharField(label=_("关键词"), required=False, max_length=200,
                               help_text=_("以空格或逗号分隔；标题或诉求内容含任一关键词即计入"))
    # From a hot spot: its id, and what the theme keeps of it should it be recomputed before this is sent
    # (its orders, title and window), so that nothing typed is lost.
    hotspot = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    source_orders = forms.CharField(required=False, max_length=MAX_SOURCE_ORDERS * 12, widget=forms.HiddenInput)
    source_title = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    source_window = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _handling_units()
        self.fields["assisting"].queryset = _handling_units()
        self.fields["category"].label_from_instance = lambda c: c.full_name

    def clean_month(self) -> date:
        """The theme's month, in the years MIN_YEAR–MAX_YEAR (its effect counts the months around it)."""
        month = self.cleaned_data["month"]
        if not MIN_YEAR <= month.year <= MAX_YEAR:
            raise forms.ValidationError(_("所属月份超出范围（年份须在 2000 至 2100 之间）"))
        return month

    def clean_due_date(self) -> date:
        due = self.cleaned_data["due_date"]
        if due < today():
            raise forms.ValidationError(_("整改时限不能早于今天"))
        return due

    def clean_source_orders(self) -> list[int]:
        """The hot spot's order ids, as the form was filled (comma-separated)."""
        parts = [p for p in self.cleaned_data["source_orders"].split(",") if p.strip()]
        if not all(p.strip().isdecimal() for p in parts) or len(parts) > MAX_SOURCE_ORDERS:
            raise forms.ValidationError(_("来源工单无法识别"))
        return list(dict.fromkeys(int(p) for p in parts))

    def clean(self) -> dict:
        data = super().clean()
        _lead_not_assisting(self)
        return data


class AdjustForm(forms.Form):
    """调整: a new deadline and/or lead or assisting units, and why; starts from the theme as it is."""

    due_date = _due_field()
    lead = _lead_field()
    assisting = _assisting_field(rows=6)
    reason = forms.CharField(label=_("调整理由"), widget=NOTE, max_length=2000)

    def __init__(self, *args, theme: Theme, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.theme = theme
        kwargs.setdefault("initial", {"due_date": theme.due_date, "lead": theme.lead_id,
                                      "assisting": list(theme.assisting.values_list("pk", flat=True))})
        super().__init__(*args, **kwargs)
        # The units already on the theme stay choosable (kept as they are) even if no longer active.
        current = Q(pk=theme.lead_id) | Q(pk__in=theme.assisting.values("pk"))
        units = HandlingUnit.objects.filter((Q(is_active=True) & ~Q(kind=UnitKind.CENTRE)) | current).order_by("path")
        self.fields["lead"].queryset = units
        self.fields["assisting"].queryset = units

    def clean_due_date(self) -> date:
        due = self.cleaned_data["due_date"]
        if due != self.theme.due_date and due < today():
            raise forms.ValidationError(_("整改时限不能早于今天"))
        return due

    def clean(self) -> dict:
        data = super().clean()
        _lead_not_assisting(self)
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

    def make_form(self, theme: Theme, data: object = None) -> forms.Form:
        """The step's form for this theme (unbound without `data`); the adjust form starts from the theme."""
        kwargs = {"prefix": self.action, "label_suffix": ""}
        if self.form is AdjustForm:
            kwargs["theme"] = theme
        return self.form(data, **kwargs)


STEPS: dict[str, StepSpec] = {spec.action: spec for spec in [
    StepSpec(ThemeAction.PLAN, PlanForm, lambda t, u, d: services.file_plan(t, actor=u, plan=d["plan"])),
    StepSpec(ThemeAction.PROGRESS, ProgressForm, lambda t, u, d: services.report_progress(t, actor=u, note=d["note"])),
    StepSpec(ThemeAction.REPORT, ReportForm, lambda t, u, d: services.report_done(t, actor=u, result=d["result"])),
    StepSpec(ThemeAction.ACCEPT, AcceptForm, lambda t, u, d: services.accept(t, actor=u, note=d["note"])),
    StepSpec(ThemeAction.SEND_BACK, ReasonForm, lambda t, u, d: services.send_back(t, actor=u, reason=d["reason"])),
    StepSpec(ThemeAction.ADJUST, AdjustForm,
             lambda t, u, d: services.adjust(t, actor=u, reason=d["reason"], due_date=d["due_date"], lead=d["lead"],
                                             assisting=list(d["assisting"]))),
    StepSpec(ThemeAction.CANCEL, ReasonForm, lambda t, u, d: services.cancel(t, actor=u, reason=d["reason"]),
             danger=True),
]}
