"""What a page post says about the order it was made on: its version, and whether it repeats a step just taken.

Every step form carries the order's `version` as the page showed it (the optimistic lock). A post without
one, or with anything but a short run of ASCII digits, is treated as a page made on an unknown version:
stale, refused with 「页面已过期，请刷新后重试」 and the typed text kept — never skipped, never a 500.
A stale post is a second click only when it repeats, word for word, the step this person just took
(`own_step_just_taken` with `posted`); other words from the same old page are a stale page, not 「已完成」.
The `next` a post names is followed only to a path on this site (`posted_next`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

from django.forms import Textarea
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from hotline.core import clock
from hotline.tickets.choices import Action
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.services.split import MAX_CHILDREN
from hotline.workbench.split import BLOCK_FIELDS

#: The most digits a posted version may have (versions are small counters; a longer string is not one).
MAX_VERSION_DIGITS = 9
#: A post of a step the same person took this many seconds ago is a second click, not a stale page.
REPEAT_SECONDS = 60
#: What a post without a readable version is told (its text is kept on the page shown again).
PAGE_EXPIRED = gettext_lazy("页面已过期，请刷新后重试")


def posted_next(request: HttpRequest) -> str | None:
    """The page a post asks to go back to (`next`): a path on this site, else None (another site, "/\\evil.example")."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return target
    return None


