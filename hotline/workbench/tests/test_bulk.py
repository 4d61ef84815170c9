"""Bulk actions: each order on its own through the step's service, refusals reported, nothing leaked."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets.choices import Action, Status, SupervisionKind
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored
from hotline.workbench.queues.bulk import NOT_FOUND

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _post(user: User, action: str, numbers: list[str], **fields: Any) -> Any:
    client = Client()
    client.force_login(user)
    submission = fields.pop("submission", "")
    data = {"action": action, "numbers": numbers, "next": "/work/inbox/", "submission": submission,
            **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("bulk-action"), data)


def _outcomes(response: Any) -> tuple[list[str], dict[str, str]]:
    report = response.context["report"]
    return [o.number for o in report.done], {o.number: o.message for o in report.refused}


def test_bulk_sign_signs_what_it_can_and_reports_the_rest(cast: Cast) -> None:
    """Three orders, one already signed: two are signed (one event each), the third is refused with a reason."""
    first = make_ticket(Status.DISPATCHED, cast=cast)
    signed = make_ticket(Status.IN_PROGRESS, cast=cast)
    last = make_ticket(Status.DISPATCHED, cast=cast)
    before = {t.number: stored(t) for t in (first, signed, last)}
    response = _post(cast.lead_handler, Action.SIGN, [first.number, signed.number, last.number])
    assert response.status_code == 200
    done, refused = _outcomes(response)
    assert done == [first.number, last.number]  # the refusal in the middle did not stop the last one
    assert list(refused) == [signed.number] and "办理中" in refused[signed.number]
    for ticket in (first, last):
        ticket.refresh_from_db()
        assert ticket.status == Status.IN_PROGRESS
        assert ticket.timeline.count() == before[ticket.number]["timeline_count"] + 1
        assert ticket.timeline.order_by("-seq").first().action == Action.SIGN
    assert stored(signed) == before[signed.number]
    body = response.content.decode()
    assert "完成 2 件，未执行 1 件" in body and 'href="/work/inbox/"' in body


def test_bulk_sign_also_signs_as_an_assisting_unit(frozen_now: datetime) -> None:
    """签收 in bulk takes 协办签收 where the person's unit assists."""
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    done, refused = _outcomes(_post(cast.assist_handlers[0], Action.SIGN, [ticket.number]))
    assert done == [ticket.number] and not refused
    assert ticket.timeline.order_by("-seq").first().action == Action.SIGN_ASSIST


def test_an_invisible_order_is_refused_like_a_missing_one(cast: Cast) -> None:
    """Another unit's order is not touched, and the report says no more than for a number that does not exist."""
    mine = make_ticket(Status.DISPATCHED, cast=cast)
    theirs = make_ticket(Status.DISPATCHED, cast=Cast.build(), title="别的单位的机密标题")
    secret = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)
    before = stored(theirs), stored(secret)
    response = _post(cast.lead_handler, Action.SIGN, [theirs.number, secret.number, "209901019999999", mine.number])
    done, refused = _outcomes(response)
    assert done == [mine.number]
    assert refused == {theirs.number: str(NOT_FOUND), secret.number: str(NOT_FOUND),
                       "209901019999999": str(NOT_FOUND)}
    assert (stored(theirs), stored(secret)) == before
    assert "别的单位的机密标题" not in response.content.decode()


def test_the_service_message_is_reported(cast: Cast) -> None:
    """A step the service refuses (merging an order into itself) shows the service's own message."""
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    duplicates = [make_ticket(Status.PENDING_DISPATCH, cast=cast) for _ in range(2)]
    numbers = [master.number, *(t.number for t in duplicates)]
    response = _post(cast.dispatcher, Action.MERGE, numbers, master_number=master.number, note="同一路灯")
    done, refused = _outcomes(response)
    assert done == [t.number for t in duplicates]
    assert refused == {master.number: "不能并入自身"}
    assert set(Ticket.objects.filter(master=master).values_list("number", flat=True)) == set(done)


