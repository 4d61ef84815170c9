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
