"""Attaching a file from the order page (上传附件): who gets the form, what is stored, what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.attachments.constants import MAX_BYTES
from hotline.attachments.models import Attachment
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = 'enctype="multipart/form-data"'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, ticket: Ticket, name: str, content: bytes, **extra: str):  # noqa: ANN202
    return client.post(reverse("attachment-upload", args=[ticket.number]),
                       {"file": SimpleUploadedFile(name, content), **extra})


def _stored_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_the_handler_attaches_a_photo_to_its_order(frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    page = handler.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert FORM in page and reverse("attachment-upload", args=[ticket.number]) in page
    assert 'accept="image/*,audio/*,video/*"' in page and 'name="submission"' in page
    answer = _upload(handler, ticket, "修复后的水管.png", PNG)
    assert answer.status_code == 302 and answer.url == reverse("order-detail", args=[ticket.number])
    item = Attachment.objects.get(ticket=ticket)
    assert (item.original_name, item.kind, item.uploaded_by, item.is_public) == (
        "修复后的水管.png", "image", ticket.cast.lead_handler, False)
    assert [p.read_bytes() for p in _stored_files()] == [PNG]
    event = ticket.timeline.order_by("-seq").first()
    assert (event.action, event.actor, event.note) == (Action.ATTACH, ticket.cast.lead_handler, "上传附件：修复后的水管.png")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    shown = handler.get(answer.url).content.decode()
    assert "上传附件：已完成" in shown and "修复后的水管.png" in shown


def test_the_centre_attaches_a_recording() -> None:
    ticket = make_ticket(Status.REGISTERED)
    answer = _upload(_client(ticket.cast.intake), ticket, "录音.mp3", b"ID3" + b"\x00" * 64)
    assert answer.status_code == 302
    assert Attachment.objects.get(ticket=ticket).kind == "audio"


def test_a_page_posted_twice_stores_the_file_once() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    token = "a" * 32
    assert _upload(handler, ticket, "p.png", PNG, submission=token).status_code == 302
    again = _upload(handler, ticket, "p.png", PNG, submission=token)
    assert again.status_code == 302 and Attachment.objects.filter(ticket=ticket).count() == 1
    assert "该文件已上传，未重复上传" in handler.get(again.url).content.decode()


def test_another_file_from_the_same_page_is_stored() -> None:
    """Back to a page whose token was used, then another file: a new upload, not 「已上传」."""
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    token = "b" * 32
    assert _upload(handler, ticket, "p.png", PNG, submission=token).status_code == 302
    other = _upload(handler, ticket, "q.png", PNG + b"\x00", submission=token)
    assert other.status_code == 302
    assert sorted(Attachment.objects.filter(ticket=ticket).values_list("original_name", flat=True)) == [
        "p.png", "q.png"]
    assert "该文件已上传" not in handler.get(other.url).content.decode()


def test_a_refusal_goes_back_to_the_page_with_a_fresh_token() -> None:
    """A refused file answers with a redirect (PRG): the next page's token is new and takes another file."""
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    page = handler.get(reverse("order-detail", args=[ticket.number]))
    token = page.context["upload"].token
    refused = _upload(handler, ticket, "fake.png", b"not a picture\n" * 8, submission=token)
    assert refused.status_code == 302 and refused.url == reverse("order-detail", args=[ticket.number])
    again = handler.get(refused.url)
    fresh = again.context["upload"].token
    assert fresh != token and "类型不被允许" in again.content.decode()
    assert _upload(handler, ticket, "ok.png", PNG, submission=fresh).status_code == 302
    assert _upload(handler, ticket, "ok2.png", PNG + b"\x01", submission=token).status_code == 302
    assert Attachment.objects.filter(ticket=ticket).count() == 2


def test_another_unit_gets_404() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    stranger = UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory()])
    assert _upload(_client(stranger), ticket, "p.png", PNG).status_code == 404
    assert not Attachment.objects.exists() and _stored_files() == []


def test_a_role_without_attach_gets_no_form_and_403() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    leader = _client(UserFactory(role=Role.LEADER))
    page = leader.get(reverse("order-detail", args=[ticket.number]))
    assert page.status_code == 200 and FORM not in page.content.decode()
    assert _upload(leader, ticket, "p.png", PNG).status_code == 403
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("status", [Status.CLOSED, Status.ANSWERED])
def test_a_finished_order_shows_no_form_and_takes_no_file(status: str) -> None:
    ticket = make_ticket(status)
    for user in (ticket.cast.intake, ticket.cast.lead_handler) if status == Status.CLOSED else (ticket.cast.intake,):
        client = _client(user)
        assert FORM not in client.get(reverse("order-detail", args=[ticket.number])).content.decode()
        assert _upload(client, ticket, "p.png", PNG).status_code == 403
    assert not Attachment.objects.exists()


def test_a_text_file_named_png_is_refused_with_the_services_words() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    before = ticket.version
    handler = _client(ticket.cast.lead_handler)
    answer = _upload(handler, ticket, "photo.png", b"just some text, not a picture\n" * 4)
    assert answer.status_code == 302
    page = handler.get(answer.url).content.decode()
    assert "文件「photo.png」的类型不被允许（仅限图片、录音、视频）" in page
    assert FORM in page  # the page again, with the form to try another file
    assert not Attachment.objects.exists() and _stored_files() == []
    ticket.refresh_from_db()
    assert ticket.version == before


def test_a_too_large_file_gets_the_services_message_not_413() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    big = PNG + b"\x00" * (MAX_BYTES["image"] + 1 - len(PNG))
    handler = _client(ticket.cast.lead_handler)
    answer = _upload(handler, ticket, "big.png", big)
    assert answer.status_code == 302
    assert f"文件「big.png」超过 {MAX_BYTES['image'] // (1024 * 1024)} MB" in handler.get(answer.url).content.decode()
    assert not Attachment.objects.exists() and _stored_files() == []


def test_settings_let_the_largest_allowed_file_reach_the_service() -> None:
    """Django's request limit counts form fields, not files; the upload limits are the service's."""
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= max(MAX_BYTES.values())


def test_no_file_chosen_is_refused() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    answer = handler.post(reverse("attachment-upload", args=[ticket.number]), {})
    assert answer.status_code == 302 and "请选择要上传的文件" in handler.get(answer.url).content.decode()


def test_get_is_not_allowed() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    assert _client(ticket.cast.lead_handler).get(reverse("attachment-upload", args=[ticket.number])).status_code == 405


@pytest.fixture
def _restore_language() -> Iterator[None]:
    """An English request leaves English active in the thread (LocaleMiddleware); put the language back."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


@pytest.mark.usefixtures("_restore_language")
def test_the_form_and_the_refusal_in_english() -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    handler.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = handler.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "Choose a file" in page and "Upload attachments" in page
    assert "Photos up to 10 MB, recordings up to 20 MB, videos up to 50 MB" in page
    refused = handler.get(_upload(handler, ticket, "photo.png", b"plain text\n" * 8).url).content.decode()
    assert "is not allowed" in refused
    done = handler.get(_upload(handler, ticket, "p.png", PNG).url).content.decode()
    assert "Upload attachments: done" in done
