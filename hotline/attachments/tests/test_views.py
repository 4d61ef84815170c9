"""Serving attachments: only to people who may see the order; a confidential order's file is a recorded view."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hotline.attachments.models import Attachment
from hotline.attachments.services import attach
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_confidential_orders_file_is_served_to_the_centre_and_recorded(frozen_now) -> None:
    ticket = make_ticket(Status.REGISTERED, is_confidential=True)
    attach(ticket, actor=ticket.cast.intake, upload=SimpleUploadedFile("photo.png", PNG, content_type="image/png"))
    item = Attachment.objects.get()
    agent = Client()
    agent.force_login(ticket.cast.intake)
    served = agent.get(reverse("attachment", args=[item.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG  # recorded once sent
    assert list(AccessRecord.objects.values_list("kind", "subject")) == [(AccessKind.CONFIDENTIAL, ticket.number)]
    unit = Client()
    unit.force_login(ticket.cast.lead_handler)
    assert unit.get(reverse("attachment", args=[item.pk])).status_code == 404
