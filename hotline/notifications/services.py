"""Telling the caller about the milestones of their order (受理、转办、延期、并单、拆单、答复、回访评价、办结、终止办理), once each.

`notify_event` is what the `ticket_changed` receiver calls after a step has committed. It takes ids,
re-fetches, writes one `Notification` per milestone (the unique (event, template) pair makes a
re-delivered signal a no-op), then claims it (queued → sending, a conditional UPDATE) and hands the message
to the configured backend. A failing backend is recorded on the notification and never raised. A text left
queued by a sender that died before the gateway call is sent by the periodic retry (`retry.retry_due`),
which claims it the same way: never both.

A merged order (已并单) is answered through its master: the master's reply and closing messages go to the
callers of the orders merged into it too (transitively), each hung on that order's own merge event.
One number gets one message per step: a caller whose orders were merged together (the same citizen online
and on the phone) gets the master's message once, naming their orders (您的工单A、B已办理答复),
hung on their first order that is not confidential (保密): a confidential order's number is never written, and
the reply is withheld only from a caller all of whose orders are confidential.
The merge itself is told to the merged order's caller: the master's number, and that its reply is theirs.

Only what happened to the order is told: an assisting unit's (协办) approved extension moves its own
deadline, not the order's, and is not texted. A call declined at once (受理登记 and 不予受理 in one go) gets
no receipt (已受理 would contradict the next text), only the closing text with the reason. An invitation to
rate (评价邀请) is sent only while the order awaits its return visit (a step followed up late, after the order was
closed, sends none: its link could not rate; `retry.invitation_stale`, the retry's own check).

A text sent late must not contradict what the caller was told since: a step followed up late (a lagging worker
queue, the repair of lost follow-ups up to NEWS_WITHIN later) does not send a text a later step's text already
overtook (an approved reply's 答复通知 after the 办结通知, a 转办通知 after the 改派's), nor any once the step is
older than NEWS_WITHIN: the text is recorded not sent (发送失败, the reason in its `error`, as a given-up 补发)
by the retry's own rules (`retry.not_news`). Staff may still send one that is only old from the admin.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from hotline.core import clock
from hotline.core.privacy import scrub_public_text
from hotline.notifications.backends import Message, get_notifier
from hotline.notifications.choices import Channel, DeliveryStatus, Template
from hotline.notifications.models import Notification
from hotline.notifications.retry import HIDDEN, not_news
from hotline.orgs.models import HandlingUnit
from hotline.portal.choices import public_status
from hotline.portal.constants import invitation_days
from hotline.portal.selectors import public_reply
from hotline.portal.services import invite_to_rate
from hotline.portal.validators import is_mobile
from hotline.tickets.choices import DISPATCH_ACTIONS, Action, AssignmentRole, NotAcceptedReason, Status
from hotline.tickets.models import Extension, Ticket, TimelineEvent
from hotline.tickets.public_text import citizen_text, extension_notices

logger = logging.getLogger(__name__)

#: Default base of links in messages (setting HOTLINE_PUBLIC_URL).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
#: Longest public reply quoted in an SMS (characters); the rest is on the tracking page.
MAX_REPLY_CHARS = 120
#: Statuses whose arrival is the "closed" milestone.
_CLOSING = frozenset({Status.CLOSED, Status.ANSWERED, Status.NOT_ACCEPTED})
#: Milestones a confidential (保密) order's caller is not sent: they would name units or quote their words.
_NOT_FOR_CONFIDENTIAL = frozenset({Template.DISPATCHED, Template.REPLIED, Template.EXTENDED})
#: Milestones of a master order that the callers of the orders merged into it are sent as well.
_FOR_MERGED = frozenset({Template.REPLIED, Template.CLOSED, Template.TERMINATED})
#: How many levels of merged orders a master's messages reach (chains are refused since; older data).
MAX_MERGE_DEPTH = 10

_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("hotline_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Send nothing while inside (e.g. loading the demo's 90 days of history)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def enabled() -> bool:
    """Whether milestones are sent at all (setting HOTLINE_NOTIFICATIONS_ENABLED, default on)."""
    return bool(getattr(settings, "HOTLINE_NOTIFICATIONS_ENABLED", True)) and not _muted.get()


def milestones(action: str, from_status: str, to_status: str) -> list[str]:
    """The templates a step calls for (none for most steps)."""
    found = []
    if action == Action.REGISTER:
        found.append(Template.ACCEPTED)
    if action in DISPATCH_ACTIONS:
        found.append(Template.DISPATCHED)
    if action == Action.APPROVE_EXTENSION:
        found.append(Template.EXTENDED)
    if action == Action.MERGE:
        found.append(Template.MERGED)
    if action == Action.SPLIT:
        found.append(Template.SPLIT)
    if action == Action.DECIDE_TERMINATION and to_status == Status.TERMINATED:
        found.append(Template.TERMINATED)
    if action == Action.APPROVE_REPLY:
        found.append(Template.REPLIED)
    if to_status == Status.AWAITING_VISIT and from_status != Status.AWAITING_VISIT:
        found.append(Template.VISIT)
    if to_status in _CLOSING and from_status != to_status:
        found.append(Template.CLOSED)
    return found


def public_url(path: str) -> str:
    """An absolute link for a message (HOTLINE_PUBLIC_URL + path)."""
    base = str(getattr(settings, "HOTLINE_PUBLIC_URL", "") or DEFAULT_PUBLIC_URL).rstrip("/")
    return f"{base}{path}"


def site_path(name: str, fallback: str, *args: str) -> str:
    """The path of a named URL, else `fallback` (where the page is documented to live)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # those URLs are not mounted (e.g. the portal's): use their documented place
        return fallback


