"""Two people take the same hot spot on at the same moment: one theme, the other is told which.

Each adoption runs in its own thread (`race`). `services.adopt` locks the orders' rows (in id order)
before it looks for a live theme, so the second waits for the first to commit and then sees its theme
(on PostgreSQL; SQLite's IMMEDIATE transactions serialise the two anyway). Without the lock, on
PostgreSQL both would see no theme and both would be adopted.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.governance import services
from hotline.governance.models import Theme
from hotline.tickets import services as tickets
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.services import dispatching
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.tickets.tests.test_concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen_now")]


def test_two_adoptions_of_the_same_orders_at_once_make_one_theme(cast: Cast) -> None:
    orders = [make_ticket(Status.DISPATCHED, cast=cast) for _ in range(4)]
    ids = [o.pk for o in orders]

    def adopt(leader: User) -> object:
        return lambda _order: services.adopt(
            actor=leader, title=f"{leader.username} 的专题", problem="p", month=date(2025, 3, 1), lead=cast.lead,
            due_date=date(2025, 5, 31), orders=list(Ticket.objects.filter(pk__in=ids)))

    outcomes = race(orders[0], {"one": adopt(UserFactory(role=Role.LEADER)),
                                "two": adopt(UserFactory(role=Role.LEADER))})
    theme = Theme.objects.get()  # exactly one
    refused = [o.error for o in outcomes if not o.won]
    assert len(refused) == 1, [(o.name, o.error) for o in outcomes]
    assert isinstance(refused[0], services.AlreadyTakenOn) and refused[0].theme.pk == theme.pk
    assert theme.orders.count() == 4


def test_two_adoptions_of_overlapping_orders_with_different_lowest_ids_make_one_theme(cast: Cast) -> None:
    """The sets share three of four orders but not their first: the shared rows still serialise them."""
    orders = [make_ticket(Status.DISPATCHED, cast=cast) for _ in range(5)]
    first, second = [o.pk for o in orders[:4]], [o.pk for o in orders[1:]]

    def adopt(leader: User, ids: list[int]) -> object:
        return lambda _order: services.adopt(
            actor=leader, title=f"{leader.username} 的专题", problem="p", month=date(2025, 3, 1), lead=cast.lead,
            due_date=date(2025, 5, 31), orders=list(Ticket.objects.filter(pk__in=ids)))

    outcomes = race(orders[0], {"one": adopt(UserFactory(role=Role.LEADER), first),
                                "two": adopt(UserFactory(role=Role.LEADER), second)})
    theme = Theme.objects.get()  # exactly one
    refused = [o.error for o in outcomes if not o.won]
    assert len(refused) == 1, [(o.name, o.error) for o in outcomes]
    assert isinstance(refused[0], services.AlreadyTakenOn) and refused[0].theme.pk == theme.pk


def test_taking_orders_on_while_one_is_merged_into_another_does_not_deadlock(cast: Cast, monkeypatch) -> None:
    """并单 locks the duplicate and its (lower) master; the theme locks both in id order: same order, no circle."""
    master, duplicate = (make_ticket(Status.PENDING_DISPATCH, cast=cast) for _ in range(2))
    assert duplicate.pk > master.pk
    merging = threading.Event()
    record = dispatching._record_merge_on_master

    def slow_record(*args: object, **kwargs: object) -> object:
        merging.set()  # the merge holds its locks now; let the adoption start and wait
        time.sleep(1.0)
        return record(*args, **kwargs)

    monkeypatch.setattr(dispatching, "_record_merge_on_master", slow_record)
    errors: dict[str, BaseException] = {}

    def merge() -> None:
        try:
            tickets.merge(Ticket.objects.get(pk=duplicate.pk), actor=cast.dispatcher,
                          master=Ticket.objects.get(pk=master.pk))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors["merge"] = exc
        finally:
            connection.close()

    def adopt() -> None:
        merging.wait(10)
        try:
            services.adopt(actor=UserFactory(role=Role.LEADER), title="物业", problem="p", month=date(2025, 3, 1),
                           lead=cast.lead, due_date=date(2025, 5, 31),
                           orders=list(Ticket.objects.filter(pk__in=[master.pk, duplicate.pk])))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors["adopt"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=merge), threading.Thread(target=adopt)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert Ticket.objects.get(pk=duplicate.pk).status == Status.MERGED and Theme.objects.count() == 1
