"""`hotline outbox -n`: a negative count is refused, not read as "nothing"."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.parametrize("value", ["-1", "abc"])
def test_a_count_that_is_not_a_whole_number_from_zero_is_refused(_outbox: Path, value: str) -> None:  # noqa: PT019
    with pytest.raises(CommandError, match="-n/--lines"):
        call_command("outbox", "-n", value, stdout=io.StringIO())


def test_a_negative_keyword_count_is_refused_too(_outbox: Path) -> None:  # noqa: PT019
    with pytest.raises(CommandError, match="-n/--lines"):
        call_command("outbox", lines=-1, stdout=io.StringIO())
