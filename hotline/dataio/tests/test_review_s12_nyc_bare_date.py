"""NYC 311: a bare resolution date on the creation day is the whole day (docs/import-export.md), not a reply
before creation; one on an earlier day still is."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.dataio.formats import nyc_parser
from hotline.dataio.readers import RawRow
from hotline.dataio.rows import DATE_ONLY_AT_REGISTER, REPLY_BEFORE_REGISTER

NY = ZoneInfo("America/New_York")


def _row(closed: str, action: str) -> RawRow:
    return RawRow(line=2, cells={
        "unique_key": "60000001", "complaint_type": "Noise", "descriptor": "Loud Music", "status": "Closed",
        "agency": "NYPD", "agency_name": "New York City Police Department",
        "created_date": "11/01/2026 10:00:00 AM", "closed_date": closed,
        "resolution_action_updated_date": action,
        "resolution_description": "The Police Department responded and took action.",
    })


def test_nyc_bare_action_date_on_creation_day_is_not_a_reply_before_creation() -> None:
    order = nyc_parser()(_row("11/01/2026", "11/01/2026"))
    templates = [w.template for w in order.warnings]
    assert REPLY_BEFORE_REGISTER not in templates
    assert order.replied_at == order.closed_at == datetime(2026, 11, 1, 10, tzinfo=NY)
    assert templates == [DATE_ONLY_AT_REGISTER]


def test_nyc_bare_action_date_on_creation_day_with_a_later_close() -> None:
    order = nyc_parser()(_row("11/02/2026 09:00:00 AM", "11/01/2026"))
    assert [w.template for w in order.warnings] == [DATE_ONLY_AT_REGISTER]
    assert order.replied_at == datetime(2026, 11, 1, 10, tzinfo=NY)
    assert order.closed_at == datetime(2026, 11, 2, 9, tzinfo=NY)


def test_nyc_bare_action_date_on_an_earlier_day_is_still_a_reply_before_creation() -> None:
    order = nyc_parser()(_row("11/02/2026 09:00:00 AM", "10/31/2026"))
    assert [w.template for w in order.warnings] == [REPLY_BEFORE_REGISTER]
    assert order.replied_at == order.closed_at == datetime(2026, 11, 2, 9, tzinfo=NY)
