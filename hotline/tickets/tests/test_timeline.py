"""The timeline (流转记录) is append-only: no path through the model, the queryset, raw SQL or the admin edits it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket, TimelineEvent, TimelineIsAppendOnly
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def order(db: None) -> Ticket:
    return make_ticket(Status.IN_PROGRESS)


def events_as_stored(order: Ticket) -> list[tuple]:
    return list(TimelineEvent.objects.filter(ticket=order).order_by("seq").values_list(
        "id", "seq", "at", "actor_id", "action", "from_status", "to_status", "note", "data"))


# --- Through the model and the queryset --------------------------------------------------------------------------


def test_saving_an_existing_event_is_refused(order: Ticket) -> None:
    before = events_as_stored(order)
    event = order.timeline.last()
    event.note = "改写历史"
    with pytest.raises(TimelineIsAppendOnly):
        event.save()
    with pytest.raises(TimelineIsAppendOnly):
        event.save(update_fields=["note"])
    assert events_as_stored(order) == before


def test_a_new_instance_carrying_an_existing_pk_cannot_overwrite(order: Ticket) -> None:
    before = events_as_stored(order)
    old = order.timeline.first()
    forged = TimelineEvent(pk=old.pk, ticket=order, seq=old.seq, at=old.at, actor_label="x",
                           action=Action.SIGN, to_status=Status.CLOSED)
    with pytest.raises(TimelineIsAppendOnly):
        forged.save()
    assert events_as_stored(order) == before


def test_deleting_an_event_is_refused(order: Ticket) -> None:
    before = events_as_stored(order)
    with pytest.raises(TimelineIsAppendOnly):
        order.timeline.last().delete()
    assert events_as_stored(order) == before


@pytest.mark.parametrize("how", ["update", "delete", "bulk_update", "related update", "related delete"])
def test_queryset_writes_are_refused(order: Ticket, how: str) -> None:
    before = events_as_stored(order)
    events = list(TimelineEvent.objects.filter(ticket=order))
    for e in events:
        e.note = "x"
    attempts = {
        "update": lambda: TimelineEvent.objects.filter(ticket=order).update(note="x"),
        "delete": lambda: TimelineEvent.objects.filter(ticket=order).delete(),
        "bulk_update": lambda: TimelineEvent.objects.bulk_update(events, ["note"]),
        "related update": lambda: order.timeline.update(note="x"),
        "related delete": lambda: order.timeline.all().delete(),
    }
    with pytest.raises(TimelineIsAppendOnly), transaction.atomic():  # bulk_update breaks the transaction
        attempts[how]()
    assert events_as_stored(order) == before


@pytest.mark.parametrize("how", ["update", "delete"])
def test_the_base_manager_is_stopped_by_the_database(order: Ticket, how: str) -> None:
    """Django's `_base_manager` bypasses the custom queryset; the database trigger still refuses."""
    before = events_as_stored(order)
    qs = TimelineEvent._base_manager.filter(ticket=order)
    with pytest.raises(DatabaseError), transaction.atomic():
        qs.update(note="x") if how == "update" else qs.delete()
    assert events_as_stored(order) == before


def test_an_order_with_a_timeline_cannot_be_deleted(order: Ticket) -> None:
    with pytest.raises(ProtectedError), transaction.atomic():
        order.delete()
    assert Ticket.objects.filter(pk=order.pk).exists() and order.timeline.count() == order.version


# --- Raw SQL ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE tickets_timelineevent SET note = 'x' WHERE ticket_id = %s",
        "UPDATE tickets_timelineevent SET to_status = 'closed' WHERE ticket_id = %s",
        "DELETE FROM tickets_timelineevent WHERE ticket_id = %s",
    ],
)
def test_raw_sql_is_stopped_by_the_database(order: Ticket, sql: str) -> None:
    before = events_as_stored(order)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [order.pk])
    assert events_as_stored(order) == before


def test_appending_still_works(order: Ticket) -> None:
    """The triggers guard UPDATE and DELETE only: the services keep appending."""
    from hotline.tickets import services

    version = order.version
    services.request_info(order, actor=order.cast.lead_handler, question="请补充")
    assert order.timeline.count() == version + 1


# --- The admin ----------------------------------------------------------------------------------------------------


def test_admin_offers_no_add_change_or_delete(order: Ticket) -> None:
    model_admin = admin.site._registry.get(TimelineEvent)
    if model_admin is None:
        pytest.skip("hotline/tickets/admin.py does not register TimelineEvent")
    request = RequestFactory().get("/admin/tickets/timelineevent/")
    request.user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    event = order.timeline.first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert "delete_selected" not in model_admin.get_actions(request)
    assert set(model_admin.get_readonly_fields(request, event)) >= {
        f.name for f in TimelineEvent._meta.fields if f.editable and not f.primary_key}


def test_admin_pages_do_not_change_an_event(order: Ticket, client: object) -> None:
    if TimelineEvent not in admin.site._registry:
        pytest.skip("hotline/tickets/admin.py does not register TimelineEvent")
    superuser = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    event = order.timeline.first()
    before = events_as_stored(order)
    base = f"/admin/tickets/timelineevent/{event.pk}"
    response = client.post(f"{base}/change/", {"note": "改写", "to_status": Status.CLOSED})
    assert response.status_code == 403
    response = client.post(f"{base}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = client.post("/admin/tickets/timelineevent/",
                           {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert events_as_stored(order) == before
    # the inline on the order's page is read-only too
    inlines = [i for i in admin.site._registry[Ticket].get_inline_instances(_admin_request(superuser))
               if i.model is TimelineEvent]
    for i in inlines:  # if the order's page shows the timeline inline, it is read-only too
        assert not i.has_add_permission(_admin_request(superuser), order)
        assert not i.has_change_permission(_admin_request(superuser), order)
        assert not i.has_delete_permission(_admin_request(superuser), order)


def _admin_request(user: object) -> object:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# --- Stored texts stay in Chinese --------------------------------------------------------------------------------


def test_actor_label_is_stored_in_chinese_whatever_the_actors_ui_language(db: None) -> None:
    order = make_ticket(Status.DISPATCHED)
    handler = order.cast.lead_handler
    with translation.override("en"):
        services.sign(order, actor=handler, unit=order.cast.lead)
    assert order.timeline.last().actor_label == f"{handler} (承办人)"


def test_the_registration_note_names_the_channel_in_chinese_whatever_the_agents_ui_language(db: None) -> None:
    cast = Cast.build()
    with translation.override("en"):
        ticket = services.register(services.TicketDraft(request_type="complaint", title="", description="路灯不亮",
                                                        caller_phone="13800001111", channel="phone"),
                                   actor=cast.intake)
    assert ticket.timeline.get().note == "渠道：电话"
