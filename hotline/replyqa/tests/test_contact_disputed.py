"""答复称已联系群众，回访时群众表示未被联系: a return visit that disputes the reply's 已联系群众 is a reply-quality
finding of its own, recorded once per visit when the visit commits, shown on the order's panel and counted
for the unit whose reply claimed the contact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.replyqa import disputes, labels
from hotline.replyqa.models import DisputedContact
from hotline.replyqa.receivers import on_ticket_changed
from hotline.tickets import services
from hotline.tickets.choices import Action, Satisfaction, Status
from hotline.tickets.models import ReturnVisit, Ticket, TimelineEvent
from hotline.tickets.signals import send_step
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

GOOD = ("关于您反映的多福巷社区门口路灯不亮的问题，经现场核实，两盏路灯线路老化。根据《城市照明管理办法》规定，"
        "我街道已安排维修人员更换线路，现已恢复照明。如有疑问请致电街道城管科，联系电话010-65000000。")


@dataclass
class Steps:
    """The steps of these tests on a clock that moves on (time-machine), committed steps delivered as in production."""

    traveller: time_machine.Coordinates
    capture: Callable[..., Any]

    def replied(self, cast: Cast, *, claims_contact: bool = True) -> Ticket:
        """An order awaiting its visit, the lead's reply (saying 已联系群众 as given) approved an hour later."""
        t = make_ticket(Status.IN_PROGRESS, cast=cast, title="多福巷社区门口路灯不亮",
                        description="多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。")
        t = self.reply(t, cast, claims_contact=claims_contact)
        self.traveller.shift(timedelta(hours=1))
        return services.approve_reply(t, actor=cast.inspector)

    def reply(self, t: Ticket, cast: Cast, *, claims_contact: bool = True) -> Ticket:
        return services.reply(t, actor=cast.lead_handler, unit=cast.lead, content=GOOD, contacted=claims_contact,
                              resolved=True)

    def visit(self, t: Ticket, cast: Cast, **kwargs: object) -> Ticket:
        """The centre's call a day later; the citizen says the unit never contacted them unless told otherwise."""
        self.traveller.shift(timedelta(days=1))
        kwargs = {"contacted": True, "resolved": True, "satisfaction": Satisfaction.SATISFIED,
                  "unit_contacted": False, **kwargs}
        with self.capture(execute=True):
            return services.record_return_visit(t, actor=cast.inspector, **kwargs)

    def rehandled_and_replied_again(self, cast: Cast) -> Ticket:
        """A disputed visit that found the problem unsolved (重办), and the unit's next reply a day later."""
        t = self.visit(self.replied(cast), cast, resolved=False, satisfaction=Satisfaction.UNSATISFIED)
        self.traveller.shift(timedelta(days=1))
        return self.reply(t, cast)


@pytest.fixture
def steps(traveller: time_machine.Coordinates, django_capture_on_commit_callbacks: Any) -> Steps:
    return Steps(traveller, django_capture_on_commit_callbacks)


def _visit_event(t: Ticket) -> TimelineEvent:
    return TimelineEvent.objects.filter(ticket=t, action=Action.RETURN_VISIT).latest("seq")


def _payload(event: TimelineEvent) -> dict:
    return {"ticket_id": event.ticket_id, "event_id": event.pk, "action": event.action,
            "from_status": event.from_status, "to_status": event.to_status}


def _get(user, url: str):  # noqa: ANN001, ANN202
    client = Client()
    client.force_login(user)
    return client.get(url)


def _order_page(user, t: Ticket) -> str:  # noqa: ANN001
    response = _get(user, reverse("order-detail", args=[t.number]))
    assert response.status_code == 200
    return response.content.decode()


# --- recorded once, for the unit that claimed the contact -----------------------------------------------


def test_a_disputed_contact_is_recorded_for_the_unit_whose_reply_claimed_it(cast: Cast, steps: Steps) -> None:
    t = steps.visit(steps.replied(cast), cast)
    visit = ReturnVisit.objects.get(ticket=t)
    dispute = DisputedContact.objects.get()
    assert (dispute.visit, dispute.ticket, dispute.reply, dispute.unit) == (visit, t, t.replies.get(), cast.lead)
    assert dispute.visited_at == visit.created_at


def test_a_step_delivered_again_records_nothing_more(cast: Cast, steps: Steps) -> None:
    t = steps.visit(steps.replied(cast), cast)
    event = _visit_event(t)
    steps.traveller.shift(timedelta(hours=2))
    assert send_step(_payload(event))  # the repair delivers it again
    on_ticket_changed(Ticket, **_payload(event))  # and a queued copy arrives too
    dispute = DisputedContact.objects.get()
    assert dispute.recorded_at == event.at  # the first delivery's record stands


def test_a_rehandling_visit_is_recorded_too(cast: Cast, steps: Steps) -> None:
    t = steps.visit(steps.replied(cast), cast, resolved=False, satisfaction=Satisfaction.UNSATISFIED)
    assert t.status == Status.IN_PROGRESS
    assert DisputedContact.objects.filter(ticket=t, unit=cast.lead).count() == 1


def test_each_disputing_visit_is_its_own_finding_on_its_own_reply(cast: Cast, steps: Steps) -> None:
    t = steps.rehandled_and_replied_again(cast)
    t = steps.visit(services.approve_reply(t, actor=cast.inspector), cast)
    first, second = DisputedContact.objects.filter(ticket=t)
    assert [first.reply, second.reply] == list(t.replies.order_by("created_at"))


# --- not recorded ------------------------------------------------------------------------------------


