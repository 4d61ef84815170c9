"""Bulk steps from a stale list: an order changed by someone else since the list was shown is refused, the others go on.

The list posts each order's version next to its checkbox (`version-<number>`); the bulk step compares it with
the order as stored, as the order page does with its `version`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import Action, Status, SupervisionKind
from hotline.tickets.models import Assignment, Reply, Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket, stored
from hotline.workbench.posted import PAGE_EXPIRED
from hotline.workbench.queues.bulk import STALE

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class ListPage:
    """A queue page as the browser got it: its one-time token and the version each checkbox carries."""

    def __init__(self, client: Client, url: str) -> None:
        self.client = client
        self.url = url
        self.html = client.get(url).content.decode()
        token = re.search(r'name="submission" value="([0-9a-f]{32})"', self.html)
        self.token = token.group(1) if token else ""

    def version(self, ticket: Ticket) -> str:
        found = re.search(rf'name="version-{ticket.number}" value="(\d+)"', self.html)
        assert found, f"the list carries no version for {ticket.number}"
        return found.group(1)

    def post(self, action: str, tickets: list[Ticket], **fields: object) -> object:
        """The bulk form posted from this page: the ticked orders with the versions the page showed."""
        data: dict[str, object] = {"action": action, "numbers": [t.number for t in tickets], "next": self.url,
                                   "submission": self.token, **{f"{action}-{k}": v for k, v in fields.items()}}
        data.update({f"version-{t.number}": self.version(t) for t in tickets})
        return self.client.post(reverse("bulk-action"), data)


def _outcomes(response) -> tuple[list[str], dict[str, str]]:  # noqa: ANN001
    report = response.context["report"]
    return [o.number for o in report.done], {o.number: o.message for o in report.refused}


def test_the_list_carries_each_orders_version_next_to_its_checkbox(cast: Cast) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast)
    page = ListPage(_client(cast.inspector), reverse("queue-review"))
    assert f'name="numbers" value="{ticket.number}"' in page.html
    assert page.version(ticket) == str(ticket.version)


def test_bulk_approve_does_not_approve_a_reply_the_reviewer_never_saw(cast: Cast) -> None:
    """(R1 review) Inspector A opens 答复审核 and sees reply R1. Inspector B sends it back; the unit replies again
    with R2 (答复待审 again). A's bulk 审核通过 from the old page used to approve R2, which A never read. It is
    refused as changed by someone else; the unchanged order ticked with it is approved."""
    ticket = make_ticket(Status.REPLIED, cast=cast)
    unchanged = make_ticket(Status.REPLIED, cast=cast)
    page = ListPage(_client(cast.inspector), reverse("queue-review"))
    assert ticket.number in page.html and "已安排维修，路灯恢复照明" in page.html
    other = UserFactory(role=Role.INSPECTOR)
    services.send_back(ticket, actor=other, reason="答复未说明维修时间")
    services.reply(ticket, actor=cast.lead_handler, unit=cast.lead, content="经查不属实，无需处理",
                   public_reply="经核查，您反映的问题不属实", contacted=False, resolved=False, is_truthful=True,
                   unresolved_reason="不属实")
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED
    before = stored(ticket)

    response = page.post(Action.APPROVE_REPLY, [ticket, unchanged], note="")

    assert response.status_code == 200
    done, refused = _outcomes(response)
    assert done == [unchanged.number] and refused == {ticket.number: str(STALE)}
    assert str(STALE) in response.content.decode()
    assert stored(ticket) == before  # untouched: no event, still 答复待审
    assert not Reply.objects.filter(ticket=ticket, review_status="approved").exists()
    unchanged.refresh_from_db()
    assert unchanged.status == Status.AWAITING_VISIT


def test_bulk_dispatch_refuses_an_order_corrected_since_the_list_was_shown(cast: Cast) -> None:
    """Another dispatcher corrected the order (工单更正) after A's 派单队列 was shown: A chose the unit for what the
    list showed, so the order is not dispatched; the other ticked orders are."""
    corrected = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    others = [make_ticket(Status.PENDING_DISPATCH, cast=cast) for _ in range(2)]
    page = ListPage(_client(cast.dispatcher), reverse("queue-dispatch"))
    services.correct(corrected, actor=UserFactory(role=Role.DISPATCHER), reason="登记的地点有误",
                     address="另一个街道的多福巷 3 号")
    before = stored(corrected)

    response = page.post(Action.DISPATCH, [others[0], corrected, others[1]], lead=cast.lead.pk)

    done, refused = _outcomes(response)
    assert done == [others[0].number, others[1].number]  # the refusal in the middle did not stop the last one
    assert refused == {corrected.number: str(STALE)}
    assert stored(corrected) == before and not Assignment.objects.filter(ticket=corrected).exists()
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in others]).values_list("status", flat=True)) == {
        Status.DISPATCHED}


def test_bulk_supervise_refuses_an_order_changed_since_the_board_was_shown(cast: Cast, frozen_now: datetime) -> None:
    """督办看板: another supervisor supervised one red order after A's board was shown; A's 督办 is not added on
    top of it (A did not see it), the other red order is supervised."""
    red = [make_ticket(Status.IN_PROGRESS, cast=cast, at=frozen_now - timedelta(days=20)) for _ in range(2)]
    sweep(frozen_now)
    page = ListPage(_client(cast.supervisor), reverse("supervision"))
    services.supervise(red[0], actor=UserFactory(role=Role.SUPERVISOR), kind=SupervisionKind.SUPERVISE,
                       note="请今日答复", level=2)

    response = page.post(Action.SUPERVISE, red, kind=SupervisionKind.SUPERVISE, level="3", note="市政府督办")

    done, refused = _outcomes(response)
    assert done == [red[1].number] and refused == {red[0].number: str(STALE)}
    assert list(red[0].supervisions.values_list("note", flat=True)) == ["请今日答复"]
    assert list(red[1].supervisions.values_list("note", flat=True)) == ["市政府督办"]


def test_a_change_this_batch_made_does_not_make_an_order_stale(cast: Cast) -> None:
    """Merging a duplicate into a master ticked with it records 被并入 on the master: the master then meets the
    step's own rule (「不能并入自身」), not 「已被他人处理」."""
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    page = ListPage(_client(cast.dispatcher), reverse("queue-dispatch"))

    response = page.post(Action.MERGE, [duplicate, master], master_number=master.number, note="重复")

    done, refused = _outcomes(response)
    assert done == [duplicate.number] and refused == {master.number: "不能并入自身"}
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.master_id) == (Status.MERGED, master.pk)


