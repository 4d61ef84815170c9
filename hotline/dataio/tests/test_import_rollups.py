"""Imported orders reach the dashboards' rollups at once, with 收件量 credited to the unit they went to."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from hotline.dashboards import services as rollups
from hotline.dashboards.models import ALL_UNITS, DailyRollup, Kind
from hotline.tickets.models import Assignment

pytestmark = pytest.mark.django_db

TEDDY = ("留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间\n"
         '1,U1,噪音扰民,2019/5/1 9:00:00,楼下夜宵店噪音很大,已责令整改，夜间停止营业。,2019/5/3 10:00:00\n'
         "2,U2,道路积水,2019/5/2 9:00:00,小区门口积水,已疏通排水口。,2019/5/4 10:00:00\n"
         "6,U6,请问公积金怎么提取,2019/5/6 9:00:00,未答复的留言,,\n")


def _sum(counter: str, unit_id: int, since: date = date(2019, 5, 1), until: date = date(2019, 6, 1)) -> int:
    rows = DailyRollup.objects.filter(kind=Kind.ALL, unit_id=unit_id, day__gte=since, day__lt=until)
    return int(rows.aggregate(n=Sum(counter))["n"] or 0)


def test_an_import_refreshes_the_rollups_of_its_orders(write_csv, tmp_path: Path) -> None:
    path = write_csv("teddy.csv", raw=TEDDY)
    call_command("import", str(path), "--format", "teddy", stdout=None)
    assert _sum("created", ALL_UNITS) == 3  # 受理量 on the dashboard agrees with the orders
    assert _sum("dispatched", ALL_UNITS) == 2 and _sum("finished", ALL_UNITS) == 2
    unit_id = Assignment.objects.values_list("unit_id", flat=True).distinct().get()
    assert _sum("dispatched", unit_id) == 2  # 收件量 of the unit (data.lead on the imported dispatch)
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental  # the same as `hotline rollups-rebuild` would give
