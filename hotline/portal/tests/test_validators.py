"""Chinese phone numbers as citizens type them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hotline.portal.validators import is_mobile, normalize_phone


@pytest.mark.parametrize(("typed", "stored"), [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("010-87654321", "010-87654321"),
    ("01087654321", "010-87654321"),
    ("0571-8765432", "0571-8765432"),
    ("057187654321", "0571-87654321"),
    ("(010)87654321", "010-87654321"),
    ("010-87654321-123", "010-87654321-123"),
])
def test_numbers_are_normalised(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345678901", "1381234567", "abc", "010-0123456", "12345"])
def test_wrong_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        normalize_phone(typed)


def test_only_mobiles_receive_sms() -> None:
    assert is_mobile("13812345678") and not is_mobile("010-87654321") and not is_mobile("")
