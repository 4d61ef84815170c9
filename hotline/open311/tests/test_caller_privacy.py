"""Open311 (public, no login) masks the caller's recorded name and number wherever they are written, and the
address like the description (docs/open311.md «Privacy»)."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _row(client: Client, number: str) -> dict:
    response = client.get(f"/open311/v2/requests/{number}.json")
    assert response.status_code == 200
    return json.loads(response.content)[0]


def test_open311_description_shows_the_callers_own_full_name(client, frozen_now, cast):
    """The caller's name is recorded on the order (caller_name); when the agent writes it into the content
    without a cue word (我叫/本人/业主…) the public scrub does not find it, and Open311 publishes it."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678",
                    description="王建华家楼下的路灯坏了一个月，晚上出行不便")
    row = _row(client, t.number)
    assert "王建华" not in json.dumps(row, ensure_ascii=False), row["description"]


def test_open311_address_is_not_scrubbed(client, frozen_now, cast):
    """事发地址 is free text (the portal's form, the intake): a phone number typed into it is published in
    full by Open311, while the description's numbers are masked (docs/open311.md «Privacy»)."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678",
                    address="幸福小区3栋201室（联系人电话13812345678）", description="楼道灯不亮")
    row = _row(client, t.number)
    assert "13812345678" not in row["address"], row["address"]


def test_open311_address_shows_a_full_name_after_a_cue(client, frozen_now, cast):
    t = make_ticket(Status.IN_PROGRESS, cast=cast, address="幸福小区3栋201室 业主王建华家门口",
                    description="楼道灯不亮")
    row = _row(client, t.number)
    assert "王建华" not in row["address"], row["address"]


def test_public_supplement_with_the_callers_name_is_published(client, frozen_now, cast):
    """A supplement is made public when `scrub_public_text` leaves it unchanged; the caller's own name written
    without a cue passes, and servicerequestupdates (no login) publishes it."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678")
    services.supplement(t, actor=cast.intake, text="王建华再次来电补充：路灯杆已经倾斜，有倒塌危险")
    body = client.get("/open311/v2/servicerequestupdates.json").content.decode()
    assert "王建华" not in body


def test_open311_publishes_the_callers_name_from_the_approved_reply(client, frozen_now, cast):
    """The lead unit knows the caller's name; a public reply addressed to them by full name is published as
    status_notes (and in servicerequestupdates) by the public interface."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678")
    services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已维修",
                   public_reply="王建华您好，您反映的路灯已于3月4日修复。", contacted=True, resolved=True,
                   is_truthful=True)
    services.approve_reply(t, actor=cast.inspector)
    row = _row(client, t.number)
    assert "王建华" not in row["status_notes"], row["status_notes"]


def test_open311_publishes_the_callers_name_from_the_units_question(client, frozen_now, cast):
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678")
    services.request_info(t, actor=cast.lead_handler, unit=cast.lead, question="请王建华提供漏水位置的照片")
    body = client.get("/open311/v2/servicerequestupdates.json").content.decode()
    assert "王建华" not in body
@pytest.mark.parametrize(("written", "secret"), [
    ("联系电话（0731）88990001", "88990001"),          # area code in brackets, as normalize_phone accepts
    ("联系电话(0731)8899-0001", "8899-0001"),
    ("手机138—1234—5678", "1234—5678"),                 # em dash between groups (normalize_phone reads it as -)
    ("身份证430102 19900101 1234", "19900101 1234"),      # identity card number written in 6-8-4 groups
])
def test_open311_masks_numbers_written_in_common_shapes(client: Client, frozen_now, cast, written, secret):
    t = make_ticket(Status.IN_PROGRESS, cast=cast, description=f"小区门口路灯不亮，{written}")
    row = json.loads(client.get(f"/open311/v2/requests/{t.number}.json").content)[0]
    assert secret not in row["description"], row["description"]


def test_a_report_of_wrongdoing_is_listed_without_its_words(client, frozen_now, cast):
    """A 举报 names the people or firm reported and often who reported them: its description is withheld."""
    from hotline.taxonomy.choices import RequestType

    t = make_ticket(Status.IN_PROGRESS, cast=cast, request_type=RequestType.REPORT,
                    description="举报幸福路12号张记餐馆使用地沟油，我是隔壁店主")
    row = _row(client, t.number)
    assert row["description"] == "（举报内容不公开）"
    assert "张记" not in json.dumps(row, ensure_ascii=False)
