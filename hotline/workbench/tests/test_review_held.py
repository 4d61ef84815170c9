"""The order page and the review services agree: a timely extension request is decided before the reply's review."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.services.review import EXTENSION_FIRST, review_blocker
from hotline.tickets.tests.factories import SHANGHAI, Cast, make_ticket
from hotline.workbench.views import HeldStep, step_forms

#: The services' words in the default language (the constants are lazy translations).
EXTENSION_FIRST = str(EXTENSION_FIRST)

pytestmark = pytest.mark.django_db


def bj(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=SHANGHAI)


def _page(user: User, ticket: Ticket):  # noqa: ANN202
    client = Client()
    client.force_login(user)
    return client.get(reverse("order-detail", args=[ticket.number]))


def _replied_late_while_a_timely_request_waits(cast: Cast, traveller: time_machine.Coordinates) -> Ticket:
    """Signed Tue 03-04 (reply due Tue 03-11 10:00); 3 days asked Fri 03-07; replied Wed 03-12, the request undecided."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    traveller.move_to(bj(3, 7))
    services.request_extension(t, actor=cast.lead_handler, days=3, reason="需现场勘查")
    traveller.move_to(bj(3, 12, 9))
    return services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)


def test_review_steps_are_held_with_the_services_words(cast: Cast, traveller: time_machine.Coordinates) -> None:
    t = _replied_late_while_a_timely_request_waits(cast, traveller)
    assert review_blocker(t) == EXTENSION_FIRST
    for action in (services.approve_reply, services.send_back):  # the service refuses with the same words
        with pytest.raises(RuleViolation, match=EXTENSION_FIRST):
            action(t, actor=cast.supervisor, **({"reason": "答复不完整"} if action is services.send_back else {}))

    steps = {spec.action: form for spec, form in step_forms(t, cast.supervisor)}  # the inspector: test_holds.py
    assert steps[Action.APPROVE_REPLY] == HeldStep(EXTENSION_FIRST)
    assert steps[Action.SEND_BACK] == HeldStep(EXTENSION_FIRST)
    response = _page(cast.supervisor, t)
    page = response.content.decode()
    assert EXTENSION_FIRST in page
    assert reverse("order-act", args=[t.number, Action.APPROVE_REPLY]) not in page  # no live button
    assert reverse("order-act", args=[t.number, Action.SEND_BACK]) not in page
    assert reverse("order-act", args=[t.number, Action.APPROVE_EXTENSION]) in page  # the decision comes first


def test_a_refused_review_post_keeps_the_step_held_and_the_text(cast: Cast, traveller: time_machine.Coordinates) -> None:
    t = _replied_late_while_a_timely_request_waits(cast, traveller)
    client = Client()
    client.force_login(cast.supervisor)
    response = client.post(reverse("order-act", args=[t.number, Action.SEND_BACK]),
                           {"version": str(t.version), f"{Action.SEND_BACK}-reason": "请补充现场照片"})
    assert response.status_code == 400
    page = response.content.decode()
    assert EXTENSION_FIRST in page and "请补充现场照片" in page
    steps = {spec.action: form for spec, form in response.context["steps"]}
    assert steps[Action.SEND_BACK] == HeldStep(EXTENSION_FIRST)
    assert response.context["kept"][0].action == Action.SEND_BACK  # what was typed is shown read-only
    assert Ticket.objects.get(pk=t.pk).status == Status.REPLIED


def test_once_the_request_is_decided_the_review_is_offered(cast: Cast, traveller: time_machine.Coordinates) -> None:
    t = _replied_late_while_a_timely_request_waits(cast, traveller)
    t = services.approve_extension(t, actor=cast.dispatcher)
    assert review_blocker(t) is None
    steps = {spec.action: form for spec, form in step_forms(t, cast.inspector)}
    assert not isinstance(steps[Action.APPROVE_REPLY], HeldStep)
    assert reverse("order-act", args=[t.number, Action.APPROVE_REPLY]) in _page(cast.inspector, t).content.decode()
    services.approve_reply(t, actor=cast.inspector)


def test_an_on_time_reply_is_not_held(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.REPLIED, cast=cast)
    assert review_blocker(t) is None
    assert all(not isinstance(form, HeldStep) for _s, form in step_forms(t, cast.supervisor))
