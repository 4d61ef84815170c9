"""Pages left open in another tab: a corrected bulk post, a crashed one, a retired category on the correction page,
a unit or category switched off since the page opened, and 批量合并 into a 保密 master."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets import services
from hotline.tickets.choices import Action, Status, SupervisionKind
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    c = Client()
    c.force_login(user)
    return c


def test_bulk_supervise_corrected_after_a_refusal_acts(frozen_now: datetime) -> None:
    """批量督办 refused (level below the order's), Back, the level corrected, posted again: it acts.

    The first post changed nothing; the second says something else (another level), so it is not a repeat.
    """
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, level=2, note="先督办")
    t.refresh_from_db()
    client = _client(cast.supervisor)
    base = {"action": Action.SUPERVISE, "numbers": [t.number], "submission": uuid.uuid4().hex,
            f"version-{t.number}": str(t.version), f"{Action.SUPERVISE}-kind": SupervisionKind.SUPERVISE,
            f"{Action.SUPERVISE}-note": "请今日答复"}
    first = client.post(reverse("bulk-action"), {**base, f"{Action.SUPERVISE}-level": "1"})
    assert first.status_code == 200 and "督办级别不能低于已有级别" in first.content.decode()
    assert t.supervisions.count() == 1
    second = client.post(reverse("bulk-action"), {**base, f"{Action.SUPERVISE}-level": "3"})
    assert second.status_code == 200, second.content.decode()[-600:]
    t.refresh_from_db()
    assert t.supervisions.count() == 2 and t.supervision_level == 3


def test_a_bulk_post_refused_for_every_order_may_be_posted_again_as_it_was(frozen_now: datetime) -> None:
    """Nothing done at all (every order refused): the token is given back, so the same list, once the cause is
    put right elsewhere, is taken — not answered 「已经提交过」."""
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, level=2, note="先督办")
    t.refresh_from_db()
    client = _client(cast.supervisor)
    data = {"action": Action.SUPERVISE, "numbers": [t.number], "submission": uuid.uuid4().hex,
            f"{Action.SUPERVISE}-kind": SupervisionKind.SUPERVISE, f"{Action.SUPERVISE}-note": "请今日答复",
            f"{Action.SUPERVISE}-level": "1"}
    assert client.post(reverse("bulk-action"), data).status_code == 200
    assert client.post(reverse("bulk-action"), data).status_code == 200  # refused again by the rule, not a 409


def test_the_same_bulk_post_that_acted_is_still_answered_as_a_repeat(frozen_now: datetime) -> None:
    """A double click on a batch that acted is still recognised (409), nothing done twice."""
    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast)
    client = _client(cast.lead_handler)
    data = {"action": Action.SIGN, "numbers": [t.number], "submission": uuid.uuid4().hex,
            f"version-{t.number}": str(t.version)}
    assert client.post(reverse("bulk-action"), data).status_code == 200
    assert client.post(reverse("bulk-action"), data).status_code == 409


def test_a_bulk_post_that_crashed_may_be_posted_again(frozen_now: datetime, monkeypatch) -> None:  # noqa: ANN001
    """批量签收 hits a database error (a lock timeout) and the page shows an error; the agent posts again from the
    same list. Nothing was done the first time, so the second post acts, not 「已经提交过」."""
    from django.db import OperationalError

    from hotline.workbench.actions import STEPS

    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast)
    client = _client(cast.lead_handler)
    client.raise_request_exception = False
    data = {"action": Action.SIGN, "numbers": [t.number], "submission": uuid.uuid4().hex,
            f"version-{t.number}": str(t.version)}
    spec = STEPS[Action.SIGN]

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OperationalError("database is locked")

    monkeypatch.setitem(STEPS, Action.SIGN, type(spec)(spec.action, spec.form, boom))
    assert client.post(reverse("bulk-action"), data).status_code == 500
    monkeypatch.setitem(STEPS, Action.SIGN, spec)
    again = client.post(reverse("bulk-action"), data)
    t.refresh_from_db()
    assert again.status_code == 200 and t.status == Status.IN_PROGRESS


def _corr_posted(ticket, **values):  # noqa: ANN001, ANN003, ANN202
    data = {"request_type": ticket.request_type, "category": ticket.category_id or "", "urgency": ticket.urgency,
            "is_difficult": "true" if ticket.is_difficult else "false", "title": ticket.title,
            "district": ticket.district_id or "", "street": ticket.street_id or "",
            "community": ticket.community_id or "", "address": ticket.address, "reason": ""}
    data.update(values)
    return {"version": ticket.version, **{f"correct-{k}": "" if v is None else v for k, v in data.items()}}


def test_a_category_retired_since_the_page_opened_does_not_block_an_unrelated_correction(
        frozen_now: datetime) -> None:
    """The correction page was opened with the order's category selected; the category is retired meanwhile
    (分类调整); the dispatcher corrects only the urgency. The unchanged category is no correction: it passes, as
    an area unit switched off since does."""
    from hotline.taxonomy.choices import Urgency
    from hotline.tickets.tests.factories import CategoryFactory

    top = CategoryFactory()
    leaf = CategoryFactory(parent=CategoryFactory(parent=top), name="旧分类")
    cast = Cast.build()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, category=leaf)
    posted = _corr_posted(ticket, urgency=Urgency.URGENT, reason="涉及老人安全")  # the page as shown at 09:00
    leaf.is_active = False
    leaf.save()
    response = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]), posted)
    assert response.status_code == 302, [m for m in ("请选择启用的三级分类", "已被他人") if m in response.content.decode()]
    ticket.refresh_from_db()
    assert (ticket.urgency, ticket.category) == (Urgency.URGENT, leaf)


def test_a_retired_category_is_still_refused_as_a_new_choice(frozen_now: datetime) -> None:
    """Choosing another, retired category is still refused (form and service)."""
    from hotline.tickets.exceptions import RuleViolation
    from hotline.tickets.tests.factories import CategoryFactory

    cast = Cast.build()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    retired = CategoryFactory(parent=CategoryFactory(parent=CategoryFactory()), name="已撤销分类")
    retired.is_active = False
    retired.save()
    response = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                             _corr_posted(ticket, category=retired.pk, reason="分类有误"))
    assert response.status_code == 400 and "请选择启用的三级分类" in response.content.decode()
    with pytest.raises(RuleViolation):
        services.correct(ticket, actor=cast.dispatcher, reason="分类有误", category=retired)


def test_dispatch_to_a_unit_switched_off_since_the_page_opened_names_the_unit(frozen_now: datetime) -> None:
    """派单 chosen at 09:00, the unit switched off (撤并) at 09:10, posted at 09:20: refused, saying which unit
    is no longer active, not a generic 「选择一个有效的选项」."""
    from hotline.orgs.choices import UnitKind
    from hotline.tickets.tests.factories import HandlingUnitFactory

    cast = Cast.build()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    gone = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name="已撤并街道")
    gone.is_active = False
    gone.save()
    response = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.DISPATCH]),
                                             {"version": ticket.version, "dispatch-lead": gone.pk,
                                              "dispatch-note": "请核查"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "「已撤并街道」已停用，请重新选择" in body, re.findall(r"errorlist[^<]*<li>([^<]*)", body)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_dispatch_to_a_unit_that_does_not_exist_keeps_the_generic_message(frozen_now: datetime) -> None:
    """An id no unit has is no switched-off unit: Django's own invalid-choice message."""
    cast = Cast.build()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    response = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.DISPATCH]),
                                             {"version": ticket.version, "dispatch-lead": "987654",
                                              "dispatch-note": ""})
    assert response.status_code == 400 and "已停用" not in response.content.decode()


