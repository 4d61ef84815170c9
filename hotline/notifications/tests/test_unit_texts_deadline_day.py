"""A unit's duty phone reads a deadline at the end of a working day as 24:00 of that day."""

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.notifications.unit_texts import local

BEIJING = ZoneInfo("Asia/Shanghai")


def test_end_of_a_working_day_reads_as_24_00_of_that_day() -> None:
    assert local(datetime(2025, 11, 27, 0, 0, tzinfo=BEIJING)) == "11-26 24:00"
    assert local(datetime(2026, 1, 1, 0, 0, tzinfo=BEIJING)) == "12-31 24:00"


def test_other_moments_read_as_they_are() -> None:
    assert local(datetime(2025, 11, 27, 0, 1, tzinfo=BEIJING)) == "11-27 00:01"
    assert local(datetime(2025, 11, 26, 16, 0, tzinfo=ZoneInfo("UTC"))) == "11-26 24:00"
    assert local(datetime(2025, 11, 26, 9, 30, tzinfo=BEIJING)) == "11-26 09:30"
    assert local(None) == ""
