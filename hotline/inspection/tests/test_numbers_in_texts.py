"""Numbers typed into an order's texts (title, description, address) are masked on the inspection pages, as the
caller's number is: for everyone, and no full-number view is recorded (docs/inspection.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.inspection import selectors
from hotline.inspection.models import Criterion, Inspection
from hotline.inspection.sampling import draw_sample
from hotline.inspection.services import Entry, inspect
from hotline.inspection.tests.conftest import FEBRUARY, order
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, UserFactory

pytestmark = pytest.mark.django_db

TITLE = "噪音扰民请回电13812345678"
DESCRIPTION = "楼下噪音扰民，请回电13812345678或010-88990001，身份证110101199003071234，住址幸福小区3栋2单元"
ADDRESS = "幸福小区3栋门口，联系15900001111"
FULL = ("13812345678", "010-88990001", "110101199003071234", "15900001111")


@pytest.fixture
def numbered(criteria: dict[str, Criterion], cast: Cast, frozen_now: datetime) -> Inspection:
    """A sampled order whose caller typed numbers into its title, description and address."""
    order(cast, Status.PENDING_DISPATCH, caller_phone="13812345678", title=TITLE, description=DESCRIPTION,
          address=ADDRESS)
    draw_sample(FEBRUARY, actor=None)
    inspection = Inspection.objects.get()
    assert (inspection.ticket.title, inspection.ticket.description, inspection.ticket.address) == (
        TITLE, DESCRIPTION, ADDRESS)  # registered as typed: the pages mask them, not registration
    return inspection


def _no_full_number(text: str) -> None:
    assert not [number for number in FULL if number in text]
    assert not AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).exists()


def test_the_order_fields_mask_the_numbers_in_the_free_texts_only(numbered: Inspection) -> None:
    fields = {f.name: f.value for f in selectors.order_fields(numbered.ticket)}
    assert fields["title"] == "噪音扰民请回电138****5678"
    assert fields["description"] == (
        "楼下噪音扰民，请回电138****5678或010******01，身份证110101********1234，住址幸福小区3栋2单元")
    assert fields["address"] == "幸福小区3栋门口，联系159****1111"  # 3栋 is no number to mask
    assert fields["is_anonymous"] == "否" and fields["channel"] == numbered.ticket.get_channel_display()


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.SUPERVISOR, Role.LEADER, Role.ADMIN])
def test_the_inspection_page_shows_the_texts_masked_and_records_no_full_number(
        client: Client, numbered: Inspection, role: str) -> None:
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("inspection-detail", args=[numbered.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "噪音扰民请回电138****5678" in text and "身份证110101********1234" in text
    assert "幸福小区3栋门口，联系159****1111" in text
    _no_full_number(text)


def test_the_list_shows_the_title_masked(client: Client, numbered: Inspection) -> None:
    client.force_login(UserFactory(role=Role.INSPECTOR))
    text = client.get(reverse("inspection-list")).content.decode()
    assert numbered.ticket.number in text and "噪音扰民请回电138****5678" in text
    _no_full_number(text)


def test_the_agents_own_results_show_the_title_masked(client: Client, numbered: Inspection,
                                                       criteria: dict[str, Criterion], cast: Cast) -> None:
    inspect(numbered, [Entry(criteria["TITLE"], 5, "标题含电话号码")], "", cast.inspector)
    client.force_login(numbered.agent)
    text = client.get(reverse("inspection-mine")).content.decode()
    assert numbered.ticket.number in text and "噪音扰民请回电138****5678" in text
    _no_full_number(text)


def test_a_title_without_numbers_is_shown_as_written(criteria: Any, cast: Cast, frozen_now: datetime) -> None:
    ticket = order(cast, Status.PENDING_DISPATCH, title="3号楼电梯停运2天")
    assert selectors.order_title(ticket) == "3号楼电梯停运2天"