def test_intake_with_a_category_retired_while_the_call_was_typed_names_it(frozen_now: datetime) -> None:
    """The agent picked 「路灯不亮」 at 09:00; the taxonomy admin retired it at 09:05; 登记 at 09:06 is refused
    (nothing registered) saying the chosen category was switched off, not a generic 「选择一个有效的选项」."""
    from hotline.accounts.choices import Role
    from hotline.taxonomy.choices import RequestType, Urgency
    from hotline.tickets.models import Ticket
    from hotline.tickets.tests.factories import CategoryFactory, UserFactory

    roads = CategoryFactory(name="市政设施", parent=CategoryFactory(name="城乡建设"))
    lamp = CategoryFactory(name="路灯不亮", parent=roads)
    client = _client(UserFactory(role=Role.INTAKE))
    data = {"phone": "13911114444", "caller_name": "张先生", "caller_sex": "m", "channel": "phone",
            "request_type": RequestType.COMPLAINT, "urgency": Urgency.NORMAL, "category": lamp.pk,
            "description": "小区门口路灯不亮，晚上出行不便", "address": "幸福路 12 号", "decision": "dispatch",
            "submission": uuid.uuid4().hex}
    lamp.is_active = False
    lamp.save()
    response = client.post(reverse("intake"), data)
    assert response.status_code == 400 and not Ticket.objects.exists()
    body = response.content.decode()
    assert "路灯不亮" in body and "已停用，请重新选择" in body, re.findall(r"errorlist[^>]*>\s*<li>([^<]*)", body)


def test_bulk_merge_into_a_confidential_master_the_dispatcher_sees(frozen_now: datetime) -> None:
    """批量合并 from the 派单 queue into a 保密 master the dispatcher sees (and may merge into on the order page):
    the master is found, as on the order page, not refused 「找不到该工单」."""
    cast = Cast.build()
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)
    dup = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    client = _client(cast.dispatcher)
    assert client.get(reverse("order-detail", args=[master.number])).status_code == 200
    response = client.post(reverse("bulk-action"), {
        "action": Action.MERGE, "numbers": [dup.number], "submission": uuid.uuid4().hex,
        f"version-{dup.number}": str(dup.version), f"{Action.MERGE}-master_number": master.number,
        f"{Action.MERGE}-note": "同一诉求"})
    assert "找不到该工单" not in response.content.decode()
    dup.refresh_from_db()
    assert dup.status == Status.MERGED and dup.master_id == master.pk
