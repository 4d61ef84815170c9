"""Imported history in the duplicate index: a caller who called the old system last week is a repeat caller
today, and a place's imported orders count among its callers; history itself gets no links or alerts."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.dataio.models import ImportedRecord
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage import services
from hotline.triage.models import Alert, DuplicateKey, RepeatLink

pytestmark = pytest.mark.django_db

NOISE = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
NOISE_AGAIN = "又是向阳小区3栋楼下烧烤摊，晚上营业到凌晨两点，噪音油烟扰民，之前反映过还是没人管。"
EXAMPLES = Path(__file__).resolve().parents[2] / "dataio" / "examples"


@pytest.fixture
def taxonomy(db: None) -> None:
    from hotline.taxonomy.services import load_taxonomy

    load_taxonomy()


def _history(cast: Cast, days_ago: int, phone: str = "13800138000") -> Ticket:
    """An order written as history: imported, registered in the past, never through triage (no index row)."""
    ticket = make_ticket(Status.CLOSED, cast=cast, at=NOW - timedelta(days=days_ago), description=NOISE,
                         caller_phone=phone)
    DuplicateKey.objects.filter(ticket=ticket).delete()
    ImportedRecord.objects.create(source="old-system", external_id=f"H-{ticket.pk}", ticket=ticket, line=2)
    return ticket


def test_an_indexed_history_order_makes_todays_call_a_repeat(frozen_now: object, org: object) -> None:
    cast = Cast.build(lead=org.street_a)
    old = _history(cast, 5)
    assert services.index_history() == 1
    assert services.index_history() == 0  # what is indexed stays as it is
    assert not RepeatLink.objects.exists() and not Alert.objects.exists()  # history is not news
    today = make_ticket(Status.REGISTERED, cast=cast, at=NOW, description=NOISE_AGAIN, caller_phone="13800138000")
    services.detect(today)
    assert [link.earlier for link in RepeatLink.objects.filter(ticket=today)] == [old]


def test_history_beyond_the_windows_reach_is_left_out_by_default(frozen_now: object, org: object) -> None:
    cast = Cast.build(lead=org.street_a)
    recent, old = _history(cast, 29), _history(cast, 45, phone="13900000001")
    assert services.history_window() == NOW - timedelta(days=30)
    assert services.index_history(since=services.history_window()) == 1
    assert list(DuplicateKey.objects.values_list("ticket_id", flat=True)) == [recent.pk]
    assert services.index_history([old.pk]) == 1  # named orders, however old


def test_the_command_catches_up_and_says_how_many(frozen_now: object, org: object) -> None:
    cast = Cast.build(lead=org.street_a)
    _history(cast, 3)
    _history(cast, 100, phone="13900000001")
    out = StringIO()
    call_command("triage_index", stdout=out)
    assert out.getvalue().startswith("indexed 1 imported order(s) missing from the duplicate index (orders registered since")
    out = StringIO()
    call_command("triage_index", "--all", stdout=out)
    assert out.getvalue().strip() == "indexed 1 imported order(s) missing from the duplicate index (every order)"
    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("triage_index", "--days", "0")
    with pytest.raises(CommandError, match="either --days or --all"):
        call_command("triage_index", "--days", "3", "--all")


def test_an_import_indexes_its_recent_orders(frozen_now: object, tmp_path: Path, taxonomy: None) -> None:
    header = "工单号,标题,诉求内容,来电时间,状态,类别,承办单位,答复内容,答复时间,办结时间,地址,来电人,电话,来源\n"
    recent = (NOW - timedelta(days=4)).strftime("%d.%m.%Y %H:%M")
    source = tmp_path / "history.csv"
    source.write_text(header
                      + f"H-1,烧烤噪音,{NOISE},{recent},待派单,噪音,,,,,向阳小区3栋,王先生,13800138000,电话\n"
                      + f"H-2,烧烤噪音,{NOISE},03.05.2023 23:10,待派单,噪音,,,,,向阳小区3栋,李女士,13900000001,电话\n",
                      encoding="utf-8")
    mapping = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    (tmp_path / "m.json").write_text(json.dumps(mapping), encoding="utf-8")
    call_command("import", str(source), "--format", "mapped", "--mapping", str(tmp_path / "m.json"),
                 stdout=StringIO())
    indexed = DuplicateKey.objects.get()
    assert indexed.ticket.imported_from.external_id == "H-1"
    assert indexed.phone == services.key_for(indexed.ticket).phone != ""
    assert not RepeatLink.objects.exists() and not Alert.objects.exists()


def test_a_live_order_waiting_for_its_triage_is_left_to_it(frozen_now: object, org: object) -> None:
    """The catch-up never indexes a live order: its row is what tells `on_registered` that triage ran, so a
    late (repaired) triage would be skipped and its repeat never linked."""
    cast = Cast.build(lead=org.street_a)
    earlier = make_ticket(Status.CLOSED, cast=cast, at=NOW - timedelta(days=5), description=NOISE,
                          caller_phone="13800138000")
    services.detect(earlier)
    today = make_ticket(Status.REGISTERED, cast=cast, at=NOW, description=NOISE_AGAIN, caller_phone="13800138000")
    call_command("triage_index", "--all", stdout=StringIO())
    assert not DuplicateKey.objects.filter(ticket=today).exists()
    services.on_registered(today.pk)  # the repair delivers the registration again
    assert [link.earlier for link in RepeatLink.objects.filter(ticket=today)] == [earlier]