def test_bulk_supervise_and_approve(cast: Cast) -> None:
    """Shared fields apply to every order: one supervision level and note; one review note."""
    handling = [make_ticket(Status.IN_PROGRESS, cast=cast) for _ in range(2)]
    response = _post(cast.supervisor, Action.SUPERVISE, [t.number for t in handling],
                     kind=SupervisionKind.SUPERVISE, level="2", note="请于今日内答复")
    assert _outcomes(response) == ([t.number for t in handling], {})
    assert all(t.supervisions.get().note == "请于今日内答复" for t in handling)
    replied = [make_ticket(Status.REPLIED, cast=cast) for _ in range(2)]
    response = _post(cast.inspector, Action.APPROVE_REPLY, [t.number for t in replied], note="")
    assert _outcomes(response)[0] == [t.number for t in replied]
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in replied]).values_list("status", flat=True)) == {
        Status.AWAITING_VISIT}


def test_the_same_bulk_page_posted_twice_acts_once(cast: Cast) -> None:
    """A double click or a reload of the report re-posts the page: the reminders are sent once."""
    handling = [make_ticket(Status.IN_PROGRESS, cast=cast) for _ in range(2)]
    token = uuid.uuid4().hex
    fields = {"kind": SupervisionKind.REMIND, "note": "请尽快办理"}
    first = _post(cast.supervisor, Action.SUPERVISE, [t.number for t in handling], submission=token, **fields)
    again = _post(cast.supervisor, Action.SUPERVISE, [t.number for t in handling], submission=token, **fields)
    assert first.status_code == 200 and again.status_code == 409
    assert "未再次执行" in again.content.decode()
    assert [t.supervisions.count() for t in handling] == [1, 1]
    other = _post(cast.supervisor, Action.SUPERVISE, [handling[0].number], submission=uuid.uuid4().hex, **fields)
    assert other.status_code == 200 and handling[0].supervisions.count() == 2  # a new page acts again


def test_a_different_batch_from_the_same_page_acts(cast: Cast) -> None:
    """Back from a bulk report, then another batch (or another step) from that page: not a repeat.

    The same batch in another order of numbers is still the same batch, and acts once.
    """
    handling = [make_ticket(Status.IN_PROGRESS, cast=cast) for _ in range(3)]
    numbers = [t.number for t in handling]
    token = uuid.uuid4().hex
    fields = {"kind": SupervisionKind.REMIND, "note": "请尽快办理"}
    assert _post(cast.supervisor, Action.SUPERVISE, numbers[:2], submission=token, **fields).status_code == 200
    assert _post(cast.supervisor, Action.SUPERVISE, numbers[1::-1], submission=token, **fields).status_code == 409
    other = _post(cast.supervisor, Action.SUPERVISE, numbers[2:], submission=token, **fields)
    assert other.status_code == 200 and _outcomes(other)[0] == numbers[2:]
    assert [t.supervisions.count() for t in handling] == [1, 1, 1]


def test_a_step_outside_the_role_is_forbidden(cast: Cast) -> None:
    """A unit cannot approve replies or merge in bulk (403 before the form is read); nothing changes."""
    replied = make_ticket(Status.REPLIED, cast=cast)
    before = stored(replied)
    assert _post(cast.lead_handler, Action.APPROVE_REPLY, [replied.number]).status_code == 403
    assert _post(cast.lead_handler, Action.MERGE, [replied.number], master_number="nope").status_code == 403
    assert stored(replied) == before


@pytest.mark.parametrize(("action", "numbers", "fields"), [
    ("reply", ["x"], {}),  # per-order fields: not a bulk step
    ("bogus", ["x"], {}),
    (Action.SUPERVISE, [], {"kind": "remind", "level": "1", "note": "请答复"}),  # nothing selected
    (Action.SUPERVISE, ["x"], {"kind": "remind", "level": "1"}),  # the shared form is invalid (no note)
])
def test_bad_requests_change_nothing(cast: Cast, action: str, numbers: list[str], fields: dict) -> None:
    """Unknown or per-order steps, an empty selection and an invalid form are 400s that touch no order."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(ticket)
    numbers = [ticket.number if n == "x" else n for n in numbers]
    assert _post(cast.supervisor, action, numbers, **fields).status_code == 400
    assert stored(ticket) == before


def test_bulk_needs_login_and_post(cast: Cast) -> None:
    """Anonymous posts go to the login page; GET is not allowed."""
    assert Client().post(reverse("bulk-action"), {"action": Action.SIGN}).status_code == 302
    client = Client()
    client.force_login(cast.lead_handler)
    assert client.get(reverse("bulk-action")).status_code == 405
