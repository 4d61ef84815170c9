"""The caller key of a local landline: written without its area code it is the centre's own (HOTLINE_AREA_CODE)."""

from __future__ import annotations

import pytest

from hotline.intelligence.duplicates import phone_key


@pytest.mark.parametrize(("local", "full"), [
    ("84567890", "0731-84567890"),
    ("8456 7890", "(0731) 8456 7890"),
    ("8456789", "0731-8456789"),  # 7 digits
    ("84567890", "+86 731 8456 7890"),
])
def test_a_local_number_gets_the_area_code(local: str, full: str) -> None:
    assert phone_key(local, area_code="0731") == phone_key(full, area_code="0731") != ""


def test_the_area_code_may_be_written_without_its_trunk_zero() -> None:
    assert phone_key("84567890", area_code="731") == phone_key("0731-84567890", area_code="0731")
    assert phone_key("62345678", area_code="10") == phone_key("010-62345678", area_code="") != ""


def test_only_local_numbers_get_it() -> None:
    """Mobiles, service numbers and numbers that carry a trunk 0 already are left as they are."""
    for number in ("13800138000", "12345", "95598", "0731-84567890", "07318456"):
        assert phone_key(number, area_code="0731") == phone_key(number, area_code="")
    assert phone_key("84567890", area_code="") != phone_key("0731-84567890", area_code="")  # no area code set


def test_another_citys_area_code_is_another_caller() -> None:
    assert phone_key("84567890", area_code="010") != phone_key("0731-84567890", area_code="010")


def test_without_an_area_code_nothing_is_prefixed() -> None:
    """The plain package reads no settings: the platform passes the centre's (`triage.services.key_for`)."""
    assert phone_key("84567890") != phone_key("0755-84567890")