def posted_version(value: object) -> int | None:
    """The order version a page posted: at most nine ASCII digits, else None (missing, negative, not a number)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_VERSION_DIGITS:
        return None
    if not all("0" <= c <= "9" for c in value):  # str.isdecimal() also takes other scripts' digits
        return None
    return int(value)


#: Where a step keeps a value its form posts under another name: {step recorded: {form field: key of its data}}.
#: 同意退单 with a new lead keeps only {"return": id}: its lead is in the 派单 written with it (`_with_dispatch`).
#: A field named here is always compared, empty or not (no new lead posted while one was given is another step).
STORED_AS: dict[str, dict[str, str]] = {
    Action.MERGE: {"master_number": "master"},
    Action.FORWARD: {"to": "to_unit"},
    Action.REASSIGN: {"lead": "to_lead", "assisting": "to_assisting", "designate": "designated"},
    Action.DISPATCH: {"designate": "designated"},
    Action.DESIGNATE: {"designate": "designated"},
    Action.ACCEPT_RETURN: {"lead": "lead", "assisting": "assisting", "designate": "designated"},
    Action.DECIDE_UNREASONABLE: {"approve": "approved"},
    Action.DECIDE_TERMINATION: {"approve": "approved"},
    Action.DECIDE_APPEAL: {"approve": "upheld"},
}
#: Values a form posts that its step does not keep, and that never make a post another step: 工单更正's form
#: starts from the order's own values (what it changed is in `changes`), the way a 回访 was made is on its record,
#: 拆单's blocks are told apart by their descriptions (each new order's, kept whole in `children`; a block's other
#: values are on the new order).
NOT_STORED: dict[str, frozenset[str]] = {
    Action.CORRECT: frozenset({"request_type", "category", "urgency", "is_difficult", "title", "district", "street",
                               "community", "address"}),
    Action.RETURN_VISIT: frozenset({"method"}),
    Action.SPLIT: frozenset({"drafts", *(f"c{n}_{field}" for n in range(1, MAX_CHILDREN + 1)  # SplitForm's names
                                         for field in BLOCK_FIELDS if field != "description")}),
}


def own_step_just_taken(ticket: Ticket, user, action: str | Collection[str], *, since: int,  # noqa: ANN001
                        others: bool = False, unit: int | None = None, posted: Mapping[str, Any] | None = None) -> bool:
    """True when every change since the page's version is this person's own `action`, taken a moment ago.

    That is a double click (or a repeated post) of a step that has already succeeded, not a stale page.
    `action` may name several steps one form records (派单 is recorded as 指定派单 when 「指定派单」 is ticked).
    With `posted` (the form's cleaned values), the step just taken must also say what was posted
    (`says_what_was_posted`): a post with other words is a new step on a stale page, never answered 「已完成」.
    With `others`, other people's changes may be among them (the caller knows they do not conflict) and
    it is this person's own `action` for `unit` that must be a moment ago (no unit known: not a repeat).
    """
    actions = {action} if isinstance(action, str) else set(action)
    events = list(TimelineEvent.objects.filter(ticket=ticket, seq__gt=since).values("actor_id", "action", "at",
                                                                                    "unit_id", "note", "data"))
    own = [e for e in events if e["actor_id"] == user.pk]
    recent = clock.now() - timedelta(seconds=REPEAT_SECONDS)
    if posted is not None:
        # the step itself must say what was posted; others of this person's events (a dispatch after
        # 同意退单) only come with it
        if not any(e["action"] in actions and says_what_was_posted(_with_dispatch(e, own), posted) for e in own):
            return False
    if others:
        return unit is not None and any(e["action"] in actions and e["unit_id"] == unit and e["at"] >= recent
                                        for e in own)
    return bool(events) and len(own) == len(events) and any(e["action"] in actions for e in events) \
        and max(e["at"] for e in events) >= recent


def _with_dispatch(event: Mapping[str, Any], own: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """同意退单 as it was taken: its data with the new lead's 派单 this person wrote with it (same moment), if any."""
    if event["action"] != Action.ACCEPT_RETURN:
        return event
    dispatched = [e for e in own if e["action"] in (Action.DISPATCH, Action.DESIGNATE) and e["at"] == event["at"]]
    data = {k: v for e in dispatched for k, v in (e.get("data") or {}).items() if k in ("lead", "assisting",
                                                                                      "designated")}
    return {**event, "data": {**(event.get("data") or {}), **data}}


def says_what_was_posted(event: Mapping[str, Any], posted: Mapping[str, Any]) -> bool:
    """Whether a recorded step (its note and data) holds what a post says: a second click, not new words.

    `posted` is `typed_values(form)`: every text typed (a `Typed`) must be the step's note or a text of its data
    (the whole of it: 「12号」 after 「门牌号是12号」 is new words). A chosen value (a unit, an order, a kind) must be
    the one the step's data keeps under the field's name, or under the key `STORED_AS` names for the step (并单's
    `master_number` is kept as `master`); a field named there is compared even when empty or a tick. A chosen value
    the step keeps nowhere fails closed — it cannot be told from another choice — unless `NOT_STORED` says the
    step's form always posts it (工单更正's values of the order). Empty values and other ticks say nothing either
    way. When in doubt it says no: a stale page, text kept.
    """
    data = event.get("data") or {}
    action = event.get("action", "")
    stored_as = STORED_AS.get(action, {})
    stored = {t.strip() for t in [event.get("note") or "", *_texts(data)]}
    for name, value in posted.items():
        if name in stored_as:
            if _chosen(value) != _chosen(data.get(stored_as[name])):
                return False
            continue
        if value in (None, "", [], ()) or isinstance(value, bool):
            continue
        if isinstance(value, Typed):
            if value.strip() not in stored:
                return False
        elif name in data:
            if _plain(value) != _plain(data[name]):
                return False
        elif name not in NOT_STORED.get(action, ()):
            return False  # chosen, but kept nowhere: maybe another choice
    return True


class Typed(str):
    """A text typed into a free-text box (a note, a supplement, a reason), as opposed to a chosen value."""

    __slots__ = ()


def typed_values(form: Any) -> dict[str, Any]:
    """A valid form's cleaned values for `says_what_was_posted`, the free-text boxes' texts marked `Typed`."""
    values = dict(form.cleaned_data)
    for name, value in values.items():
        if isinstance(value, str) and (field := form.fields.get(name)) is not None and isinstance(field.widget, Textarea):
            values[name] = Typed(value)
    return values


def _texts(value: object) -> list[str]:
    """Every text inside a step's data (nested lists and dicts included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []


def _chosen(value: object) -> object:
    """A value compared under `STORED_AS`: as `_plain`, and nothing chosen (None, "", [], unticked) is None."""
    plain = _plain(value)
    return None if plain is None or plain is False or plain in ("", [], ()) else plain


def _plain(value: object) -> object:
    """A posted or stored value comparable with the other: model instances by id, lists as sorted ids."""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple) or (hasattr(value, "__iter__") and not isinstance(value, str | dict)):
        return sorted(_plain(v) for v in value)
    return value
