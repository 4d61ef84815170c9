"""`hotline sla-sweep --at`: an empty or out-of-range moment is a one-line error, never "now" or a traceback."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hotline.core.cli import day_option, moment_option

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("value", "message"), [
    ("", "--at 为空"), ("  ", "--at 为空"),
    ("0001-01-01T00:00", "--at：时间须在 2000 至 2100 年之间"), ("9999-12-31T23:59", "2000 至 2100"),
    ("next tuesday", "ISO 8601"),
])
def test_a_bad_moment_is_refused(value: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("sla_sweep", "--at", value, stdout=StringIO())


def test_a_naive_moment_is_the_centres_and_an_offset_is_kept(frozen_now) -> None:  # noqa: ANN001
    out = StringIO()
    call_command("sla_sweep", "--at", "2026-10-09", stdout=out)
    assert "elapsed_ms" in json.loads(out.getvalue())
    assert moment_option("--at", "2026-10-09T10:00").utcoffset().total_seconds() == 8 * 3600
    assert moment_option("--at", "2026-10-09T10:00+00:00").utcoffset().total_seconds() == 0
    assert moment_option("--at", None) is None and day_option("--since", None) is None
