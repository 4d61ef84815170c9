"""What a page post says about the order it was made on: its version, and whether it repeats a step just taken.

Every step form carries the order's `version` as the page showed it (the optimistic lock). A post without
one, or with anything but a short run of ASCII digits, is treated as a page made on an unknown version:
stale, refused with 「页面已过期，请刷新后重试」 and the typed text kept — never skipped, never a 500.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy

from hotline.core import clock
from hotline.tickets.models import Ticket, TimelineEvent

#: The most digits a posted version may have (versions are small counters; a longer string is not one).
MAX_VERSION_DIGITS = 9
#: A post of a step the same person took this many seconds ago is a second click, not a stale page.
REPEAT_SECONDS = 60
#: What a post without a readable version is told (its text is kept on the page shown again).
PAGE_EXPIRED = gettext_lazy("页面已过期，请刷新后重试")


def posted_version(value: object) -> int | None:
    """The order version a page posted: at most nine ASCII digits, else None (missing, negative, not a number)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_VERSION_DIGITS:
        return None
    if not all("0" <= c <= "9" for c in value):  # str.isdecimal() also takes other scripts' digits
        return None
    return int(value)


def own_step_just_taken(ticket: Ticket, user, action: str, *, since: int,  # noqa: ANN001
                        others: bool = False, unit: int | None = None) -> bool:
    """True when every change since the page's version is this person's own `action`, taken a moment ago.

    That is a double click (or a repeated post) of a step that has already succeeded, not a stale page.
    With `others`, other people's changes may be among them (the caller knows they do not conflict) and
    it is this person's own `action` for `unit` that must be a moment ago (no unit known: not a repeat).
    """
    events = list(TimelineEvent.objects.filter(ticket=ticket, seq__gt=since).values("actor_id", "action", "at",
                                                                                    "unit_id"))
    own = [e for e in events if e["actor_id"] == user.pk]
    recent = clock.now() - timedelta(seconds=REPEAT_SECONDS)
    if others:
        return unit is not None and any(e["action"] == action and e["unit_id"] == unit and e["at"] >= recent
                                        for e in own)
    return bool(events) and len(own) == len(events) and any(e["action"] == action for e in events) \
        and max(e["at"] for e in events) >= recent
