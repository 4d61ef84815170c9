"""`core.inserts.insert_rows`: the rows the ORM would write, from a statement built once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext

from hotline.core.inserts import insert_rows
from hotline.ops.models import AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

VARYING = {"id", "number", "query_code", "updated_at"}


def _copy_of(ticket: Ticket, number: str) -> Ticket:
    copy = Ticket.objects.get(pk=ticket.pk)
    copy.pk, copy.number, copy.query_code = None, number, f"Q{number[-6:]}"
    copy._state.adding = True
    return copy


def _row(model: type, pk: int, skip: set[str]) -> dict:
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in skip}


def test_an_order_with_its_id_is_written_as_save_would_write_it(frozen_now) -> None:  # noqa: ANN001
    original = make_ticket(Status.DISPATCHED)
    by_orm, ours = _copy_of(original, "209901010000001"), _copy_of(original, "209901010000002")
    by_orm.save(force_insert=True)
    ours.pk = by_orm.pk + 1000
    ours.updated_at = None
    insert_rows(Ticket, [ours])
    assert ours.updated_at is not None  # auto_now stamped, as on save
    assert not ours._state.adding and ours._state.db == "default"
    assert _row(Ticket, ours.pk, VARYING) == _row(Ticket, by_orm.pk, VARYING)
    assert Ticket.objects.get(pk=ours.pk).number == "209901010000002"


def test_events_get_their_ids_back_and_the_rows_bulk_create_writes(frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED)
    template = list(ticket.timeline.all())[0]

    def events(first_seq: int) -> list[TimelineEvent]:
        return [TimelineEvent(ticket=ticket, seq=first_seq + i, at=template.at, actor=template.actor,
                              actor_label=template.actor_label, action=template.action, from_status="",
                              to_status=template.to_status, note=f"第{i}条", data={"n": i, "文字": "中"},
                              is_public=bool(i)) for i in range(3)]

    by_orm, ours = TimelineEvent.objects.bulk_create(events(100)), events(200)
    insert_rows(TimelineEvent, ours)
    assert all(e.pk for e in ours) and len({e.pk for e in ours}) == 3
    for a, b in zip(by_orm, ours, strict=True):
        assert _row(TimelineEvent, b.pk, {"id", "seq"}) == _row(TimelineEvent, a.pk, {"id", "seq"})
        assert TimelineEvent.objects.get(pk=b.pk).seq == b.seq


def test_the_statement_is_built_once_and_reused(frozen_now) -> None:  # noqa: ANN001
    rows = [AccessRecord(at=frozen_now, kind="full_phone", subject_type="ticket", subject=str(i), path="/x")
            for i in range(4)]
    with CaptureQueriesContext(connection) as first:
        insert_rows(AccessRecord, rows[:2])
    with CaptureQueriesContext(connection) as second:
        insert_rows(AccessRecord, rows[2:])
    assert [q["sql"].split(" VALUES")[0] for q in first.captured_queries] == \
        [q["sql"].split(" VALUES")[0] for q in second.captured_queries]
    assert AccessRecord.objects.filter(subject__in=["0", "1", "2", "3"]).count() == 4


def test_ids_on_some_objects_only_are_refused_and_expressions_go_through_the_orm(frozen_now) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="all have an id"):
        insert_rows(AccessRecord, [AccessRecord(pk=99, at=frozen_now), AccessRecord(at=frozen_now)])
    record = AccessRecord(at=frozen_now, kind="full_phone", subject_type="ticket", subject=Upper(Value("abc")))
    insert_rows(AccessRecord, [record])
    assert AccessRecord.objects.get(pk=record.pk).subject == "ABC"


def test_a_related_object_given_its_id_after_assignment_is_linked(frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED)
    template = list(ticket.timeline.all())[0]
    order = _copy_of(ticket, "209901010000003")
    event = TimelineEvent(ticket=order, seq=1, at=template.at, action=template.action, to_status=template.to_status)
    order.pk = ticket.pk + 2000  # the id is reserved after the event was made, as `register_unwritten` does
    insert_rows(Ticket, [order])
    insert_rows(TimelineEvent, [event])
    assert TimelineEvent.objects.get(pk=event.pk).ticket_id == order.pk