def test_my_own_change_made_elsewhere_still_makes_the_list_stale(cast: Cast) -> None:
    """The same dispatcher corrected the order on its page after opening the list: not this batch's change."""
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    page = ListPage(_client(cast.dispatcher), reverse("queue-dispatch"))
    services.correct(ticket, actor=cast.dispatcher, reason="登记的地点有误", address="另一个街道的多福巷 3 号")
    response = page.post(Action.DISPATCH, [ticket], lead=cast.lead.pk)
    assert _outcomes(response) == ([], {ticket.number: str(STALE)})


@pytest.mark.parametrize("version", ["", "-1", "x", "1.0", "１", "9" * 10])
def test_an_unreadable_version_is_refused_as_an_expired_page(cast: Cast, version: str) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast)
    before = stored(ticket)
    response = _client(cast.inspector).post(reverse("bulk-action"), {
        "action": Action.APPROVE_REPLY, "numbers": [ticket.number], f"version-{ticket.number}": version,
        "next": "/work/review/", "submission": "", f"{Action.APPROVE_REPLY}-note": ""})
    assert response.status_code == 200
    assert _outcomes(response) == ([], {ticket.number: str(PAGE_EXPIRED)})
    assert stored(ticket) == before


def test_a_version_from_the_future_is_stale(cast: Cast) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast)
    response = _client(cast.inspector).post(reverse("bulk-action"), {
        "action": Action.APPROVE_REPLY, "numbers": [ticket.number], f"version-{ticket.number}": ticket.version + 1,
        "next": "/work/review/", "submission": "", f"{Action.APPROVE_REPLY}-note": ""})
    assert _outcomes(response) == ([], {ticket.number: str(STALE)})
