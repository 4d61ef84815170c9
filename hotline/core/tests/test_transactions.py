"""Units of work (`all_or_nothing`): one savepoint at most, steps without their own, undone as a whole."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from hotline.core.transactions import all_or_nothing, in_whole_unit, pipelined, step_transaction


class Refused(Exception):
    pass


def savepoints(captured: CaptureQueriesContext) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SAVEPOINT"))


@pytest.mark.django_db
def test_steps_inside_a_unit_open_no_savepoint() -> None:
    with CaptureQueriesContext(connection) as plain:  # what nested atomic blocks cost (the test itself runs in a transaction)
        with transaction.atomic(), transaction.atomic(), transaction.atomic():
            Group.objects.create(name="plain")
    with CaptureQueriesContext(connection) as unit:
        with all_or_nothing(), step_transaction(), step_transaction(), all_or_nothing():
            assert in_whole_unit()
            Group.objects.create(name="unit")
    assert savepoints(plain) == 3
    assert savepoints(unit) == 1  # the unit's own, because the test runs inside a transaction
    assert not in_whole_unit()
    assert set(Group.objects.values_list("name", flat=True)) == {"plain", "unit"}


@pytest.mark.django_db
def test_a_failed_step_undoes_the_whole_unit_and_the_outer_transaction_goes_on() -> None:
    Group.objects.create(name="before")
    with pytest.raises(Refused), all_or_nothing():
        Group.objects.create(name="registered")
        with step_transaction():
            Group.objects.create(name="decided")
            raise Refused
    assert not in_whole_unit()
    Group.objects.create(name="after")  # the caller's transaction is still usable
    assert set(Group.objects.values_list("name", flat=True)) == {"before", "after"}


@pytest.mark.django_db
def test_outside_a_unit_a_step_keeps_its_savepoint() -> None:
    with transaction.atomic():
        Group.objects.create(name="kept")
        with pytest.raises(Refused), step_transaction():
            Group.objects.create(name="undone")
            raise Refused
    assert list(Group.objects.values_list("name", flat=True)) == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_commit_callbacks_run_outside_the_unit() -> None:
    seen: list[bool] = []
    with all_or_nothing():
        Group.objects.create(name="committed")
        transaction.on_commit(lambda: seen.append(in_whole_unit()))
    assert seen == [False]  # follow-up receivers may use savepoints and catch errors as usual
    assert Group.objects.filter(name="committed").exists()


@pytest.mark.django_db
def test_a_pipelined_block_belongs_in_a_unit_and_its_errors_undo_the_unit() -> None:
    with pytest.raises(RuntimeError, match="all_or_nothing"), pipelined():
        pass  # pragma: no cover
    Group.objects.create(name="before")
    with pytest.raises(DatabaseError), all_or_nothing(), pipelined() as pipeline:
        Group.objects.create(name="inside")
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO no_such_table VALUES (1)")  # on PostgreSQL: fails at the sync
        pipeline.sync()
    assert list(Group.objects.values_list("name", flat=True)) == ["before"]
    with all_or_nothing(), pipelined() as pipeline:
        Group.objects.create(name="after")
        pipeline.sync()
    assert set(Group.objects.values_list("name", flat=True)) == {"before", "after"}
