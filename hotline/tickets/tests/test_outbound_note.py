"""What a public step's note sends out of the centre (webhooks, partners' updates): `public_text.outbound_note`."""

from __future__ import annotations

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Action, Satisfaction, Status
from hotline.tickets.public_text import outbound_note
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _last(ticket, action):
    return ticket.timeline.filter(action=action).order_by("-seq").first()


def test_a_dispatch_names_the_units_never_the_dispatchers_instructions(frozen_now) -> None:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone="13912345678")
    services.dispatch(t, actor=cast.dispatcher, lead=cast.lead, assisting=cast.assisting,
                      note="来电人王建国（13912345678）多次投诉，情绪激动，请主要领导亲自回复")
    assert outbound_note(_last(t, Action.DISPATCH)) == f"主办：{cast.lead.name}；协办：{cast.assisting[0].name}"


def test_a_send_back_keeps_the_reviewers_judgement_in_the_centre(frozen_now) -> None:
    cast = Cast.build()
    t = make_ticket(Status.REPLIED, cast=cast)
    services.send_back(t, actor=cast.inspector, reason="答复敷衍，未联系群众")
    event = _last(t, Action.SEND_BACK)
    assert event.is_public and outbound_note(event) == ""


def test_a_visit_note_goes_out_with_the_callers_name_and_number_masked(frozen_now) -> None:
    cast = Cast.build()
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_name="王建国", caller_phone="13912345678")
    services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED, note="拨打13912345678，王建国表示路灯已修好，满意")
    assert outbound_note(t.timeline.order_by("-seq").first()) == "拨打139****5678，王**表示路灯已修好，满意"
