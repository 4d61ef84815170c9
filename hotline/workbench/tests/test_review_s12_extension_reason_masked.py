"""A decision on an extension request (延期审批) quotes the unit's reason: the unit's own words, read as the 待审批
queue and the order page read them (`unit_text_for`, docs/security.md "Texts units wrote"): in full to the centre
deciding, the full view recorded; with the citizen's number masked when no reader is given or for another unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.accounts.choices import Role
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Extension, Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.workbench.forms import ApproveExtensionForm

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"


def _quoted(order: Ticket, **readers: Any) -> str:
    form = ApproveExtensionForm(prefix="x")
    form.offer(list(Extension.objects.select_related("assignment__unit").filter(ticket=order)), **readers)
    (_, text), = form.fields["extension"].widget.choices
    return str(text)


@pytest.fixture
def asked(cast: Cast, frozen_now: datetime) -> Ticket:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    services.request_extension(ticket, actor=cast.lead_handler, days=3, reason=f"群众（{PHONE}）约定下周入户查看")
    return ticket


def test_the_centre_reads_the_reason_in_full_and_the_view_is_recorded(
        asked: Ticket, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr("hotline.ops.access.phone_shown", lambda obj, user, phone: shown.append(phone))
    assert f"群众（{PHONE}）约定下周入户查看" in _quoted(asked, ticket=asked, user=cast.dispatcher)
    assert shown == [PHONE]


def test_without_a_reader_or_for_another_unit_the_number_is_masked(asked: Ticket, cast: Cast) -> None:
    other = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    assert f"群众（{MASKED}）约定下周入户查看" in _quoted(asked)
    assert f"群众（{MASKED}）约定下周入户查看" in _quoted(asked, ticket=asked, user=other)
