"""Every view of a full phone number or of a confidential order is recorded, append-only."""

from __future__ import annotations

import logging

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.core.privacy import phone_for
from hotline.ops.models import AccessKind, AccessRecord, AppendOnlyError
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13812341234"


def test_centre_staff_opening_an_order_is_recorded_with_who_what_when_ip_and_request_id(frozen_now, client) -> None:
    ticket = make_ticket(Status.DISPATCHED, caller_phone=PHONE)
    dispatcher = ticket.cast.dispatcher
    client.force_login(dispatcher)
    response = client.get(reverse("order-detail", args=[ticket.number]), REMOTE_ADDR="10.1.2.3",
                          HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    record = AccessRecord.objects.get()
    assert (record.kind, record.subject_type, record.subject) == (AccessKind.FULL_PHONE, "ticket", ticket.number)
    assert (record.user_id, record.username) == (dispatcher.pk, dispatcher.username)
    assert (record.ip, record.request_id, record.at) == ("10.1.2.3", "req-0123456789", frozen_now)
    assert record.path == reverse("order-detail", args=[ticket.number])


def test_a_confidential_order_records_the_opening_as_well(client) -> None:
    ticket = make_ticket(Status.REGISTERED, caller_phone=PHONE, is_confidential=True)
    client.force_login(ticket.cast.intake)
    assert client.get(reverse("order-detail", args=[ticket.number])).status_code == 200
    kinds = sorted(AccessRecord.objects.values_list("kind", flat=True))
    assert kinds == [AccessKind.CONFIDENTIAL, AccessKind.FULL_PHONE]


def test_a_unit_handler_sees_a_masked_number_and_nothing_is_recorded(client) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, caller_phone=PHONE)
    client.force_login(ticket.cast.lead_handler)
    page = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert PHONE not in page and "138****1234" in page
    assert not AccessRecord.objects.exists()


def test_a_queue_records_each_full_number_shown(client) -> None:
    cast = Cast.build()
    tickets = [make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=f"1390000000{i}") for i in range(3)]
    client.force_login(UserFactory(role=Role.INSPECTOR))
    page = client.get(reverse("queue-visits")).content.decode()
    assert "13900000001" in page
    assert set(AccessRecord.objects.values_list("subject", flat=True)) == {t.number for t in tickets}


def test_reading_a_confidential_order_through_the_api_is_recorded() -> None:
    from hotline.api.serialize import order_detail
    from hotline.ops import access, context

    ticket = make_ticket(Status.REGISTERED, caller_phone=PHONE, is_confidential=True)
    ctx = context.RequestContext(request_id="api-request-1", ip="10.0.0.9", path="/api/v1/orders/x")
    token = context.activate(ctx)
    try:
        order_detail(ticket, ticket.cast.dispatcher)
        assert access.flush(ctx) == 2
    finally:
        context.deactivate(token)
    assert set(AccessRecord.objects.values_list("kind", "request_id")) == {
        (AccessKind.CONFIDENTIAL, "api-request-1"), (AccessKind.FULL_PHONE, "api-request-1")}


def test_outside_a_request_only_the_log_line_is_written(caplog) -> None:
    ticket = make_ticket(Status.REGISTERED, caller_phone=PHONE)
    with caplog.at_level(logging.INFO, logger="hotline.audit"):
        assert phone_for(ticket, ticket.cast.dispatcher) == PHONE
    assert not AccessRecord.objects.exists()
    assert any(r.audit["subject"] == ticket.number for r in caplog.records)


def test_each_recorded_view_is_also_a_json_log_line(client, caplog) -> None:
    ticket = make_ticket(Status.REGISTERED, caller_phone=PHONE)
    client.force_login(ticket.cast.intake)
    with caplog.at_level(logging.INFO, logger="hotline.audit"):
        response = client.get(reverse("order-detail", args=[ticket.number]))
    line = next(r for r in caplog.records if r.name == "hotline.audit")
    assert line.audit["kind"] == AccessKind.FULL_PHONE
    assert line.request_id == response["X-Request-ID"]


def test_records_are_append_only() -> None:
    from hotline.core import clock

    record = AccessRecord.objects.create(at=clock.now(), kind=AccessKind.FULL_PHONE, subject_type="ticket",
                                         subject="X1", user_id=1, username="a")
    record.subject = "X2"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).update(subject="X3")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:  # the trigger
        cursor.execute("UPDATE ops_accessrecord SET subject = 'X4'")
    assert AccessRecord.objects.get().subject == "X1"


