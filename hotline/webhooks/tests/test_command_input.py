"""`hotline webhooks` refuses meaningless numbers with one line instead of a traceback or a silent loop."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("args", [
    ("list", "--limit", "-1"), ("list", "--limit", "0"), ("list", "--limit", "many"),
    ("deliver", "--once", "--limit", "0"),
])
def test_a_limit_below_one_is_refused(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError, match=r"--limit.*(不小于 1 的整数|应为整数)"):
        call_command("webhooks", *args, stdout=StringIO())


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_a_meaningless_interval_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match="--interval"):
        call_command("webhooks", "deliver", "--once", "--interval", value, stdout=StringIO())


def test_keyword_options_are_checked_too() -> None:
    with pytest.raises(CommandError, match="--limit"):
        call_command("webhooks", "list", limit=-1, stdout=StringIO())


def test_a_good_limit_lists() -> None:
    out = StringIO()
    call_command("webhooks", "list", "--limit", "5", stdout=out)
    assert out.getvalue() == ""
