"""The files of orders merged into a master (并单) are evidence for the unit handling the master: listed on the
master's page, marked with the merged order's number, and served to whoever may see the master; a confidential
merged order's files stay with the centre."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hotline.attachments.models import Attachment
from hotline.attachments.selectors import merged_attachments, reached_through
from hotline.attachments.services import attach
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MERGED_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def merged_with_photo(cast: Cast, **merged_fields: Any) -> tuple[Ticket, Ticket, Attachment]:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    merged = make_ticket(Status.REGISTERED, cast=cast, caller_phone=MERGED_PHONE, **merged_fields)
    attach(merged, actor=cast.intake,
           upload=SimpleUploadedFile(f"现场_{MERGED_PHONE}.png", PNG, content_type="image/png"))
    services.merge(Ticket.objects.get(pk=merged.pk), actor=cast.dispatcher, master=master)
    return master, Ticket.objects.get(pk=merged.pk), Attachment.objects.get(ticket=merged)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_masters_unit_sees_and_opens_the_merged_orders_files(frozen_now: Any, cast: Cast) -> None:
    master, merged, item = merged_with_photo(cast)
    unit = signed_in(cast.lead_handler)
    assert unit.get(reverse("order-detail", args=[merged.number])).status_code == 404  # the order stays hidden
    page = unit.get(reverse("order-detail", args=[master.number])).content.decode()
    assert f'href="{reverse("attachment", args=[item.pk])}"' in page and f"并单工单 {merged.number}" in page
    assert "139****5678" in page and MERGED_PHONE not in page  # named as the master's own files: masked for units
    served = unit.get(reverse("attachment", args=[item.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert MERGED_PHONE not in served["Content-Disposition"]
    assert reached_through(item, cast.lead_handler) == master


def test_a_unit_that_cannot_see_the_master_cannot_open_the_file(frozen_now: Any, cast: Cast) -> None:
    _master, _merged, item = merged_with_photo(cast)
    other = make_ticket(Status.IN_PROGRESS)  # another cast: another unit
    stranger = signed_in(other.cast.lead_handler)
    assert stranger.get(reverse("attachment", args=[item.pk])).status_code == 404
    assert reached_through(item, other.cast.lead_handler) is None


def test_a_confidential_merged_orders_files_stay_with_the_centre(frozen_now: Any, cast: Cast) -> None:
    master, merged, item = merged_with_photo(cast, is_confidential=True)
    unit = signed_in(cast.lead_handler)
    page = unit.get(reverse("order-detail", args=[master.number])).content.decode()
    assert f'href="{reverse("attachment", args=[item.pk])}"' not in page and "并单工单" not in page
    assert unit.get(reverse("attachment", args=[item.pk])).status_code == 404
    assert list(merged_attachments(master, cast.lead_handler)) == []
    centre = signed_in(cast.dispatcher)
    page = centre.get(reverse("order-detail", args=[master.number])).content.decode()
    assert f'href="{reverse("attachment", args=[item.pk])}"' in page and f"并单工单 {merged.number}" in page
    served = centre.get(reverse("attachment", args=[item.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert (AccessKind.CONFIDENTIAL, merged.number) in set(AccessRecord.objects.values_list("kind", "subject"))


def test_the_merged_files_of_a_confidential_master_are_for_the_centre_alone(frozen_now: Any,
                                                                           cast: Cast) -> None:
    master, _merged, item = merged_with_photo(cast)
    Ticket.objects.filter(pk=master.pk).update(is_confidential=True)
    served = signed_in(cast.dispatcher).get(reverse("attachment", args=[item.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert reached_through(item, cast.lead_handler) is None  # units never see a confidential master


def test_an_order_not_merged_shares_no_files(frozen_now: Any, cast: Cast) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    other = make_ticket(Status.REGISTERED, cast=cast)
    attach(other, actor=cast.intake, upload=SimpleUploadedFile("a.png", PNG, content_type="image/png"))
    Ticket.objects.filter(pk=other.pk).update(master=master)  # a master set but the order not merged (old data)
    assert list(merged_attachments(master, cast.dispatcher)) == []
    assert reached_through(Attachment.objects.get(), cast.lead_handler) is None
