"""Reads of caller profiles (来电人档案), cut to what this person may see. Two queries for a card."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, Value

from hotline.accounts.models import User
from hotline.callers.constants import CHANGES_SHOWN
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.callers.permissions import may_edit, may_read, sees_sensitive
from hotline.callers.services import profile_number


@dataclass
class ProfileCard:
    """A caller's profile as one person sees it: the tags on it (sensitive ones only for those who may see
    them), the note, and, for those who may change it, every tag they may choose (`choices`, each `.on`)."""

    phone: str
    tags: list[CallerTag] = field(default_factory=list)
    note: str = ""
    version: int = 0
    editable: bool = False
    choices: list[CallerTag] = field(default_factory=list)
    draft_note: str | None = None  # the note in the form, when a refused one is shown again
    #: The profile's id when this person may open it by id (`/callers/p/<id>/`, the number-free address): a
    #: profile showing them a tag they see or a note, as `listing.visible_profiles`; else None.
    profile_id: int | None = None

    @property
    def note_in_form(self) -> str:
        """What the form's note field holds: the refused draft, else the stored note."""
        return self.note if self.draft_note is None else self.draft_note

    @property
    def empty(self) -> bool:
        """True when there is nothing to show: no tag and no note."""
        return not self.tags and not self.note


def profile_card(user: User, phone: str, *, editable: bool = True) -> ProfileCard | None:
    """The profile of `phone` for this person; None for anyone who may not read profiles or a partial number.

    `editable=False` leaves the choices out (a read-only place such as the order page).
    """
    if not may_read(user):
        return None
    number = profile_number(phone)
    if not number:
        return None
    card = ProfileCard(phone=number, editable=editable and may_edit(user))
    profile = CallerProfile.objects.filter(phone=number).first()
    if profile is not None:  # its 最近修改 is the last change this person may see: `profile_changes`
        card.note, card.version = profile.note, profile.version
    if profile is None and not card.editable:
        return card
    through = CallerProfile.tags.through.objects.filter(callerprofile_id=getattr(profile, "pk", None),
                                                        callertag_id=OuterRef("pk"))
    tags = CallerTag.objects.annotate(on=Exists(through) if profile is not None else Value(False))
    tags = tags.filter(Q(on=True) | Q(is_active=True)) if card.editable else tags.filter(on=True)
    if not sees_sensitive(user):
        tags = tags.exclude(is_sensitive=True)
    found = list(tags.order_by("sort_order", "id"))
    card.tags = [t for t in found if t.on]
    card.choices = found if card.editable else []
    if profile is not None and (card.tags or profile.note):  # the rule of `listing.visible_profiles`
        card.profile_id = profile.pk
    return card


def order_card(user: User, ticket: Any, phone_shown: str) -> ProfileCard | None:
    """The caller's profile on an order's page: only where the page shows this person the caller's full
    number (`phone_shown`, the page's `phone_for`), so never on a confidential or anonymous order whose
    number is hidden or masked for them; read-only."""
    number = getattr(ticket, "caller_phone", "") or ""
    if not number or phone_shown != number:
        return None
    return profile_card(user, number, editable=False)


def order_caller_number(user: User, order_number: str) -> str:
    """The caller's number of the order `order_number`, for opening the caller's profile by the order
    (`/callers/order/<number>/`): only an order this person may see (`Ticket.objects.visible_to`) whose page
    shows them the caller's full number (centre staff; an anonymous caller's number is hidden from anyone
    else), and a whole number; "" otherwise. Nothing is recorded here: the profile page records what it shows.
    """
    if not may_read(user) or not order_number:
        return ""
    from hotline.tickets.models import Ticket

    ticket = (Ticket.objects.visible_to(user, one=True).filter(number=order_number)
              .only("id", "caller_phone").first())
    if ticket is None:
        return ""
    # The order page (`detail_context`, `phone_for`) shows the full number to centre staff only, and an
    # anonymous caller's number to nobody else: every reader of profiles is centre staff, checked again here.
    if not user.is_centre_staff:
        return ""
    return profile_number(ticket.caller_phone or "")


def hidden_tag_names(user: User) -> set[str]:
    """The tag names this person may not see (the sensitive ones), by their current setting."""
    if sees_sensitive(user):
        return set()
    return set(CallerTag.objects.filter(is_sensitive=True).values_list("name", flat=True))


def shows_something(tags_before: list[str], tags_after: list[str], note_changed: bool, hidden: set[str]) -> bool:
    """Whether a change shows anything to someone who may not see the `hidden` tags: the note, or a tag
    they see."""
    return note_changed or [n for n in tags_before if n not in hidden] != [n for n in tags_after if n not in hidden]


def profile_changes(user: User, phone: str, *, limit: int = CHANGES_SHOWN) -> list[CallerProfileChange]:
    """The profile's changes this person may see, newest first (at most `limit`). For those who may not see
    sensitive tags, their names are left out, and so is a change that touched nothing else."""
    number = profile_number(phone)
    if not may_read(user) or not number:
        return []
    changes = CallerProfileChange.objects.filter(profile__phone=number).select_related("actor").order_by("-at", "-id")
    if sees_sensitive(user):
        return list(changes[:limit])
    hidden, shown = hidden_tag_names(user), []
    for change in changes.iterator(chunk_size=200):  # the hidden ones are skipped before counting to `limit`
        if not shows_something(change.tags_before, change.tags_after, change.note_before != change.note_after,
                               hidden):
            continue
        change.tags_before = [name for name in change.tags_before if name not in hidden]
        change.tags_after = [name for name in change.tags_after if name not in hidden]
        shown.append(change)
        if len(shown) == limit:
            break
    return shown
