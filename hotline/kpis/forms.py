"""The filter of the indicator pages: period (month or day range), cut, scope and breakdown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hotline.kpis import periods
from hotline.kpis.bulletin import FORMATS
from hotline.kpis.choices import Scope, Tier
from hotline.kpis.constants import BULLETIN_REASON_MAX_LENGTH
from hotline.kpis.cuts import Cut
from hotline.kpis.periods import Period, PeriodError
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.orgs.widgets import UnitSelect
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel

_BY = [("", _("不分维度")), ("unit", _("按单位")), ("channel", _("按渠道")), ("request_type", _("按诉求类型")),
       ("district", _("按区")), ("category", _("按一级分类"))]


def _blank(label: Any, choices: list) -> list:
    return [("", label), *choices]


class PeriodForm(forms.Form):
    """A month (YYYY-MM) or a range of days; the last full month when nothing is given."""

    month = forms.CharField(label=_("月份"), required=False, max_length=7,
                            widget=forms.TextInput(attrs={"type": "month"}))
    start = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        # The month box shows the month the page is about, also when none was asked for.
        self.fields["month"].initial = f"{periods.last_full_month().first_day:%Y-%m}"
        if self.is_bound and not any(self.data.get(name) for name in ("month", "start", "end")):
            self.data = self.data.copy()
            self.data["month"] = self.fields["month"].initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            if data.get("start") or data.get("end"):
                if not (data.get("start") and data.get("end")):
                    raise PeriodError(_("请同时填写开始日期和结束日期"))
                data["period"] = periods.days_between(data["start"], data["end"])
            elif data.get("month"):
                data["period"] = periods.parse_month(data["month"])
            else:
                data["period"] = periods.last_full_month()
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data

    @property
    def valid_data(self) -> dict[str, Any]:
        """The fields that passed validation: a wrong field is dropped (and shown), not the whole filter."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    @property
    def period(self) -> Period:
        """The period asked for when it reads; the last full month otherwise."""
        return self.valid_data.get("period") or periods.last_full_month()


class KpiFilterForm(PeriodForm):
    """Period, cut (unit, tier, district, category, channel, type), scope and breakdown of the indicator page."""

    # Grouped by district and kind, with a type-to-filter box, as on the dispatch forms (hundreds of units).
    unit = forms.ModelChoiceField(label=_("承办单位"), required=False, queryset=HandlingUnit.objects.none(),
                                  empty_label=_("全部单位"), widget=UnitSelect)
    exact = forms.BooleanField(label=_("仅本单位（不含下级）"), required=False)
    tier = forms.ChoiceField(label=_("单位类别"), required=False, choices=_blank(_("全部类别"), Tier.choices))
    district = forms.ModelChoiceField(label=_("区"), required=False, queryset=HandlingUnit.objects.none(),
                                      empty_label=_("全部区"))
    category = forms.ModelChoiceField(label=_("诉求分类"), required=False, queryset=Category.objects.none(),
                                      empty_label=_("全部分类"))
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=_blank(_("全部渠道"), Channel.choices))
    request_type = forms.ChoiceField(label=_("诉求类型"), required=False,
                                     choices=_blank(_("全部类型"), RequestType.choices))
    scope = forms.ChoiceField(label=_("口径"), required=False, choices=Scope.choices)
    by = forms.ChoiceField(label=_("分维度"), required=False, choices=_BY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = HandlingUnit.objects.exclude(kind=UnitKind.CENTRE).order_by("path")
        self.fields["district"].queryset = HandlingUnit.objects.filter(kind=UnitKind.DISTRICT).order_by("path")
        # First and second level (一级/二级); any level's id is accepted from a link.
        self.fields["category"].queryset = Category.objects.all()
        self.fields["category"].widget.choices = [
            ("", _("全部分类")),
            *((c.pk, c.full_name) for c in Category.objects.filter(Q(level__lte=2)).order_by("full_name"))]

    @property
    def cut(self) -> Cut:
        d = self.valid_data
        return Cut(unit=d.get("unit"), subtree=not d.get("exact"), tier=d.get("tier") or "",
                   district=d.get("district"), category=d.get("category"), channel=d.get("channel") or "",
                   request_type=d.get("request_type") or "")

    @property
    def assessment(self) -> bool:
        return self.valid_data.get("scope") == Scope.ASSESSMENT


class BulletinForm(forms.Form):
    """The bulletin download: a month (YYYY-MM) and a format."""

    month = forms.CharField(label=_("月份"), max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    format = forms.ChoiceField(label=_("格式"), choices=[(f, f.upper()) for f in FORMATS], initial="pdf")

    def clean_month(self) -> Period:
        try:
            return periods.parse_month(self.cleaned_data["month"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PublishForm(forms.Form):
    """发布通报: a month that has ended, a reason for a corrected edition, and an explicit confirmation."""

    month = forms.CharField(label=_("月份"), max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    reason = forms.CharField(
        label=_("更正原因"), required=False, max_length=BULLETIN_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("首次发布不填；该月已发布过的，发布更正版须写明原因（例如：申诉成立后重新排名）"))
    confirm = forms.BooleanField(
        label=_("我已核对该月的预览，确认发布；发布后不能修改或删除，更正只能发布新的版次"), required=True)

    def clean_month(self) -> Period:
        try:
            return periods.parse_month(self.cleaned_data["month"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
