"""The unit inbox sorted by the unit's own deadline, bulk refusals that say why, the reply form's
unanswered questions and the supervision level by name."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Status, SupervisionKind, SupervisionLevel
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.workbench.forms import ReplyForm
from hotline.workbench.queues.filtersets import OrderFilterSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(user: User, **params: Any) -> list[str]:
    response = _client(user).get(reverse("queue-inbox"), params)
    return [t.number for t in response.context["orders"]]


def _deadlines(ticket: Ticket, *, order: datetime, unit: datetime) -> None:
    """Set the order's own deadline and its unit's (test data: the two disagree)."""
    Ticket.objects.filter(pk=ticket.pk).update(phase_due=order)
    Assignment.objects.filter(ticket=ticket).update(phase_due=unit)


# --- 1. 当前时限 in the unit inbox is the unit's own deadline ------------------------------------------


def test_inbox_sorts_by_the_units_own_deadline(cast: Cast, frozen_now: datetime) -> None:
    """The order due last for the centre but next for the unit comes first, for the unit and its district."""
    later_for_unit = make_ticket(Status.DISPATCHED, cast=cast)
    sooner_for_unit = make_ticket(Status.DISPATCHED, cast=cast)
    _deadlines(later_for_unit, order=frozen_now + timedelta(days=1), unit=frozen_now + timedelta(days=10))
    _deadlines(sooner_for_unit, order=frozen_now + timedelta(days=5), unit=frozen_now + timedelta(hours=2))
    expected = [sooner_for_unit.number, later_for_unit.number]
    assert _listed(cast.lead_handler, tab="sign") == expected  # the default sort: 当前时限（近→远）
    assert _listed(cast.lead_handler, tab="sign", sort="-phase_due") == expected[::-1]
    district = UserFactory(role=Role.UNIT_ADMIN, units=[cast.lead.parent])
    assert _listed(district, tab="sign") == expected  # the subtree's assignments, as the list's scope
    # Centre lists keep the order's own deadline.
    fs = OrderFilterSet({"sort": "phase_due"}, user=cast.dispatcher)
    centre = fs.filter_queryset(Ticket.objects.visible_to(cast.dispatcher).filter(status=Status.DISPATCHED))
    assert list(centre.values_list("number", flat=True)) == expected[::-1]


def test_the_units_deadline_sort_keeps_its_place_and_label(cast: Cast) -> None:
    response = _client(cast.lead_handler).get(reverse("queue-inbox"))
    choices = list(response.context["fs"].fields["sort"].choices)
    assert [k for k, _label in choices][:3] == ["-registered_at", "registered_at", "phase_due"]
    assert str(dict(choices)["phase_due"]) == "当前时限（近→远）"


# --- 2. Bulk 签收: why an order is refused, and no checkbox where the unit cannot act ------------------


def test_bulk_sign_on_a_sub_units_order_says_whose_it_is(cast: Cast) -> None:
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    street_order = make_ticket(Status.DISPATCHED, cast=cast)
    signed = make_ticket(Status.IN_PROGRESS, cast=cast)
    closed = make_ticket(Status.CLOSED, cast=cast)
    client = _client(district)
    data = {"action": Action.SIGN, "numbers": [street_order.number], "next": "/work/inbox/", "submission": ""}
    report = client.post(reverse("bulk-action"), data).context["report"]
    assert [o.message for o in report.refused] == ["本单位不是该工单的承办单位，不能执行「签收」"]
    data["numbers"] = [signed.number, closed.number]
    refused = {o.number: o.message for o in _client(cast.lead_handler).post(
        reverse("bulk-action"), data).context["report"].refused}
    assert refused == {signed.number: "本单位的派单状态为「办理中」，不能执行「签收」",
                       closed.number: "当前状态「已办结」下不能执行「签收」"}


def test_inbox_offers_no_bulk_checkbox_on_a_sub_units_order(cast: Cast) -> None:
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    order = make_ticket(Status.DISPATCHED, cast=cast)
    own = _client(cast.lead_handler).get(reverse("queue-inbox"), {"tab": "sign"}).content.decode()
    assert f'name="numbers" value="{order.number}"' in own
    body = _client(district).get(reverse("queue-inbox"), {"tab": "sign"}).content.decode()
    assert order.number in body and f'name="numbers" value="{order.number}"' not in body
    assert 'disabled id="pick-' + order.number in body and "本单位不是该工单的承办单位，不能批量操作" in body


# --- 3. The reply form asks, it does not answer for the unit ------------------------------------------


def test_reply_form_preselects_no_answer_and_requires_both(cast: Cast) -> None:
    order = make_ticket(Status.IN_PROGRESS, cast=cast)  # a citizen's order: 已联系群众 is asked
    html = str(ReplyForm(prefix="reply", ticket=order))
    for name in ("contacted", "resolved"):
        assert '<option value="" selected>—请选择—</option>' in html.split(f'name="reply-{name}"')[1][:200]
    form = ReplyForm({"content": "已处理"}, ticket=order)
    assert not form.is_valid() and set(form.errors) == {"contacted", "resolved"}
    form = ReplyForm({"content": "已处理", "contacted": "1", "resolved": "0", "unresolved_reason": "需规划调整"},
                     ticket=order)
    assert form.is_valid() and form.cleaned_data["contacted"] is True and form.cleaned_data["resolved"] is False


# --- 4. The supervision level by name ------------------------------------------------------------------


def test_supervision_level_is_shown_by_name(cast: Cast) -> None:
    order = make_ticket(Status.DISPATCHED, cast=cast)
    services.supervise(order, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, note="尽快",
                       level=SupervisionLevel.DISTRICT)
    client = _client(cast.dispatcher)
    listing = client.get(reverse("orders")).content.decode()
    assert "区政府督办" in listing and "督办2" not in listing
    detail = client.get(reverse("order-detail", args=[order.number])).content.decode()
    assert "督办级别：区政府" in detail
    raw = b"".join(client.get(reverse("orders-export-csv")).streaming_content)
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    row = dict(zip(header, next(r for r in rows if r[0] == order.number), strict=True))
    assert row["督办级别"] == "区政府"
