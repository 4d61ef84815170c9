"""The list of caller profiles (`/callers/`): its filters and its rows, cut to what this person may see.

A profile is listed when it shows this person something: a tag they may see or a note. For those who may
not see sensitive tags (敏感标签), a profile whose only tags are sensitive is not listed, a sensitive tag
is no filter they may use, and the 最近修改 of a row, its order and the 修改日期 filter go by the last change
they may see (a change that touched only a sensitive tag does not count), as on the profile page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import User
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.callers.permissions import may_read, sees_sensitive
from hotline.callers.selectors import hidden_tag_names, shows_something
from hotline.callers.services import profile_number
from hotline.core.privacy import mask_phone
from hotline.tickets.models import Ticket

#: Profiles on one page of the list.
PER_PAGE = 50
#: The years the 修改日期 filter may name; any other date is an invalid filter.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def shown_tags(user: User) -> QuerySet[CallerTag]:
    """The tags this person may see (switched-off ones too: profiles keep them), in their order."""
    tags = CallerTag.objects.order_by("sort_order", "id")
    return tags if sees_sensitive(user) else tags.exclude(is_sensitive=True)


class ProfileFilters(forms.Form):
    """The list's filters: tags (any of them), words in the note, a whole number, changed since."""

    tag = forms.MultipleChoiceField(label=_("标签"), required=False, widget=forms.CheckboxSelectMultiple)
    q = forms.CharField(label=_("备注包含"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    phone = forms.CharField(label=_("来电号码"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    since = forms.DateField(label=_("修改日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["tag"].choices = [(t.name, t.name) for t in shown_tags(user)]  # a hidden tag: invalid choice

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean_phone(self) -> str:
        """A whole number, normalised as profiles store numbers (full-width digits, +86, dashes).

        Only a whole number is matched: a part of one would let a reader guess the digits the list hides,
        one filter at a time, without the access record a full number shown carries.
        """
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        number = profile_number(typed)
        if not number:
            raise forms.ValidationError(_("请输入完整的来电号码（列表隐去了号码的中间几位，不能按部分号码查找）"))
        return number

    def clean_since(self) -> date | None:
        day = self.cleaned_data["since"]
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(_("日期须在 %(first)d 年至 %(last)d 年之间") % {
                "first": FIRST_YEAR, "last": LAST_YEAR})
        return day

    def valid(self) -> dict[str, Any]:
        """The valid, non-empty filters; an invalid one is left out (the page lists it)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}

    def error_lines(self) -> list[str]:
        """One line per refused filter: its label and why."""
        return [f"{self.fields[name].label}{_('：')}{' '.join(errors)}" for name, errors in self.errors.items()]


@dataclass
class ProfileRow:
    """One profile in the list, as this person sees it."""

    profile: CallerProfile
    masked: str
    tags: list[CallerTag]
    changed_at: datetime | None
    changed_by: User | None
    orders: int = 0


def visible_profiles(user: User) -> QuerySet[CallerProfile]:
    """The profiles that show this person something: a tag they may see, or a note. None for unit staff."""
    if not may_read(user):
        return CallerProfile.objects.none()
    through = CallerProfile.tags.through.objects.filter(callerprofile_id=OuterRef("pk"))
    if not sees_sensitive(user):
        through = through.filter(callertag__is_sensitive=False)
    return CallerProfile.objects.filter(Q(Exists(through)) | ~Q(note=""))


def filtered(user: User, filters: dict[str, Any]) -> QuerySet[CallerProfile]:
    """`visible_profiles` narrowed by the tag, note and (whole) number filters (修改日期 is applied with the order)."""
    qs = visible_profiles(user)
    if filters.get("tag"):
        qs = qs.filter(Exists(CallerProfile.tags.through.objects.filter(
            callerprofile_id=OuterRef("pk"), callertag__name__in=filters["tag"])))
    if filters.get("q"):
        qs = qs.filter(note__icontains=filters["q"])
    if filters.get("phone"):
        qs = qs.filter(phone=filters["phone"])
    return qs


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def last_seen_changes(user: User, profiles: QuerySet[CallerProfile]) -> dict[int, tuple[datetime, int]]:
    """For each profile, the time and actor id of the last change this person may see (one query).

    For those who see every tag that is the profile's own 最近修改; for the others a change that touched
    only sensitive tags is skipped, as on the profile page.
    """
    hidden = hidden_tag_names(user)  # profiles change only through the service: each has its changes logged
    rows = (CallerProfileChange.objects.filter(profile__in=profiles).order_by("-at", "-id")
            .annotate(same_note=ExpressionWrapper(Q(note_before=F("note_after")), output_field=BooleanField()))
            .values_list("profile_id", "at", "actor_id", "tags_before", "tags_after", "same_note"))
    last: dict[int, tuple[datetime, int]] = {}
    for profile_id, at, actor_id, before, after, same_note in rows.iterator(chunk_size=2000):
        if profile_id not in last and shows_something(before, after, not same_note, hidden):
            last[profile_id] = (at, actor_id)
    return last


def profile_page(user: User, filters: dict[str, Any], number: Any) -> tuple[Page, list[ProfileRow]]:
    """One page of the list, newest change first, and its rows (tags, 最近修改, orders from the number)."""
    qs = filtered(user, filters)
    since = filters.get("since")
    if sees_sensitive(user):  # every change shows: the profile's own 最近修改, in SQL
        if since:
            qs = qs.filter(updated_at__gte=_start(since))
        qs = qs.select_related("updated_by").prefetch_related(
            Prefetch("tags", queryset=shown_tags(user), to_attr="seen_tags"))
        page = Paginator(qs.order_by(F("updated_at").desc(nulls_last=True), "-id"), PER_PAGE).get_page(number)
        profiles = list(page.object_list)
        changed = {p.pk: (p.updated_at, p.updated_by) for p in profiles}
    else:
        last = last_seen_changes(user, qs)
        ids = [pk for pk, (at, _actor) in last.items() if not since or at >= _start(since)]
        ids.sort(key=lambda pk: (last[pk][0], pk), reverse=True)
        page = Paginator(ids, PER_PAGE).get_page(number)
        found = CallerProfile.objects.filter(pk__in=page.object_list).prefetch_related(
            Prefetch("tags", queryset=shown_tags(user), to_attr="seen_tags")).in_bulk()
        profiles = [found[pk] for pk in page.object_list if pk in found]
        actors = User.objects.in_bulk({last[p.pk][1] for p in profiles})
        changed = {p.pk: (last[p.pk][0], actors.get(last[p.pk][1])) for p in profiles}
    counts = dict(Ticket.objects.visible_to(user).filter(caller_phone__in=[p.phone for p in profiles])
                  .values_list("caller_phone").annotate(n=Count("id")).order_by())
    rows = [ProfileRow(profile=p, masked=mask_phone(p.phone), tags=p.seen_tags, changed_at=changed[p.pk][0],
                       changed_by=changed[p.pk][1], orders=counts.get(p.phone, 0)) for p in profiles]
    return page, rows
