"""承办单位提醒设置: each light kind has its own moment (`due_soon_since`, `overdue_since`), moved only when that kind
is widened. Widening one kind must not drop the other kind's pending alerts (docs/portal.md: after a worker outage,
the deadlines that passed meanwhile are alerted on the next run). Review s12 (rv9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hotline.notifications.choices import AlertScope
from hotline.notifications.models import UnitAlertSettings
from hotline.notifications.tests.test_unit_alert_lights import order, run_at, team  # noqa: F401
from hotline.tickets.tests.factories import Cast

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]


def test_widening_due_soon_keeps_overdue_alerts_of_an_outage(traveller: time_machine.Coordinates,
                                                              team: Cast) -> None:  # noqa: F811
    row = UnitAlertSettings.current()
    row.overdue, row.due_soon = AlertScope.ALL, AlertScope.PRESSING
    row.save()
    _ticket, lead = order(team)  # an ordinary order
    # The alerts worker is down when the deadline passes; ten minutes later the centre widens 即将超期 only.
    traveller.move_to(lead.phase_due + timedelta(minutes=10))
    row = UnitAlertSettings.objects.get(pk=row.pk)
    overdue_since = row.overdue_since
    row.due_soon = AlertScope.ALL
    row.save()
    assert (row.overdue_since, row.due_soon_since) == (overdue_since, lead.phase_due + timedelta(minutes=10))
    # The worker is back: 已超期 was on for every order all along, so this red deadline is still news.
    assert run_at(traveller, lead.phase_due + timedelta(minutes=15))["overdue"] == 2


def test_widening_overdue_keeps_due_soon_alerts_of_an_outage(traveller: time_machine.Coordinates,
                                                              team: Cast) -> None:  # noqa: F811
    row = UnitAlertSettings.current()
    row.overdue, row.due_soon = AlertScope.OFF, AlertScope.ALL
    row.save()
    _ticket, lead = order(team)
    # The deadline turns yellow while the worker is down; a minute later the centre switches 已超期 on.
    traveller.move_to(lead.phase_yellow_at + timedelta(minutes=1))
    row = UnitAlertSettings.objects.get(pk=row.pk)
    row.overdue = AlertScope.ALL
    row.save()
    assert run_at(traveller, lead.phase_yellow_at + timedelta(minutes=2))["due_soon"] == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_the_shared_moment_into_both_kinds() -> None:
    """A settings row from before 0010 keeps its moment for both kinds: no old deadline floods, none is dropped."""
    before, after = ("notifications", "0009_template_split"), ("notifications", "0010_alert_since_per_kind")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("notifications", "UnitAlertSettings")
    moment = datetime(2025, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    old.objects.create(pk=1, since=moment)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    new = executor.loader.project_state([after]).apps.get_model("notifications", "UnitAlertSettings")
    assert new.objects.values_list("due_soon_since", "overdue_since").get() == (moment, moment)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
