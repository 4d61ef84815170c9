"""The per-task memo: one read per scope, every read outside one."""

from __future__ import annotations

import pytest

from hotline.core import memo


def test_once_reads_once_per_scope_and_every_time_outside() -> None:
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert memo.once("k", read) == 1 and memo.once("k", read) == 2  # no scope: every call reads
    with memo.scope():
        assert memo.once("k", read) == 3
        with memo.scope():  # nested: the outer scope's values
            assert memo.once("k", read) == 3
        assert memo.once("k", read) == 3 and memo.once("other", read) == 4
    assert memo.once("k", read) == 5


@pytest.mark.django_db
def test_a_follow_up_task_reads_the_settings_rows_once(django_assert_num_queries) -> None:  # noqa: ANN001
    from hotline.routing.models import DispatchSettings
    from hotline.triage.models import TriageSettings

    DispatchSettings.current(), TriageSettings.current()  # create the rows
    with memo.scope():
        with django_assert_num_queries(2):
            first = (DispatchSettings.current(), TriageSettings.current())
        with django_assert_num_queries(0):
            assert (DispatchSettings.current(), TriageSettings.current()) == first
    DispatchSettings.objects.filter(pk=1).update(auto_dispatch=not first[0].auto_dispatch)
    assert DispatchSettings.current().auto_dispatch != first[0].auto_dispatch  # outside a scope: read anew


def test_a_worker_scope_reuses_what_earlier_ones_read_within_keep_for(monkeypatch) -> None:  # noqa: ANN001
    reads: list[int] = []
    clock = [100.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    memo.forget()

    def read() -> int:
        reads.append(1)
        return len(reads)

    with memo.scope(keep_for=2.0):
        assert memo.once("k", read) == 1
    clock[0] += 1.5
    with memo.scope(keep_for=2.0):
        assert memo.once("k", read) == 1  # read 1.5 s ago by the previous task: reused
        assert memo.once("new", read) == 2
    with memo.scope():
        assert memo.once("k", read) == 3  # a request's or an inline follow-up's scope keeps nothing
    clock[0] += 1.0
    with memo.scope(keep_for=2.0):
        assert memo.once("k", read) == 4  # 2.5 s old: read again
        assert memo.once("new", read) == 2  # 1.0 s old
    memo.forget()


@pytest.mark.django_db
def test_follow_up_tasks_in_a_worker_share_the_settings_reads_between_them() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.tasks.tasks import after_steps
    from hotline.tickets.choices import Status
    from hotline.tickets.tests.factories import make_ticket

    memo.forget()
    steps = []
    for _ in range(3):
        ticket = make_ticket(Status.REGISTERED)
        event = ticket.timeline.get()
        steps.append({"ticket_id": ticket.pk, "event_id": event.pk, "action": event.action, "from_status": "",
                      "to_status": event.to_status})

    def queries(step: dict, *, in_worker: bool) -> list[str]:
        after_steps.push_request(is_eager=not in_worker, called_directly=False)
        try:
            with CaptureQueriesContext(connection) as captured:
                after_steps.run([step])
        finally:
            after_steps.pop_request()
        return [q["sql"] for q in captured.captured_queries]

    queries(steps[0], in_worker=True)  # the first task of the process reads (and creates) everything
    inline, worker = queries(steps[1], in_worker=False), queries(steps[2], in_worker=True)
    def configuration(sql: str) -> bool:
        return any(part in sql for part in ("settings", "COUNT(", "webhooks_subscription", "interop_partner",
                                            "incidents_incident"))  # the published incidents (突发事件)

    settings_reads = [sql for sql in inline if configuration(sql)]
    assert len(settings_reads) >= 6  # settings rows, "has it changed?" stamps, integrations: read anew inline
    assert not [sql for sql in worker if configuration(sql)]
    assert len(worker) == len(inline) - len(settings_reads)
    memo.forget()
