"""Changes of the calls app outside the CTI intake: linking orders to calls and callbacks.

The CTI intake is `hotline.calls.ingest.ingest`; callback steps are in `hotline.calls.callbacks`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from hotline.calls import callbacks
from hotline.calls.choices import AgentState, CallbackStatus
from hotline.calls.constants import setting
from hotline.calls.derive import WRAP_AFTER_END, WRAP_EARLY
from hotline.calls.models import AgentSpan, Call, Callback, CallOrder
from hotline.core import clock
from hotline.tickets.models import Ticket, TimelineEvent


def call_during(user_id: int, at: datetime) -> Call | None:
    """The call this agent was on at `at`: answered, and not yet ended or still in its wrap-up.

    A wrap-up still under way has no end yet (`wrap_end_at` is empty until the agent's next state event):
    the call's agent is then in an open wrap-up span (话后处理) begun at `at` or before, when the call ended
    (`derive.assign_wrapups`' tolerances).
    """
    grace = timedelta(seconds=setting("LINK_GRACE_SECONDS"))
    wrapping = (AgentSpan.objects.filter(agent_id=OuterRef("agent_id"), state=AgentState.WRAPUP, end__isnull=True,
                                         start__lte=at, start__gte=OuterRef("ended_at") - WRAP_EARLY)
                .filter(start__lte=OuterRef("ended_at") + WRAP_AFTER_END))
    candidates = (Call.objects.filter(agent__user_id=user_id, answered_at__lte=at,
                                      answered_at__gte=at - timedelta(hours=12))
                  .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=at - grace) | Q(wrap_end_at__gte=at)
                          | Q(wrap_end_at__isnull=True, ended_at__lte=at) & Exists(wrapping))
                  .order_by("-answered_at", "-pk"))
    return candidates.first()


@transaction.atomic
def link_order(call: Call, ticket: Ticket) -> bool:
    """Link an order to a call (idempotent); True if the link is new."""
    _, created = CallOrder.objects.get_or_create(call=call, ticket=ticket, defaults={"linked_at": clock.now()})
    return created


def link_registered_order(*, ticket_id: int, event_id: int) -> None:
    """An order was registered: link it to the registering agent's call and claimed callback, if any."""
    event = TimelineEvent.objects.filter(pk=event_id).values("actor_id", "at").first()
    if event is None or event["actor_id"] is None:
        return
    call = call_during(event["actor_id"], event["at"])
    callback = (Callback.objects.filter(status=CallbackStatus.CLAIMED, claimed_by_id=event["actor_id"],
                                        claimed_at__lte=event["at"], ticket__isnull=True)
                .order_by("-claimed_at").first())
    if call is None and callback is None:
        return  # most orders (web, app, API): nothing to link, and the order itself need not be read
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return
    if call is not None:
        link_order(call, ticket)
    if callback is not None:
        callbacks.link_order(callback, ticket=ticket, actor=ticket.registered_by)