def recipient(ticket: Ticket) -> str:
    """Where the caller gets SMS: their mobile number, anonymous or not; empty when there is none.

    A proactive order (主动发现, 未诉先办) has no caller: whatever number it carries (a grid worker's, a
    reporting official's), nobody is told its milestones or invited to rate it (it is checked on site).
    """
    if ticket.is_proactive:
        return ""
    phone = (ticket.caller_phone or "").strip()
    return phone if is_mobile(phone) else ""


def _context(template: str, ticket: Ticket, event: TimelineEvent, about: Ticket,
             also: Sequence[str] = (), invite: bool = True) -> tuple[dict, str]:
    """The template's context and the secret to keep out of the stored body ("" if none).

    `about` is the order whose handling is told: the order itself, or the master of a merged order.
    `also`: the numbers of the caller's other orders the message is about (merged ones, same number).
    `invite`: make the rating link of an invitation (评价邀请); without, the link shows `retry.HIDDEN` (a text
    recorded and not sent).
    """
    ctx = {"number": "、".join([ticket.number, *also]), "confidential": ticket.is_confidential,
           "track_url": public_url(site_path("portal:track", "/portal/track/")) + f"?number={ticket.number}"}
    secret = ""
    if template == Template.ACCEPTED:
        ctx["query_code"] = ticket.query_code
        ctx["submitted"] = ticket.awaiting_acceptance  # an online request the centre has not accepted yet
    elif template == Template.DISPATCHED:
        lead = (event.data or {}).get("lead")
        unit = HandlingUnit.objects.filter(pk=lead).first() if lead else None
        ctx["unit"] = unit.name if unit else ""
    elif template == Template.REPLIED:
        reply = public_reply(about)  # a master's reply was written to its own caller: their name and numbers masked
        ctx["reply"] = _shortened(reply if about == ticket else scrub_public_text(reply, order=about))
    elif template == Template.EXTENDED:
        ctx["notice"] = _shortened(extension_notices([event]).get(event.pk, ""))
    elif template == Template.MERGED:
        master = ticket.master
        # Like the tracking page: a confidential order, or one merged into a confidential one, names no master.
        named = master is not None and not (ticket.is_confidential or master.is_confidential)
        ctx["master"] = master.number if named else ""
    elif template == Template.VISIT:
        secret = invite_to_rate(ticket) if invite else HIDDEN
        ctx["rate_url"] = public_url(site_path("portal:rate", f"/portal/rate/{secret}/", secret))
        ctx["days"] = invitation_days()
    elif template == Template.CLOSED:
        ctx["status"] = public_status(about.status)
        ctx["reason"] = declined_reason(about) if about == ticket else ""
    elif template == Template.SPLIT:  # the new orders of the other demands, each with its query code (拆单)
        ids = [c.get("id") for c in (event.data or {}).get("children", [])]
        found = Ticket.objects.in_bulk(ids)
        ctx["children"] = [found[pk] for pk in ids if pk in found]
    elif template == Template.TERMINATED:  # the public words of the decision: the reason's label only
        ctx["notice"] = citizen_text(event.action, event.note, event.data) if about == ticket else ""
    return ctx, secret


def declined_reason(ticket: Ticket) -> str:
    """The reason's label of a declined order (不予受理), as the tracking page shows it; "" for 其他 (the agent's
    own words are not sent) and for any other order."""
    reason = ticket.not_accepted_reason if ticket.status == Status.NOT_ACCEPTED else ""
    if reason in NotAcceptedReason.values and reason != NotAcceptedReason.OTHER:
        return str(NotAcceptedReason(reason).label)
    return ""


def _shortened(text: str) -> str:
    """At most MAX_REPLY_CHARS of a text for the citizen; the rest is on the tracking page."""
    return text[:MAX_REPLY_CHARS] + ("…" if len(text) > MAX_REPLY_CHARS else "")


