"""Two things the import no longer passes over in silence: coordinates of exactly (0, 0), the placeholder of
"unknown", are left out with a warning; the source's values the order has no field for (`SourceOrder.extra`:
Baltimore/NYC zip code, NYC's notes on an open order) are kept in the register event's `data.extra`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hotline.core import clock
from hotline.dataio.formats import baltimore_parser, nyc_parser
from hotline.dataio.models import ImportWarning
from hotline.dataio.rows import COORDINATE_ZERO, SourceOrder, check
from hotline.dataio.services import import_file
from hotline.dataio.tests.test_import import BALTIMORE_HEADER, EXAMPLES, run
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket, TimelineEvent

pytestmark = pytest.mark.django_db

NYC_HEADER = ["unique_key", "created_date", "closed_date", "agency_name", "complaint_type", "descriptor", "status",
              "resolution_description", "incident_zip", "latitude", "longitude"]


def _baltimore(key: str, *, lat: str = "39.28", lon: str = "-76.63", zipcode: str = "21223.0") -> list[str]:
    return [key, "SW-Dirty Alley", "Phone", "04/16/2018 05:30:13 AM", "Closed", "04/23/2018 05:30:13 AM",
            "04/20/2018 06:25:33 AM", "Solid Waste", "12 S STOCKTON ST", "Hollins Market", lat, lon, zipcode]


def _nyc(key: str, *, closed: bool, notes: str, zipcode: str = "10001", lat: str = "40.75",
         lon: str = "-73.99") -> list[str]:
    return [key, "2023-12-10T12:00:00.000", "2023-12-11T09:00:00.000" if closed else "",
            "Department of Sanitation", "Derelict Vehicles", "Derelict Vehicles", "Closed" if closed else "Open",
            notes, zipcode, lat, lon]


def _register(external_id: str) -> TimelineEvent:
    return TimelineEvent.objects.get(ticket__imported_from__external_id=external_id, action=Action.REGISTER)


def _order(latitude: str, longitude: str) -> SourceOrder:
    return check(SourceOrder(line=2, external_id="X-1", description="路灯不亮", registered_at=clock.now(),
                             status=Status.PENDING_DISPATCH, latitude_text=latitude, longitude_text=longitude))


# --- (0, 0) ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon"), [("0", "0"), ("0.0", "-0.000000"), (" 0 ", "0E-7")])
def test_coordinates_of_exactly_zero_are_left_out_with_one_warning(lat: str, lon: str) -> None:
    order = _order(lat, lon)
    assert order.latitude is None and order.longitude is None
    [warning] = order.warnings
    assert (warning.column, warning.value, warning.template) == ("纬度, 经度", f"{lat.strip()}, {lon}", COORDINATE_ZERO)
    assert warning.reason == "经纬度为 (0, 0)，通常表示位置未知，已忽略"


@pytest.mark.parametrize(("lat", "lon"), [("0", "9.5"), ("1.25", "0"), ("0.000001", "0")])
def test_one_zero_coordinate_is_a_place_and_kept(lat: str, lon: str) -> None:
    order = _order(lat, lon)
    assert (order.latitude, order.longitude) == (Decimal(lat).quantize(Decimal("0.000001")),
                                                 Decimal(lon).quantize(Decimal("0.000001")))
    assert order.warnings == []


def test_a_zero_beside_a_bad_coordinate_is_kept_and_only_the_bad_one_warned() -> None:
    order = _order("0", "abc")
    assert order.latitude == 0 and order.longitude is None
    assert [w.column for w in order.warnings] == ["经度"]


def test_baltimore_zero_coordinates_are_not_imported_and_warned_under_their_columns(write_csv,
                                                                                     taxonomy: None) -> None:
    path = write_csv("b.csv", [BALTIMORE_HEADER, _baltimore("B-0", lat="0", lon="0"), _baltimore("B-1")])
    result = import_file(path, baltimore_parser(), source="baltimore")
    assert (result.imported, result.warned) == (2, 1)
    assert [(w.line, w.column, w.value) for w in result.warnings] == [(2, "Latitude, Longitude", "0, 0")]
    zero, placed = (Ticket.objects.get(imported_from__external_id=k) for k in ("B-0", "B-1"))
    assert zero.latitude is None and zero.longitude is None
    assert (placed.latitude, placed.longitude) == (Decimal("39.280000"), Decimal("-76.630000"))


def test_a_mapped_file_warns_about_zero_coordinates_in_the_report_and_the_run(tmp_path: Path,
                                                                              taxonomy: None) -> None:
    spec = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    spec["columns"] |= {"latitude": "纬度", "longitude": "经度"}
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    header = list(spec["columns"].values())
    cells = {"工单号": "Z-1", "标题": "路灯不亮", "诉求内容": "小区门口路灯坏了", "来电时间": "03.05.2023 23:10",
             "状态": "待派单", "来源": "电话", "纬度": "0.000", "经度": "0"}
    source = tmp_path / "r.csv"
    source.write_text(",".join(header) + "\n" + ",".join(cells.get(c, "") for c in header) + "\n", encoding="utf-8")
    lines = run(source, "mapped", "--mapping", str(mapping))
    assert lines[-2:] == ["导入 1 行，拒绝 0 行，警告 1 行", "imported=1 rejected=0 skipped=0"]
    warning = ImportWarning.objects.get()
    assert (warning.column, warning.value) == ("纬度, 经度", "0.000, 0")
    assert warning.text(translate=False) == "经纬度为 (0, 0)，通常表示位置未知，已忽略"
    ticket = Ticket.objects.get()
    assert ticket.latitude is None and ticket.longitude is None and warning.ticket == ticket


# --- SourceOrder.extra ---------------------------------------------------------------------------------------


def test_the_baltimore_zip_code_is_kept_with_the_register_event(write_csv, taxonomy: None) -> None:
    path = write_csv("b.csv", [BALTIMORE_HEADER, _baltimore("B-1"), _baltimore("B-2", zipcode="")])
    import_file(path, baltimore_parser(), source="baltimore")
    assert _register("B-1").data["extra"] == {"zipcode": "21223"}
    assert "extra" not in _register("B-2").data  # nothing given, nothing kept
    assert "21223" not in Ticket.objects.get(imported_from__external_id="B-1").address  # the address as given


def test_nyc_keeps_the_zip_code_and_the_notes_of_an_open_order(write_csv, taxonomy: None, frozen_now) -> None:  # noqa: ANN001
    path = write_csv("n.csv", [NYC_HEADER, _nyc("N-1", closed=False, notes="Inspector scheduled for next week."),
                               _nyc("N-2", closed=True, notes="The vehicle was tagged."),
                               _nyc("N-3", closed=False, notes="", zipcode="")])
    result = import_file(path, nyc_parser(), source="nyc")
    assert (result.imported, result.rejected, result.warned) == (3, 0, 0)
    assert _register("N-1").data["extra"] == {"zipcode": "10001",
                                              "status_notes": "Inspector scheduled for next week."}
    # a closed order's notes are its reply, stored as the reply: only the zip code is extra
    assert _register("N-2").data["extra"] == {"zipcode": "10001"}
    closed = Ticket.objects.get(imported_from__external_id="N-2")
    assert closed.replies.get().content == "The vehicle was tagged."
    assert "extra" not in _register("N-3").data
    assert _register("N-1").data["imported"] == "nyc" and _register("N-1").data["external_id"] == "N-1"


def test_extra_and_cut_originals_live_side_by_side(write_csv, taxonomy: None) -> None:
    row = _baltimore("B-9")
    row[8] = "长街" * 200  # an address longer than its column: cut, kept whole in data.original
    path = write_csv("b.csv", [BALTIMORE_HEADER, row])
    import_file(path, baltimore_parser(), source="baltimore")
    data = _register("B-9").data
    assert data["original"] == {"address": "长街" * 200} and data["extra"] == {"zipcode": "21223"}


def test_nyc_zero_coordinates_are_warned_too(write_csv, taxonomy: None, frozen_now) -> None:  # noqa: ANN001
    path = write_csv("n.csv", [NYC_HEADER, _nyc("N-0", closed=True, notes="Done.", lat="0", lon="0")])
    result = import_file(path, nyc_parser(), source="nyc")
    assert [(w.column, w.value) for w in result.warnings] == [("latitude, longitude", "0, 0")]
    assert Ticket.objects.get().latitude is None
