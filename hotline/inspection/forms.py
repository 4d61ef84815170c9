"""The inspection pages' forms: the list's filters (an invalid one is reported, not applied) and the
checklist as posted (points and note per item, kept as typed when refused)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from hotline.accounts.models import User
from hotline.inspection.choices import InspectionStatus, SampleReason
from hotline.inspection.models import Criterion, Deduction, Inspection
from hotline.inspection.services import Entry
from hotline.kpis.periods import Period, PeriodError, parse_month


class MonthField(forms.CharField):
    """A month written YYYY-MM, cleaned to its `Period` (None when blank)."""

    def clean(self, value: str | None) -> Period | None:
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ListFilter(forms.Form):
    """Filters of the inspectors' list: month, agent, status, reason (all optional)."""

    month = MonthField(label=_lazy("月份"), required=False)
    agent = forms.ModelChoiceField(label=_lazy("受理员"), queryset=User.objects.none(), required=False,
                                   empty_label=_lazy("全部"),
                                   error_messages={"invalid_choice": _lazy("没有这个受理员")})
    status = forms.ChoiceField(label=_lazy("状态"), required=False,
                               choices=[("", _lazy("全部"))] + list(InspectionStatus.choices))
    reason = forms.ChoiceField(label=_lazy("抽检原因"), required=False,
                               choices=[("", _lazy("全部"))] + list(SampleReason.choices))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = User.objects.filter(
            pk__in=Inspection.objects.order_by().values("agent")).order_by("username")

    def valid(self) -> dict[str, object]:
        """The filters that passed their checks (an invalid one is left out)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items()
                if name not in self.errors and value not in (None, "")}

    def problems(self) -> list[str]:
        """Each invalid filter's message, led by its label once (shown above the list)."""
        found = []
        for name, errors in self.errors.items():
            label = str(self.fields[name].label)
            for text in errors:
                found.append(text if str(text).startswith(label) else _("%(label)s：%(text)s") % {
                    "label": label, "text": text})
        return found


@dataclass
class Row:
    """One checklist item in the form: the item, the points and note shown (typed or stored), and what is
    wrong with them when the form was refused ("" when nothing)."""

    criterion: Criterion
    points: str = ""
    note: str = ""
    error: str = ""


def rows(criteria: list[Criterion], deductions: list[Deduction], data: QueryDict | None = None,
         errors: dict[int, str] | None = None) -> list[Row]:
    """The checklist's rows: as posted when `data` is given (a refused form, each bad row with its message from
    `errors`, keyed by item id), else the stored deductions."""
    errors = errors or {}
    if data is not None:
        return [Row(c, data.get(f"points_{c.pk}", "").strip(), data.get(f"note_{c.pk}", ""), errors.get(c.pk, ""))
                for c in criteria]
    stored = {d.criterion_id: d for d in deductions}
    return [Row(c, str(stored[c.pk].points) if c.pk in stored else "", stored[c.pk].note if c.pk in stored else "")
            for c in criteria]


def _whole(text: str) -> int | None:
    """A points box's whole number (None when it holds something else)."""
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= 3 else None


def entries(criteria: list[Criterion], data: QueryDict) -> tuple[list[Entry], dict[int, str]]:
    """The posted deductions (a blank points box is 0) and each bad item's problem, keyed by item id, all found
    in one pass: points that are not a whole number from 0 to the item's maximum, points without a note,
    a note without points."""
    found: list[Entry] = []
    problems: dict[int, str] = {}
    for c in criteria:
        text = data.get(f"points_{c.pk}", "").strip()
        note = data.get(f"note_{c.pk}", "")
        points = _whole(text) if text else 0
        if points is None or points > c.max_points:
            problems[c.pk] = _("「%(name)s」的扣分须为 0 至 %(max)d 的整数") % {"name": c.name, "max": c.max_points}
        elif points == 0 and note.strip():
            problems[c.pk] = _("「%(name)s」写了扣分说明但未填扣分") % {"name": c.name}
        elif points > 0 and not note.strip():
            problems[c.pk] = _("「%(name)s」扣了分，请写明扣分说明") % {"name": c.name}
        elif text:
            found.append(Entry(c, points, note))
    return found, problems


def edited(criteria: list[Criterion], deductions: list[Deduction], data: QueryDict) -> bool:
    """Whether the posted checklist differs from the stored deductions (a box left out of the post is taken as
    unchanged; a blank or 0 box with no note is the same as no deduction)."""
    stored = {d.criterion_id: (d.points, d.note.strip()) for d in deductions}
    for c in criteria:
        points, note = stored.get(c.pk, (0, ""))
        text = data.get(f"points_{c.pk}", str(points)).strip() or "0"
        if (_whole(text), data.get(f"note_{c.pk}", note).strip()) != (points, note):
            return True
    return False


def version(data: QueryDict) -> int | None:
    """The version the page showed, or None when absent, not a number or too long (the view refuses it as stale)."""
    value = data.get("version", "").strip()
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else None
