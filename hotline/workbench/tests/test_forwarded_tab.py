"""The unit inbox's 已下派 tab: by default only the hand-downs (下派) still open and still held below the unit,
with who holds them now; 「含已办结」 (`finished=1`) lists the finished ones too, kept through the filters and pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import ReturnReason, Satisfaction, Status
from hotline.tickets.models import ForwardSettings, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket
from hotline.workbench.queues import selectors
from hotline.workbench.queues import views as queue_views

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


class _World:
    """A district (the cast's lead) with a street below it, each with a handler, and the centre's people."""

    def __init__(self) -> None:
        self.district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
        self.street = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=self.district)
        self.cast = Cast.build(lead=self.district)
        self.street_handler = UserFactory(role=Role.UNIT_HANDLER, units=[self.street])

    def handed_down(self) -> Ticket:
        """An order the district handed down to its street (the street has not signed it yet)."""
        ticket = make_ticket(Status.DISPATCHED, cast=self.cast)
        services.forward(ticket, actor=self.cast.lead_handler, to=self.street, note="请现场核实")
        return ticket

    def finished_below(self) -> Ticket:
        """An order handed down, handled by the street and closed after a satisfied return visit."""
        ticket = self.handed_down()
        services.sign(ticket, actor=self.street_handler, unit=self.street)
        services.reply(ticket, actor=self.street_handler, unit=self.street, content="已安排维修，路灯恢复照明",
                       public_reply="路灯已修复", contacted=True, resolved=True, is_truthful=True)
        services.approve_reply(ticket, actor=self.cast.inspector)
        services.record_return_visit(ticket, actor=self.cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        return ticket


def _tab(client: Client, **params: str) -> tuple[str, Any]:
    response = client.get(reverse("queue-inbox"), {"tab": "forwarded", **params})
    assert response.status_code == 200
    return response.content.decode(), response


def test_the_tab_lists_open_hand_downs_by_default_and_the_finished_ones_on_request(frozen_now: Any) -> None:
    world = _World()
    open_one = world.handed_down()
    replied = world.handed_down()
    services.sign(replied, actor=world.street_handler, unit=world.street)
    services.reply(replied, actor=world.street_handler, unit=world.street, content="已处理完毕",
                   public_reply="已处理", contacted=True, resolved=True, is_truthful=True)
    closed = world.finished_below()
    client = _client(world.cast.lead_handler)

    page, response = _tab(client)
    # Open (the street still has to sign; the street replied, the centre has not closed it): listed, with
    # who holds them now (the 承办单位 column names the street).
    assert open_one.number in page and replied.number in page
    assert closed.number not in page
    assert "东华门街道" in page
    tabs = {t["key"]: t["count"] for t in response.context["tabs"]}
    assert tabs["forwarded"] == 2 == response.context["page"].paginator.count
    assert "含已办结" in page and "finished=1" in page

    page, response = _tab(client, finished="1")
    assert open_one.number in page and replied.number in page and closed.number in page
    assert response.context["page"].paginator.count == 3
    # The badge keeps counting the open ones only; the link back drops the parameter.
    assert {t["key"]: t["count"] for t in response.context["tabs"]}["forwarded"] == 2
    assert "只看未办结" in page
    assert 'name="finished" value="1"' in page  # the filter form keeps the switch


def test_a_returned_hand_down_leaves_the_tab(frozen_now: Any) -> None:
    world = _World()
    ticket = world.handed_down()
    services.return_order(ticket, actor=world.street_handler, unit=world.street,
                          reason_code=ReturnReason.NOT_OUR_DUTY, reason="该事项不属于本街道职责")
    client = _client(world.cast.lead_handler)

    for params in ({}, {"finished": "1"}):
        page, _ = _tab(client, **params)
        assert ticket.number not in page  # the district holds it again: 办理中, not 已下派
    doing = client.get(reverse("queue-inbox"), {"tab": "doing"}).content.decode()
    assert ticket.number in doing


def test_a_reopened_order_is_not_an_open_hand_down_until_handed_down_again(frozen_now: Any) -> None:
    world = _World()
    ticket = world.finished_below()
    services.reopen(ticket, actor=world.cast.inspector, reason="群众反映路灯又不亮了")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH
    client = _client(world.cast.lead_handler)

    # Open again, but nobody below the district holds it: the old hand-down is history.
    page, response = _tab(client)
    assert ticket.number not in page
    assert {t["key"]: t["count"] for t in response.context["tabs"]}["forwarded"] == 0
    page, _ = _tab(client, finished="1")
    assert ticket.number in page


def test_a_hand_down_handed_further_down_stays_open_for_the_unit_above(frozen_now: Any) -> None:
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    world = _World()
    community = HandlingUnitFactory(kind=UnitKind.COMMUNITY, name="南池子社区", parent=world.street)
    ticket = world.handed_down()
    services.forward(ticket, actor=world.street_handler, unit=world.street, to=community, note="请社区上门了解")

    page, response = _tab(_client(world.cast.lead_handler))
    assert ticket.number in page and "南池子社区" in page
    assert {t["key"]: t["count"] for t in response.context["tabs"]}["forwarded"] == 1


def test_counts_and_list_agree_for_the_selectors(frozen_now: Any) -> None:
    world = _World()
    open_one = world.handed_down()
    closed = world.finished_below()
    units = [world.district.pk]

    assert selectors.inbox_counts(units)["forwarded"] == 1
    listed = set(selectors.inbox(world.cast.lead_handler, units, "forwarded").values_list("number", flat=True))
    everything = set(selectors.inbox(world.cast.lead_handler, units, "forwarded", include_finished=True)
                     .values_list("number", flat=True))
    assert listed == {open_one.number}
    assert everything == {open_one.number, closed.number}


def test_pages_keep_the_switch(frozen_now: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 1)
    world = _World()
    world.finished_below()
    world.finished_below()
    client = _client(world.cast.lead_handler)

    page, response = _tab(client, finished="1")
    assert response.context["page"].paginator.num_pages == 2
    pager = page[page.index('class="pager'):]
    assert "finished=1" in pager[:pager.index("</nav>")]
    assert "page=2" in pager[:pager.index("</nav>")]


def test_hand_downs_go_three_levels_deep_and_the_top_unit_follows_them_all(frozen_now: Any) -> None:
    """A department with sub-units four levels deep: three hand-downs are allowed and the top unit's 已下派
    still lists the order; a fourth is refused and leaves the order as it was."""
    from hotline.tickets.constants import MAX_HAND_DOWNS
    from hotline.tickets.exceptions import RuleViolation

    top = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市交通运输局")
    chain = [top]
    for i in range(MAX_HAND_DOWNS + 1):
        chain.append(HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name=f"下级{i + 1}", parent=chain[-1]))
    handlers = [UserFactory(role=Role.UNIT_HANDLER, units=[u]) for u in chain]
    cast = Cast.build(lead=top)
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    services.forward(ticket, actor=cast.lead_handler, to=chain[1], note="请办理")
    for i in range(1, MAX_HAND_DOWNS):
        ticket.refresh_from_db()
        services.forward(ticket, actor=handlers[i], unit=chain[i], to=chain[i + 1], note="请办理")
    ticket.refresh_from_db()
    version = ticket.version
    with pytest.raises(RuleViolation, match="不能再下派"):
        services.forward(ticket, actor=handlers[MAX_HAND_DOWNS], unit=chain[MAX_HAND_DOWNS],
                         to=chain[MAX_HAND_DOWNS + 1], note="请办理")
    ticket.refresh_from_db()
    assert ticket.version == version
    units = [top.pk]
    assert selectors.inbox_counts(units)["forwarded"] == 1
    assert set(selectors.inbox(cast.lead_handler, units, "forwarded").values_list("number", flat=True)) == {
        ticket.number}
