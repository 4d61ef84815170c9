"""直接答复率 on the dashboards is the KPI page's: by registration day, without merged and proactive orders.

Proactive orders (未诉先办) have no caller to answer; a merged order (并单) is answered through its master;
an order answered on the spot and reopened since no longer stands answered. The rollups keep the population
(`direct_base`) and the numerator (`direct_answered`) on the registration day, incrementally and on rebuild.
"""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.dashboards import selectors
from hotline.dashboards import services as rollups
from hotline.dashboards.models import ALL_UNITS, DailyRollup, Kind, RollupMark
from hotline.kpis import engine, periods
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import SHANGHAI, Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

CENTRE = selectors.Scope(None, "全市")


def _kpi_rate(year: int, month: int) -> float | None:
    """直接答复率 of the KPI page for that month, in percent (None: no population)."""
    figure = engine.figure("direct_answer", engine.context(periods.month(year, month)))
    return None if figure.value is None else round(figure.value * 100, 1)


def _dashboard(month: str) -> dict[str, Any]:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    return client.get(reverse("dashboard-data"), {"month": month}).json()["kpis"]


def _cells(counter: str) -> dict[tuple[str, int, date, str], int]:
    """The non-zero cells of one counter."""
    return {k[:4]: v for k, v in rollups.snapshot()["rollups"].items() if k[4] == counter}


