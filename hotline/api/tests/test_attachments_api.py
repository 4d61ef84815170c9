"""An order's files over the API: listed in the order's detail and downloaded by exactly the order page's rules.

- the detail's `attachments`: the order's files, then those of the orders merged into it (并单), each named as the
  caller may read it (a CTI recording's calling number masked for a unit's key), who uploaded it by role and unit;
- `GET /orders/{number}/attachments/{id}`: the file for a caller who may see the order, a JSON 404 for another
  unit's, for another order's file named under this order, and for a file gone from storage (logged);
- a confidential order's download is a recorded view; a merged order's file is reached through its master.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.api.keys import create_key
from hotline.attachments.models import Attachment
from hotline.attachments.services import attach
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x01" * 64
RECORDING = "20250304100000_13812345678.wav"  # how the CTI names a call's recording: time and calling number
RECORDING_MASKED = "20250304100000_138****5678.wav"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    ensure_default_policies()
    return Cast.build()


def attached(ticket: Ticket, actor: Any, name: str = "现场.png", content: bytes = PNG) -> Attachment:
    attach(Ticket.objects.get(pk=ticket.pk), actor=actor, upload=SimpleUploadedFile(name, content))
    return Attachment.objects.filter(ticket=ticket).latest("id")


def unit_key(api_client: Any, cast: Cast, scopes: tuple[str, ...] = ("read",)) -> Any:
    return api_client(create_key(f"街道对接-{cast.lead.code}", list(scopes), unit=cast.lead)[1])


def signed_in(api_client: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    return api_client(client=client)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_unit_key_reads_its_orders_files_and_not_another_units(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    by_centre = attached(ticket, cast.intake, "群众照片.png")
    by_unit = attached(ticket, cast.lead_handler, "整改后.png")
    client = unit_key(api_client, cast)

    files = client.get(f"/orders/{ticket.number}").json()["attachments"]
    assert files == [{
        "id": by_centre.pk, "name": "群众照片.png", "kind": "image", "content_type": "image/png", "size": len(PNG),
        "uploaded_at": files[0]["uploaded_at"], "merged_from": None,
        "uploaded_by": {"role": "intake", "role_label": "受理员", "unit": None},
        "url": f"/api/v1/orders/{ticket.number}/attachments/{by_centre.pk}",
    }, {
        "id": by_unit.pk, "name": "整改后.png", "kind": "image", "content_type": "image/png", "size": len(PNG),
        "uploaded_at": files[1]["uploaded_at"], "merged_from": None,
        "uploaded_by": {"role": "unit_handler", "role_label": "承办人",
                        "unit": {"code": cast.lead.code, "name": cast.lead.name}},
        "url": f"/api/v1/orders/{ticket.number}/attachments/{by_unit.pk}",
    }]
    assert str(cast.lead_handler) not in str(files) and str(cast.intake) not in str(files)  # roles, no names

    served = client.get(files[0]["url"].removeprefix("/api/v1"))
    assert served.status_code == 200 and body(served) == PNG
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["Content-Disposition"].startswith("inline")  # a photo every browser shows

    other = make_ticket(Status.IN_PROGRESS)  # another cast: another street
    theirs = attached(other, other.cast.intake)
    for path in (f"/orders/{other.number}/attachments/{theirs.pk}",  # an order the key does not see
                 f"/orders/{ticket.number}/attachments/{theirs.pk}"):  # another order's file under its own order
        refused = client.get(path)
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found", path
    assert client.get(f"/orders/{ticket.number}/attachments/{theirs.pk + 1000}").status_code == 404


def test_reading_files_needs_the_read_scope(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    item = attached(ticket, cast.intake)
    refused = api_client(create_key("只建单", ["create"])[1]).get(f"/orders/{ticket.number}/attachments/{item.pk}")
    assert refused.status_code == 403 and refused.json()["error"]["details"] == {"required_scope": "read"}


def test_a_recording_is_named_with_the_number_masked_for_a_unit_key(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    item = attached(ticket, cast.intake, RECORDING, WAV)
    client = unit_key(api_client, cast, ("read", "phone"))  # a unit reads it masked even with `phone`
    assert [f["name"] for f in client.get(f"/orders/{ticket.number}").json()["attachments"]] == [RECORDING_MASKED]
    served = client.get(f"/orders/{ticket.number}/attachments/{item.pk}")
    assert served.status_code == 200 and body(served) == WAV
    assert served["Content-Disposition"].startswith("attachment") and RECORDING_MASKED in served["Content-Disposition"]
    assert "13812345678" not in served["Content-Disposition"]
    assert not AccessRecord.objects.exists()

    centre_without_phone = api_client(create_key("统计报表", ["read"])[1])
    assert centre_without_phone.get(f"/orders/{ticket.number}").json()["attachments"][0]["name"] == RECORDING_MASKED
    assert not AccessRecord.objects.exists()
    centre_with_phone = api_client(create_key("坐席系统", ["read", "phone"])[1])
    assert centre_with_phone.get(f"/orders/{ticket.number}").json()["attachments"][0]["name"] == RECORDING
    assert (AccessKind.FULL_PHONE, ticket.number) in set(AccessRecord.objects.values_list("kind", "subject"))


def test_a_confidential_orders_download_is_recorded_as_a_view(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast, is_confidential=True)
    item = attached(ticket, cast.intake)
    path = f"/orders/{ticket.number}/attachments/{item.pk}"
    assert api_client(create_key("坐席系统", ["read", "phone"])[1]).get(path).status_code == 404  # keys: never
    assert not AccessRecord.objects.exists()
    served = signed_in(api_client, cast.dispatcher).get(path)
    assert served.status_code == 200 and body(served) == PNG
    assert list(AccessRecord.objects.values_list("kind", "subject")) == [(AccessKind.CONFIDENTIAL, ticket.number)]


def merged_into(master: Ticket, cast: Cast, **merged_fields: Any) -> tuple[Ticket, Attachment]:
    merged = make_ticket(Status.REGISTERED, cast=cast, caller_phone="13912345678", **merged_fields)
    item = attached(merged, cast.intake, "现场_13912345678.png")
    services.merge(Ticket.objects.get(pk=merged.pk), actor=cast.dispatcher, master=master)
    return merged, item


def test_a_merged_orders_file_is_listed_and_served_through_the_master(cast: Cast, api_client: Any) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    own = attached(master, cast.intake)
    merged, item = merged_into(master, cast)
    client = unit_key(api_client, cast)

    files = client.get(f"/orders/{master.number}").json()["attachments"]
    assert [(f["id"], f["merged_from"]) for f in files] == [(own.pk, None), (item.pk, merged.number)]
    assert files[1]["name"] == "现场_139****5678.png"  # the merged caller's number masked, as on the page
    assert files[1]["url"] == f"/api/v1/orders/{master.number}/attachments/{item.pk}"
    served = client.get(f"/orders/{master.number}/attachments/{item.pk}")
    assert served.status_code == 200 and body(served) == PNG and "13912345678" not in served["Content-Disposition"]
    assert client.get(f"/orders/{merged.number}/attachments/{item.pk}").status_code == 404  # the merged order stays hidden


def test_a_confidential_merged_orders_file_stays_with_centre_people(cast: Cast, api_client: Any) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    merged, item = merged_into(master, cast, is_confidential=True)
    path = f"/orders/{master.number}/attachments/{item.pk}"
    for key in (unit_key(api_client, cast), api_client(create_key("坐席系统", ["read", "phone"])[1])):
        assert key.get(f"/orders/{master.number}").json()["attachments"] == []
        assert key.get(path).status_code == 404
    person = signed_in(api_client, cast.dispatcher)
    assert [f["merged_from"] for f in person.get(f"/orders/{master.number}").json()["attachments"]] == [merged.number]
    served = person.get(path)
    assert served.status_code == 200 and body(served) == PNG
    assert (AccessKind.CONFIDENTIAL, merged.number) in set(AccessRecord.objects.values_list("kind", "subject"))


def test_a_file_missing_from_storage_is_a_json_404_and_logged(cast: Cast, api_client: Any, caplog: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    item = attached(ticket, cast.intake)
    default_storage.delete(item.file.name)
    with caplog.at_level(logging.ERROR, logger="hotline.attachments"):
        missing = unit_key(api_client, cast).get(f"/orders/{ticket.number}/attachments/{item.pk}")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/json")
    assert missing.json()["error"]["code"] == "not_found" and missing.json()["error"]["message"] == "附件文件不存在"
    assert any(str(item.pk) in r.getMessage() for r in caplog.records if r.name == "hotline.attachments.views")


def test_the_download_is_documented_as_a_file(api_client: Any) -> None:
    schema = api_client().get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/orders/{number}/attachments/{attachment_id}"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"image/*", "audio/*", "video/*"}
    assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    detail = schema["components"]["schemas"]["OrderDetailOut"]
    assert "attachments" in detail["required"]