def compose(template: str, ticket: Ticket, event: TimelineEvent, about: Ticket | None = None,
            also: Sequence[str] = (), invite: bool = True) -> tuple[str, str, str]:
    """(subject, body to send, body to store) of one milestone message (`about`, `also`, `invite`: `_context`).

    Always in the centre's language (`LANGUAGE_CODE`) and time zone (`TIME_ZONE`, Beijing time), whatever
    the staff member whose step sent it has chosen for their pages: the citizen did not choose English.
    """
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        ctx, secret = _context(template, ticket, event, about or ticket, also, invite)
        text = render_to_string(f"notifications/sms/{template}.txt", ctx)
        subject = str(Template(template).label)
    body = "".join(line.strip() for line in text.splitlines())
    stored = body.replace(secret, HIDDEN) if secret else body
    return subject, body, stored


def _record(template: str, ticket: Ticket, event: TimelineEvent, to: str, about: Ticket | None = None,
            also: Sequence[str] = (), not_sent: str = "") -> tuple[Notification, Message] | None:
    """Write the notification (and any rating link) in one transaction; None if it was written before.

    The unique (event, template) constraint decides: a second delivery of the same signal rolls back.
    `not_sent`: why the text is recorded and not sent (`retry.not_news`): written failed with that reason, no
    rating link made, never tried again automatically.
    """
    status = DeliveryStatus.FAILED if not_sent else DeliveryStatus.QUEUED
    try:
        with transaction.atomic():
            subject, body, stored = compose(template, ticket, event, about, also, invite=not not_sent)
            note = Notification.objects.create(ticket=ticket, event=event, template=template, channel=Channel.SMS,
                                               to=to, subject=subject, body=stored, created_at=clock.now(),
                                               status=status, error=not_sent)
    except IntegrityError:
        return None  # the same step's message exists (a re-delivered signal): the rating link is rolled back
    return note, Message(channel=Channel.SMS, to=to, subject=subject, body=body, ticket_id=ticket.pk)


def deliver(note: Notification, message: Message) -> Notification:
    """Hand the message to the backend and record the outcome; never raises.

    A failed text to a caller is given its next try (`retry.next_try`: with backoff, while news, a few times);
    the periodic `retry_failed` sends it again then. A unit alert is not retried (a late alert is no news).
    """
    from hotline.notifications.retry import next_try

    note.attempts += 1
    try:
        get_notifier(message.channel).send(message)
    except Exception as exc:  # any backend failure is recorded, not raised into the request
        logger.warning("notification %s failed: %s", note.pk, exc)
        note.status, note.error = DeliveryStatus.FAILED, str(exc)[:2000] or exc.__class__.__name__
        note.next_attempt_at = next_try(note, clock.now())
        Notification.objects.filter(pk=note.pk).update(status=note.status, error=note.error, attempts=note.attempts,
                                                       next_attempt_at=note.next_attempt_at)
    else:
        note.status, note.sent_at, note.next_attempt_at = DeliveryStatus.SENT, clock.now(), None
        Notification.objects.filter(pk=note.pk).update(status=note.status, sent_at=note.sent_at, error="",
                                                       attempts=note.attempts, next_attempt_at=None)
    return note


def send_claimed(note: Notification, message: Message) -> Notification | None:
    """Send a just-written text if this sender claims it first (queued → sending); None if another did (the
    periodic retry took one this sender left queued too long)."""
    from hotline.notifications.retry import claim

    return deliver(note, message) if claim(note) else None


def notify_event(*, ticket_id: int, event_id: int, action: str, from_status: str = "",
                 to_status: str = "") -> list[Notification]:
    """Send the caller the milestone messages of one committed step (通知群众), each at most once."""
    templates = milestones(action, from_status, to_status)
    if not templates or not enabled():
        return []
    event = TimelineEvent.objects.select_related("ticket").filter(pk=event_id, ticket_id=ticket_id).first()
    if event is None:
        return []
    ticket = event.ticket
    templates = [t for t in templates if _tells(t, ticket, event)]
    followed = [t for t in templates if t in _FOR_MERGED]
    groups = _by_number(merged_into(ticket)) if followed else {}
    own = recipient(ticket)
    also = _numbers(groups.pop(own, [])) if own else []  # the master's caller's own merged orders: one text
    sent = _send(templates, ticket, event, ticket, event, also)
    for orders in groups.values():  # one text per other number, on the merge of its first order that may be named
        (merged, merge_event), rest = _carrier(orders)
        sent += _send(followed, merged, merge_event, ticket, event, _numbers(rest))
    return sent


