"""The 拆单 step's form: up to five blocks, one per demand split off the order (no JavaScript needed).

Each block is a handful of fields named `c<n>_<field>` (so the API's body, built from the form, is flat too:
`c1_description`, `c1_category`, …). A block left wholly blank is skipped; a block with anything in it needs its
description. What a block leaves blank comes from the parent order (`tickets.services.split.ChildDraft`).
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.urls import reverse_lazy as reverse
from django.utils.translation import gettext_lazy as _

from hotline.attachments.models import Attachment
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.models import Ticket
from hotline.tickets.services.split import MAX_CHILDREN, MAX_DESCRIPTION, MAX_NOTE, ChildDraft
from hotline.workbench.intake.selectors import area_choices, category_choices
from hotline.workbench.intake.selectors import areas as area_units

BLANK = ("", _("—同原工单—"))
NO_CATEGORY = ("", _("—暂不分类—"))
#: The fields of one block, in the order they are shown.
BLOCK_FIELDS = ("description", "title", "request_type", "urgency", "category", "district", "street", "community",
                "address", "attachments")


class IdsField(forms.CharField):
    """Ids of the parent's attachments: ticked boxes on the page, 「12,13」 in the API."""

    def to_python(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        return super().to_python(value)

    def clean(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().clean(value)
        ids = [part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()]
        if any(not part.isdecimal() or len(part) > 18 for part in ids):
            raise forms.ValidationError(_("附件编号须为数字，以逗号分隔"))
        return sorted({int(part) for part in ids})


def _name(n: int, field: str) -> str:
    return f"c{n}_{field}"


class SplitForm(forms.Form):
    """拆单: write each other demand of the order in its own block; the order keeps its own."""

    #: The workbench and the API pass `ticket=`: the attachments to choose from are the order's.
    per_order = True
    #: In hotline/workbench/templates/: Django's form renderer reads the apps' template folders, not the project's.
    template_name_div = "workbench/split_form.html"

    note = forms.CharField(label=_("拆单说明"), required=False, max_length=MAX_NOTE,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("选填；原工单保留原诉求，每项拆出的诉求另行登记为新工单，通知群众新工单号"))

    def __init__(self, *args: Any, ticket: Ticket | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        files = list(Attachment.objects.filter(ticket=ticket).order_by("uploaded_at", "id")) if ticket and ticket.pk \
            else []
        for n in range(1, MAX_CHILDREN + 1):
            block = {
                "description": forms.CharField(label=_("诉求内容"), required=False, max_length=MAX_DESCRIPTION,
                                               widget=forms.Textarea(attrs={"rows": 3})),
                "title": forms.CharField(label=_("标题"), required=False, max_length=200,
                                         help_text=_("留空则取诉求内容开头")),
                "request_type": forms.ChoiceField(label=_("诉求类型"), required=False,
                                                  choices=[BLANK, *RequestType.choices]),
                "urgency": forms.ChoiceField(label=_("紧急程度"), required=False, choices=[BLANK, *Urgency.choices]),
                "category": forms.IntegerField(label=_("诉求分类"), required=False, min_value=1,
                                               max_value=2_147_483_647, widget=forms.Select,
                                               help_text=_("三级分类；留空由派单员分类")),
                "district": forms.ModelChoiceField(label=_("区"), required=False,
                                                   queryset=area_units(UnitKind.DISTRICT), empty_label=BLANK[1]),
                "street": forms.ModelChoiceField(label=_("街道/乡镇"), required=False,
                                                 queryset=area_units(UnitKind.STREET)),
                "community": forms.ModelChoiceField(label=_("社区/村"), required=False,
                                                    queryset=area_units(UnitKind.COMMUNITY)),
                "address": forms.CharField(label=_("事发地址"), required=False, max_length=255,
                                           help_text=_("区、街道、社区、地址留空则同原工单")),
                "attachments": IdsField(label=_("附件"), required=False, max_length=400,
                                        widget=forms.CheckboxSelectMultiple(
                                            choices=[(a.pk, a.original_name) for a in files]),
                                        help_text=_("勾选随本项诉求带入新工单的附件（不复制文件）")),
            }
            for field, value in block.items():
                self.fields[_name(n, field)] = value
            self._area_options(n)
        self.order_fields([_name(n, f) for n in range(1, MAX_CHILDREN + 1) for f in BLOCK_FIELDS] + ["note"])

    def _area_options(self, n: int) -> None:
        """Option lists only when rendered (the API validates without loading every category and community);
        the lower address level follows the upper one (area_select.js / htmx asks the areas endpoint)."""
        blank = ("", BLANK[1])
        self.fields[_name(n, "category")].widget.choices = functools.cache(lambda: [NO_CATEGORY, *category_choices()])
        self.fields[_name(n, "street")].widget.choices = functools.cache(
            lambda: [blank, *area_choices(UnitKind.STREET, self._chosen(_name(n, "district")))])
        self.fields[_name(n, "community")].widget.choices = functools.cache(
            lambda: [blank, *area_choices(UnitKind.COMMUNITY, self._chosen(_name(n, "street")))])
        for upper, lower in (("district", "street"), ("street", "community")):
            self.fields[_name(n, upper)].widget.attrs.update({
                "hx-get": reverse("intake-areas"), "hx-target": f"#id_{self.add_prefix(_name(n, lower))}",
                "data-area-param": "parent"})
        self.fields[_name(n, "district")].widget.attrs["data-area-clears"] = \
            f"id_{self.add_prefix(_name(n, 'community'))}"

    def _chosen(self, name: str) -> int:
        raw = str(self[name].value() or "")
        return int(raw) if raw.isdecimal() and len(raw) <= 10 else 0

    @property
    def blocks(self) -> list[tuple[int, list[forms.BoundField]]]:
        """The blocks as the template shows them: (number, its bound fields); no attachment boxes on an order
        without attachments."""
        shown = [f for f in BLOCK_FIELDS if f != "attachments" or self.fields["c1_attachments"].widget.choices]
        return [(n, [self[_name(n, f)] for f in shown]) for n in range(1, MAX_CHILDREN + 1)]

    def clean(self) -> dict:
        """The blocks filled in, as `drafts`; a block with anything but no description is named in its error."""
        data = super().clean()
        drafts: list[ChildDraft] = []
        seen: dict[str, int] = {}
        parent = " ".join((self.ticket.description if self.ticket else "").split())
        for n in range(1, MAX_CHILDREN + 1):
            values = {f: data.get(_name(n, f)) for f in BLOCK_FIELDS}
            if _name(n, "description") in self.errors or any(_name(n, f) in self.errors for f in BLOCK_FIELDS):
                continue
            if not any(values.values()):
                continue
            if not str(values["description"] or "").strip():
                self.add_error(_name(n, "description"), _("第%(n)d项：请填写诉求内容") % {"n": n})
                continue
            text = " ".join(str(values["description"]).split())
            if text == parent:
                self.add_error(_name(n, "description"), _("第%(n)d项：诉求内容与原工单相同，请只写拆出的这一项诉求")
                               % {"n": n})
                continue
            if text in seen:
                self.add_error(_name(n, "description"), _("第%(n)d项：诉求内容与第%(other)d项相同")
                               % {"n": n, "other": seen[text]})
                continue
            seen[text] = n
            category = None
            if values["category"] is not None:
                category = Category.objects.filter(pk=values["category"], level=3, is_active=True).first()
                if category is None:
                    self.add_error(_name(n, "category"), _("请选择启用的三级分类"))
                    continue
            drafts.append(ChildDraft(
                description=values["description"], title=values["title"] or "",
                request_type=values["request_type"] or None, urgency=values["urgency"] or None, category=category,
                district=values["district"], street=values["street"], community=values["community"],
                address=(values["address"] or "").strip() or None, attachments=values["attachments"] or []))
        if not drafts and not self.errors:
            raise forms.ValidationError(_("请至少填写一项要拆出的诉求"))
        data["drafts"] = drafts
        return data

