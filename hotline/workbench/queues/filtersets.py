"""The one FilterSet of the order list: the page, every queue, the htmx partial and the exports use it.

A plain Django form: it validates the query string (an invalid filter is not applied, never a 500; the
list shows its error above the results) and
narrows a queryset that already went through `Ticket.objects.visible_to(user)`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.numbers import folded, has_id_card
from hotline.core.privacy import numbers_masked
from hotline.core.widgets import QuickSelect
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel, Status, SupervisionLevel
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.transitions import OPEN
from hotline.workbench.queues.selectors import (
    PENDING_KINDS,
    any_overdue,
    lead_filter,
    lead_late_filter,
    pending_filter,
)

if TYPE_CHECKING:
    from hotline.accounts.models import User

#: The whitelisted sort orders: query value → ORDER BY (ties broken by id, so pages never overlap).
SORTS: dict[str, tuple[str, list[Any]]] = {
    "-registered_at": (_("受理时间（新→旧）"), [F("registered_at").desc(), F("id").desc()]),
    "registered_at": (_("受理时间（旧→新）"), [F("registered_at").asc(), F("id").asc()]),
    "phase_due": (_("当前时限（近→远）"), [F("phase_due").asc(nulls_last=True), F("id").asc()]),
    "-phase_due": (_("当前时限（远→近）"), [F("phase_due").desc(nulls_last=True), F("id").desc()]),
    "number": (_("工单编号（小→大）"), [F("number").asc(), F("id").asc()]),
    "-number": (_("工单编号（大→小）"), [F("number").desc(), F("id").desc()]),
    "-chase_count": (_("群众催办（多→少）"), [F("chase_count").desc(), F("id").desc()]),
}
DEFAULT_SORT = "-registered_at"

#: The years a date filter may name; any other date is an invalid filter (refused with a message).
FIRST_YEAR, LAST_YEAR = 2000, 2100

#: A string a person types when looking for a caller's phone number.
PHONE_SEARCH = re.compile(r"^\+?[\d\- ]{5,20}$")
#: What people type between the digits of a number (138.1234.5678, 138 1234 5678, (0731)8899-0001, 138，1234…).
_DIGIT_SEPARATORS = re.compile(r"(?<=\d)[\s.\-_/·,，、。()（）*+＋]+(?=\d)")
#: A run of digits long enough to reach into the masked part of a number (138****5678 hides 4 of 11).
_DIGIT_RUN = re.compile(r"\d{5,}")
#: Any digit, full width included (a query with digits is checked against the texts as the reader sees them).
_ANY_DIGIT = re.compile(r"\d")
#: At most this many orders are checked one by one for a search with digits by someone who reads numbers masked.
MASKED_SEARCH_LIMIT = 5000
#: Why a search holding a number looks at order numbers only, for whoever reads numbers masked.
NUMBER_SEARCH_REFUSED = _("含电话号码或证件号码的搜索只查找工单编号：您看到的号码已打码，标题和内容不按号码搜索。")

_OVERDUE = [("any", _("任一超期")), ("close", _("办结超期")), ("sign", _("签收超期")), ("reply", _("答复超期")),
            ("lead", _("主办单位超期"))]
_PENDING = [("any", _("任一待审批")), ("extension", _("延期待审批")), ("unreasonable", _("不合理诉求待审定")),
            ("appeal", _("申诉待审定")), ("termination", _("终止办理待审定"))]
_CHASED = [("", _("不限")), ("1", _("群众催办过")), ("3", _("催办 3 次及以上"))]
#: The 群众催办 filter values that select chased orders.
CHASED_VALUES = frozenset(v for v, _label in _CHASED if v)
_STATE = [("", _("全部")), ("open", _("在办")), ("finished", _("已结束"))]
_SUPERVISION = [("", _("全部")), ("none", _("未督办")), ("any", _("已催办/督办")),
                *[(str(v), label) for v, label in SupervisionLevel.choices]]


def _unit_label(unit: HandlingUnit) -> str:
    """A unit's name in the 主办单位 select, marked when it is switched off (已停用)."""
    return str(unit.name if unit.is_active else _("%(name)s（已停用）") % {"name": unit.name})


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class OrderFilterSet(forms.Form):
    """Filters and sorting of the order list (状态、亮灯、类型、渠道、分类、单位、区、日期、超期、督办、待审批、搜索)."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("工单编号、标题或内容")}))
    status = forms.MultipleChoiceField(label=_("状态"), required=False, choices=Status.choices,
                                       widget=forms.CheckboxSelectMultiple)
    state = forms.ChoiceField(label=_("办理状态"), required=False, choices=_STATE, widget=QuickSelect)
    light = forms.ChoiceField(label=_("亮灯"), required=False, choices=_blank(_("全部亮灯")) + Light.choices,
                              widget=QuickSelect)
    request_type = forms.ChoiceField(label=_("诉求类型"), required=False,
                                     choices=_blank(_("全部类型")) + RequestType.choices, widget=QuickSelect)
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=_blank(_("全部渠道")) + Channel.choices,
                                widget=QuickSelect)
    urgency = forms.ChoiceField(label=_("紧急程度"), required=False, choices=_blank(_("全部")) + Urgency.choices,
                                widget=QuickSelect)
    category = forms.ModelChoiceField(label=_("诉求分类"), required=False, queryset=Category.objects.none(),
                                      empty_label=_("全部分类"), widget=QuickSelect)
    lead_unit = forms.ModelChoiceField(label=_("主办单位"), required=False, queryset=HandlingUnit.objects.none(),
                                       empty_label=_("全部单位"), widget=QuickSelect)
    district = forms.ModelChoiceField(label=_("区"), required=False, queryset=HandlingUnit.objects.none(),
                                      empty_label=_("全部区"), widget=QuickSelect)
    registered_from = forms.DateField(label=_("受理日期自"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    registered_to = forms.DateField(label=_("受理日期至"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.ChoiceField(label=_("超期"), required=False, choices=_blank(_("不限")) + _OVERDUE,
                                widget=QuickSelect)
    supervision = forms.ChoiceField(label=_("督办级别"), required=False, choices=_SUPERVISION, widget=QuickSelect)
    pending = forms.ChoiceField(label=_("待审批"), required=False, choices=_blank(_("不限")) + _PENDING,
                                widget=QuickSelect)
    chased = forms.ChoiceField(label=_("群众催办"), required=False, choices=_CHASED, widget=QuickSelect)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=[(k, v[0]) for k, v in SORTS.items()],
                             widget=QuickSelect)

    #: Fields shown folded under "更多筛选".
    more = ("status", "state", "request_type", "channel", "urgency", "category", "lead_unit", "district",
            "registered_from", "registered_to", "overdue", "supervision", "pending", "chased")

    def __init__(self, data: Any = None, *, user: User, default_sort: str = DEFAULT_SORT,
                 extra_sorts: dict[str, tuple[str, list[Any]]] | None = None, full_numbers: bool = True,
                 **kwargs: Any) -> None:
        """`extra_sorts`: a queue's own sort orders (on a field its queryset annotates), offered before the others;
        one named like a common sort replaces it in place (e.g. a unit's own deadline for 当前时限).
        `full_numbers`: false for a reader shown callers' numbers masked whatever their role (an API key without
        the `phone` scope); units always are."""
        super().__init__(data, **kwargs)
        self.user = user
        #: Whether this reader reads callers' numbers (and anonymous callers' names) in texts as written.
        self.full_numbers = bool(full_numbers and user.is_centre_staff)
        #: A search refused for holding a number (`clean_q`): it then finds order numbers only.
        self.refused_search = ""
        if not self.full_numbers:
            self.fields["q"].widget.attrs["placeholder"] = _("工单编号、标题或内容（匿名、举报工单仅按编号）")
        self.default_sort = default_sort
        extra = extra_sorts or {}
        self.sorts = {**{k: v for k, v in extra.items() if k not in SORTS},
                      **{k: extra.get(k, v) for k, v in SORTS.items()}}
        self._categories: list[tuple[Any, Any]] | None = None
        self.fields["sort"].choices = [(k, v[0]) for k, v in self.sorts.items()]
        self.fields["sort"].initial = default_sort
        # "Any level by id": a first-level choice in the page; any category id is accepted from a link.
        self.fields["category"].queryset = Category.objects.all()
        self.fields["category"].widget.choices = self._category_choices  # a callable: evaluated when rendered
        # Any unit but the centre, switched off (停用) ones too: such a unit keeps its open orders and the 督办看板
        # links to them; in the select they come after the active ones, marked.
        self.fields["lead_unit"].queryset = HandlingUnit.objects.exclude(kind=UnitKind.CENTRE).order_by(
            "-is_active", "path")
        self.fields["lead_unit"].label_from_instance = _unit_label
        self.fields["district"].queryset = HandlingUnit.objects.filter(kind=UnitKind.DISTRICT).order_by("path")

    @property
    def qs_params(self) -> dict[str, Any]:
        """The valid, non-empty filters (for links that keep them)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}

    @property
    def has_more(self) -> bool:
        """Whether any folded filter is in use or refused (the page then shows the panel open)."""
        return any(k in self.more for k in [*self.qs_params, *self.errors])

    def filter_queryset(self, qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """Narrow and order `qs` by the valid filters; invalid ones are ignored."""
        data = self.qs_params
        for name, value in data.items():
            method = getattr(self, f"filter_{name}", None)
            if method is not None:
                qs = method(qs, value)
        if self.refused_search:
            qs = qs.filter(number__startswith=self.refused_search)
        sort = data.get("sort") or self.default_sort
        return qs.order_by(*self.sorts.get(sort, SORTS[DEFAULT_SORT])[1])

    def _category_choices(self) -> list[tuple[Any, Any]]:
        """First-level categories, plus the chosen one when a link chose a deeper level (one query)."""
        if self._categories is None:
            chosen = self.qs_params.get("category")
            rows = Category.objects.filter(Q(level=1) | Q(pk=chosen.pk if chosen else None)).order_by("full_name")
            self._categories = [("", _("全部分类")), *((c.pk, c.name if c.level == 1 else c.full_name) for c in rows)]
        return self._categories

    def clean_q(self) -> str:
        """A search holding a phone or identity card number, from someone who reads numbers masked, is refused
        with a message (it then finds order numbers only); digits alone search order numbers without one."""
        text = (self.cleaned_data.get("q") or "").strip()
        if text and not self.full_numbers and not PHONE_SEARCH.match(text) and holds_number(text):
            self.refused_search = text
            raise forms.ValidationError(NUMBER_SEARCH_REFUSED, code="number_search")
        return text

    def clean_registered_from(self) -> date | None:
        return _plausible(self.cleaned_data.get("registered_from"))

    def clean_registered_to(self) -> date | None:
        return _plausible(self.cleaned_data.get("registered_to"))

    # --- one method per filter -----------------------------------------------------------------------

    def filter_q(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        text = value.strip()
        if not text:
            return qs
        if not self.full_numbers:
            return self._masked_search(qs, text)
        condition = Q(number__startswith=text) | Q(title__icontains=text) | Q(description__icontains=text)
        if PHONE_SEARCH.match(text):
            # Only centre staff may find an order by the caller's full number (units see it masked).
            condition |= Q(caller_phone=text.replace(" ", "").replace("-", ""))
        return qs.filter(condition)

    def _masked_search(self, qs: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
        """The search of someone who reads callers' numbers masked (units, keys without `phone`): it must not
        confirm what they cannot read (docs/security.md). A search holding a number (`holds_number`) finds order
        numbers only, never a number typed in a text; an order whose caller is withheld (`Ticket.identity_withheld`:
        匿名, or a 举报), whose caller's name and the names in its texts they read masked, by its number only."""
        if PHONE_SEARCH.match(text) or holds_number(text):
            return qs.filter(number__startswith=text)
        shown_caller = Q(is_anonymous=False) & ~Q(request_type=RequestType.REPORT)
        in_text = Q(title__icontains=text) | Q(description__icontains=text)
        if _ANY_DIGIT.search(text):
            # A few digits among words (「电话1234」) could still match the hidden middle of a number in the texts:
            # the texts' matches are kept only where the text *as this reader sees it* (numbers masked) holds it.
            in_text = Q(pk__in=self._matching_as_read(qs.filter(shown_caller & in_text), text))
        return qs.filter(Q(number__startswith=text) | shown_caller & in_text)

    @staticmethod
    def _matching_as_read(qs: QuerySet[Ticket], text: str) -> list[int]:
        """Ids of the orders among `qs` whose title or description, with numbers masked, contains `text`."""
        needle = text.casefold()
        rows = qs.order_by().only("pk", "title", "description", "caller_phone")[:MASKED_SEARCH_LIMIT]
        return [t.pk for t in rows
                if needle in numbers_masked(t.title, order=t).casefold()
                or needle in numbers_masked(t.description, order=t).casefold()]

    def filter_status(self, qs: QuerySet[Ticket], value: list[str]) -> QuerySet[Ticket]:
        return qs.filter(status__in=value)

    def filter_state(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        return qs.filter(status__in=OPEN) if value == "open" else qs.exclude(status__in=OPEN)

    def filter_light(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        return qs.filter(light=value)

    def filter_request_type(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        return qs.filter(request_type=value)

    def filter_channel(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        return qs.filter(channel=value)

    def filter_urgency(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        return qs.filter(urgency=value)

    def filter_category(self, qs: QuerySet[Ticket], value: Category) -> QuerySet[Ticket]:
        # The taxonomy has three levels: the category itself, its children and grandchildren.
        return qs.filter(Q(category=value) | Q(category__parent=value) | Q(category__parent__parent=value))

    def filter_lead_unit(self, qs: QuerySet[Ticket], value: HandlingUnit) -> QuerySet[Ticket]:
        return qs.filter(lead_filter(value))

    def filter_district(self, qs: QuerySet[Ticket], value: HandlingUnit) -> QuerySet[Ticket]:
        return qs.filter(district=value)

    def filter_registered_from(self, qs: QuerySet[Ticket], value: date) -> QuerySet[Ticket]:
        return qs.filter(registered_at__gte=_start_of(value))

    def filter_registered_to(self, qs: QuerySet[Ticket], value: date) -> QuerySet[Ticket]:
        return qs.filter(registered_at__lt=_start_of(value + timedelta(days=1)))

    def filter_overdue(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        if value == "close":
            return qs.filter(close_overdue=True)
        if value in ("sign", "reply"):
            late = Assignment.objects.filter(**{f"{value}_overdue": True}).values("ticket_id")
            return qs.filter(pk__in=late)
        if value == "lead":  # the lead unit's own lateness, as 督办看板 counts it (of the chosen lead unit, if any)
            return qs.filter(lead_late_filter(self.qs_params.get("lead_unit")))
        return qs.filter(any_overdue())

    def filter_supervision(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        if value == "none":
            return qs.filter(supervision_level=0)
        if value == "any":
            return qs.filter(supervision_level__gt=0)
        return qs.filter(supervision_level=int(value))

    def filter_chased(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        # 群众催办: orders the citizens chased at least this many times (a warning sign of 推诿 or 拖延).
        return qs.filter(chase_count__gte=int(value))

    def filter_pending(self, qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
        # 延期、不合理诉求、申诉、终止办理 still waiting for the centre's decision (whoever may decide them).
        return qs.filter(pending_filter(PENDING_KINDS if value == "any" else [value]))


def holds_number(text: str) -> bool:
    """Whether a search holds a phone or identity card number (as `core.privacy` masks them), or a run of digits
    long enough to be part of one, however typed: full-width digits, and spaces, dots, dashes or punctuation
    between the digits (电话13812345678, 13812345678。, 138.1234.5678, 43010219900101123X)."""
    joined = _DIGIT_SEPARATORS.sub("", folded(text))
    return bool(_DIGIT_RUN.search(joined)) or has_id_card(joined) or numbers_masked(joined) != joined


def _plausible(day: date | None) -> date | None:
    """The day, if within the years orders can have (else invalid, so not applied: 0001-01-01 would overflow)."""
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise forms.ValidationError(_("日期须在 %(first)s 至 %(last)s 年之间"),
                                    params={"first": FIRST_YEAR, "last": LAST_YEAR})
    return day


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the centre's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