def _tells(template: str, ticket: Ticket, event: TimelineEvent) -> bool:
    """Whether this milestone is the citizen's news.

    Not an extension of an assisting unit (协办): it moves that unit's own deadline, the order's stay. Not the
    receipt (受理通知) of an order already declined (不予受理) when it is sent: declined in the same call,
    the caller gets only the closing text with the reason. Not the receipt of an order split off another (拆单):
    the parent's 拆单通知 names every new order with its query code, in one text. Not an invitation to rate
    (评价邀请) once the order no longer awaits its return visit (a step followed up late): a dead link.
    """
    from hotline.notifications.retry import invitation_stale

    if template == Template.VISIT:
        return not invitation_stale(ticket)
    if template == Template.EXTENDED:
        return Extension.objects.filter(pk=(event.data or {}).get("extension"), ticket=ticket,
                                        assignment__role=AssignmentRole.LEAD).exists()
    if template == Template.ACCEPTED:  # an order split off another (拆单): told once, in the parent's 拆单通知
        return ticket.status != Status.NOT_ACCEPTED and ticket.split_from_id is None
    return True


def _by_number(merged: list[tuple[Ticket, TimelineEvent]]) -> dict[str, list[tuple[Ticket, TimelineEvent]]]:
    """The merged orders (with their merge events) grouped by the number their caller is texted at, in order."""
    groups: dict[str, list[tuple[Ticket, TimelineEvent]]] = {}
    for order, merge_event in merged:
        if to := recipient(order):
            groups.setdefault(to, []).append((order, merge_event))
    return groups


def _carrier(orders: list[tuple[Ticket, TimelineEvent]]
             ) -> tuple[tuple[Ticket, TimelineEvent], list[tuple[Ticket, TimelineEvent]]]:
    """The order (with its merge event) one caller's text about their merged orders hangs on, and the others.

    Their first order that is not confidential (保密): a confidential one would withhold the reply and write its
    own number. Only when all of them are confidential, the first: the caller gets what a confidential order's
    caller gets (the closing text, no reply).
    """
    index = next((i for i, (order, _event) in enumerate(orders) if not order.is_confidential), 0)
    return orders[index], orders[:index] + orders[index + 1:]


def _numbers(orders: list[tuple[Ticket, TimelineEvent]]) -> list[str]:
    """The numbers of these orders a message to their caller may name (a confidential order's is not written)."""
    return [order.number for order, _event in orders if not order.is_confidential]


def _send(templates: list[str], ticket: Ticket, event: TimelineEvent, about: Ticket, step: TimelineEvent,
          also: Sequence[str] = ()) -> list[Notification]:
    """Send `ticket`'s caller these milestones of `about` (the order itself or its master), each at most once;
    the ones merged orders follow name `also` (the caller's other orders) too. `step`: the step told (`event`, or
    the master's step for a merged order's caller, whose texts hang on its merge event `event`); a text no
    longer news or overtaken by a later one (`retry.not_news`) is recorded, not sent."""
    if not (to := recipient(ticket)):
        return []
    sent = []
    for template in templates:
        if (ticket.is_confidential or about.is_confidential) and template in _NOT_FOR_CONFIDENTIAL:
            continue
        try:
            not_sent = not_news(template, ticket, event, to, step)
            recorded = _record(template, ticket, event, to, about, also if template in _FOR_MERGED else (), not_sent)
            if not_sent and recorded is not None:
                logger.info("text %s of ticket %s event %s not sent: %s", template, ticket.pk, event.pk, not_sent)
            elif recorded is not None and (note := send_claimed(*recorded)) is not None:
                sent.append(note)
        except Exception:  # never break the step that triggered us
            logger.exception("notification %s for ticket %s event %s not written", template, ticket.pk, event.pk)
    return sent


def merged_into(master: Ticket) -> list[tuple[Ticket, TimelineEvent]]:
    """The orders merged into `master` (and into those, for older data), each with its own merge event (并单).

    A merged order's messages about its master hang on that event: the (event, template) pair keeps them
    to one reply and one closing message per merged order, however often the signal is delivered.
    """
    found: list[tuple[Ticket, TimelineEvent]] = []
    frontier, seen = [master.pk], {master.pk}
    for _level in range(MAX_MERGE_DEPTH):
        merged = [t for t in Ticket.objects.filter(master_id__in=frontier, status=Status.MERGED).order_by("pk")
                  if t.pk not in seen]
        if not merged:
            break
        events: dict[int, TimelineEvent] = {}
        for e in TimelineEvent.objects.filter(ticket__in=merged, action=Action.MERGE).order_by("seq"):
            events[e.ticket_id] = e  # the newest merge event of each order
        found += [(t, events[t.pk]) for t in merged if t.pk in events]
        seen |= {t.pk for t in merged}
        frontier = [t.pk for t in merged]
    return found
