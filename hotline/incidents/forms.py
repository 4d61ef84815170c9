"""The forms of incidents (突发事件): the edit form, ending one, linking an order and the list filter.

A form validates what was typed (a 400 when it is wrong); the services decide whether the change may be made.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hotline.core import clock
from hotline.core.formfields import IdsMultipleChoiceField
from hotline.incidents.choices import IncidentStatus
from hotline.incidents.constants import (
    KEYWORDS_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    NOTICE_MAX_LENGTH,
    SCRIPT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from hotline.incidents.models import Incident
from hotline.incidents.selectors import AREA_KINDS
from hotline.incidents.services import IncidentData, in_range
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.orgs.widgets import UnitSelect, UnitSelectMultiple
from hotline.taxonomy.models import Category

MOMENT = "%Y-%m-%dT%H:%M"


def _moment_field(label: str, *, required: bool, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, help_text=help_text, input_formats=[MOMENT],
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MOMENT))


class IncidentForm(forms.Form):
    """新建/修改突发事件: what happened, the script agents read, the public notice, where, about what, who, when."""

    title = forms.CharField(label=_("事件名称"), max_length=TITLE_MAX_LENGTH, widget=forms.TextInput(
        attrs={"placeholder": _("如：A2区桂花坪街道因管网抢修停水")}),
        help_text=_("有公众公告时，事件名称与公告一起在网上诉求门户公开显示"))
    script = forms.CharField(label=_("答复口径"), required=False, max_length=SCRIPT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("受理员「按口径答复」时填入答复内容；发布前必须填写"))
    public_notice = forms.CharField(label=_("公众公告"), required=False, max_length=NOTICE_MAX_LENGTH,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("发布后显示在网上诉求门户首页和「我要反映」页；留空则不对公众公示"))
    keywords = forms.CharField(label=_("关键词"), required=False, max_length=KEYWORDS_MAX_LENGTH,
                               help_text=_("以空格或逗号分隔，每个 2 至 20 个字；标题、诉求内容或地址含任一关键词即匹配"))
    category = forms.ModelChoiceField(label=_("诉求分类"), required=False, empty_label=_("—不限—"),
                                      queryset=Category.objects.none(),
                                      help_text=_("可选任一级；该分类及其下级分类的来电即匹配"))
    areas = IdsMultipleChoiceField(label=_("影响区域"), required=False, queryset=HandlingUnit.objects.none(),
                                           widget=UnitSelectMultiple(attrs={"size": 8}),
                                           help_text=_("区、街道或社区，可多选；不选为全市"))
    lead_unit = forms.ModelChoiceField(label=_("处置单位"), required=False, queryset=HandlingUnit.objects.none(),
                                       empty_label=_("—请选择—"), widget=UnitSelect)
    starts_at = _moment_field(_("开始时间"), required=True)
    expected_end = _moment_field(_("预计结束时间"), required=False, help_text=_("留空为持续到结束"))
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, incident: Incident | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.incident = incident
        if incident is not None:
            kwargs.setdefault("initial", {
                "title": incident.title, "script": incident.script, "public_notice": incident.public_notice,
                "keywords": incident.keywords, "category": incident.category_id,
                "areas": list(incident.areas.values_list("pk", flat=True)), "lead_unit": incident.lead_unit_id,
                "starts_at": incident.starts_at, "expected_end": incident.expected_end, "version": incident.version})
        else:
            kwargs.setdefault("initial", {"starts_at": clock.now().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = self._categories()
        self.fields["category"].label_from_instance = lambda c: c.full_name
        self.fields["areas"].queryset = self._units(Q(kind__in=AREA_KINDS), "areas")
        self.fields["lead_unit"].queryset = self._units(~Q(kind=UnitKind.CENTRE), "lead_unit")

    def _kept(self, name: str) -> Q:
        """The incident's own choices stay choosable (kept as they are) even if switched off since."""
        if self.incident is None:
            return Q(pk__in=[])
        if name == "areas":
            return Q(pk__in=self.incident.areas.values("pk"))
        return Q(pk=getattr(self.incident, f"{name}_id"))

    def _units(self, kinds: Q, name: str) -> QuerySet[HandlingUnit]:
        return HandlingUnit.objects.filter((Q(is_active=True) & kinds) | self._kept(name)).order_by("path")

    def _categories(self) -> QuerySet[Category]:
        kept = Q(pk=self.incident.category_id) if self.incident is not None else Q(pk__in=[])
        return Category.objects.filter(Q(is_active=True) | kept).order_by("full_name")

    def clean_starts_at(self) -> datetime:
        """The start, in the years MIN_YEAR–MAX_YEAR (a moment far outside cannot be stored)."""
        value = self.cleaned_data["starts_at"]
        if not in_range(value):
            raise forms.ValidationError(_("开始时间超出范围"))
        return value

    def clean_expected_end(self) -> datetime | None:
        """The expected end, if any, in the years MIN_YEAR–MAX_YEAR."""
        value = self.cleaned_data["expected_end"]
        if value is not None and not in_range(value):
            raise forms.ValidationError(_("预计结束时间超出范围"))
        return value

    def data_for_service(self) -> IncidentData:
        """The cleaned form as the services take it."""
        d = self.cleaned_data
        return IncidentData(title=d["title"], script=d["script"], public_notice=d["public_notice"],
                            keywords=d["keywords"], category=d["category"], areas=list(d["areas"]),
                            lead_unit=d["lead_unit"], starts_at=d["starts_at"], expected_end=d["expected_end"])


class EndForm(forms.Form):
    """结束: why it is over (e.g. 「已恢复供水」)."""

    note = forms.CharField(label=_("结束说明"), max_length=NOTE_MAX_LENGTH,
                           widget=forms.TextInput(attrs={"placeholder": _("如：管网抢修完毕，已恢复供水")}))
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class LinkForm(forms.Form):
    """关联工单 / 取消关联: the order's number."""

    number = forms.CharField(label=_("工单编号"), max_length=20)


class ListFilter(forms.Form):
    """The list's status filter (anything else is ignored)."""

    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *IncidentStatus.choices])

    def status_value(self) -> str:
        """The chosen status, "" for all (or when what was sent is not a status)."""
        return self.cleaned_data.get("status", "") if self.is_valid() else ""
