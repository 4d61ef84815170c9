"""Exports: the Open311 CSV (public, no personal data) and the full JSON (with timelines)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.dataio.export import OPEN311_COLUMNS, write_json, write_open311_csv
from hotline.dataio.formats import nyc_parser
from hotline.dataio.services import import_file
from hotline.dataio.tests.conftest import shared_file, slice_csv
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(StringIO(text.lstrip("\ufeff"))))


def test_open311_csv_has_the_georeport_columns_and_no_personal_data(frozen_now) -> None:
    public = make_ticket(Status.CLOSED, caller_phone="13812345678", caller_name="张三",
                         description="楼下噪音，联系电话13987654321")
    make_ticket(Status.PENDING_DISPATCH, is_confidential=True, description="保密举报", caller_phone="13700000000")
    out = StringIO()
    assert write_open311_csv(out) == 1
    text = out.getvalue()
    rows = _csv(text)
    assert tuple(rows[0]) == OPEN311_COLUMNS
    row = rows[0]
    assert row["service_request_id"] == public.number and row["status"] == "closed"
    assert row["description"] == "楼下噪音，联系电话139****4321"
    assert row["agency_responsible"] == public.cast.lead.name
    assert row["requested_datetime"].startswith("2025-03-04T10:00:00")
    for secret in ("13812345678", "13987654321", "张三", "保密举报", "13700000000"):
        assert secret not in text


def test_open311_open_orders_carry_their_expected_time(frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    row = _csv(_written(write_open311_csv))[0]
    assert row["status"] == "open"
    assert row["expected_datetime"] == ticket.close_due.astimezone(frozen_now.tzinfo).isoformat(timespec="seconds")


def _written(writer, **kwargs) -> str:  # noqa: ANN001, ANN003
    out = StringIO()
    writer(out, **kwargs)
    return out.getvalue()


def test_json_export_holds_every_order_with_its_timeline(frozen_now) -> None:
    closed = make_ticket(Status.CLOSED)
    secret = make_ticket(Status.PENDING_DISPATCH, is_confidential=True, caller_phone="13700000000")
    data = json.loads(_written(write_json))
    assert data["format"] == "hotline-orders" and len(data["orders"]) == 2
    by_number = {o["number"]: o for o in data["orders"]}
    full = by_number[closed.number]
    assert [e["seq"] for e in full["timeline"]] == list(range(1, closed.version + 1))
    assert full["assignments"][0]["unit_name"] == closed.cast.lead.name
    assert len(full["replies"]) == 1 and len(full["visits"]) == 1 and full["imported"] is None
    assert by_number[secret.number]["caller_phone"] == "13700000000"  # an administrator's backup


def test_round_trip_of_imported_orders(tmp_path: Path) -> None:
    sample = tmp_path / "nyc.csv"
    slice_csv(shared_file("open311/nyc311_sample.csv"), sample, 200, step=30)
    result = import_file(sample, nyc_parser(), source="nyc")
    out = tmp_path / "open311.csv"
    call_command("export", "--format", "open311-csv", "--output", str(out), stderr=StringIO())
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == result.imported == Ticket.objects.count()
    closed = Ticket.objects.filter(status=Status.CLOSED).count()
    assert sum(r["status"] == "closed" for r in rows) == closed
    assert all(r["service_name"] and r["agency_responsible"] for r in rows)
    json_out = tmp_path / "all.json"
    call_command("export", "--format", "json", "--output", str(json_out), stderr=StringIO())
    orders = json.loads(json_out.read_text(encoding="utf-8"))["orders"]
    assert len(orders) == result.imported
    assert all(o["imported"]["source"] == "nyc" and o["timeline"][0]["data"]["imported"] == "nyc" for o in orders)
    # Re-importing the rows the export came from adds nothing.
    assert import_file(sample, nyc_parser(), source="nyc").imported == 0


def test_since_and_until_select_by_registration_day(tmp_path: Path, write_csv) -> None:
    from hotline.dataio.tests.test_import import BROKEN_TEDDY

    import_file(write_csv("t.csv", raw=BROKEN_TEDDY), __import__("hotline.dataio.formats").dataio.formats
                .teddy_parser(), source="teddy")
    out = tmp_path / "o.csv"
    call_command("export", "--format", "open311-csv", "--output", str(out), "--since", "2019-05-06",
                 stderr=StringIO())
    assert len(_csv(out.read_text(encoding="utf-8-sig"))) == 1
    call_command("export", "--format", "open311-csv", "--output", str(out), "--until", "2019-05-01",
                 stderr=StringIO())
    assert len(_csv(out.read_text(encoding="utf-8-sig"))) == 1
    with pytest.raises(CommandError):
        call_command("export", "--format", "json", "--output", str(out), "--since", "May 1st")


def test_open_data_csv_defuses_formula_cells(frozen_now) -> None:
    """Citizens type the description and the address: a cell starting like a formula is defused with a quote;
    a negative coordinate is left a number."""
    import csv
    import io

    from hotline.dataio.export import open311_lines
    from hotline.tickets.choices import Status
    from hotline.tickets.tests.factories import Cast, make_ticket

    make_ticket(Status.IN_PROGRESS, cast=Cast.build(), description='=HYPERLINK("http://evil.example/x","查看进度")',
                address="+1+cmd|' /C calc'!A0", longitude="-73.5", latitude="40.7")
    row = next(csv.DictReader(io.StringIO("".join(open311_lines()))))
    assert row["description"].startswith("'=HYPERLINK(")
    assert row["address"] == "'+1+cmd|' /C calc'!A0"
    assert row["long"] == "-73.500000" or row["long"].startswith("-73.5")


def test_open_data_csv_withholds_a_reports_words(frozen_now) -> None:
    import csv
    import io

    from hotline.dataio.export import open311_lines
    from hotline.taxonomy.choices import RequestType
    from hotline.tickets.choices import Status
    from hotline.tickets.tests.factories import Cast, make_ticket

    make_ticket(Status.IN_PROGRESS, cast=Cast.build(), request_type=RequestType.REPORT,
                description="举报幸福路12号张记餐馆使用地沟油")
    row = next(csv.DictReader(io.StringIO("".join(open311_lines()))))
    assert row["description"] == "（举报内容不公开）"


def test_open_data_csv_discloses_what_the_live_open311_interface_does(frozen_now, org) -> None:
    """The open-data file follows `open311.disclosure`: coordinates on the 0.001° grid, online requests only once
    the centre accepted them (a refused one never), a 举报 without place, unit or answer."""
    from decimal import Decimal

    from hotline.dataio.export import open311_lines
    from hotline.portal.services import submit_request, web_draft
    from hotline.taxonomy.choices import RequestType
    from hotline.tickets.choices import Channel
    from hotline.tickets.tests.factories import Cast

    cast = Cast.build()
    home = {"latitude": Decimal("39.915464"), "longitude": Decimal("116.403849")}
    call = make_ticket(Status.IN_PROGRESS, cast=cast, description="楼上漏水", address="幸福小区3栋201室", **home)
    waiting = submit_request(web_draft(request_type=RequestType.COMPLAINT, description="隔壁装修噪音扰民，我住502",
                                       address="和平里小区2栋502", name="赵敏", phone="13700001111"))
    refused = make_ticket(Status.NOT_ACCEPTED, cast=cast, channel=Channel.WEB, description="某某欠我工资不还")
    report = make_ticket(Status.AWAITING_VISIT, cast=cast, request_type=RequestType.REPORT,
                         description="举报幸福路12号张记餐馆使用地沟油", address="幸福路12号张记餐馆",
                         community=org.community_a, street=org.street_a, district=org.district, **home)
    text = "".join(open311_lines())
    rows = {row["service_request_id"]: row for row in _csv(text)}
    assert set(rows) == {call.number, report.number}
    assert waiting.number not in text and refused.number not in text and "和平里" not in text
    assert (rows[call.number]["lat"], rows[call.number]["long"]) == ("39.915", "116.404")
    assert rows[call.number]["address"] == "幸福小区3栋201室"
    withheld = rows[report.number]
    assert withheld["description"] == "（举报内容不公开）" and withheld["status_notes"] == "已答复，待回访"
    assert (withheld["address"], withheld["address_id"], withheld["lat"], withheld["long"],
            withheld["agency_responsible"]) == ("", "", "", "", "")
    assert "张记" not in text and "路灯已修复" not in text
