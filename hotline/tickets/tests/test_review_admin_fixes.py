"""Fixes after review: the admin's order pages show an order's texts as the order page does (as written to centre
staff, with a number in them recorded as a full-number view; masked for anyone else), opening a confidential
order's timeline event is recorded, and the admin does not look orders up by the caller's number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import TimelineEvent
from hotline.tickets.tests.factories import UserFactory, make_ticket

pytestmark = pytest.mark.django_db
OTHER = "13900001111"
CALLER = "13800002222"


def _records(kind: str, ticket) -> list[AccessRecord]:  # noqa: ANN001
    return list(AccessRecord.objects.filter(kind=kind, subject=ticket.number))


@pytest.fixture
def unit_admin_client(client, org):  # noqa: ANN001, ANN201
    """A staff account of a unit role let into the admin (no centre role: numbers masked, as on its order page)."""
    client.force_login(UserFactory(role=Role.UNIT_ADMIN, units=[org.district], is_staff=True,
                                   is_superuser=True, username="unit-root"))
    return client


def test_the_order_page_in_the_admin_shows_the_description_to_centre_staff_and_records_the_number(
        admin_client) -> None:
    ticket = make_ticket(Status.REGISTERED, description=f"楼下噪音扰民，请回电{OTHER}联系我")
    response = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert response.status_code == 200
    assert OTHER in response.content.decode()
    [record] = _records(AccessKind.FULL_PHONE, ticket)
    assert record.username == "root" and record.path == f"/admin/tickets/ticket/{ticket.pk}/change/"


def test_the_title_and_a_timeline_note_with_a_number_are_recorded_too(admin_client) -> None:
    ticket = make_ticket(Status.DISPATCHED, title=f"噪音扰民 回电{OTHER}", description="楼下噪音扰民")
    services.supplement(ticket, actor=ticket.cast.intake, text=f"来电人补充：白天请打{CALLER}")
    response = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    page = response.content.decode()
    assert OTHER in page and CALLER in page
    assert len(_records(AccessKind.FULL_PHONE, ticket)) == 1  # one view of the order's numbers per request


def test_a_page_without_any_number_records_nothing(admin_client) -> None:
    ticket = make_ticket(Status.REGISTERED, description="小区门口路灯不亮")
    assert admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).status_code == 200
    assert not AccessRecord.objects.exists()


def test_an_admin_user_without_a_centre_role_reads_the_numbers_masked(unit_admin_client) -> None:
    ticket = make_ticket(Status.DISPATCHED, title=f"噪音扰民 回电{OTHER}", description=f"请回电{OTHER}联系我")
    services.supplement(ticket, actor=ticket.cast.intake, text=f"来电人补充：白天请打{CALLER}")
    page = unit_admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "139****1111" in page and "138****2222" in page
    assert OTHER not in page and CALLER not in page
    listing = unit_admin_client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert "139****1111" in listing and OTHER not in listing
    event = ticket.timeline.get(note__contains=CALLER)
    page = unit_admin_client.get(reverse("admin:tickets_timelineevent_change", args=[event.pk])).content.decode()
    assert "138****2222" in page and CALLER not in page and OTHER not in page  # the order by its number
    events = unit_admin_client.get(reverse("admin:tickets_timelineevent_changelist")).content.decode()
    assert ticket.number in events and OTHER not in events
    assert not AccessRecord.objects.exists()


def test_the_order_list_shows_titles_as_the_order_page_does(admin_client) -> None:
    ticket = make_ticket(Status.REGISTERED, title=f"噪音扰民 回电{OTHER}", description="楼下噪音扰民")
    response = admin_client.get(reverse("admin:tickets_ticket_changelist"))
    assert OTHER in response.content.decode()
    assert len(_records(AccessKind.FULL_PHONE, ticket)) == 1


def test_a_timeline_event_with_a_number_in_its_note_is_recorded_when_opened(admin_client) -> None:
    ticket = make_ticket(Status.DISPATCHED, description="楼下噪音扰民")
    services.supplement(ticket, actor=ticket.cast.intake, text=f"来电人补充：白天请打{CALLER}")
    event = ticket.timeline.get(note__contains=CALLER)
    page = admin_client.get(reverse("admin:tickets_timelineevent_change", args=[event.pk])).content.decode()
    assert CALLER in page
    assert len(_records(AccessKind.FULL_PHONE, ticket)) == 1


def test_opening_a_confidential_orders_timeline_event_in_the_admin_is_recorded(admin_client) -> None:
    ticket = make_ticket(Status.REGISTERED, is_confidential=True, description="举报某单位负责人收受贿赂")
    event = TimelineEvent.objects.filter(ticket=ticket).order_by("seq").first()
    response = admin_client.get(reverse("admin:tickets_timelineevent_change", args=[event.pk]))
    assert response.status_code == 200
    [record] = _records(AccessKind.CONFIDENTIAL, ticket)
    assert record.username == "root"


def test_an_ordinary_orders_timeline_event_records_nothing(admin_client) -> None:
    ticket = make_ticket(Status.REGISTERED, description="小区门口路灯不亮")
    event = TimelineEvent.objects.filter(ticket=ticket).order_by("seq").first()
    assert admin_client.get(reverse("admin:tickets_timelineevent_change", args=[event.pk])).status_code == 200
    assert not AccessRecord.objects.exists()


def test_the_admin_does_not_find_orders_by_the_callers_number(admin_client) -> None:
    ticket = make_ticket(Status.REGISTERED, caller_phone=CALLER, title="路灯不亮", description="小区门口路灯不亮")
    url = reverse("admin:tickets_ticket_changelist")
    assert ticket.number not in admin_client.get(url, {"q": CALLER}).content.decode()
    assert ticket.number in admin_client.get(url, {"q": ticket.number}).content.decode()
    assert ticket.number in admin_client.get(url, {"q": "路灯"}).content.decode()
    assert not AccessRecord.objects.exists()


# Second review: the caller of an anonymous order, the timeline event's data and the title search.


def test_a_unit_account_sees_an_anonymous_caller_as_the_order_page_shows_it(unit_admin_client) -> None:
    """The order page shows a unit 「（匿名）」 and nothing else of an anonymous caller: the admin neither."""
    ticket = make_ticket(Status.DISPATCHED, is_anonymous=True, caller_name="王建国", caller_company="宏远贸易有限公司",
                         caller_sex="M", caller_phone=CALLER, description="楼下噪音扰民")
    page = unit_admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "（匿名）" in page
    assert "王建国" not in page and "宏远贸易有限公司" not in page and "138****2222" not in page
    assert ">男<" not in page.replace(" ", "").replace("\n", "")
    listing = unit_admin_client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert ticket.number in listing and "138****2222" not in listing


def test_centre_staff_see_an_anonymous_caller(admin_client) -> None:
    anonymous = make_ticket(Status.DISPATCHED, is_anonymous=True, caller_name="王建国", caller_company="宏远贸易有限公司",
                            caller_phone=CALLER, description="楼下噪音扰民")
    page = admin_client.get(reverse("admin:tickets_ticket_change", args=[anonymous.pk])).content.decode()
    assert "王建国" in page and "宏远贸易有限公司" in page and "138****2222" in page


def test_a_unit_account_sees_a_named_caller(unit_admin_client) -> None:
    named = make_ticket(Status.DISPATCHED, caller_name="李秀英", caller_company="新华书店", caller_phone=CALLER,
                        description="路灯不亮")
    page = unit_admin_client.get(reverse("admin:tickets_ticket_change", args=[named.pk])).content.decode()
    assert "李秀英" in page and "新华书店" in page and "138****2222" in page


def _corrected():  # noqa: ANN202
    ticket = make_ticket(Status.DISPATCHED, title=f"噪音扰民 回电{OTHER}", description="楼下噪音扰民")
    services.correct(ticket, actor=ticket.cast.intake, reason="标题含号码", title="噪音扰民")
    event = TimelineEvent.objects.get(ticket=ticket, action="correct")
    assert OTHER in str(event.data)
    return ticket, event


def test_a_unit_account_reads_the_numbers_in_an_events_data_masked(unit_admin_client) -> None:
    ticket, event = _corrected()
    page = unit_admin_client.get(reverse("admin:tickets_timelineevent_change", args=[event.pk])).content.decode()
    assert "139****1111" in page and OTHER not in page
    assert not AccessRecord.objects.exists()


def test_centre_staff_read_an_events_data_as_written_and_the_number_is_recorded(admin_client) -> None:
    ticket, event = _corrected()
    page = admin_client.get(reverse("admin:tickets_timelineevent_change", args=[event.pk])).content.decode()
    assert OTHER in page
    assert len(_records(AccessKind.FULL_PHONE, ticket)) == 1


def test_a_unit_account_cannot_test_whether_a_full_number_is_in_a_title(unit_admin_client) -> None:
    ticket = make_ticket(Status.DISPATCHED, title=f"噪音扰民 回电{OTHER}", description="楼下噪音扰民")
    url = reverse("admin:tickets_ticket_changelist")
    assert ticket.number not in unit_admin_client.get(url, {"q": OTHER}).content.decode()
    assert ticket.number not in unit_admin_client.get(url, {"q": f"噪音 {OTHER}"}).content.decode()
    assert ticket.number in unit_admin_client.get(url, {"q": "噪音"}).content.decode()
    assert ticket.number in unit_admin_client.get(url, {"q": ticket.number}).content.decode()


def test_centre_staff_still_find_a_number_written_in_a_title(admin_client) -> None:
    ticket = make_ticket(Status.DISPATCHED, title=f"噪音扰民 回电{OTHER}", description="楼下噪音扰民")
    page = admin_client.get(reverse("admin:tickets_ticket_changelist"), {"q": OTHER}).content.decode()
    assert ticket.number in page
