"""A unit attaches files only to an order it holds now (上传附件: `_UNIT_NEEDS[ATTACH]`), not to one it returned,
was only consulted on, or sees as the district above the street handling it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.attachments.models import Attachment
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(client: Client, ticket, name: str = "现场照片.png"):
    return client.post(reverse("attachment-upload", args=[ticket.number]),
                       {"file": SimpleUploadedFile(name, PNG), "submission": "t-1"})


def test_2a_a_unit_whose_return_was_accepted_cannot_attach_files_to_the_order_now_held_by_another_unit(
        frozen_now) -> None:
    t = make_ticket(Status.RETURNED)
    old_handler = t.cast.lead_handler
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=t.cast.lead.parent)
    services.accept_return(t, actor=t.cast.dispatcher, note="同意退单", lead=other)
    t.refresh_from_db()
    assert t.status == Status.DISPATCHED
    answer = _upload(_client(old_handler), t)
    # docs/lifecycle.md: 上传附件 ... "a unit only on its own orders"
    stored = list(Attachment.objects.filter(ticket=t).values_list("original_name", "uploaded_by__username"))
    assert not stored and answer.status_code in (403, 404), (answer.status_code, stored)


def test_2b_a_unit_only_consulted_cannot_attach_files_to_the_order(frozen_now) -> None:
    t = make_ticket(Status.PENDING_DISPATCH)
    a = HandlingUnitFactory(kind=UnitKind.STREET)
    b = HandlingUnitFactory(kind=UnitKind.STREET)
    services.start_consultation(t, actor=t.cast.dispatcher, units=[a, b], question="该事项由哪个单位负责？")
    consulted = UserFactory(role=Role.UNIT_HANDLER, units=[a])
    page = _client(consulted).get(reverse("order-detail", args=[t.number]))
    assert page.status_code == 200  # a consulted unit may read the order (by design)
    answer = _upload(_client(consulted), t)
    stored = list(Attachment.objects.filter(ticket=t).values_list("original_name", "uploaded_by__username"))
    assert not stored and answer.status_code in (403, 404), (answer.status_code, stored)



def test_2c_a_district_cannot_attach_files_to_an_order_the_centre_sent_to_one_of_its_streets(frozen_now) -> None:
    t = make_ticket(Status.IN_PROGRESS)  # dispatched by the centre straight to the street (cast.lead)
    district_handler = UserFactory(role=Role.UNIT_HANDLER, units=[t.cast.lead.parent])
    answer = _upload(_client(district_handler), t)
    # "A district sees its streets' orders but only the units an order was sent to act on it" (queues/bulk.py)
    stored = list(Attachment.objects.filter(ticket=t).values_list("original_name", "uploaded_by__username"))
    assert not stored and answer.status_code in (403, 404), (answer.status_code, stored)


def test_the_lead_and_an_assisting_unit_still_attach(frozen_now) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=Cast.build(assisting=1))
    for user in (t.cast.lead_handler, t.cast.assist_handlers[0]):
        _upload(_client(user), t)
    assert Attachment.objects.filter(ticket=t).count() == 2