@pytest.fixture
def march(cast: Cast, frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> dict[str, Ticket]:
    """Six citizens' orders (three answered on the spot, one of them reopened since, one merged into another)
    and two proactive orders, all registered on 4 March; every step's signal delivered on its commit."""
    with django_capture_on_commit_callbacks(execute=True):
        made = {
            "answered": make_ticket(Status.ANSWERED, cast=cast, channel=Channel.PHONE),
            "answered_too": make_ticket(Status.ANSWERED, cast=cast, channel=Channel.WECHAT),
            "reopened": make_ticket(Status.ANSWERED, cast=cast, channel=Channel.PHONE),
            "closed": make_ticket(Status.CLOSED, cast=cast, channel=Channel.PHONE),
            "master": make_ticket(Status.DISPATCHED, cast=cast, channel=Channel.PHONE),
            "duplicate": make_ticket(Status.PENDING_DISPATCH, cast=cast, channel=Channel.PHONE),
            "found": make_ticket(Status.PENDING_DISPATCH, cast=cast, channel=Channel.PROACTIVE),
            "checked": make_ticket(Status.CLOSED, cast=cast, channel=Channel.PROACTIVE),
        }
    # Later steps, each counted by its own signal: they take the orders back off their registration day.
    with django_capture_on_commit_callbacks(execute=True):
        services.merge(made["duplicate"], actor=cast.dispatcher, master=made["master"])
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen(made["reopened"], actor=cast.supervisor, reason="群众再次来电，问题未解决")
    for t in made.values():
        t.refresh_from_db()
    return made


def test_the_dashboard_and_the_kpi_page_agree_on_the_month(march: dict[str, Ticket]) -> None:
    assert march["duplicate"].status == Status.MERGED and march["reopened"].status == Status.PENDING_DISPATCH
    k = _dashboard("2025-03")
    # 2 of the 5 citizens' orders not merged: not 3 direct answers of 8 registered orders.
    assert (k["direct_base"], k["direct_answered"]) == (5, 2)
    assert k["direct_rate"] == 40.0 == _kpi_rate(2025, 3)
    assert (k["created"], k["answered"], k["volume"]) == (8, 3, 8)  # 受理量 and the flow of direct answers stay


def test_incremental_rebuild_and_replay_agree(march: dict[str, Ticket]) -> None:
    incremental = rollups.snapshot()
    day = date(2025, 3, 4)
    assert _cells("direct_base")[(Kind.ALL, ALL_UNITS, day, "")] == 5
    assert _cells("direct_base")[(Kind.CHANNEL, ALL_UNITS, day, Channel.PHONE)] == 4
    assert (Kind.CHANNEL, ALL_UNITS, day, Channel.PROACTIVE) not in _cells("direct_base")
    assert not any(unit != ALL_UNITS for _kind, unit, _day, _key in _cells("direct_base"))  # the centre's figure
    marks = dict(RollupMark.objects.values_list("ticket_id", "proactive"))
    assert marks[march["found"].pk] is True and marks[march["answered"].pk] is False
    for t in march.values():  # every signal delivered again, the last step's and the registration's
        event = t.timeline.order_by("-seq").first()
        for e in (event, t.timeline.get(seq=1)):
            ticket_changed.send(sender=Ticket, ticket_id=t.pk, event_id=e.pk, action=e.action,
                                from_status=e.from_status, to_status=e.to_status)
        assert rollups.refresh_ticket(t.pk) is False
    assert rollups.snapshot() == incremental
    rollups.rebuild()
    assert rollups.snapshot() == incremental
    call_command("rollups_rebuild", "--since", "2025-03-04")
    assert rollups.snapshot() == incremental
    assert _dashboard("2025-03")["direct_rate"] == 40.0


def test_a_direct_answer_counts_on_the_registration_day(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    """Registered on 31 March, answered on 1 April: in March's 直接答复率, as on the KPI page."""
    with django_capture_on_commit_callbacks(execute=True):
        late = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=datetime(2025, 3, 31, 23, 50, tzinfo=SHANGHAI))
    with clock.frozen(datetime(2025, 4, 1, 0, 10, tzinfo=SHANGHAI)), django_capture_on_commit_callbacks(execute=True):
        services.answer_directly(late, actor=cast.intake, answer="办理地点在区政务服务中心一楼")
    scope_march, scope_april = selectors.month_bounds(date(2025, 3, 1)), selectors.month_bounds(date(2025, 4, 1))
    assert selectors.kpis(CENTRE, *scope_march)["direct_rate"] == 100.0 == _kpi_rate(2025, 3)
    assert selectors.kpis(CENTRE, *scope_april)["direct_rate"] is None is _kpi_rate(2025, 4)
    assert selectors.kpis(CENTRE, *scope_april)["answered"] == 1  # the flow: the step, on its day


def test_an_order_counted_before_the_upgrade_heals_on_its_next_step(
        cast: Cast, frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> None:
    """A mark from before the 直接答复率 counters (`proactive` None) holds none of them: nothing goes negative."""
    with django_capture_on_commit_callbacks(execute=True):
        master = make_ticket(Status.DISPATCHED, cast=cast)
        duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
        waiting = make_ticket(Status.PENDING_DISPATCH, cast=cast)
        make_ticket(Status.IN_PROGRESS, cast=cast)  # no step after the upgrade
    # What the migration leaves: old marks without the flag, old rows without the new counters.
    RollupMark.objects.update(proactive=None)
    DailyRollup.objects.update(direct_base=0, direct_answered=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.merge(duplicate, actor=cast.dispatcher, master=master)
        services.answer_directly(waiting, actor=cast.intake, answer="办理地点在区政务服务中心一楼")
    assert min(_cells("direct_base").values(), default=0) >= 0
    k = selectors.kpis(CENTRE, *selectors.month_bounds(date(2025, 3, 1)))
    # The orders that took a step are counted afresh (the master took one: the merge); the merged one is not.
    assert (k["direct_base"], k["direct_answered"]) == (2, 1)
    assert sorted(RollupMark.objects.values_list("proactive", flat=True), key=str) == [False, False, False, None]
    with pytest.raises(rollups.RebuildRefused):  # a partial rebuild would leave old days without the counters
        rollups.rebuild(since=date(2025, 3, 4))
    rollups.rebuild()  # `hotline rollups-rebuild` after upgrading counts every order
    rollups.rebuild(since=date(2025, 3, 4))  # and a partial one is fine from then on
    k = selectors.kpis(CENTRE, *selectors.month_bounds(date(2025, 3, 1)))
    assert (k["direct_base"], k["direct_answered"]) == (3, 1) and k["direct_rate"] == _kpi_rate(2025, 3) == 33.3


def test_the_command_refuses_a_partial_rebuild_before_the_first_full_one(cast: Cast, frozen_now: datetime) -> None:
    make_ticket(Status.DISPATCHED, cast=cast)
    rollups.rebuild()
    RollupMark.objects.update(proactive=None)  # as the upgrade leaves them
    with pytest.raises(CommandError, match="without --since"):
        call_command("rollups_rebuild", since="2025-03-01", stdout=StringIO())
    call_command("rollups_rebuild", stdout=StringIO())
    call_command("rollups_rebuild", since="2025-03-01", stdout=StringIO())
