"""What an attachment is called where it is shown and downloaded, what kind a file is, and a page posted twice.

- a file name holding the caller's number (a CTI recording) is shown and downloaded masked, as texts are (`text_for`);
- a download is named with the extension of what the file is, not what the uploader called it;
- HEIC/HEIF/AVIF photos are photos, not videos;
- the same page posted twice stores the same file once, and a different file of equal name and size again;
- a file missing from storage is a 404, logged.
"""

from __future__ import annotations

import logging

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hotline.attachments.models import Attachment
from hotline.attachments.services import attach
from hotline.attachments.sniff import sniff
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WAV_A = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x01" * 64
WAV_B = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x02" * 64
RECORDING = "20250304100000_13812345678.wav"  # how the CTI names a call's recording: time and calling number


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    """The start of an ISO base media file: its `ftyp` box with a major and compatible brands."""
    brands = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(brands)).to_bytes(4, "big") + b"ftyp" + brands + b"\x00\x00\x00\x08free" + b"\x00" * 32


HEIC = _ftyp(b"heic", b"mif1", b"heic")
AVIF = _ftyp(b"avif", b"mif1", b"avif", b"miaf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, ticket: Ticket, name: str, content: bytes, token: str = ""):  # noqa: ANN202
    data = {"file": SimpleUploadedFile(name, content)}
    if token:
        data["submission"] = token
    return client.post(reverse("attachment-upload", args=[ticket.number]), data)


def _attachments_card(page: str) -> str:
    """The order page's list of attachments (附件)."""
    return page.split('<ul class="attachments">', 1)[1].split("</ul>", 1)[0]


# -- the caller's number in a file name ---------------------------------------------------------------------


def test_a_recording_named_by_the_calling_number_is_listed_and_downloaded_masked_by_the_unit(frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, caller_phone="13812345678", is_anonymous=True)
    attach(ticket, actor=ticket.cast.intake, upload=SimpleUploadedFile(RECORDING, WAV_A))
    item = Attachment.objects.get(ticket=ticket)
    unit = _client(ticket.cast.lead_handler)
    page = unit.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "13812345678" not in page
    assert "20250304100000_138****5678.wav" in _attachments_card(page)
    served = unit.get(reverse("attachment", args=[item.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == WAV_A
    assert "13812345678" not in served["Content-Disposition"]
    assert served["Content-Disposition"].startswith("attachment;")
    assert not AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).exists()


def test_the_centre_reads_the_recordings_name_as_written_and_the_view_is_recorded(frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, caller_phone="13812345678", is_anonymous=True)
    attach(ticket, actor=ticket.cast.intake, upload=SimpleUploadedFile(RECORDING, WAV_A))
    item = Attachment.objects.get(ticket=ticket)
    agent = _client(ticket.cast.intake)
    served = agent.get(reverse("attachment", args=[item.pk]))
    assert served.status_code == 200 and RECORDING in served["Content-Disposition"]
    assert b"".join(served.streaming_content) == WAV_A  # the views are recorded once the file is sent
    assert list(AccessRecord.objects.values_list("kind", "subject")) == [(AccessKind.FULL_PHONE, ticket.number)]


# -- the download's name --------------------------------------------------------------------------------------


def test_a_download_carries_the_extension_of_what_the_file_is(frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    payload = b"ID3<html><script>alert(document.cookie)</script></html>" + b" " * 32
    assert _post(handler, ticket, "录音.html", payload).status_code == 302
    item = Attachment.objects.get(ticket=ticket)
    served = handler.get(reverse("attachment", args=[item.pk]))
    disposition = served["Content-Disposition"]
    assert served["Content-Type"] == "audio/mpeg"
    assert ".html" not in disposition and "%2ehtml" not in disposition.lower(), disposition
    assert disposition == "attachment; filename*=utf-8''%E5%BD%95%E9%9F%B3.mp3"


def test_a_photo_keeps_its_name_and_is_shown_inline(frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    _post(handler, ticket, "site.PNG", PNG)
    served = handler.get(reverse("attachment", args=[Attachment.objects.get().pk]))
    assert served["Content-Disposition"] == 'inline; filename="site.png"'


# -- HEIC/HEIF/AVIF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("head", "content_type", "extension"), [
    (_ftyp(b"heic", b"mif1", b"heic"), "image/heic", "heic"),
    (_ftyp(b"heix", b"mif1", b"heix"), "image/heic", "heic"),
    (_ftyp(b"mif1", b"mif1", b"heic"), "image/heic", "heic"),
    (_ftyp(b"mif1", b"mif1"), "image/heif", "heif"),
    (_ftyp(b"msf1", b"msf1", b"hevc"), "image/heic-sequence", "heics"),
    (_ftyp(b"avif", b"mif1", b"avif"), "image/avif", "avif"),
    (_ftyp(b"mif1", b"mif1", b"avif", b"miaf"), "image/avif", "avif"),
    (_ftyp(b"avis", b"msf1", b"avis"), "image/avif", "avif"),
])
def test_heic_heif_and_avif_photos_are_images(head: bytes, content_type: str, extension: str) -> None:
    found = sniff(head)
    assert found is not None
    assert (found.kind, found.content_type, found.extension) == ("image", content_type, extension)


@pytest.mark.parametrize(("head", "kind"), [
    (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video"),
    (_ftyp(b"mp42", b"mp42", b"isom"), "video"),
    (_ftyp(b"M4A ", b"M4A ", b"mp42"), "audio"),
])
def test_other_iso_media_files_stay_videos_and_m4a_recordings(head: bytes, kind: str) -> None:
    assert sniff(head).kind == kind


def test_an_iphone_photo_is_attached_as_a_photo_and_downloaded_as_heic(frozen_now) -> None:
    """Browsers other than Safari cannot show HEIC: it is served as a download; an AVIF photo is shown inline."""
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    _post(handler, ticket, "IMG_0001.HEIC", HEIC)
    _post(handler, ticket, "photo.avif", AVIF)
    avif, heic = Attachment.objects.filter(ticket=ticket).order_by("content_type")
    assert (avif.kind, avif.content_type, heic.kind, heic.content_type) == ("image", "image/avif", "image", "image/heic")
    assert handler.get(reverse("attachment", args=[heic.pk]))["Content-Disposition"] == (
        'attachment; filename="IMG_0001.heic"')
    assert handler.get(reverse("attachment", args=[avif.pk]))["Content-Disposition"] == 'inline; filename="photo.avif"'
    card = _attachments_card(handler.get(reverse("order-detail", args=[ticket.number])).content.decode())
    assert card.count("图片") == 2 and "视频" not in card


# -- a page posted twice --------------------------------------------------------------------------------------


def test_a_different_file_of_equal_name_and_size_from_one_page_is_stored(frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    handler = _client(ticket.cast.lead_handler)
    token = "c" * 32
    assert len(WAV_A) == len(WAV_B)
    _post(handler, ticket, "录音.wav", WAV_A, token)
    _post(handler, ticket, "录音.wav", WAV_A, token)  # the same page posted again: stored once
    _post(handler, ticket, "录音.wav", WAV_B, token)  # another recording after going Back: stored
    assert Attachment.objects.filter(ticket=ticket).count() == 2
    assert len(set(Attachment.objects.values_list("sha256", flat=True))) == 2


# -- a file gone from storage ------------------------------------------------------------------------------------


def test_a_file_missing_from_storage_is_a_logged_404(frozen_now, caplog) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.IN_PROGRESS)
    attach(ticket, actor=ticket.cast.intake, upload=SimpleUploadedFile("photo.png", PNG))
    item = Attachment.objects.get()
    default_storage.delete(item.file.name)
    with caplog.at_level(logging.WARNING, logger="hotline.attachments"):
        answer = _client(ticket.cast.intake).get(reverse("attachment", args=[item.pk]))
    assert answer.status_code == 404
    assert any(r.name == "hotline.attachments.views" and str(item.pk) in r.getMessage() for r in caplog.records)
