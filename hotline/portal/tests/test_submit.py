"""Submitting a request and a praise on the portal: photos checked by content, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hotline.attachments.models import Attachment
from hotline.orgs.choices import UnitKind
from hotline.portal.tests.helpers import form_token, png_upload, tiny_png
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Action, Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db

FORM = {
    "request_type": RequestType.COMPLAINT,
    "title": "",
    "description": "小区门口的路灯坏了一个星期，晚上很黑",
    "address": "东华门街道多福巷 12 号",
    "name": "王女士",
    "phone": "138 1234 5678",
}


def post(client: Client, photos: list | None = None, **changes: object) -> object:
    """Post the form as a browser does: from a freshly rendered page, with its one-time token."""
    data = {**FORM, "submission": form_token(client), **changes}
    if photos is not None:
        data["photos"] = photos
    return client.post(reverse("portal:submit"), data)


def stored_files(settings: object) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("name", ["home", "submit", "track", "praise"])
def test_pages_are_mobile_ready_and_free_of_inline_script(client: Client, name: str) -> None:
    page = client.get(reverse(f"portal:{name}")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "hotline/portal.css" in page
    assert "<script" not in page and "style=" not in page
    assert "管理后台" not in page and "/accounts/" not in page  # no staff navigation


def test_submit_with_photos_registers_a_web_order_with_its_images(client: Client, settings: object) -> None:
    response = post(client, photos=[png_upload("a.png"), png_upload("b.png")])
    assert response.status_code == 302 and response["Location"] == reverse("portal:submitted")
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.status, ticket.request_type) == (Channel.WEB, Status.REGISTERED,
                                                                    RequestType.COMPLAINT)
    assert ticket.caller_phone == "13812345678" and ticket.caller_name == "王女士"
    assert ticket.title == FORM["description"][:40] and ticket.registered_by is None
    photos = list(Attachment.objects.filter(ticket=ticket))
    assert [(p.kind, p.content_type, p.is_public) for p in photos] == [("image", "image/png", False)] * 2
    assert len(stored_files(settings)) == 2
    assert list(ticket.timeline.values_list("action", flat=True)) == [Action.REGISTER, Action.ATTACH, Action.ATTACH]

    receipt = client.get(response["Location"]).content.decode()
    assert ticket.number in receipt and ticket.query_code in receipt
    assert f'{reverse("portal:track")}?number={ticket.number}' in receipt
    again = client.get(response["Location"]).content.decode()
    assert ticket.query_code not in again  # the receipt is shown once


def test_a_disguised_file_is_refused_and_nothing_is_saved(client: Client, settings: object) -> None:
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")
    response = post(client, photos=[png_upload(), fake])
    assert response.status_code == 400
    assert "photo.png" in response.content.decode() and "不被允许" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_audio_is_not_a_photo(client: Client, settings: object) -> None:
    voice = SimpleUploadedFile("voice.mp3", b"ID3" + b"\x00" * 100, content_type="audio/mpeg")
    response = post(client, photos=[voice])
    assert response.status_code == 400 and "（仅限图片）" in response.content.decode()  # not "图片、录音"
    assert not Ticket.objects.exists()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    voice = SimpleUploadedFile("voice.mp3", b"ID3" + b"\x00" * 100, content_type="audio/mpeg")
    assert "is not allowed (images only)" in post(client, photos=[voice]).content.decode()


def test_more_than_five_photos_are_refused(client: Client, settings: object) -> None:
    response = post(client, photos=[png_upload(f"{i}.png") for i in range(6)])
    assert response.status_code == 400 and "最多上传 5 张照片" in response.content.decode()
    assert not Ticket.objects.exists() and stored_files(settings) == []


def test_a_photo_over_10_mb_is_refused(client: Client) -> None:
    big = SimpleUploadedFile("big.png", tiny_png() + b"\x00" * (10 * 1024 * 1024), content_type="image/png")
    response = post(client, photos=[big])
    assert response.status_code == 400 and "超过 10 MB" in response.content.decode()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("phone", ["", "12345", "1381234567", "23812345678", "010-1234"])
def test_a_missing_or_wrong_phone_is_refused(client: Client, phone: str) -> None:
    assert post(client, phone=phone).status_code == 400
    assert not Ticket.objects.exists()


def test_a_landline_is_accepted_and_normalised(client: Client) -> None:
    assert post(client, phone="01087654321").status_code == 302
    assert Ticket.objects.get().caller_phone == "010-87654321"


def test_anonymous_keeps_no_name_and_confidential_is_recorded(client: Client) -> None:
    post(client, is_anonymous="on", is_confidential="on")
    ticket = Ticket.objects.get()
    assert ticket.is_anonymous and ticket.is_confidential and ticket.caller_name == ""
    assert ticket.caller_phone == "13812345678"


def test_the_district_select_offers_districts_only(client: Client) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=district)
    page = client.get(reverse("portal:submit")).content.decode()
    assert "东城区" in page and "东华门街道" not in page
    post(client, district=str(district.pk))
    assert Ticket.objects.get().district == district


def test_praise_is_not_a_type_of_the_submit_form(client: Client) -> None:
    assert post(client, request_type=RequestType.PRAISE).status_code == 400


def test_praise_registers_a_praise_order(client: Client) -> None:
    response = client.post(reverse("portal:praise"), {"praised": "东华门街道城管队 李师傅",
                                                      "story": "半夜帮我们修好了路灯", "phone": "",
                                                      "submission": form_token(client, "praise")})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.request_type, ticket.channel) == (RequestType.PRAISE, Channel.WEB)
    assert ticket.title == "表扬：东华门街道城管队 李师傅" and "半夜帮我们修好了路灯" in ticket.description
    receipt = client.get(response["Location"]).content.decode()
    assert ticket.number in receipt and "表扬已收到" in receipt


def test_submissions_are_rate_limited(client: Client, settings: object, frozen_now: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"submit": (2, 3600)}
    assert [post(client).status_code for _ in range(3)] == [302, 302, 429]
    assert Ticket.objects.count() == 2


def test_a_limited_submission_keeps_what_was_typed_and_says_when_to_retry(client: Client, settings: object,
                                                                        frozen_now: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"submit": (1, 3600)}
    assert post(client).status_code == 302
    refused = post(client, description="第二件事：楼道灯也不亮了")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "提交过于频繁" in page and "第二件事：楼道灯也不亮了" in page and "东华门街道多福巷 12 号" in page
    assert Ticket.objects.count() == 1


def test_rejected_forms_do_not_use_up_the_citizens_submissions(client: Client, settings: object,
                                                               frozen_now: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"submit": (1, 3600), "submit-try": (5, 3600)}
    assert [post(client, phone="138123").status_code for _ in range(3)] == [400, 400, 400]
    assert post(client).status_code == 302
    assert post(client, phone="138123").status_code == 429  # the next accepted one would be over the limit
    assert post(client).status_code == 429  # and five posts in the hour are all a robot gets
    assert Ticket.objects.count() == 1


def test_behind_the_proxy_citizens_are_told_apart_by_its_header(settings: object, frozen_now: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"submit": (1, 3600)}
    settings.HOTLINE_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert post(Client(**proxy, HTTP_X_REAL_IP="203.0.113.7")).status_code == 302
    assert post(Client(**proxy, HTTP_X_REAL_IP="203.0.113.8")).status_code == 302
    assert post(Client(**proxy, HTTP_X_REAL_IP="203.0.113.7")).status_code == 429


@pytest.mark.parametrize("name, key", [("X-Real-IP", "HTTP_X_REAL_IP"), ("HTTP_X_REAL_IP", "HTTP_X_REAL_IP"),
                                       ("x-forwarded-for", "HTTP_X_FORWARDED_FOR"), ("", "")])
def test_the_client_ip_header_may_be_named_either_way(name: str, key: str) -> None:
    from hotline.settings import header_key

    assert header_key(name) == key


def test_the_wait_is_said_in_good_english_for_one_minute(client: Client, settings: object,
                                                         frozen_now: object) -> None:
    settings.HOTLINE_PORTAL_RATE_LIMITS = {"submit": (1, 60)}
    client.cookies["django_language"] = "en"
    assert post(client).status_code == 302
    page = post(client).content.decode()
    assert "please send it again in 1 minute;" in page
