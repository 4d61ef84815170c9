"""`hotline revisits-due --at`: given empty is refused, not read as "now"."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_moment_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match="--at 为空"):
        call_command("revisits_due", "--at", value, stdout=StringIO())


def test_a_moment_it_cannot_read_names_the_option() -> None:
    with pytest.raises(CommandError, match="--at：无法识别的时间「2025-02-30」"):
        call_command("revisits_due", "--at", "2025-02-30", stdout=StringIO())
