"""Webhook payloads of 群众催办 / 补充诉求: the chase tells its channel, never the agent's note."""

from __future__ import annotations

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.public_text import outbound_note
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks.events import payload

pytestmark = pytest.mark.django_db

NOTE = "赵先生再次来电（13912345678），已告知正在协调施工队"


def test_a_chase_sends_its_channel_and_no_note(frozen_now) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.chase(ticket, actor=cast.intake, note=NOTE)
    services.chase(ticket, actor=None)
    phone, portal = ticket.timeline.filter(action=Action.CHASE).order_by("seq")
    assert phone.is_public and outbound_note(phone) == ""
    first, second = payload(phone, "order.chased"), payload(portal, "order.chased")
    assert (first["step"]["note"], first["step"]["channel"]) == ("", "phone")
    assert (second["step"]["note"], second["step"]["channel"]) == ("", "portal")
    assert NOTE not in str(first)


def test_other_public_steps_keep_their_note_and_no_channel(frozen_now) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.supplement(ticket, actor=cast.intake, text="晚上十点以后更吵")
    event = ticket.timeline.order_by("seq").last()
    body = payload(event, "order.supplemented")
    assert body["step"]["note"] == "晚上十点以后更吵" and "channel" not in body["step"]
