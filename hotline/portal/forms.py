"""Forms of the citizen portal: they validate everything (the 400s) before a service is called."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from hotline.attachments.services import check_upload
from hotline.core.entered import visible
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.portal.choices import SUBMIT_TYPES
from hotline.portal.constants import MAX_DESCRIPTION, MAX_PHOTOS
from hotline.portal.validators import normalize_phone
from hotline.tickets.choices import Satisfaction
from hotline.tickets.exceptions import RuleViolation

#: Satisfaction answers a citizen may give online (no "no opinion": that is for phone visits).
RATING_CHOICES = [(s.value, s.label) for s in (Satisfaction.SATISFIED, Satisfaction.BASICALLY,
                                               Satisfaction.UNSATISFIED)]


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the citizen pick several photos at once."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS images, each checked by its content (never its name) and size."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/gif,image/webp")

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("最多上传 %(n)s 张照片"), code="too_many", params={"n": MAX_PHOTOS})
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        errors = []
        for upload in cleaned:
            try:
                check_upload(upload, {"image"})
            except RuleViolation as exc:
                errors.append(ValidationError(exc.message, code="bad_file"))
        if errors:
            raise ValidationError(errors)
        return cleaned


class PhoneField(forms.CharField):
    """A Chinese mobile or landline number, normalised."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalize_phone(value) if value else ""


class PortalForm(forms.Form):
    """Base of the portal's forms: required fields marked, no colon after labels."""

    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SubmitForm(PortalForm):
    """A request written on the portal (网上诉求): what, where, who, photos."""

    request_type = forms.ChoiceField(label=_("诉求类型"), choices=SUBMIT_TYPES, widget=forms.RadioSelect)
    title = forms.CharField(label=_("标题"), required=False, max_length=200,
                            help_text=_("可不填，系统将摘取诉求内容开头"))
    description = forms.CharField(label=_("诉求内容"), max_length=MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("请写明时间、地点、事情经过和您的诉求"))
    address = forms.CharField(label=_("事发地址"), required=False, max_length=255)
    district = forms.ModelChoiceField(label=_("所在区"), required=False, queryset=HandlingUnit.objects.none(),
                                      empty_label=_("不清楚"))
    name = forms.CharField(label=_("您的称呼"), required=False, max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    company = forms.CharField(label=_("单位/企业名称"), required=False, max_length=100,
                              help_text=_("选填，以企业或单位名义反映时填写；不会在网上公开"),
                              widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    phone = PhoneField(label=_("联系电话"), help_text=_("用于接收受理短信和回访，不会在网上公开"))
    is_anonymous = forms.BooleanField(label=_("匿名反映（不记录姓名）"), required=False)
    is_confidential = forms.BooleanField(label=_("申请保密（内容不公开，仅热线中心可见）"), required=False)
    photos = PhotosField(label=_("照片"), help_text=_("最多 5 张，每张不超过 10 MB，仅限图片"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = HandlingUnit.objects.filter(
            kind=UnitKind.DISTRICT, is_active=True).order_by("path")

    def clean_title(self) -> str:
        """Only invisible characters (zero-width spaces) count as left empty: the description's opening is used."""
        return visible(self.cleaned_data["title"]).strip()

    def clean_description(self) -> str:
        text = visible(self.cleaned_data["description"]).strip()  # only zero-width characters: empty
        if not text:
            raise ValidationError(_("请填写诉求内容"), code="required")
        return text

    def clean_company(self) -> str:
        return visible(self.cleaned_data["company"]).strip()


class PraiseForm(PortalForm):
    """A praise (表扬) of a unit or a person, with the story."""

    praised = forms.CharField(label=_("表扬对象"), max_length=100,
                              help_text=_("单位名称或工作人员姓名"))
    story = forms.CharField(label=_("表扬事迹"), max_length=MAX_DESCRIPTION,
                            widget=forms.Textarea(attrs={"rows": 6}))
    name = forms.CharField(label=_("您的称呼"), required=False, max_length=50)
    phone = PhoneField(label=_("联系电话"), required=False, help_text=_("选填，用于接收受理短信"))

    def clean_praised(self) -> str:
        text = visible(self.cleaned_data["praised"]).strip()  # only zero-width characters: empty
        if not text:
            raise ValidationError(_("请填写表扬对象"), code="required")
        return text

    def clean_story(self) -> str:
        text = visible(self.cleaned_data["story"]).strip()  # only zero-width characters: empty
        if not text:
            raise ValidationError(_("请填写表扬事迹"), code="required")
        return text


class TrackForm(PortalForm):
    """The order number and its query code (查询码), as printed on the receipt or the SMS."""

    number = forms.CharField(label=_("工单编号"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    query_code = forms.CharField(label=_("查询码"), max_length=8,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def clean_number(self) -> str:
        return _as_typed(self.cleaned_data["number"])

    def clean_query_code(self) -> str:
        return _as_typed(self.cleaned_data["query_code"])


def _as_typed(value: str) -> str:
    """A number as a Chinese input method may type it: full-width digits folded (NFKC), spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", value).split())


class RateForm(PortalForm):
    """The citizen's own return visit: resolved or not, and how satisfied."""

    resolved = forms.TypedChoiceField(label=_("您反映的问题是否已解决？"), widget=forms.RadioSelect,
                                      choices=[("yes", _("是")), ("no", _("否"))],
                                      coerce=lambda v: v == "yes")
    satisfaction = forms.ChoiceField(label=_("您对办理结果是否满意？"), widget=forms.RadioSelect,
                                     choices=RATING_CHOICES)
    #: The citizen's own answer for 响应率 (not the unit's claim); may be left unanswered.
    unit_contacted = forms.TypedChoiceField(label=_("承办单位是否联系过您？"), widget=forms.RadioSelect,
                                            choices=[("yes", _("是")), ("no", _("否"))], required=False,
                                            coerce=lambda v: v == "yes", empty_value=None)
