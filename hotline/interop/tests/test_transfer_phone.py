"""A transferred-in caller's number is stored as the intake stores it, so the receipt SMS, the caller history
and the duplicate check find it; a value that is no phone number is refused with the reason, nothing written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.notifications.backends import MemoryNotifier
from hotline.tickets.choices import EmergencyService
from hotline.tickets.models import Ticket
from hotline.workbench.intake.selectors import normalise_phone

pytestmark = pytest.mark.django_db

BODY = {"reference": "JQ1", "content": "群众报警称小区噪音扰民，非紧急警情，转12345处理", "title": "噪音扰民"}


@pytest.fixture
def police(db: None, settings) -> tuple[Partner, str]:  # noqa: ANN001
    settings.HOTLINE_NOTIFIER = "hotline.notifications.backends.MemoryNotifier"
    MemoryNotifier.sent.clear()
    return services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                emergency_service=EmergencyService.POLICE)


def send(client: Client, raw: str, phone: str, reference: str = "JQ1"):  # noqa: ANN201
    body = {**BODY, "reference": reference, "caller": {"name": "赵六", "phone": phone}}
    return client.post("/interop/v1/transfers", json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("written", ["+86 136 1234 5678", "0086-136-1234-5678", "136 1234 5678", "１３６１２３４５６７８"])
def test_a_mobile_written_as_partners_write_it_is_stored_and_texted(client: Client, police: tuple[Partner, str],
                                                                    django_capture_on_commit_callbacks,  # noqa: ANN001
                                                                    written: str) -> None:
    _partner, raw = police
    with django_capture_on_commit_callbacks(execute=True):
        answer = send(client, raw, written)
    assert answer.status_code == 201, answer.content
    ticket = Ticket.objects.get(number=answer.json()["number"])
    assert ticket.caller_phone == "13612345678" == normalise_phone(written)
    assert [m.to for m in MemoryNotifier.sent] == ["13612345678"]
    assert ticket.query_code in MemoryNotifier.sent[0].body


def test_a_landline_keeps_its_area_code(client: Client, police: tuple[Partner, str]) -> None:
    _partner, raw = police
    answer = send(client, raw, "+86 731 8899 0001")
    assert answer.status_code == 201, answer.content
    assert Ticket.objects.get(number=answer.json()["number"]).caller_phone == "073188990001"


@pytest.mark.parametrize("written", ["见附件", "136-1234-567x", "1234", "+86 +86 136", "١٣٦١٢٣٤٥٦٧٨"])
def test_a_value_that_is_no_number_is_refused_with_the_reason_and_nothing_written(
        client: Client, police: tuple[Partner, str], written: str) -> None:
    _partner, raw = police
    answer = send(client, raw, written)
    assert answer.status_code == 400
    assert "caller.phone" in answer.json()["detail"] and "电话号码" in answer.json()["detail"]
    assert not Ticket.objects.exists() and not ExternalReference.objects.exists()
    assert not PartnerMessage.objects.exists()
    fixed = send(client, raw, "13612345678")  # the partner corrects it and sends the same reference again
    assert fixed.status_code == 201


def test_no_number_is_still_accepted(client: Client, police: tuple[Partner, str]) -> None:
    _partner, raw = police
    answer = send(client, raw, "")
    assert answer.status_code == 201 and Ticket.objects.get().caller_phone == ""
