"""The new-order form of the intake agent (受理登记): it validates what was typed and builds a TicketDraft."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hotline.attachments.constants import MAX_BYTES, MAX_FILES_PER_UPLOAD
from hotline.attachments.services import check_upload
from hotline.core.entered import visible
from hotline.governance.choices import ThemeStatus
from hotline.governance.models import Theme
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel, EmergencyService, NotAcceptedReason, Sex
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.services import TicketDraft
from hotline.workbench.forms import ActiveChoiceField
from hotline.workbench.intake import selectors
from hotline.workbench.intake.choices import Decision
from hotline.workbench.intake.constants import CALLER_PHONE_MAX_DIGITS, CALLER_PHONE_MIN_DIGITS

#: Kinds of file an agent may attach at intake (checked by content, not by name).
ALLOWED_KINDS = {"image", "audio"}
BLANK = ("", _("—请选择—"))
#: What the page says of a proactive order (主动发现, 未诉先办): the caller section is not needed.
PROACTIVE_HINT = _("无来电群众；办结前由中心现场核查，不回访")
#: Why a proactive order refuses a caller's phone.
PROACTIVE_CALLER = _("主动发现工单没有来电群众，不填写来电人信息")
PROACTIVE_ANSWER = _("主动发现工单没有来电群众，不能直接答复：请登记并转派单")
PROACTIVE_PHONE = _("主动发现工单没有来电群众，不发短信、不回访，不能填写来电号码；发现人的联系方式请写在诉求内容中")
#: Why an order names a theme (每月一题) it cannot be raised for.
THEME_GONE = _("该每月一题专题不存在或已撤销，不能为其派发工单；请从专题页面重新派发")
THEME_CHANNEL = _("为每月一题派发的工单，渠道须为「主动发现（未诉先办）」")
MB = 1024 * 1024
#: The value of the intake page's 搜索 button (name="decision"), the first submit button of the form: Enter in a
#: single-line box presses it when JavaScript is off, so the page comes back with the matching categories and
#: nothing is registered (with intake.js, Enter there still means 登记并转派单).
SEARCH_CATEGORY = "search-category"
#: The name of a searched category's button (its value the category's id), to choose it without JavaScript.
PICK_CATEGORY = "pick_category"


class MultipleFileInput(forms.FileInput):
    """A file input that lets the agent pick several files at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files; each is cleaned like a single FileField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,audio/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        """Clean every file; no file at all is an empty list."""
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def _once(build: Callable[[], list]) -> Callable[[], list]:
    """`build`, evaluated on first use only (a widget may walk its options more than once when rendered)."""
    return functools.cache(build)


