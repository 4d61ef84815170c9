"""`hotline rollups-rebuild --since`: given empty is refused (not "rebuild everything"); years kept in range."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("value", "message"), [
    ("", "--since 为空"), ("0001-01-01", "--since：时间须在 2000 至 2100 年之间"), ("9999-12-31", "2000 至 2100"),
    ("2025-02-30", "--since：无法识别的日期"),
])
def test_a_bad_first_day_is_refused(value: str, message: str) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("rollups_rebuild", "--since", value, stdout=out)
    assert out.getvalue() == ""  # nothing was rebuilt
