"""Repeated posts of a step from the order page (review s12): a second tab's other choice is a stale page (409),
never 「已完成」; a plain double click with the words typed once is 「已完成」, never 「工单已被他人处理」."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Assignment, Reply, TimelineEvent
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_merge_into_another_master_from_a_second_tab_is_not_answered_done(frozen_now: datetime) -> None:
    """并单 into A in one tab, then (the same old page) into B in another: the order is in A, so the second post is a
    stale page (409), never 「并单：已完成」 — the form's 主工单编号 is kept as the event's `master`."""
    cast = Cast.build()
    a = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    b = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    dup = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    client = _client(cast.dispatcher)
    url = reverse("order-act", args=[dup.number, Action.MERGE])
    seen = dup.version
    first = client.post(url, {"version": seen, "merge-master_number": a.number, "merge-note": ""})
    assert first.status_code == 302
    second = client.post(url, {"version": seen, "merge-master_number": b.number, "merge-note": ""})
    dup.refresh_from_db()
    assert dup.master_id == a.pk
    assert second.status_code == 409
    again = client.post(url, {"version": seen, "merge-master_number": a.number, "merge-note": ""})
    assert again.status_code == 302  # the same master again: a double click


def test_accept_return_with_another_new_lead_from_a_second_tab_is_not_answered_done(frozen_now: datetime) -> None:
    """同意退单 re-dispatching to X in one tab, then to Y (or to nobody) in another: the order is with X, and the
    second post is refused as stale. The new lead is read in the 派单 written with the acceptance."""
    from hotline.orgs.choices import UnitKind
    from hotline.tickets.tests.factories import HandlingUnitFactory

    cast = Cast.build()
    t = make_ticket(Status.RETURNED, cast=cast)
    x = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    y = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    client = _client(cast.dispatcher)
    url = reverse("order-act", args=[t.number, Action.ACCEPT_RETURN])
    first = client.post(url, {"version": t.version, "accept_return-lead": x.pk, "accept_return-note": ""})
    assert first.status_code == 302
    second = client.post(url, {"version": t.version, "accept_return-lead": y.pk, "accept_return-note": ""})
    assert not Assignment.objects.filter(ticket=t, unit=y).exists()
    assert second.status_code == 409
    no_lead = client.post(url, {"version": t.version, "accept_return-lead": "", "accept_return-note": ""})
    assert no_lead.status_code == 409  # "leave it for the dispatch queue" is another choice too
    again = client.post(url, {"version": t.version, "accept_return-lead": x.pk, "accept_return-note": ""})
    assert again.status_code == 302  # the same lead again: a double click


def test_a_double_click_on_reply_with_a_public_reply_is_answered_done(frozen_now: datetime) -> None:
    """答复 with 办理结果 and 公开答复内容 clicked twice: 「答复：已完成」, one reply, not 409 「工单已被他人处理」."""
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    client = _client(cast.lead_handler)
    url = reverse("order-act", args=[t.number, Action.REPLY])
    data = {"version": t.version, "reply-content": "已安排维修人员更换路灯，现已恢复照明。",
            "reply-public_reply": "您反映的路灯问题已修复，感谢监督。", "reply-contacted": "1", "reply-resolved": "1"}
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[-300:]
    again = client.post(url, data, follow=True)
    assert Reply.objects.filter(ticket=t).count() == 1
    assert again.redirect_chain[0][1] == 302 and "答复：已完成" in again.content.decode()
    other = client.post(url, {**data, "reply-public_reply": "路灯已修复。"})
    assert other.status_code == 409  # another public reply: new words on a stale page


def test_a_double_click_on_apply_termination_is_answered_done_not_someone_else(frozen_now: datetime) -> None:
    """申请终止办理 clicked twice: the reason typed is kept whole in the event (`reason`), so the second post is
    answered as the first, not 409 「工单已被他人处理」 — nobody else touched the order."""
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    client = _client(cast.lead_handler)
    url = reverse("order-act", args=[t.number, Action.APPLY_TERMINATION])
    data = {"version": t.version, "apply_termination-reason_code": "legal_channel",
            "apply_termination-reason": "群众已向法院起诉，案号(2025)民初123号"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert TimelineEvent.objects.filter(ticket=t, action=Action.APPLY_TERMINATION).count() == 1
    assert again.status_code == 302
    assert "他人" not in again.content.decode()


def test_a_double_click_on_deciding_an_unreasonable_claim_is_answered_done(frozen_now: datetime) -> None:
    """审定不合理诉求 clicked twice by the supervisor: answered 「已完成」; the other decision from a second tab is stale."""
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.apply_unreasonable(t, actor=cast.lead_handler, reason="群众要求超出政策范围，已多次解释")
    t.refresh_from_db()
    client = _client(cast.supervisor)
    url = reverse("order-act", args=[t.number, Action.DECIDE_UNREASONABLE])
    data = {"version": t.version, "decide_unreasonable-approve": "1", "decide_unreasonable-note": "经核实属实"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 302
    rejected = client.post(url, {**data, "decide_unreasonable-approve": "0"})
    assert rejected.status_code == 409  # 不成立 with the same words: another decision, not a double click