def _text(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class IntakeForm(forms.Form):
    """One call: who called, what about, where, the files, and the first decision (the submit button)."""

    phone = forms.CharField(
        label=_("来电号码"), max_length=32, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    caller_name = forms.CharField(label=_("来电人"), max_length=50, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    caller_sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices, required=False,
                                   widget=forms.RadioSelect)
    caller_company = forms.CharField(label=_("单位/企业"), max_length=100, required=False,
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
    is_anonymous = forms.BooleanField(label=_("匿名"), required=False)
    is_confidential = forms.BooleanField(label=_("保密"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    # A proactive order raised from a 每月一题 theme's page (未诉先办): linked to it when registered.
    theme = forms.ModelChoiceField(label=_("每月一题"), required=False, widget=forms.HiddenInput,
                                   queryset=Theme.objects.exclude(status=ThemeStatus.CANCELLED),
                                   error_messages={"invalid_choice": THEME_GONE})

    request_type = forms.ChoiceField(label=_("诉求类型"), choices=RequestType.choices, widget=forms.RadioSelect)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect)
    is_difficult = forms.BooleanField(label=_("疑难"), required=False)
    category = ActiveChoiceField(label=_("诉求分类"), required=False,
                                 queryset=Category.objects.filter(level=3, is_active=True))
    title = forms.CharField(label=_("标题"), max_length=200, required=False, widget=forms.TextInput(
        attrs={"autocomplete": "off", "placeholder": _("可不填：默认取诉求内容的前 40 个字")}))
    description = forms.CharField(label=_("诉求内容"), max_length=8000, widget=_text(5))

    district = forms.ModelChoiceField(label=_("区"), required=False, queryset=selectors.areas(UnitKind.DISTRICT))
    street = forms.ModelChoiceField(label=_("街道/乡镇"), required=False, queryset=selectors.areas(UnitKind.STREET))
    community = forms.ModelChoiceField(label=_("社区/村"), required=False,
                                       queryset=selectors.areas(UnitKind.COMMUNITY))
    address = forms.CharField(label=_("事发地址"), max_length=255, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))

    attachments = MultipleFileField(
        label=_("附件"), required=False,
        help_text=format_lazy(_("最多 {n} 个；图片不超过 {image} MB，录音不超过 {audio} MB；按文件内容检查类型"),
                              n=MAX_FILES_PER_UPLOAD, image=MAX_BYTES["image"] // MB, audio=MAX_BYTES["audio"] // MB),
    )

    decision = forms.ChoiceField(label=_("处理方式"), choices=Decision.choices,
                                 error_messages={"required": _("请用下方按钮选择处理方式")})
    answer = forms.CharField(label=_("答复内容"), max_length=4000, required=False, widget=_text(3))
    transfer_to = forms.ChoiceField(label=_("转至"), required=False, choices=[BLANK, *EmergencyService.choices])
    transfer_note = forms.CharField(label=_("转接说明"), max_length=2000, required=False, widget=_text(2))
    not_accept_reason = forms.ChoiceField(label=_("不予受理原因"), required=False,
                                          choices=[BLANK, *NotAcceptedReason.choices])
    not_accept_note = forms.CharField(label=_("告知内容"), max_length=2000, required=False, widget=_text(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The option lists are built only when the form is rendered (callables are evaluated lazily):
        # validating a submitted order — the API's path — never loads every category and community.
        self.fields["category"].widget.choices = _once(lambda: [BLANK, *selectors.category_choices()])
        self.fields["district"].empty_label = BLANK[1]
        self.fields["street"].widget.choices = _once(lambda: [BLANK, *selectors.area_choices(
            UnitKind.STREET, self._picked_district())])
        self.fields["community"].widget.choices = _once(lambda: [BLANK, *selectors.area_choices(
            UnitKind.COMMUNITY, self._picked("street", UnitKind.STREET, parent_id=self._picked_district()))])
        self._wire_htmx()

    def _picked_district(self) -> int | None:
        """The chosen district's id (looked up once per form, when the options are rendered)."""
        if not hasattr(self, "_district_id"):
            self._district_id = self._picked("district", UnitKind.DISTRICT)
        return self._district_id

    def _wire_htmx(self) -> None:
        """The live helpers: caller lookup on the phone, cascading address selects (the form works without them)."""
        self.fields["phone"].widget.attrs.update({
            "hx-get": reverse("intake-caller"), "hx-trigger": "input changed delay:300ms",
            "hx-target": "#caller-history", "hx-sync": "this:replace",
        })
        if not self.is_bound:
            self.fields["phone"].widget.attrs["autofocus"] = True
        for name, child in (("district", "street"), ("street", "community")):
            self.fields[name].widget.attrs.update({
                "hx-get": reverse("intake-areas"), "hx-target": f"#id_{child}", "data-param": "parent",
            })

    def _picked(self, name: str, kind: str, parent_id: int | None = None) -> int | None:
        """The id of the unit chosen in `name`, if it is of `kind` (and under `parent_id` when given)."""
        raw = str(self.data.get(name, "") if self.is_bound else self.initial.get(name, "") or "")
        if not raw.isdecimal():
            return None
        qs = HandlingUnit.objects.filter(pk=int(raw), kind=kind, is_active=True)
        if parent_id is not None:
            qs = qs.filter(parent_id=parent_id)
        return int(raw) if qs.exists() else None

    def category_label(self) -> str:
        """The full path of the category currently chosen, for the line under the picker."""
        value = str(self["category"].value() or "")
        if not value.isdecimal():
            return ""
        return Category.objects.filter(pk=int(value)).values_list("full_name", flat=True).first() or ""

    def clean_description(self) -> str:
        """A description made only of invisible characters (zero-width space, BOM …) is no description."""
        text = visible(self.cleaned_data["description"])
        if not text:
            raise forms.ValidationError(self.fields["description"].error_messages["required"], code="required")
        return text

    def clean_phone(self) -> str:
        """The number as stored (`normalise_phone`): ASCII digits only, at most one leading「+」, 5 to 20 digits.

        Other scripts' digits (Arabic-Indic, Devanagari …) are refused: the SMS gateway, the return visit's
        dialling and the caller history all expect 0-9.
        """
        phone = selectors.normalise_phone(self.cleaned_data["phone"])
        if not phone:
            return phone
        digits = phone.removeprefix("+")
        if not (digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(_("号码只能包含数字"))
        if not CALLER_PHONE_MIN_DIGITS <= len(digits) <= CALLER_PHONE_MAX_DIGITS:
            raise forms.ValidationError(_("号码应为 %(min)d 至 %(max)d 位数字"),
                                        params={"min": CALLER_PHONE_MIN_DIGITS, "max": CALLER_PHONE_MAX_DIGITS})
        return phone

    def clean_attachments(self) -> list[UploadedFile]:
        """At most MAX_FILES_PER_UPLOAD files, each an image or a recording by its content and within size."""
        files = self.cleaned_data["attachments"]
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(
                _("最多上传 %(max)d 个附件，本次选择了 %(n)d 个"), params={"max": MAX_FILES_PER_UPLOAD, "n": len(files)}
            )
        errors = []
        for upload in files:
            try:
                check_upload(upload, ALLOWED_KINDS)
            except RuleViolation as exc:
                errors.append(forms.ValidationError(exc.message))
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean(self) -> dict[str, Any]:
        """Check the address levels fit together, a proactive order names no caller's phone, only a proactive
        order names a theme, and the chosen decision has what it needs."""
        data = super().clean()
        self._clean_address(data)
        if data.get("channel") == Channel.PROACTIVE:
            if data.get("phone"):
                self.add_error("phone", PROACTIVE_PHONE)
            for name in ("caller_name", "caller_sex", "caller_company", "is_anonymous"):
                if str(data.get(name) or "").strip() and data.get(name) is not False:
                    self.add_error(name, PROACTIVE_CALLER)
            if data.get("decision") == Decision.ANSWER:  # refused before anything is registered (no number used)
                self.add_error(None, PROACTIVE_ANSWER)
        if data.get("theme") and "channel" in data and data["channel"] != Channel.PROACTIVE:
            self.add_error("channel", THEME_CHANNEL)
        needs = {Decision.ANSWER: ("answer", _("直接答复须填写答复内容")),
                 Decision.TRANSFER: ("transfer_to", _("请选择转至哪个应急部门")),
                 Decision.NOT_ACCEPT: ("not_accept_reason", _("请选择不予受理原因"))}
        if (need := needs.get(data.get("decision", ""))) and not str(data.get(need[0], "")).strip():
            self.add_error(need[0], need[1])
        return data

    def _clean_address(self, data: dict[str, Any]) -> None:
        """A street must lie in the district, a community in the street; a missing upper level is filled in."""
        district, street, community = data.get("district"), data.get("street"), data.get("community")
        if community and street and community.parent_id != street.pk:
            self.add_error("community", _("「%(c)s」不属于「%(s)s」") % {"c": community, "s": street})
        elif community and not street and "street" not in self.errors:
            street = data["street"] = community.parent
        if street and district and street.parent_id != district.pk:
            self.add_error("street", _("「%(s)s」不属于「%(d)s」") % {"s": street, "d": district})
        elif street and not district and "district" not in self.errors:
            data["district"] = street.parent

    def draft(self) -> TicketDraft:
        """The TicketDraft of the cleaned form."""
        d = self.cleaned_data
        return TicketDraft(
            request_type=d["request_type"], title=d["title"].strip(), description=d["description"],
            channel=d["channel"], category=d["category"], urgency=d["urgency"], is_difficult=d["is_difficult"],
            caller_name=d["caller_name"].strip(), caller_sex=d["caller_sex"], caller_phone=d["phone"],
            caller_company=d["caller_company"].strip(), is_anonymous=d["is_anonymous"],
            is_confidential=d["is_confidential"], address=d["address"].strip(),
            district=d["district"], street=d["street"], community=d["community"],
        )

    def as_typed(self) -> IntakeForm:
        """This posted form, to be shown again as typed and not checked: a category search registers nothing,
        so nothing is refused (only the 每月一题 theme is read, for the page to say which one the order is for)."""
        self._errors = ErrorDict(renderer=self.renderer)
        self.cleaned_data = {}
        field = self.fields["theme"]
        try:
            self.cleaned_data["theme"] = field.clean(self["theme"].data)
        except forms.ValidationError:
            pass
        return self

    def theme_chosen(self) -> Theme | None:
        """The theme (每月一题) the order is raised for: as validated, or as prefilled on a new page."""
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("theme")
        theme = self.initial.get("theme")
        return theme if isinstance(theme, Theme) else None

    def decision_args(self) -> dict[str, str]:
        """The arguments of the decision's service call."""
        d = self.cleaned_data
        return {
            Decision.ANSWER: {"answer": d["answer"]},
            Decision.TRANSFER: {"to": d["transfer_to"], "note": d["transfer_note"]},
            Decision.NOT_ACCEPT: {"reason": d["not_accept_reason"], "note": d["not_accept_note"]},
        }.get(d["decision"], {})


class _SharedFields(dict):
    """Fields that every form instance uses as they are: "deep-copied" by reference."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


class IntakeCheck(IntakeForm):
    """The intake form as the API uses it: validated, never rendered.

    Django deep-copies a form's fields, their widgets and choices for every instance (≈ 1 ms for
    these 24 fields, on every order created through the API). Validation changes no field, so the
    instances of this form share one copy per process; the option lists and live helpers that only
    a rendered page needs are not wired either. The page keeps `IntakeForm`.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        forms.Form.__init__(self, data)  # not IntakeForm.__init__: nothing to wire for rendering


IntakeCheck.base_fields = _SharedFields(copy.deepcopy(IntakeForm.base_fields))
