"""The interop API's answers to input it cannot take: a reference another order owns (409), half a point, a
caller's fields named as such, a body too large to read (JSON 413)."""

from __future__ import annotations

import json

import pytest

from hotline.interop import services
from hotline.interop.choices import MessageKind, PartnerKind
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(db: None) -> tuple[Partner, str]:
    partner, raw = services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    services.set_endpoint(partner, "https://partner.test/hook", secret="whsec_110")
    return partner, raw


def _post(client, raw: str, body: dict, path: str = "/interop/v1/transfers", **headers: str):  # noqa: ANN001, ANN201
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                       **headers)


def _sent_to_110(cast: Cast, ctx) -> Ticket:  # noqa: ANN001
    ticket = make_ticket(cast=cast)
    with ctx(execute=True):
        tickets.transfer(ticket, actor=cast.intake, to=EmergencyService.POLICE, note="一键转110")
    return ticket


def test_an_ack_with_a_reference_another_order_owns_is_refused_and_records_nothing(
        client, police, django_capture_on_commit_callbacks, frozen_now) -> None:
    partner, raw = police
    cast = Cast.build()
    a = _sent_to_110(cast, django_capture_on_commit_callbacks)
    b = _sent_to_110(cast, django_capture_on_commit_callbacks)
    assert _post(client, raw, {"number": a.number, "reference": "JQ-OUT-1"}, "/interop/v1/acks").status_code == 200
    answer = _post(client, raw, {"number": b.number, "reference": "JQ-OUT-1", "note": "民警已到场"},
                   "/interop/v1/acks")
    assert answer.status_code == 409 and "JQ-OUT-1" in answer.json()["detail"]
    assert not PartnerMessage.objects.filter(ticket=b, direction="in").exists()
    assert list(ExternalReference.objects.values_list("ticket_id", flat=True)) == [a.pk]
    # The same reference on its own order is further news (feedback), as before.
    again = _post(client, raw, {"number": a.number, "reference": "JQ-OUT-1", "note": "民警已到场"}, "/interop/v1/acks")
    assert again.status_code == 200 and again.json()["kind"] == MessageKind.FEEDBACK_IN


def test_a_conflicting_reference_is_answered_in_english_for_an_english_client(
        client, police, django_capture_on_commit_callbacks, frozen_now) -> None:
    partner, raw = police
    cast = Cast.build()
    a = _sent_to_110(cast, django_capture_on_commit_callbacks)
    b = _sent_to_110(cast, django_capture_on_commit_callbacks)
    _post(client, raw, {"number": a.number, "reference": "JQ-OUT-2"}, "/interop/v1/acks")
    answer = _post(client, raw, {"number": b.number, "reference": "JQ-OUT-2"}, "/interop/v1/acks",
                   HTTP_ACCEPT_LANGUAGE="en")
    detail = answer.json()["detail"]
    assert answer.status_code == 409 and not any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail


@pytest.mark.parametrize("caller, field", [({"name": 5}, "caller.name"), ({"name": "赵\x00六"}, "caller.name"),
                                           ({"phone": 13612345678}, "caller.phone"),
                                           ({"name": "赵" * 51}, "caller.name")])
def test_a_callers_bad_field_is_named_as_the_callers(client, police, caller, field) -> None:
    answer = _post(client, police[1], {"reference": "R1", "content": "x", "caller": caller})
    assert answer.status_code == 400 and field in answer.json()["detail"], answer.json()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("body", [{"lat": 39.91}, {"long": 116.41}, {"lat": 39.91, "long": ""}])
def test_half_a_point_is_refused(client, police, body) -> None:
    answer = _post(client, police[1], {"reference": "R1", "content": "x", **body})
    assert answer.status_code == 400 and "lat" in answer.json()["detail"] and "long" in answer.json()["detail"]
    assert not Ticket.objects.exists()


def test_a_whole_point_is_taken(client, police) -> None:
    answer = _post(client, police[1], {"reference": "R1", "content": "x", "lat": 39.91, "long": 116.41})
    assert answer.status_code == 201
    ticket = Ticket.objects.get()
    assert (float(ticket.latitude), float(ticket.longitude)) == (39.91, 116.41)


def test_a_body_over_the_upload_limit_gets_a_json_413(client, police, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = _post(client, police[1], {"reference": "R1", "content": "x" * 2000})
    assert answer.status_code == 413
    assert answer["Content-Type"].startswith("application/json") and "1000" in answer.json()["detail"]
    assert not Ticket.objects.exists()