def test_a_streamed_csv_export_records_every_full_number_it_sends(client) -> None:
    cast = Cast.build()
    tickets = [make_ticket(Status.REGISTERED, cast=cast, caller_phone=f"1370000000{i}") for i in range(3)]
    client.force_login(cast.dispatcher)
    response = client.get(reverse("orders-export-csv"), HTTP_X_REQUEST_ID="export-000000001")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "13700000001" in body
    records = AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE)
    assert set(records.values_list("subject", flat=True)) == {t.number for t in tickets}
    assert set(records.values_list("request_id", flat=True)) == {"export-000000001"}


def test_the_records_are_written_as_the_orm_would_write_them() -> None:
    from hotline.ops import access, context

    ctx = context.RequestContext(request_id="r-9", ip="2001:db8::1", path="/api/v1/orders")
    ctx.pending = [{"kind": AccessKind.FULL_PHONE, "subject_type": "ticket", "subject": f"20250304000000{i}",
                    "user_id": 7, "username": "坐席七"} for i in range(3)]
    assert access.flush(ctx) == 3 and ctx.pending == []
    rows = list(AccessRecord.objects.order_by("subject").values("kind", "subject", "user_id", "username", "ip",
                                                                 "request_id", "path", "at"))
    assert [r["subject"] for r in rows] == [f"20250304000000{i}" for i in range(3)]
    assert {(r["ip"], r["request_id"], r["path"], r["username"], r["user_id"]) for r in rows} == {
        ("2001:db8::1", "r-9", "/api/v1/orders", "坐席七", 7)}
    assert all(r["at"] is not None and r["at"].tzinfo is not None for r in rows)
    assert access.flush(ctx) == 0  # nothing pending: no statement


def test_the_admins_order_page_masks_the_number_and_records_a_confidential_order(client) -> None:
    ticket = make_ticket(Status.REGISTERED, caller_phone=PHONE, is_confidential=True)
    admin_user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert PHONE not in page.content.decode() and "138****1234" in page.content.decode()
    assert list(AccessRecord.objects.values_list("kind", flat=True)) == [AccessKind.CONFIDENTIAL]


def test_the_full_json_export_records_every_number_and_confidential_order_it_gives(client, frozen_now) -> None:
    public = make_ticket(Status.REGISTERED, caller_phone=PHONE)
    secret = make_ticket(Status.REGISTERED, caller_phone="13900001111", is_confidential=True)
    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.get("/data/export/", {"format": "json", "since": "2000-01-01"})
    body = b"".join(response.streaming_content).decode()
    assert PHONE in body and "13900001111" in body
    records = set(AccessRecord.objects.values_list("kind", "subject"))
    assert records == {(AccessKind.FULL_PHONE, public.number), (AccessKind.FULL_PHONE, secret.number),
                       (AccessKind.CONFIDENTIAL, secret.number)}


def test_reading_a_confidential_orders_timeline_or_visits_over_the_api_is_recorded(client) -> None:
    ticket = make_ticket(Status.REGISTERED, caller_phone=PHONE, is_confidential=True)
    client.force_login(ticket.cast.intake)
    for path in ("timeline", "return-visits"):
        assert client.get(f"/api/v1/orders/{ticket.number}/{path}").status_code == 200
    assert AccessRecord.objects.filter(kind=AccessKind.CONFIDENTIAL, subject=ticket.number).count() == 2


def test_an_export_sized_request_writes_every_view_once() -> None:
    """30,000 views (past SQLite's 250,000 variables in one INSERT), each seen twice: 30,000 records."""
    from hotline.ops import access, context

    ctx = context.RequestContext(request_id="r-big", ip="127.0.0.1", path="/orders/export.csv")
    token = context._current.set(ctx)
    try:
        for _ in range(2):
            for i in range(30_000):
                access.phone_shown(type("T", (), {"number": f"2025{i:010d}"})(), None, "13800000000")
    finally:
        context._current.reset(token)
    assert len(ctx.pending) == 30_000
    assert access.flush(ctx) == 30_000
    assert AccessRecord.objects.filter(request_id="r-big").count() == 30_000
    assert ctx.pending == [] and not ctx.pending_keys
