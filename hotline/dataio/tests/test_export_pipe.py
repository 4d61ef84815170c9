"""`hotline export --output - | head -c 300`: the reader stops early; the export stops quietly, no traceback."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


class ClosedAfter(StringIO):
    """Standard output whose reader goes away after `limit` characters (like `head -c`)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.limit:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


@pytest.mark.parametrize("fmt", ["json", "open311-csv"])
def test_a_reader_that_stops_early_ends_the_export_quietly(frozen_now, fmt: str) -> None:
    for _ in range(3):
        make_ticket(Status.CLOSED, description="楼下噪音" * 40)
    out, err = ClosedAfter(300), StringIO()
    call_command("export", format=fmt, output="-", stdout=out, stderr=err)  # no BrokenPipeError
    assert 0 < len(out.getvalue()) <= 300