@pytest.mark.parametrize("claims_contact, answers", [
    pytest.param(False, {"unit_contacted": False}, id="the reply said it did not contact the citizen"),
    pytest.param(True, {"unit_contacted": True}, id="the citizen confirms the contact"),
    pytest.param(True, {"unit_contacted": None}, id="the citizen did not answer"),
    pytest.param(True, {"contacted": False, "resolved": None, "satisfaction": ""}, id="the citizen not reached"),
])
def test_no_finding_without_a_disputed_contact(cast: Cast, steps: Steps, claims_contact: bool,
                                              answers: dict) -> None:
    t = steps.visit(steps.replied(cast, claims_contact=claims_contact), cast, **answers)
    on_ticket_changed(Ticket, **_payload(_visit_event(t)))
    assert not DisputedContact.objects.exists()


def test_an_order_closed_unreachable_has_no_finding(cast: Cast, steps: Steps) -> None:
    t = steps.replied(cast)
    Ticket.objects.filter(pk=t.pk).update(caller_phone="")  # no phone: one attempt closes it, no valid visit
    t.refresh_from_db()
    t = steps.visit(t, cast, contacted=False, resolved=None, satisfaction="")
    assert t.status == Status.CLOSED
    assert not DisputedContact.objects.exists()


def test_other_steps_are_ignored(cast: Cast, steps: Steps) -> None:
    t = steps.replied(cast)
    approve = TimelineEvent.objects.get(ticket=t, action=Action.APPROVE_REPLY)
    on_ticket_changed(Ticket, **_payload(approve))
    assert not DisputedContact.objects.exists()


# --- the order page's panel ------------------------------------------------------------------------


def test_the_panel_shows_the_finding_as_serious(cast: Cast, steps: Steps) -> None:
    t = steps.replied(cast)
    before = _order_page(cast.inspector, t)
    assert "100 分" in before and disputes.MESSAGE not in before
    t = steps.visit(t, cast)
    page = _order_page(cast.inspector, t)
    assert '<tr class="sev-high"><td>严重</td><td>答复称已联系群众，回访时群众表示未被联系</td>' in page
    assert "03-04 10:00 的答复称已联系群众；03-05 11:00 回访时群众表示承办单位未联系过本人" in page
    assert "70 分" in page  # a high finding costs what the others cost


def test_an_earlier_replys_dispute_stays_on_the_panel_of_the_next_reply(cast: Cast, steps: Steps) -> None:
    t = steps.rehandled_and_replied_again(cast)
    page = _order_page(cast.inspector, t)
    assert "此前答复的回访发现" in page and disputes.MESSAGE in page
    assert "100 分" in page  # the new reply is not marked down for the earlier one


def test_the_unit_never_sees_the_finding(cast: Cast, steps: Steps) -> None:
    t = steps.visit(steps.replied(cast), cast)
    page = _order_page(cast.lead_handler, t)
    assert disputes.MESSAGE not in page and "答复质检" not in page


def test_the_finding_reads_in_english() -> None:
    found = disputes.Finding(disputes.CODE, disputes.SEVERITY, disputes.MESSAGE,
                             disputes.EVIDENCE % {"replied": "03-04 10:00", "visited": "03-05 11:00"})
    with translation.override("en"):
        row = labels.rows([found])[0]
        texts = [str(row["message"]), row["evidence"], str(row["severity_label"])]
    assert row["severity"] == "high"
    for text in texts:
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert "03-04 10:00" in row["evidence"] and "03-05 11:00" in row["evidence"]


# --- counted per unit --------------------------------------------------------------------------------


def _units_page(user, **params: str):  # noqa: ANN001, ANN202
    return _get(user, reverse("replyqa-units") + "?" + "&".join(f"{k}={v}" for k, v in params.items()))


def test_the_unit_that_claims_contact_it_never_made_stands_out(cast: Cast, steps: Steps) -> None:
    other = Cast.build(inspector=cast.inspector)
    steps.visit(steps.replied(other), other)
    steps.visit(steps.replied(other, claims_contact=False), other)  # said 未联系: not counted
    steps.visit(steps.replied(cast), cast)
    steps.visit(steps.replied(cast), cast)
    response = _units_page(cast.inspector, month="2025-03")
    assert response.status_code == 200
    units = response.context["units"]
    assert [(u.unit_id, u.disputes, u.tickets) for u in units] == [(cast.lead.pk, 2, 2), (other.lead.pk, 1, 1)]
    page = response.content.decode()
    assert page.index(cast.lead.name) < page.index(other.lead.name)


def test_the_summary_counts_the_visits_of_the_period(cast: Cast, steps: Steps) -> None:
    steps.visit(steps.replied(cast), cast)  # 5 March 2025
    assert _units_page(cast.inspector, month="2025-02").context["units"] == []
    assert len(_units_page(cast.inspector, start="2025-03-05", end="2025-03-05").context["units"]) == 1
    assert _units_page(cast.inspector, start="2025-03-06", end="2025-03-31").context["units"] == []


def test_the_summary_is_for_those_who_see_replyqa(cast: Cast, steps: Steps) -> None:
    steps.visit(steps.replied(cast), cast)
    for user in (cast.inspector, cast.supervisor):
        assert _units_page(user, month="2025-03").status_code == 200
    for user in (cast.lead_handler, cast.dispatcher, cast.intake):
        assert _units_page(user, month="2025-03").status_code == 403
    assert Client().get(reverse("replyqa-units")).status_code == 302  # to the login page


def test_the_reviewers_list_links_to_the_summary(cast: Cast) -> None:
    page = _get(cast.inspector, reverse("replyqa-list")).content.decode()
    assert reverse("replyqa-units") in page
